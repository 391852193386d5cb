// A results file is data from elsewhere: its corrupt lines are quoted on the terminal escaped, by the
// results reader (submit), the report reader (both its threads and its fast path) and the error path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { runCli } from '../../support/cli.js';

// Clear the screen, retitle the window, set a hyperlink, ring the bell; plus a C1 CSI and a bidi override.
const ATTACK = '\x1b[2J\x1b]0;owned\x07\x1b]8;;https://example.org\x1b\\link\x1b]8;;\x1b\\\x9b31m\u202e';

/** Bytes a terminal would act on (newlines and tabs aside). */
const DRIVES_TERMINAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

function resultsWithAttacks(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vp-term-'));
  const good = JSON.stringify(fakeMeasurement(1, { service: 'whatsapp' }));
  const lines = [
    good,
    `${ATTACK}{"not json`, // corrupt: JSON.parse quotes the start of the line
    `{"id": "${ATTACK}", "x": }`, // corrupt with the attack inside
    JSON.stringify({ ...fakeMeasurement(2), probe_cc: ATTACK }), // invalid (valid JSON, wrong field)
    `{"id":"torn${ATTACK}`, // torn last line
  ];
  writeFileSync(join(dir, `bad${ATTACK.slice(0, 5)}.jsonl`), lines.join('\n'));
  return dir;
}

describe('corrupt results lines on the terminal', () => {
  it('voipprobe report prints them escaped', async () => {
    const dir = resultsWithAttacks();
    const r = await runCli(['report', dir, '--no-seed-claims']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/corrupt/);
    expect(r.stderr).toContain('\\x1b');
    expect(r.stderr).not.toMatch(DRIVES_TERMINAL);
    expect(r.stdout).not.toMatch(DRIVES_TERMINAL);
  });

  it('voipprobe report --jobs 2 (reader threads) prints them escaped too', async () => {
    const dir = resultsWithAttacks();
    const r = await runCli(['report', dir, '--no-seed-claims', '--jobs', '2']);
    expect(r.stderr).toMatch(/corrupt/);
    expect(r.stderr).not.toMatch(DRIVES_TERMINAL);
  });

  it('voipprobe submit prints them escaped', async () => {
    const dir = resultsWithAttacks();
    const spool = mkdtempSync(join(tmpdir(), 'vp-term-spool-'));
    const r = await runCli(['submit', dir, '--spool', spool, '--collector', 'http://127.0.0.1:9', '--token', 't']);
    expect(r.stderr).toMatch(/corrupt line skipped/);
    expect(r.stderr).toContain('\\x1b');
    expect(r.stderr).not.toMatch(DRIVES_TERMINAL);
    expect(r.stdout).not.toMatch(DRIVES_TERMINAL);
  });

  it('a missing path named with escape sequences is quoted escaped', async () => {
    const r = await runCli(['report', `/nonexistent/${ATTACK}`, '--no-seed-claims']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(DRIVES_TERMINAL);
  });
});
