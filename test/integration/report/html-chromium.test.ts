// The HTML report in a real headless Chromium: it renders at a desktop and a phone width without
// console errors, network requests or anything cut off; screenshots of both widths are written to the
// test output; the summary comes first; a week of hourly runs from three networks prints on at most
// six A4 pages; a simulated report says so on every printed page.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWeek } from '../../../bench/report-data.js';
import { loadClaims } from '../../../src/claims/load.js';
import { buildReport } from '../../../src/report/build.js';
import { renderHtml } from '../../../src/report/render/html.js';
import { produceReport } from '../../../src/report/run.js';
import { measurement, NETWORKS, stream } from '../../unit/report/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const EVIL = '<script>console.error("xss")</script><img src="http://203.0.113.1/x.png" onerror="console.error(1)">';
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const out = join(tmpdir(), 'voipprobe-html-report');
mkdirSync(out, { recursive: true });
const have = existsSync(CHROMIUM);
let browser: BrowserContext | undefined;

beforeAll(async () => {
  if (!have) return;
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'vp-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** Opens the HTML at a width, recording console errors and every request (all but the file are aborted). */
async function open(file: string, width: number, height: number) {
  const url = `file://${file}`;
  const errors: string[] = [];
  const requests: string[] = [];
  const page = await browser!.newPage();
  await page.setViewportSize({ width, height });
  await page.route('**/*', (route) => {
    const u = route.request().url();
    requests.push(u);
    return u === url ? route.continue() : route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, errors, requests, url };
}

function pdfPages(pdf: string): number {
  return (
    readFileSync(pdf)
      .toString('latin1')
      .match(/\/Type\s*\/Page[^s]/g) ?? []
  ).length;
}

async function hostileHtml(): Promise<string> {
  const { claims } = loadClaims();
  const days = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'];
  const ms = days.flatMap((d) => [
    measurement({ time: `${d} 10:00:00`, call: 'blocked', chat: 'accessible', web: 'accessible' }),
    measurement({ time: `${d} 10:00:00`, service: 'skype', call: 'blocked', chat: 'accessible', web: 'accessible' }),
    measurement({
      time: `${d} 11:00:00`,
      net: NETWORKS.inwiMobile,
      call: 'accessible',
      chat: 'accessible',
      web: 'accessible',
    }),
    measurement({
      time: `${d} 12:00:00`,
      net: NETWORKS.iamFixed,
      service: 'viber',
      call: 'degraded',
      chat: 'accessible',
      web: 'inconclusive',
    }),
    measurement({
      time: `${d} 12:00:00`,
      net: { ...NETWORKS.meditelMobile, name: EVIL, vantage: EVIL },
      call: 'accessible',
      chat: 'accessible',
    }),
  ]);
  const r = await buildReport(stream(ms, `results/${EVIL}.jsonl`), claims, {
    attributions: ['IP to ASN: DB-IP Lite (CC BY 4.0), https://db-ip.com', EVIL],
    now: new Date('2026-11-24T00:00:00Z'),
  });
  return renderHtml(r);
}

describe.skipIf(!have)('HTML report in headless Chromium', () => {
  it('renders hostile strings as text, fetches nothing, logs no error', async () => {
    const file = join(out, 'hostile.html');
    writeFileSync(file, await hostileHtml());
    const { page, errors, requests, url } = await open(file, 1280, 900);
    expect(await page.locator('img, script, iframe').count()).toBe(0);
    expect(await page.locator('#evidence').innerText()).toContain('<script>console.error("xss")</script>');
    await page.close();
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
  });

  it('a week of hourly runs from three networks: summary first, readable at phone and desktop widths, at most six printed pages', async () => {
    const data = mkdtempSync(join(tmpdir(), 'vp-week-'));
    generateWeek(data);
    const report = await produceReport({ paths: [data], now: new Date('2026-09-08T00:00:00Z') });
    const file = join(out, 'week.html');
    writeFileSync(file, renderHtml(report));
    const shots: string[] = [];
    for (const w of WIDTHS) {
      const { page, errors, requests, url } = await open(file, w.width, w.height);
      // Summary first: the first section, and what it says is above the fold.
      expect(await page.locator('section').first().getAttribute('id')).toBe('summary');
      const lead = await page.locator('#summary ul.lead').innerText();
      expect(lead).toMatch(/^Measured \d+ runs on 3 networks/);
      expect(lead).toMatch(/whatsapp: calls blocked on Maroc Telecom mobile/);
      // Nothing wider than the screen but the tables that scroll on their own.
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(1);
      // Network names are whole in the grid, the legend words are all there.
      const grid = await page.locator('#grid thead').innerText();
      for (const n of ['Maroc Telecom mobile', 'Orange Maroc mobile', 'Inwi mobile']) expect(grid).toContain(n);
      const legend = await page.locator('#summary p.muted').first().innerText();
      for (const word of ['works', 'blocked', 'partly blocked', 'degraded', 'could not tell'])
        expect(legend).toContain(word);
      const png = join(out, `week-${w.name}.png`);
      await page.screenshot({ path: png, fullPage: false });
      const full = join(out, `week-${w.name}-full.png`);
      await page.screenshot({ path: full, fullPage: true });
      expect(statSync(png).size).toBeGreaterThan(20_000);
      shots.push(png, full);
      await page.close();
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
    }
    const { page } = await open(file, 1280, 900);
    const pdf = join(out, 'week.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    await page.close();
    const pages = pdfPages(pdf);
    process.stdout.write(
      `[html-report] week of hourly runs, 3 networks: ${pages} printed pages; screenshots: ${shots.join(' ')}; print: ${pdf}\n`,
    );
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThanOrEqual(6);
  }, 120_000);

  it('a simulated report says so on every printed page and every row', async () => {
    const ms = ['2026-11-20', '2026-11-21'].map((d) => {
      const m = measurement({ time: `${d} 10:00:00`, call: 'blocked', chat: 'accessible', web: 'accessible' });
      m.annotations = { x_simulation: 'voipprobe demo: loopback lab, scenario 9' };
      return m;
    });
    const r = await buildReport(stream(ms), loadClaims().claims, { now: new Date('2026-11-24T00:00:00Z') });
    const file = join(out, 'simulated.html');
    writeFileSync(file, renderHtml(r));
    const { page } = await open(file, 1280, 900);
    expect(await page.locator('.sim').first().innerText()).toContain('SIMULATED DATA');
    for (const row of await page.locator('#grid thead th:not(:first-child), #evidence tbody tr').all())
      expect(await row.innerText()).toContain('SIMULATED');
    const pdf = join(out, 'simulated.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    await page.close();
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    const pages = text.split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages) expect(p.replace(/\s+/g, ' ')).toContain('SIMULATED DATA: lines written by voipprobe demo');
  }, 60_000);
});
