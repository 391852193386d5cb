// End-to-end: the real binary against loopback-only catalogues.
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../../src/model/measurement.js';
import { decodeStunMessage, encodeBindingSuccess } from '../../../src/net/stun-codec.js';
import { loopbackCatalogue as catalogue } from '../../support/catalogue.js';
import { CLI, runCli } from '../../support/cli.js';

function readLines(dir: string): Measurement[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return readFileSync(join(dir, files[0]!), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Measurement);
}

describe('voipprobe run --help', () => {
  it('explains the notation of the table, in 80 columns', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.slice(r.stdout.indexOf('The table:'));
    for (const bit of [
      '21 ?',
      'ok 21/38, 17 failed',
      'strong / weak',
      'path open',
      'hop 3 AS6713',
      'not tested',
      '(outage)',
      'NO_COLOR',
    ])
      expect(help).toContain(bit);
    for (const l of help.split('\n')) expect(l.length, l).toBeLessThanOrEqual(80);
  });
});

describe('voipprobe run on a dead network', () => {
  it('finishes quickly, says the network is down and calls nothing blocked', async () => {
    // Nothing listens on these loopback ports: every UDP query gets ICMP port unreachable at once.
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-out-'));
    const r = await runCli([
      'run',
      '--targets',
      catalogue('127.0.0.1', 9),
      '--system-resolver',
      '127.0.0.1:9',
      '--resolver',
      '127.0.0.1:9',
      '--doh',
      'https://127.0.0.1:9/dns-query',
      '--timeout',
      '2',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('THE NETWORK LOOKS DOWN');
    // The next step: what a measurement looks like, offline.
    expect(r.stdout).toContain('the network looks down: `voipprobe demo` shows what a measurement looks like');
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
    // Where the evidence is and how to read one line: the printed jq command, run as printed, gives that service's verdict.
    // The command stands on its own line under the sentence, whole whatever the width.
    const hint = /^one line per service; read one's verdict with:\n {2}(jq .+)$/m.exec(r.stdout)?.[1];
    expect(hint).toBeDefined();
    const jq = spawnSync('sh', ['-c', hint!], { encoding: 'utf8' });
    expect(jq.status, jq.stderr).toBe(0);
    const shown = JSON.parse(jq.stdout) as Measurement['test_keys']['x_verdict'];
    expect(shown).toEqual(lines.find((m) => m.test_keys.service === shown?.service)?.test_keys.x_verdict);
    expect(shown?.service).toMatch(/^(viber|whatsapp)$/);
  });

  it('records the effective settings in every line: the config fills what the flags did not give, helpers without their token', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-settings-'));
    const cfgDir = mkdtempSync(join(tmpdir(), 'vp-cli-settings-cfg-'));
    writeFileSync(join(cfgDir, 'helper-token'), 'helper-s3cret-token\n');
    const config = join(cfgDir, 'voipprobe.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        timeouts: { step: 1.5, deadline: 30 },
        concurrency: 16,
        helpers: [{ url: 'http://127.0.0.1:9/', token_file: 'helper-token' }],
      }),
    );
    const args = [
      'run',
      '--config',
      config,
      '--targets',
      catalogue('127.0.0.1', 9),
      '--system-resolver',
      '127.0.0.1:9',
      '--resolver',
      '127.0.0.1:9',
      '--doh',
      'https://127.0.0.1:9/dns-query',
      '--no-ipv6',
      '--concurrency',
      '8',
      '--out',
      out,
    ];
    const r = await runCli(args);
    expect(r.code).toBe(0);
    const lines = readLines(out);
    expect(lines).toHaveLength(3);
    for (const m of lines) {
      expect(m.x_settings).toEqual({
        timeout_s: 1.5,
        deadline_s: 30,
        concurrency: 8, // the flag wins over the config's 16
        per_family: 2,
        ipv6: false,
        localise: true,
        include_ip: false,
        resolvers: { local: ['127.0.0.1:9'], control_udp: ['127.0.0.1:9'], doh: ['https://127.0.0.1:9/dns-query'] },
        helpers: ['http://127.0.0.1:9/'],
      });
    }
    expect(readFileSync(join(out, readdirSync(out)[0]!), 'utf8')).not.toContain('s3cret');
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
    writeFileSync(
      join(d, 'broken.json'),
      '{"service": "broken", "name": "B", "targets": [\n  {"id": "x", "role": "chat", "check": "tcp", "host": "a.example", "ports": ["443"], "source": "t"}\n]}',
    );
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
    let sent = false;
    const r = await runCli(
      [
        'run',
        '--targets',
        catalogue('127.0.0.1', port),
        '--system-resolver',
        `127.0.0.1:${port}`,
        '--resolver',
        `127.0.0.1:${port}`,
        '--doh',
        'https://127.0.0.1:9/dns-query',
        '--timeout',
        '20',
        '--out',
        out,
        '--log-level',
        'info',
      ],
      {
        // Ctrl-C once measuring has begun (a loaded machine may take seconds to start), then a moment into it.
        onStderr: (stderr, kill) => {
          if (!sent && stderr.includes('run started')) {
            sent = true;
            setTimeout(() => kill('SIGINT'), 300);
          }
        },
      },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('RUN INTERRUPTED');
    expect(r.ms).toBeLessThan(15_000); // well before the 20 s step timeout: the Ctrl-C stopped it
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

describe('voipprobe run: an address learned late is scrubbed from the lines written before', () => {
  // The neutral STUN control is silent (blocked); a relay answers later in the run and reveals the
  // public address, which the vantage label given on the command line (hence every line) holds.
  const PUBLIC = '203.0.113.7';
  let silent: Socket;
  let relay: Socket;
  beforeAll(async () => {
    silent = createSocket('udp4').on('message', () => {});
    relay = createSocket('udp4').on('message', (msg, rinfo) => {
      const req = decodeStunMessage(msg);
      if (req.ok)
        relay.send(
          encodeBindingSuccess(req.message.transactionId, { family: 'IPv4', address: PUBLIC, port: 40000 }),
          rinfo.port,
          rinfo.address,
        );
    });
    await Promise.all([silent, relay].map((s) => new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()))));
  });
  afterAll(() => {
    silent.close();
    relay.close();
  });

  function lateCatalogue(): string {
    const d = catalogue('127.0.0.1', silent.address().port);
    const wa = JSON.parse(readFileSync(join(d, 'whatsapp.json'), 'utf8'));
    wa.targets[1].ports = [relay.address().port];
    writeFileSync(join(d, 'whatsapp.json'), JSON.stringify(wa));
    return d;
  }

  it.each([
    ['', []],
    [' (and --json on stdout)', ['--json']],
  ])('the results file%s holds no trace of it, the controls line included', async (_label, extraFlags) => {
    const out = mkdtempSync(join(tmpdir(), 'vp-cli-late-'));
    const r = await runCli([
      'run',
      '--targets',
      lateCatalogue(),
      '--vantage',
      `box-${PUBLIC}`,
      '--system-resolver',
      '127.0.0.1:9',
      '--resolver',
      '127.0.0.1:9',
      '--doh',
      'https://127.0.0.1:9/dns-query',
      '--timeout',
      '1',
      '--out',
      out,
      ...extraFlags,
    ]);
    expect(r.code).toBe(0);
    const lines = readLines(out);
    expect(lines.map((m) => m.test_keys.service)).toEqual(expect.arrayContaining(['controls', 'whatsapp', 'viber']));
    expect(lines[0]!.test_keys.service).toBe('controls'); // written first, before the relay answered
    const text = readFileSync(join(out, readdirSync(out)[0]!), 'utf8');
    expect(text).not.toContain(PUBLIC);
    expect(lines.every((m) => m.x_vantage === 'box-[scrubbed]')).toBe(true);
    expect(readdirSync(out)).toHaveLength(1); // no temp file left by the rewrite
    if (extraFlags.length) {
      expect(r.stdout).not.toContain(PUBLIC);
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
    }
  });
});

describe.skipIf(spawnSync('prlimit', ['--version']).status !== 0)(
  'voipprobe run when the results cannot all be written',
  () => {
    it('says so in a sentence, keeps every whole line and leaves no torn one (exit 1)', async () => {
      const out = mkdtempSync(join(tmpdir(), 'vp-cli-full-'));
      // A 4,000-byte file size limit: the controls line (about 3 KB) fits, the next is cut short by the kernel.
      const r = await runCli(
        [
          '--fsize=4000',
          process.execPath,
          CLI,
          'run',
          '--targets',
          catalogue('127.0.0.1', 9),
          '--system-resolver',
          '127.0.0.1:9',
          '--resolver',
          '127.0.0.1:9',
          '--doh',
          'https://127.0.0.1:9/dns-query',
          '--timeout',
          '2',
          '--out',
          out,
        ],
        {
          command: 'prlimit',
        },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /voipprobe: 2 of 3 measurement\(s\) could not be written to .*: the file is larger than this process may write \(EFBIG\); the 1 line\(s\) it holds are whole/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout).toContain('THE NETWORK LOOKS DOWN'); // the verdicts are still shown
      const file = readdirSync(out).map((f) => join(out, f))[0]!;
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(
        text
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as Measurement).test_keys.service),
      ).toEqual(['controls']);
    });
  },
);

