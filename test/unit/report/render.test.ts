// Renderers: what each format says, that JSON output validates against the committed JSON Schema, and
// that hostile strings from results or claims files come out inert.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadClaims } from '../../../src/claims/load.js';
import { BadLineTally, buildReport } from '../../../src/report/build.js';
import { renderHtml } from '../../../src/report/render/html.js';
import { renderMarkdown } from '../../../src/report/render/markdown.js';
import { renderTable } from '../../../src/report/render/table.js';
import { renderReport } from '../../../src/report/run.js';
import { type Report, reportJsonSchema, reportSchema } from '../../../src/report/schema.js';
import { claim, IAM, INWI, measurement, NETWORKS, stream } from './helpers.js';

const SCHEMA_FILE = join(import.meta.dirname, '..', '..', '..', 'src', 'report', 'report.schema.json');
const EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(2)>|*_`[x](http://evil.example/)\u001b[31m';

async function sample(): Promise<Report> {
  const claims = [
    claim({ id: 'blocked-now', effect: 'blocked', operators: [IAM], paths: ['call'] }),
    claim({ id: 'working-inwi', effect: 'working', operators: [INWI], access: 'mobile', paths: ['call'] }),
    claim({
      id: 'past',
      effect: 'blocked',
      operators: [INWI],
      period: { from: '2016-01', to: '2016-11-03', precision: 'day' },
    }),
    claim({
      id: 'lifted',
      effect: 'restored',
      operators: 'all',
      services: ['any'],
      paths: ['any'],
      period: { from: '2016-11-04', to: '2016-11-04', precision: 'day' },
    }),
    claim({ id: 'vpn', effect: 'circumvented' }),
    claim({
      id: 'evil',
      quote: EVIL,
      source: {
        key: 'evil',
        file: EVIL,
        outlet: EVIL,
        title: EVIL,
        language: 'en',
        published: { date: '2026', precision: 'year' },
      },
      speaker: { kind: 'reader_comment', name: EVIL },
      scope: undefined,
    }),
  ];
  const evilNet = { ...NETWORKS.iamMobile, name: EVIL, vantage: EVIL };
  const ms = [
    measurement({ call: 'blocked', chat: 'accessible', time: '2026-11-20 10:00:00' }),
    measurement({ call: 'blocked', chat: 'accessible', time: '2026-11-21 10:00:00' }),
    measurement({ net: NETWORKS.inwiMobile, call: 'accessible', chat: 'accessible', time: '2026-11-21 11:00:00' }),
    measurement({
      net: evilNet,
      service: 'viber',
      call: 'degraded',
      time: '2026-11-22 09:00:00',
      techniques: { call: ['throttled'] },
    }),
    measurement({ service: 'controls', time: '2026-11-20 10:00:00' }),
  ];
  const tally = new BadLineTally();
  tally.add({ file: `${EVIL}.jsonl`, line: 3, kind: 'corrupt', reason: EVIL });
  return buildReport(stream(ms, `results/${EVIL}.jsonl`), claims, {
    badLines: tally,
    attributions: ['IP-to-ASN: DB-IP (CC-BY 4.0)', EVIL],
    now: new Date('2026-11-24T00:00:00Z'),
    paths: ['results/'],
  });
}

describe('report data', () => {
  it('counts verdicts, measurements and controls', async () => {
    const r = await sample();
    expect(r.input.measurements).toBe(4);
    expect(r.input.controls).toBe(1);
    expect(r.input.bad_lines.corrupt).toBe(1);
    const v = Object.fromEntries(r.verdicts.map((x) => [x.claim.id, x.verdict]));
    expect(v).toEqual({
      'blocked-now': 'consistent',
      'working-inwi': 'consistent',
      past: 'historical',
      lifted: 'historical',
      vpn: 'not_tested',
      evil: 'consistent',
    });
    expect(r.verdict_counts).toEqual({ consistent: 3, contradicted: 0, not_tested: 1, historical: 2 });
  });

  it('validates against the committed JSON Schema, which matches the zod schema', async () => {
    const generated = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(SCHEMA_FILE, generated);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed, 'regenerate with UPDATE_SCHEMAS=1 npx vitest run test/unit/report').toBe(generated);
    const fromFile = z.fromJSONSchema(JSON.parse(committed));
    const out = JSON.parse(renderReport(await sample(), 'json'));
    expect(() => fromFile.parse(out)).not.toThrow();
    expect(reportSchema.parse(out)).toEqual(out);
    // The schema is not a rubber stamp.
    expect(fromFile.safeParse({ ...out, verdicts: [{ ...out.verdicts[0], verdict: 'probably' }] }).success).toBe(false);
    expect(fromFile.safeParse({ ...out, format_version: 1 }).success).toBe(false);
  });
});

describe('renderers', () => {
  it('every format opens with the summary: what was measured, then what it shows', async () => {
    const r = await sample();
    expect(r.summary.headline[0]).toMatch(/^Measured \d+ runs? on 3 networks/);
    expect(r.summary.headline.join(' ')).toContain('whatsapp: calls blocked on Maroc Telecom mobile');
    const t = renderTable(r);
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    expect(t.indexOf('SUMMARY')).toBeLessThan(t.indexOf('CLAIMS'));
    expect(t.indexOf('CLAIMS')).toBeLessThan(t.indexOf('EVIDENCE'));
    expect(t.indexOf('EVIDENCE')).toBeLessThan(t.indexOf('METHODS AND CAVEATS'));
    expect(md.indexOf('## Summary')).toBeLessThan(md.indexOf('## Claims'));
    expect(md.indexOf('## Evidence')).toBeLessThan(md.indexOf('## Methods and caveats'));
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="claims"'));
    expect(html.indexOf('id="evidence"')).toBeLessThan(html.indexOf('id="methods"'));
    const json = JSON.parse(renderReport(r, 'json'));
    expect(Object.keys(json).indexOf('summary')).toBeLessThan(Object.keys(json).indexOf('verdicts'));
  });

  it('table: findings, verdicts, evidence and contradictions; no escape sequences from data', async () => {
    const t = renderTable(await sample());
    expect(t).toMatch(
      /^blocked-now\s+consistent\s+blocked\s+whatsapp\s+Maroc Telecom AS6713\s+any\s+call\s+from 2026-11/m,
    );
    expect(t).toContain('measured as claimed in that period: on Maroc Telecom mobile: whatsapp calls blocked (2 runs)');
    expect(t).toMatch(/^past\s+claimed then, measured later/m);
    expect(t).not.toMatch(/consistent with the lifting|still blocked/);
    expect(t).toMatch(/whatsapp calls on Maroc Telecom mobile · casa: blocked — blocked in 2 of 2 decisive runs/);
    expect(t).toMatch(
      /^whatsapp\s+AS6713 Maroc Telecom \(MA\)\s+mobile\s+casa\s+2\s+partially_blocked\s+accessible\s+-\s+blocked\s+udp\.no_response ×2/m,
    );
    expect(t).toContain('CONTRADICTIONS BETWEEN CLAIMS');
    expect(t).toContain('Data: IP-to-ASN: DB-IP (CC-BY 4.0)');
    expect(t).not.toContain('\u001b');
  });

  it('markdown: tables with every data string escaped', async () => {
    const md = renderMarkdown(await sample());
    expect(md).toContain('# VoIP blocking: what was measured, and the claims');
    expect(md).toContain('| **blocked-now** |');
    expect(md).toContain('**claimed then, measured later**');
    expect(md).toContain('- IP-to-ASN: DB-IP \\(CC-BY 4.0\\)');
    expect(md).not.toMatch(/<script|<img/);
    expect(md).toContain('&lt;script&gt;');
    // Pipes from data never open a new table cell.
    for (const row of md.split('\n').filter((l) => l.startsWith('| **evil**')))
      expect(row.split(/(?<!\\)\|/).length).toBe(6);
  });

  it('html: every block says whether its evidence is strong or weak (or that the line did not say), and an unmeasured path is "not tested"', async () => {
    const ms = [
      measurement({ service: 'whatsapp', call: 'blocked', chat: 'accessible', strength: { call: 'strong' } }),
      measurement({ service: 'viber', chat: 'partially_blocked', web: 'accessible', strength: { chat: 'weak' } }),
      measurement({ service: 'skype', web: 'blocked' }),
      measurement({ service: 'mumble', web: 'accessible' }),
    ];
    const html = renderHtml(
      await buildReport(stream(ms), [], {
        badLines: new BadLineTally(),
        attributions: [],
        now: new Date('2026-11-24T00:00:00Z'),
        paths: ['results/'],
      }),
    );
    const evidence = html.slice(html.indexOf('id="evidence"'));
    const rowOf = (svc: string) => evidence.split('<tr>').find((r) => r.startsWith(`<td><b>${svc}</b>`))!;
    expect(rowOf('whatsapp')).toMatch(/blocked <span class="small" title="strong evidence">strong<\/span>/);
    expect(rowOf('viber')).toMatch(/partially blocked <span class="small" title="weak evidence">weak<\/span>/);
    expect(rowOf('skype')).toMatch(
      /blocked <span class="small" title="the line did not record how strong its evidence is">strength \?<\/span>/,
    );
    expect(rowOf('mumble')).not.toMatch(/strong|weak|strength/);
    expect(rowOf('mumble').match(/title="not tested">-</g)).toHaveLength(2); // chat and call
    // The summary grid too.
    const grid = html.slice(html.indexOf('id="grid"'), html.indexOf('</table>', html.indexOf('id="grid"')));
    expect(grid).toMatch(/calls ✗ blocked strong/);
    expect(grid).toMatch(/chat ◐ partly blocked weak/);
    expect(grid).toMatch(/web ✗ blocked \(strength not recorded\)/);
  });

  it('html: self-contained, escaped, summary grid, timeline', async () => {
    const html = renderHtml(await sample());
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    );
    expect(html).not.toMatch(/<script|<img|<iframe|<link|<object|@import|url\(/i);
    expect(html).not.toMatch(/<[a-z][^>]*\s(src|href|on[a-z]+)=/i); // no tag of ours loads or runs anything
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('id="grid"');
    expect(html).toContain('id="chart-time-title"');
    expect(html).toContain('@media print');
    expect(html).toContain('Data sources: IP-to-ASN: DB-IP (CC-BY 4.0)');
    expect(html).toContain('<blockquote lang="en">');
    // No local path of a claims or results file.
    expect(html).not.toMatch(/\/tmp\/|\/home\/|\/work\//);
  });

  it('an empty report renders in every format', async () => {
    const r = await buildReport(stream([]), [], { now: new Date('2026-11-24T00:00:00Z') });
    for (const f of ['table', 'md', 'json', 'html'] as const) expect(renderReport(r, f).length).toBeGreaterThan(100);
    expect(renderTable(r)).toContain('(no measurements)');
  });

  it('renders the bundled claims against a few measurements', async () => {
    const { claims } = loadClaims();
    const r = await buildReport(
      stream([measurement({ call: 'accessible', chat: 'accessible', web: 'accessible' })]),
      claims,
      { now: new Date('2026-11-24T00:00:00Z') },
    );
    const t = renderTable(r);
    expect(t).toMatch(/^002-18\s+not tested/m); // Inwi 3G: no Inwi measurement here
    expect(t).toMatch(/^003-04\s+claimed then, measured later/m);
    expect(t).toContain('THE RECORD (external facts');
    expect(renderHtml(r)).toContain('Morocco Bans Skype, WhatsApp, in VoIP Crackdown by State ISP');
    // 003-04 names three operators; only Maroc Telecom was measured.
    expect(r.verdicts.find((v) => v.claim.id === '003-04')!.historical!.reading).toContain(
      'Meditel and Inwi not measured',
    );
  });
});
