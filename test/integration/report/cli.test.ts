// End to end: `voipprobe report` and `voipprobe claims` as a user runs them (the built binary), with
// exit codes: 0 when a report was produced, 2 for bad input.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runCli } from '../../support/cli.js';
import { measurement, NETWORKS } from '../../unit/report/helpers.js';

const work = mkdtempSync(join(tmpdir(), 'vp-report-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const results = join(work, 'results');
mkdirSync(join(results, 'nested'), { recursive: true });
const l = (o: Parameters<typeof measurement>[0]) => JSON.stringify(measurement(o));
writeFileSync(
  join(results, 'a.jsonl'),
  [
    l({ time: '2026-11-20 10:00:00', call: 'blocked', chat: 'accessible' }),
    '{"id": "broken", ',
    l({ time: '2026-11-21 10:00:00', service: 'controls' }),
    l({ time: '2026-11-21 10:00:00', net: NETWORKS.inwiMobile, call: 'accessible', chat: 'accessible' }),
    '{"id":"torn","report_id":"x","measurement_st',
  ].join('\n'),
);
writeFileSync(
  join(results, 'nested', 'b.jsonl'),
  `${l({ time: '2026-11-22 10:00:00', service: 'skype', call: 'blocked', chat: 'accessible' })}\n`,
);

// Another country's ban, in a user's claims file.
const zz = {
  sources: {
    rep: {
      file: 'https://example.org/zz-ban',
      outlet: 'ZZ Times',
      title: 'Calls cut',
      language: 'en',
      published: { date: '2026-11-01', precision: 'day' },
    },
  },
  operators: { zzm: { name: 'ZZ Mobile', asn: 'AS64500', country: 'ZZ' } },
  claims: [
    {
      id: 'zz-calls',
      source: 'rep',
      speaker: { kind: 'official', name: 'ZZ regulator' },
      quote: 'WhatsApp calls are suspended on mobile networks',
      country: 'ZZ',
      services: ['whatsapp'],
      operators: ['zzm'],
      access: 'mobile',
      period: { from: '2026-11', to: null, precision: 'month' },
      effect: 'blocked',
      paths: ['call'],
    },
    {
      id: 'zz-chat',
      source: 'rep',
      speaker: { kind: 'reader_comment' },
      quote: 'chat still works for me',
      country: 'ZZ',
      services: ['whatsapp'],
      operators: 'all',
      access: 'any',
      period: { from: '2026-11-01', to: null, precision: 'day' },
      effect: 'working',
      paths: ['chat'],
    },
  ],
};
const zzClaims = join(work, 'zz-claims.json');
writeFileSync(zzClaims, JSON.stringify(zz, null, 2));
const zzResults = join(work, 'zz.jsonl');
const zzNet = { asn: 'AS64500', cc: 'ZZ', name: 'ZZ Mobile', access: 'mobile' as const, vantage: 'capital' };
writeFileSync(
  zzResults,
  `${[1, 2, 3].map((d) => l({ time: `2026-11-0${d} 08:00:00`, net: zzNet, call: 'blocked', chat: 'accessible' })).join('\n')}\n`,
);

describe('voipprobe report', () => {
  it('prints the table, reports bad lines on stderr with file:line, and exits 0', async () => {
    const r = await runCli(['report', results]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^voipprobe report: 3 measurements from 2 files/);
    expect(r.stdout).toMatch(/^SUMMARY\n {2}Measured 3 runs? on 2 networks/m);
    expect(r.stdout).toMatch(/^001-01\s+claimed then, measured later/m);
    expect(r.stdout).toMatch(/^002-18\s+not tested/m); // skype on Inwi: not measured here
    expect(r.stderr).toContain(`${join(results, 'a.jsonl')}:2: corrupt: `);
    expect(r.stderr).toContain(`${join(results, 'a.jsonl')}:5: torn: last line cut short`);
    expect(r.stderr).toContain(
      'voipprobe: 2 bad line(s) skipped (1 corrupt, 1 torn, 0 invalid, 0 without a usable verdict)',
    );
  });

  it('a FIFO, a device and a symlink loop in a results folder are skipped with a message; the report is made', async () => {
    const d = mkdtempSync(join(work, 'odd-'));
    writeFileSync(
      join(d, 'good.jsonl'),
      `${l({ time: '2026-11-20 10:00:00', call: 'blocked', chat: 'accessible' })}\n`,
    );
    execFileSync('mkfifo', [join(d, 'pipe.jsonl')]);
    symlinkSync('/dev/zero', join(d, 'zero.jsonl'));
    mkdirSync(join(d, 'sub'));
    symlinkSync('..', join(d, 'sub', 'up'));
    const r = await runCli(['report', d, '--format', 'json'], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${join(d, 'pipe.jsonl')}: skipped: a FIFO (named pipe)`);
    expect(r.stderr).toContain(`${join(d, 'zero.jsonl')}: skipped: a character device`);
    expect(r.stderr).toContain(`${join(d, 'sub', 'up')}: skipped: a symlink loop`);
    // The report names files relative to the folder given (never the machine's local paths).
    expect((JSON.parse(r.stdout) as { input: { measurements: number; files: string[] } }).input).toMatchObject({
      measurements: 1,
      files: [join(basename(d), 'good.jsonl')],
    });
  });

  it('reads results/ in the working directory by default', async () => {
    const r = await runCli(['report', '--format', 'json'], { cwd: work });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).input.measurements).toBe(3);
  });

  it('writes JSON that validates against the published schema', async () => {
    const r = await runCli(['report', results, '--format', 'json']);
    expect(r.code).toBe(0);
    const schema = z.fromJSONSchema(
      JSON.parse(readFileSync(join(import.meta.dirname, '../../../src/report/report.schema.json'), 'utf8')),
    );
    const out = JSON.parse(r.stdout);
    expect(schema.safeParse(out).success).toBe(true);
    expect(out.input.bad_lines).toMatchObject({ total: 2, corrupt: 1, torn: 1 });
    expect(
      out.claims.contradictions.map((c: { id: string; certainty: string }) => `${c.id} ${c.certainty}`).slice(0, 3),
    ).toEqual(['C1 definite', 'C2 definite', 'C3 possible']);
    // Files are named as given, never by the directories above them.
    expect(out.input.files).toEqual(['results/a.jsonl', 'results/nested/b.jsonl']);
    expect(out.claims.files).toEqual(['seeds/claims.json', 'seeds/facts.json']);
  });

  it('counts a measurement once, however many times its file is given (report D D D/f)', async () => {
    const once = JSON.parse((await runCli(['report', results, '--format', 'json'])).stdout);
    const thrice = await runCli(['report', results, results, join(results, 'a.jsonl'), '--format', 'json']);
    expect(thrice.code).toBe(0);
    const out = JSON.parse(thrice.stdout);
    expect(out.input.measurements).toBe(once.input.measurements);
    expect(out.verdict_counts).toEqual(once.verdict_counts);
    // A copy of a file under another name: the same measurements, counted once and said so.
    const copyDir = mkdtempSync(join(work, 'copy-'));
    writeFileSync(join(copyDir, 'a.jsonl'), readFileSync(join(results, 'a.jsonl')));
    writeFileSync(join(copyDir, 'a-copy.jsonl'), readFileSync(join(results, 'a.jsonl')));
    for (const jobs of ['1', '2']) {
      const c = JSON.parse((await runCli(['report', copyDir, '--format', 'json', '--jobs', jobs])).stdout);
      expect(c.input.measurements, `--jobs ${jobs}`).toBe(2);
      expect(c.input.duplicates, `--jobs ${jobs}`).toBe(2);
    }
  });

  it('writes Markdown and HTML to --out', async () => {
    const md = join(work, 'out', 'report.md');
    const html = join(work, 'out', 'report.html');
    expect((await runCli(['report', results, '--format', 'md', '--out', md])).code).toBe(0);
    expect(readFileSync(md, 'utf8')).toMatch(/^# VoIP blocking: what was measured, and the claims\n\n## Summary/);
    const r = await runCli(['report', results, '--format', 'html', '--out', html]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`report written to ${html}`);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('holds a user claims file for another country against its measurements', async () => {
    const r = await runCli(['report', zzResults, '--claims', zzClaims, '--no-seed-claims', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const v = Object.fromEntries(
      out.verdicts.map((x: { claim: { id: string }; verdict: string }) => [x.claim.id, x.verdict]),
    );
    expect(v).toEqual({ 'zz-calls': 'consistent', 'zz-chat': 'consistent' });
    expect(out.verdicts[0].evidence[0]).toMatchObject({
      file: 'zz.jsonl',
      report_id: expect.stringContaining('_ZZ_64500_'),
      status: 'blocked',
    });
  });

  it('filters by service and time', async () => {
    const r = await runCli([
      'report',
      results,
      '--service',
      'skype',
      '--since',
      '2026-11-22',
      '--until',
      '2026-11-22',
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.input.measurements).toBe(1);
    expect(out.input.filtered_out).toBe(2);
    expect(out.filters).toEqual({ services: ['skype'], since: '2026-11-22 00:00:00', until: '2026-11-22 23:59:59' });
    expect(
      out.verdicts.every((x: { claim: { services: string[] } }) =>
        x.claim.services.some((s) => s === 'skype' || s === 'any'),
      ),
    ).toBe(true);
  });

  it.each([
    [['report', join(work, 'missing')], /missing: cannot read: ENOENT/],
    [['report', results, '--format', 'pdf'], /--format: expected one of table, md, json, html, got "pdf"/],
    [['report', results, '--since', '2026-13-01'], /--since: not a calendar date/],
    [['report', results, '--since', '2026-11-23', '--until', '2026-11-01'], /is after --until/],
    [['report', results, '--claims', join(work, 'nope.json')], /nope\.json: cannot read claims file: ENOENT/],
    [
      ['report', results, '--service', 'whatsap'],
      /--service: unknown service "whatsap" \(did you mean "whatsapp"\?\); known: .*viber, whatsapp/,
    ],
  ])('exits 2 for bad input: %j', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('exits 2 for an invalid claims file, naming the file, line and claim', async () => {
    const bad = join(work, 'bad-claims.json');
    writeFileSync(bad, JSON.stringify({ ...zz, claims: [{ ...zz.claims[0], effect: 'banned' }] }, null, 2));
    const r = await runCli(['report', results, '--claims', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: claims\\[0\\]\\.effect \\(claim "zz-calls"\\)`,
      ),
    );
  });
});

describe('simulated data (voipprobe demo) is never mistaken for real', () => {
  const simDir = mkdtempSync(join(work, 'sim-'));
  const sim = (o: Parameters<typeof measurement>[0]) => {
    const m = measurement(o);
    m.annotations = { x_simulation: 'voipprobe demo: loopback lab, scenario 9 (Morocco 2016); not a real network' };
    return JSON.stringify(m);
  };
  writeFileSync(
    join(simDir, 'demo.jsonl'),
    `${[sim({ time: '2026-11-20 10:00:00', call: 'blocked', chat: 'accessible' }), sim({ time: '2026-11-20 10:00:00', service: 'viber', call: 'blocked', chat: 'accessible' })].join('\n')}\n`,
  );

  it('a report over simulated lines says so at the top, at the bottom and on every row, in every format', async () => {
    const t = await runCli(['report', simDir]);
    expect(t.code).toBe(0);
    expect(t.stdout.startsWith('SIMULATED DATA: lines written by voipprobe demo')).toBe(true);
    expect(t.stdout.trimEnd().endsWith('Nothing here was measured on a real network.')).toBe(true);
    const evidence = t.stdout
      .slice(t.stdout.indexOf('EVIDENCE'), t.stdout.indexOf('METHODS'))
      .split('\n')
      .filter((l) => /^(whatsapp|viber)\s/.test(l));
    expect(evidence).toHaveLength(2);
    for (const row of evidence) expect(row).toContain('SIMULATED');
    expect(t.stdout).toMatch(/^000-02 \[SIMULATED\]\s+claimed then, measured later/m);
    const md = await runCli(['report', simDir, '--format', 'md']);
    expect(md.stdout).toContain('> **SIMULATED DATA');
    const json = JSON.parse((await runCli(['report', simDir, '--format', 'json'])).stdout);
    expect(json).toMatchObject({ simulated: true, input: { simulated: 2 } });
    expect(json.evidence.every((e: { vantage: { simulated: boolean } }) => e.vantage.simulated)).toBe(true);
  });

  it('real and simulated lines together are refused (exit 2) unless --mix-simulated', async () => {
    const refused = await runCli(['report', simDir, results]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mixes 3 real measurement\(s\) with 2 simulated one\(s\).*--mix-simulated/);
    expect(refused.stdout).toBe('');
    const mixed = await runCli(['report', simDir, results, '--mix-simulated', '--format', 'json']);
    expect(mixed.code).toBe(0);
    const out = JSON.parse(mixed.stdout);
    expect(out.simulated).toBe(true);
    expect(out.summary.measured.filter((m: { vantage: { simulated: boolean } }) => m.vantage.simulated)).toHaveLength(
      1,
    );
    expect(out.summary.measured.filter((m: { vantage: { simulated: boolean } }) => !m.vantage.simulated)).toHaveLength(
      2,
    );
  });
});

describe('voipprobe claims', () => {
  it('lists claims with filters', async () => {
    const r = await runCli(['claims', '--service', 'skype', '--operator', 'AS36884']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^002-18\s+working\s+skype\s+Inwi AS36884\s+mobile/m);
    expect(r.stdout).toMatch(/^002-22\s+working/m);
    expect(r.stdout).not.toMatch(/^002-16/m); // Maroc Telecom only
    expect(r.stdout).toMatch(/^003-08\s+blocked\s+skype\s+all operators \(MA\)/m);
  });

  it.each([
    [['claims', '--service', 'whatsap'], /--service: unknown service "whatsap" \(did you mean "whatsapp"\?\); known: /],
    [
      ['claims', '--operator', 'Oranje'],
      /--operator: unknown operator "Oranje" \(did you mean "Orange"\?\); known: .*Maroc Telecom/,
    ],
    [['claims', '--operator', 'AS3215'], /--operator: unknown operator "AS3215"/],
  ])('unknown names are errors with hints, exit 2: %j', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an operator named by an alias selects its claims (Orange is Meditel)', async () => {
    const r = await runCli(['claims', '--operator', 'Orange']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^002-22\s+working/m);
  });

  it('--contradicted lists the contradictions as JSON', async () => {
    const r = await runCli(['claims', '--contradicted', '--format', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.contradictions.length).toBeLessThan(15);
    expect(out.contradictions.filter((c: { certainty: string }) => c.certainty === 'definite')).toHaveLength(2);
    const ids = new Set(out.claims.map((c: { id: string }) => c.id));
    expect(ids.has('003-06')).toBe(true);
    expect(ids.has('000-04')).toBe(false); // circumvention conflicts with nothing
  });

  it('merges user files and can leave the bundled claims out', async () => {
    const r = await runCli(['claims', '--claims', zzClaims, '--no-seed-claims']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^zz-calls\s+blocked\s+whatsapp\s+ZZ Mobile AS64500\s+mobile\s+call/m);
    expect(r.stdout).toContain('2 claim(s); 0 contradiction(s) involve them, 0 definite');
  });

  it('prints the claims file schema', async () => {
    const r = await runCli(['claims', '--schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(join(import.meta.dirname, '../../../seeds/claims.schema.json'), 'utf8')),
    );
  });

  it('exits 2 on a bad format', async () => {
    const r = await runCli(['claims', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format: expected table or json');
  });
});

describe('reader threads', () => {
  it('give the same report as one reader, bad lines included', async () => {
    const d = mkdtempSync(join(work, 'jobs-'));
    const nets = [
      NETWORKS.iamMobile,
      NETWORKS.iamFixed,
      NETWORKS.inwiMobile,
      NETWORKS.meditelMobile,
      NETWORKS.orangeFr,
    ];
    nets.forEach((net, k) => {
      const rows: string[] = [];
      for (let i = 0; i < 300; i++) {
        const day = `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`;
        rows.push(
          l({
            net,
            time: `${day} ${String(i % 24).padStart(2, '0')}:00:00`,
            call: (i + k) % 3 ? 'blocked' : 'accessible',
            chat: i % 11 ? 'accessible' : 'inconclusive',
            web: 'accessible',
          }),
        );
        if (i % 97 === 5) rows.push('{"corrupt": ');
      }
      writeFileSync(join(d, `${k}.jsonl`), `${rows.join('\n')}\n{"torn"`);
    });
    const one = await runCli(['report', d, '--format', 'json', '--jobs', '1']);
    const three = await runCli(['report', d, '--format', 'json', '--jobs', '3']);
    expect(one.code).toBe(0);
    expect(three.code).toBe(0);
    const strip = (s: string) => ({ ...JSON.parse(s), generated_at: 'x' });
    expect(strip(three.stdout)).toEqual(strip(one.stdout));
    expect(JSON.parse(one.stdout).input.bad_lines).toMatchObject({ corrupt: 20, torn: 5 });
    expect(
      three.stderr
        .split('\n')
        .filter((x) => /: (corrupt|torn): /.test(x))
        .sort(),
    ).toEqual(
      one.stderr
        .split('\n')
        .filter((x) => /: (corrupt|torn): /.test(x))
        .sort(),
    );
  });

  it('a missing path is bad input with threads too', async () => {
    const r = await runCli(['report', join(work, 'missing.jsonl'), results, '--jobs', '2']);
    expect(r.code).toBe(2);
  });
});
