// Results on a full disk (a tiny tmpfs mounted for the test; root only): the run says what happened
// in a sentence, keeps every whole line and leaves no torn one; a rewrite that finds no room for a
// second copy still replaces the old text (never keeps an address the new text scrubs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/model/measurement.js';
import { ResultsWriter } from '../../src/results/write.js';
import { runCli } from '../support/cli.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function catalogue(): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-full-cat-'));
  writeFileSync(
    join(d, 'controls.json'),
    JSON.stringify({
      service: 'controls',
      name: 'Controls',
      kind: 'controls',
      network: { neutral_sni: 'neutral.lab' },
      targets: [{ id: 'tls', role: 'control', check: 'tls', host: 'neutral.lab', source: 'test' }],
    }),
  );
  for (const s of ['whatsapp', 'viber', 'skype'])
    writeFileSync(
      join(d, `${s}.json`),
      JSON.stringify({
        service: s,
        name: s,
        targets: Array.from({ length: 6 }, (_, i) => ({
          id: `t${i}`,
          role: 'chat',
          check: 'tls',
          host: `h${i}.${s}.lab`,
          source: 'test',
        })),
      }),
    );
  return d;
}

describe.skipIf(!isRoot)('results on a full disk (tmpfs)', () => {
  let mnt = '';
  const mount = (size: string) => {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
    if (r.status !== 0) throw new Error(`mount: ${r.stderr}`);
  };
  const umount = () => spawnSync('umount', [mnt]);
  beforeAll(() => {
    mnt = mkdtempSync(join(tmpdir(), 'vp-full-'));
  });
  afterAll(() => {
    umount();
    rmSync(mnt, { recursive: true, force: true });
  });

  it('voipprobe run: a sentence, exit 1, every line whole, no stack trace', async () => {
    mount('12k');
    try {
      const r = await runCli([
        'run',
        '--targets',
        catalogue(),
        '--system-resolver',
        '127.0.0.1:9',
        '--resolver',
        '127.0.0.1:9',
        '--doh',
        'https://127.0.0.1:9/dns-query',
        '--timeout',
        '1',
        '--out',
        mnt,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /voipprobe: \d of 4 measurement\(s\) could not be written to .*: no space left on the device \(ENOSPC\); the \d line\(s\) it holds are whole/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const files = readdirSync(mnt);
      expect(files.length).toBeLessThanOrEqual(1);
      for (const f of files) {
        const text = readFileSync(join(mnt, f), 'utf8');
        expect(text.endsWith('\n')).toBe(true);
        for (const l of text.trim().split('\n')) expect((JSON.parse(l) as Measurement).test_keys.service).toBeTruthy();
      }
    } finally {
      umount();
    }
  });

  it('a rewrite without room for a second copy cuts back and appends the new text: no old text, no temp file', () => {
    mount('32k');
    const file = join(mnt, 'run.jsonl');
    const w = new ResultsWriter(file);
    try {
      const pad = 'x'.repeat(1500);
      for (const k of ['a', 'b', 'c'])
        expect(w.append(k, JSON.stringify({ id: k, seen: '203.0.113.7', pad }))).toBe(true);
      // Fill the rest of the disk, so that a temp copy of the file cannot be written.
      for (let n = 4096; n >= 1; n = Math.floor(n / 2)) {
        try {
          for (;;) writeFileSync(join(mnt, 'filler'), Buffer.alloc(n), { flag: 'a' });
        } catch {
          // full at this granularity; try smaller writes
        }
      }
      expect(
        w.replace(
          new Map([
            ['b', JSON.stringify({ id: 'b', seen: '[scrubbed]', pad })],
            ['c', JSON.stringify({ id: 'c', seen: '[scrubbed]', pad })],
          ]),
        ),
      ).toBe(true);
      w.close();
      const text = readFileSync(file, 'utf8');
      expect(
        text
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: string; seen: string }).seen),
      ).toEqual(['203.0.113.7', '[scrubbed]', '[scrubbed]']);
      expect(readdirSync(mnt).sort()).toEqual(['filler', 'run.jsonl']);
    } finally {
      w.close();
      umount();
    }
  });
});
