// End-to-end: the real binary against loopback-only catalogues.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../../src/model/measurement.js';
import { runCli } from '../../support/cli.js';

function catalogue(stunHost: string, stunPort: number): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-cli-cat-'));
  writeFileSync(
    join(d, 'controls.json'),
    JSON.stringify({
      service: 'controls',
      name: 'Controls',
      kind: 'controls',
      network: { neutral_sni: 'neutral.lab', public_ranges: ['127.0.0.0/8'] },
      targets: [
        { id: 'tls', role: 'control', check: 'tls', host: 'neutral.lab', source: 'test' },
        { id: 'stun', role: 'control', check: 'stun', host: stunHost, ports: [stunPort], answers_binding: true, source: 'test' },
      ],
    }),
  );
  writeFileSync(
    join(d, 'whatsapp.json'),
    JSON.stringify({
      service: 'whatsapp',
      name: 'WhatsApp',
      targets: [
        { id: 'chat', role: 'chat', check: 'tcp', host: 'e1.whatsapp.net', ports: [5222], source: 'test' },
        { id: 'relay', role: 'call', check: 'stun', host: stunHost, ports: [stunPort], answers_binding: true, source: 'test' },
      ],
    }),
  );
  writeFileSync(join(d, 'viber.json'), JSON.stringify({ service: 'viber', name: 'Viber', targets: [{ id: 'web', role: 'web', check: 'https', url: 'https://www.viber.com/', source: 'test' }] }));
  return d;
}

function readLines(dir: string): Measurement[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return readFileSync(join(dir, files[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Measurement);
}

describe('voipprobe run on a dead network', () => {
  it('finishes quickly, says the network is down and calls nothing blocked', async () => {
    // Nothing listens on these loopback ports: every UDP query gets ICMP port unreachable at once.
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-out-'));
    const r = await runCli(['run', '--targets', catalogue('127.0.0.1', 9), '--system-resolver', '127.0.0.1:9', '--resolver', '127.0.0.1:9', '--doh', 'https://127.0.0.1:9/dns-query', '--timeout', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('THE NETWORK LOOKS DOWN');
    // No layer cell ('blocked 3/4 ...') and no verdict column says blocked.
    expect(r.stdout).not.toMatch(/ blocked \d|\s(partially_)?blocked$/m);
    expect(r.ms).toBeLessThan(10_000);
    const lines = readLines(out);
    expect(lines.map((m) => m.test_keys.service).sort()).toEqual(['controls', 'viber', 'whatsapp']);
    for (const m of lines) {
      expect(m.probe_ip).toBe('127.0.0.1');
      expect(m.test_keys.x_controls.network).toBe('down');
      if (m.test_keys.service !== 'controls') expect(m.test_keys.x_verdict?.status).toBe('inconclusive');
    }
  });

  it('rejects a bad flag with exit code 2', async () => {
    const r = await runCli(['run', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout: expected a positive number of seconds/);
  });

  it('rejects an unknown service with exit code 2', async () => {
    const r = await runCli(['run', '--service', 'skipe', '--targets', catalogue('127.0.0.1', 9)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown service "skipe"/);
  });

  it('rejects a broken catalogue with the file and line, exit code 2', async () => {
    const d = catalogue('127.0.0.1', 9);
    writeFileSync(join(d, 'broken.json'), '{"service": "broken", "name": "B", "targets": [\n  {"id": "x", "role": "chat", "check": "tcp", "host": "a.example", "ports": ["443"], "source": "t"}\n]}');
    const r = await runCli(['run', '--targets', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json:2:\d+: targets\[0\]\.ports\[0\]/);
  });
});

describe('voipprobe run interrupted', () => {
  let silent: Socket;
  let port = 0;
  beforeAll(async () => {
    // A UDP socket that reads and never answers: STUN and DNS both wait for their timeout.
    silent = createSocket('udp4');
    silent.on('message', () => {});
    await new Promise<void>((res) => silent.bind(0, '127.0.0.1', () => res()));
    port = silent.address().port;
  });
  afterAll(() => silent.close());

  it('Ctrl-C writes every measurement, marks them interrupted and says so', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-int-'));
    const r = await runCli(['run', '--targets', catalogue('127.0.0.1', port), '--system-resolver', `127.0.0.1:${port}`, '--resolver', `127.0.0.1:${port}`, '--doh', 'https://127.0.0.1:9/dns-query', '--timeout', '20', '--out', out], {
      onSpawn: (kill) => setTimeout(() => kill('SIGINT'), 1500),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('RUN INTERRUPTED');
    expect(r.ms).toBeLessThan(8000);
    const lines = readLines(out);
    expect(lines.map((m) => m.test_keys.service).sort()).toEqual(['controls', 'viber', 'whatsapp']);
    for (const m of lines) {
      expect(m.test_keys.x_interrupted).toBe(true);
      if (m.test_keys.service !== 'controls') expect(m.test_keys.x_verdict?.status).toBe('inconclusive');
    }
    const stun = lines.find((m) => m.test_keys.service === 'whatsapp')!.test_keys.x_stun;
    expect(stun[0]?.failure).toBe('interrupted');
  });
});

describe('voipprobe run rejects bad resolver, helper and call-test flags before measuring', () => {
  it.each([
    [['--resolver', 'localhost:53'], /--resolver: expected an IP address and port/],
    [['--system-resolver', '127.0.0.1:99999'], /--system-resolver: expected an IP address and port/],
    [['--doh', 'http://127.0.0.1/dns-query'], /--doh: expected an https:\/\/ URL/],
    [['--doh', 'not a url'], /--doh: expected an https:\/\/ URL/],
    [['--helper', 'ftp://helper.example/'], /--helper: expected an https:\/\/ URL/],
    [['--helper', 'https://user:secret@helper.example/'], /put the token in --helper-token-file/],
    [['--call-test', '20'], /a test call needs a helper/],
    [['--call-test', '1', '--helper', 'https://helper.example/'], /--call-test: expected a number of seconds from 2 to 600/],
    [['--call-test', '5', '--helper', 'https://helper.example/', '--call-profile', 'hd'], /--call-profile: expected voice or video/],
  ])('%j', async (flags, message) => {
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-bad-'));
    const r = await runCli(['run', '--targets', catalogue('127.0.0.1', 9), ...flags, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(out)).toEqual([]); // nothing measured, no empty results file
  });

  it('a catalogue resolver given by name is a catalogue error', async () => {
    const d = catalogue('127.0.0.1', 9);
    const c = JSON.parse(readFileSync(join(d, 'controls.json'), 'utf8'));
    c.targets.push({ id: 'r', role: 'control', check: 'resolver', address: 'localhost', source: 'test' });
    writeFileSync(join(d, 'controls.json'), JSON.stringify(c, null, 2));
    const r = await runCli(['run', '--targets', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/controls\.json:\d+:\d+: targets\[2\]\.address: must be an IP address/);
  });
});
