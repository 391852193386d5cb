// `voipprobe schedule` as a user runs it: a value that would inject a crontab line is refused with exit 2.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { fakeCrontab } from '../../support/fake-crontab.js';

describe('voipprobe schedule (the built CLI)', () => {
  it('a newline in an argument after -- is refused with exit 2 and never reaches the crontab', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-schedule-cli-'));
    const fake = fakeCrontab(dir);
    const evil = 'x\n* * * * * id >owned #';
    const r = await runCli(['schedule', '--every', '15m', '--workdir', dir, '--install', '--', '--vantage', evil], {
      env: { VOIPPROBE_CRONTAB: fake.command },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^voipprobe: the run argument "x\\n\* \* \* \* \* id >owned #" contains the control character/,
    );
    expect(existsSync(fake.file)).toBe(false);
  });
});
