// End to end through the real binary, loopback only: `voipprobe run --config --submit` with the
// collector down writes its results and spools them; the vantage comes from the config and the STUN
// answer (a fake neutral STUN server on 127.0.0.1 says our public address is 41.250.7.9, which the
// bundled databases map to Maroc Telecom, MA); that address is scrubbed everywhere; once the
// collector is up, `voipprobe submit` delivers the spool.

import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../bench/support/pg-cluster.js';
import type { Measurement } from '../../../src/model/measurement.js';
import { runCli } from '../../support/cli.js';
import { startTestCollector, TOKEN } from './harness.js';

const PUBLIC_IP = '41.250.7.9';

/** Answers every STUN Binding request with XOR-MAPPED-ADDRESS = PUBLIC_IP:40000. */
function fakeStun(): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001) return;
    const cookie = msg.subarray(4, 8);
    const txid = msg.subarray(8, 20);
    const addr = Buffer.from(PUBLIC_IP.split('.').map(Number)).map((b, i) => b ^ cookie[i]!);
    const port = 40000 ^ 0x2112;
    const attr = Buffer.concat([
      Buffer.from([0x00, 0x20, 0x00, 0x08, 0x00, 0x01, port >> 8, port & 0xff]),
      Buffer.from(addr),
    ]);
    const head = Buffer.concat([Buffer.from([0x01, 0x01, 0x00, attr.length]), cookie, txid]);
    s.send(Buffer.concat([head, attr]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function catalogue(stunPort: number): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-submit-cat-'));
  writeFileSync(
    join(d, 'controls.json'),
    JSON.stringify({
      service: 'controls',
      name: 'Controls',
      kind: 'controls',
      network: { neutral_sni: 'neutral.lab', public_ranges: ['127.0.0.0/8'] },
      targets: [
        {
          id: 'stun',
          role: 'control',
          check: 'stun',
          host: '127.0.0.1',
          ports: [stunPort],
          answers_binding: true,
          source: 'test',
        },
      ],
    }),
  );
  writeFileSync(
    join(d, 'whatsapp.json'),
    JSON.stringify({
      service: 'whatsapp',
      name: 'WhatsApp',
      targets: [
        { id: 'chat', role: 'chat', check: 'tcp', host: '127.0.0.1', ports: [9], source: 'test' },
        {
          id: 'relay',
          role: 'call',
          check: 'stun',
          host: '127.0.0.1',
          ports: [stunPort],
          answers_binding: true,
          source: 'test',
        },
      ],
    }),
  );
  return d;
}

let stun: Socket;
beforeAll(async () => {
  stun = await fakeStun();
});
afterAll(() => {
  stun.close();
});

describe('voipprobe run --submit, then voipprobe submit (real binary)', () => {
  it('collector down: results written and spooled; vantage from config + STUN; address scrubbed; later submit delivers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-run-submit-'));
    const port = await freePort();
    writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(
      join(dir, 'voipprobe.config.json'),
      JSON.stringify({
        labels: { access: 'mobile', vantage: 'casa-iam-4g' },
        timeouts: { step: 1, deadline: 8 },
        collector: { url: `http://127.0.0.1:${port}`, token_file: 'token' },
        spool_dir: 'spool',
      }),
    );
    const stunPort = (stun.address() as AddressInfo).port;
    const out = join(dir, 'results');
    const r = await runCli(
      [
        'run',
        '--config',
        join(dir, 'voipprobe.config.json'),
        '--submit',
        '--jitter',
        '0.2',
        '--targets',
        catalogue(stunPort),
        '--system-resolver',
        '127.0.0.1:9',
        '--resolver',
        '127.0.0.1:9',
        '--doh',
        'https://127.0.0.1:9/dns-query',
        '--out',
        out,
      ],
      { cwd: dir, env: { VOIPPROBE_LOG: 'error' } },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/voipprobe submit: sent 0, failed \d+ \(kept, will retry\)/);
    const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
    const text = readFileSync(join(out, files[0]!), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Measurement);
    expect(lines.map((m) => m.test_keys.service).sort()).toEqual(['controls', 'whatsapp']);
    for (const m of lines) {
      expect(m).toMatchObject({
        probe_asn: 'AS36903',
        probe_cc: 'MA',
        x_access: 'mobile',
        x_vantage: 'casa-iam-4g',
        probe_ip: '127.0.0.1',
      });
      expect(m.probe_network_name).toMatch(/Maroc Telecom/);
      expect(m.annotations.x_geoip_attribution).toMatch(/IP Geolocation by DB-IP/);
      expect(m.report_id).toMatch(/_MA_36903_/);
    }
    expect(text).not.toContain(PUBLIC_IP);
    expect(text).toContain('[scrubbed]');
    // Everything measured waits in the spool.
    const spooled = readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.json'));
    expect(spooled.sort()).toEqual(lines.map((m) => `${m.id}.json`).sort());

    const c = await startTestCollector({ port });
    try {
      const s = await runCli(['submit', '--config', join(dir, 'voipprobe.config.json'), '--now'], { cwd: dir });
      expect(s.code).toBe(0);
      expect(s.stdout).toContain(`sent ${lines.length}`);
      expect(await c.store.counts()).toEqual({ rows: lines.length, distinct: lines.length });
      expect(readdirSync(join(dir, 'spool')).filter((f) => f.endsWith('.json'))).toEqual([]);
    } finally {
      await c.stop();
    }
  });

  it('a bad config stops the run before it measures (exit 2, file and field named)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-run-badcfg-'));
    writeFileSync(join(dir, 'voipprobe.config.json'), '{\n  "labels": { "access": "satellite" }\n}\n');
    const r = await runCli(['run', '--config', join(dir, 'voipprobe.config.json'), '--out', join(dir, 'results')], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/voipprobe\.config\.json:2:\d+: labels\.access: /);
    expect(() => readdirSync(join(dir, 'results'))).toThrow();
  });
});
