// The HTML report in a real headless Chromium: it renders, logs no error, fetches nothing, and a
// screenshot (and a print PDF) come out.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../../src/claims/load.js';
import { buildReport } from '../../../src/report/build.js';
import { renderHtml } from '../../../src/report/render/html.js';
import { measurement, NETWORKS, stream } from '../../unit/report/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EVIL = '<script>console.error("xss")</script><img src="http://203.0.113.1/x.png" onerror="console.error(1)">';

async function reportHtml(): Promise<string> {
  const { claims } = loadClaims();
  const days = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'];
  const ms = days.flatMap((d) => [
    measurement({ time: `${d} 10:00:00`, call: 'blocked', chat: 'accessible', web: 'accessible' }),
    measurement({ time: `${d} 10:00:00`, service: 'skype', call: 'blocked', chat: 'accessible', web: 'accessible' }),
    measurement({ time: `${d} 11:00:00`, net: NETWORKS.inwiMobile, call: 'accessible', chat: 'accessible', web: 'accessible' }),
    measurement({ time: `${d} 12:00:00`, net: NETWORKS.iamFixed, service: 'viber', call: 'degraded', chat: 'accessible', web: 'inconclusive' }),
    measurement({ time: `${d} 12:00:00`, net: { ...NETWORKS.meditelMobile, name: EVIL, vantage: EVIL }, call: 'accessible', chat: 'accessible' }),
  ]);
  const r = await buildReport(stream(ms, `results/${EVIL}.jsonl`), claims, {
    attributions: ['IP to ASN: DB-IP Lite (CC BY 4.0), https://db-ip.com', EVIL],
    now: new Date('2026-11-24T00:00:00Z'),
  });
  return renderHtml(r);
}

describe('HTML report in headless Chromium', () => {
  it('renders without console errors or network requests, and screenshots', async (ctx) => {
    if (!existsSync(CHROMIUM)) {
      ctx.skip(`${CHROMIUM} not found: install the Debian package "chromium" to run the browser test`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'vp-html-'));
    const page1 = join(dir, 'report.html');
    writeFileSync(page1, await reportHtml());
    const url = `file://${page1}`;
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
    const errors: string[] = [];
    const requests: string[] = [];
    try {
      // Nothing may leave the page: every request other than the file itself is recorded and aborted.
      await browser.route('**/*', (route) => {
        const u = route.request().url();
        requests.push(u);
        return u === url ? route.continue() : route.abort();
      });
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await page.goto(url, { waitUntil: 'load' });
      expect(await page.title()).toBe('VoIP blocking: claims and measurements');
      expect(await page.locator('svg.chart').count()).toBe(2);
      expect(await page.locator('svg.strip').count()).toBeGreaterThan(0);
      expect(await page.locator('#claims tbody tr').count()).toBe(loadClaims().claims.length);
      // The hostile strings are text, not markup.
      expect(await page.locator('img, script, iframe').count()).toBe(0);
      expect(await page.locator('#evidence').innerText()).toContain('<script>console.error("xss")</script>');
      const chart = await page.locator('svg.chart').first().boundingBox();
      expect(chart!.width).toBeGreaterThan(300);
      expect(chart!.height).toBeGreaterThan(150);

      const png = join(dir, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      const head = readFileSync(png).subarray(0, 8);
      expect(head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect(statSync(png).size).toBeGreaterThan(50_000);

      await page.emulateMedia({ media: 'print' });
      const printPng = join(dir, 'report-print.png');
      await page.screenshot({ path: printPng });
      const pdf = join(dir, 'report.pdf');
      await page.pdf({ path: pdf, format: 'A4', printBackground: true });
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      process.stdout.write(`[html-report] screenshots: ${png} ${printPng}; print: ${pdf}\n`);
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
  });
});