describe('voipprobe run rejects bad resolver, helper and call-test flags before measuring', () => {
  it.each([
    [['--resolver', 'localhost:53'], /--resolver: expected an IP address and port/],
    [['--system-resolver', '127.0.0.1:99999'], /--system-resolver: expected an IP address and port/],
    [['--doh', 'http://127.0.0.1/dns-query'], /--doh: expected an https:\/\/ URL/],
    [['--doh', 'not a url'], /--doh: expected an https:\/\/ URL/],
    [['--helper', 'ftp://helper.example/'], /--helper: expected an https:\/\/ URL/],
    [['--helper', 'https://user:secret@helper.example/'], /put the token in --helper-token-file/],
    [['--call-test', '20'], /a test call needs a helper/],
    [
      ['--call-test', '1', '--helper', 'https://helper.example/'],
      /--call-test: expected a number of seconds from 2 to 600/,
    ],
    [
      ['--call-test', '5', '--helper', 'https://helper.example/', '--call-profile', 'hd'],
      /--call-profile: expected voice or video/,
    ],
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

describe('voipprobe run: jitter only for scheduled runs, every flag checked before it, scheduled output stamped', () => {
  const DEAD = (cat: string, out: string) => [
    '--targets',
    cat,
    '--system-resolver',
    '127.0.0.1:9',
    '--resolver',
    '127.0.0.1:9',
    '--doh',
    'https://127.0.0.1:9/dns-query',
    '--timeout',
    '2',
    '--out',
    out,
  ];
  const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /;

  it("a bad flag is refused at once, whatever the config's jitter (an hour here)", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vp-cli-jit-'));
    writeFileSync(join(cwd, 'voipprobe.config.json'), '{"jitter": 3600}');
    for (const args of [
      ['run', '--timeout', 'soon'],
      ['run', '--scheduled', '--timeout', 'soon'],
      ['run', '--scheduled', '--service', 'skipe'],
      ['run', '--scheduled', '--out', join(cwd, 'voipprobe.config.json', 'results')],
    ]) {
      const r = await runCli(args, { cwd, timeoutMs: 15_000 });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain('waiting');
    }
  });

  it("a plain run does not wait for the config's jitter", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vp-cli-jit-'));
    writeFileSync(join(cwd, 'voipprobe.config.json'), '{"jitter": 3600}');
    const r = await runCli(['run', ...DEAD(catalogue('127.0.0.1', 9), join(cwd, 'out'))], { cwd, timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('waiting');
    expect(r.stdout).not.toMatch(STAMP);
  });

  it('a scheduled run says how long it waits and why, and stamps every line it writes with the UTC time', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vp-cli-jit-'));
    writeFileSync(join(cwd, 'voipprobe.config.json'), '{"jitter": 1}');
    const r = await runCli(
      ['run', '--scheduled', '--log-level', 'info', ...DEAD(catalogue('127.0.0.1', 9), join(cwd, 'out'))],
      { cwd, timeoutMs: 20_000 },
    );
    expect(r.code).toBe(0);
    const err = r.stderr.trimEnd().split('\n');
    const out = r.stdout.trimEnd().split('\n');
    for (const l of [...err, ...out]) expect(l).toMatch(STAMP);
    expect(err[0]).toMatch(/Z voipprobe: scheduled run started \(pid \d+\)$/);
    expect(err[1]).toMatch(
      /Z voipprobe: waiting [01] s before measuring \(random jitter of up to 1 s, from voipprobe\.config\.json\)$/,
    );
    expect(err.some((l) => /Z \{"level":30,.*"msg":"run started"/.test(l))).toBe(true); // pino's lines too
    expect(err[err.length - 1]).toMatch(
      /Z voipprobe: scheduled run finished \(exit 0\): 3 measurement\(s\) in .*\.jsonl$/,
    );
    expect(out.some((l) => /Z results: /.test(l))).toBe(true);
  });

  it('--jitter on the command line applies to any run, and is said out loud', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vp-cli-jit-'));
    const r = await runCli(['run', '--jitter', '0.5', ...DEAD(catalogue('127.0.0.1', 9), join(cwd, 'out'))], {
      cwd,
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^voipprobe: waiting 0 s before measuring \(random jitter of up to 0\.5 s, from --jitter\)$/m,
    );
  });
});
