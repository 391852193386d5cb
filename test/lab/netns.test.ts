// The namespace censorship lab (root): every scenario of src/lab/world/scenarios.ts produced on the wire
// by a middlebox namespace (nftables, iptables-nft, tc, an on-path DNS injector, a TLS-intercepting
// proxy), the real probe run inside the client namespace with its own resolv.conf, and the exact
// verdicts asserted per service, group and path. Needs root, iproute2, nftables, iptables-nft.

import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedOutWhileArriving } from '../../src/analysis/progress.js';
import { planCensor } from '../../src/lab/netns/censor.js';
import { DEFAULT_STATE_ROOT, distPath, missingRequirements, NetnsLab } from '../../src/lab/netns/lab.js';
import { multiReplyQueries, runScenario, type ScenarioOutcome } from '../../src/lab/netns/scenario-run.js';
import { LINK, listNamespacesSync, NS_ROLES } from '../../src/lab/netns/topology.js';
import { LAB_ASN, ALL_SCENARIOS as SCENARIOS } from '../../src/lab/world/scenarios.js';
import type { Measurement } from '../../src/model/measurement.js';
import { inPrefix } from '../../src/util/ip.js';

const missing = missingRequirements();
if (missing.length) {
  process.stdout.write(`\nLAB TESTS SKIPPED: the network-namespace censorship lab needs ${missing.join(', ')}.\n`);
}

const measurementOf = (o: ScenarioOutcome, service: string): Measurement => {
  const m = o.probe.measurements.find((x) => x.test_keys.service === service);
  if (!m) throw new Error(`no ${service} measurement in the run`);
  return m;
};

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

describe.skipIf(missing.length > 0)('namespace censorship lab', () => {
  let lab: NetnsLab | undefined;
  const outcomes: ScenarioOutcome[] = [];
  let falsePositives = 0;
  let suiteStart = 0;

  beforeAll(async () => {
    suiteStart = Date.now();
    lab = await NetnsLab.up({ log: (l) => process.stdout.write(`  lab: ${l}\n`) });
    process.stdout.write(
      `LAB START-UP: ${fmt(lab.startupMs)} (namespaces, links, ${lab.world.hosts.length + lab.world.standIns.length} hosts, servers)\n`,
    );
  });

  afterAll(() => {
    if (!lab) return;
    const id = lab.state.id;
    lab.destroy();
    const passed = outcomes.filter((o) => o.diffs.length === 0).length;
    process.stdout.write(
      `LAB SUMMARY: ${passed} of ${SCENARIOS.length} scenarios matched; scenario time ${fmt(outcomes.reduce((s, o) => s + o.ms, 0))}; suite ${fmt(Date.now() - suiteStart)}; false positives in the not-censorship scenarios (${SCENARIOS.filter(
        (s) => s.noCensorship,
      )
        .map((s) => s.id)
        .join(', ')}): ${falsePositives}\n`,
    );
    // Nothing of this lab may be left behind, whatever happened in the tests.
    expect(listNamespacesSync().filter((ns) => ns.startsWith(`${id}-`))).toEqual([]);
    expect(existsSync(join('/etc/netns', `${id}-client`))).toBe(false);
    expect(existsSync(join(DEFAULT_STATE_ROOT, id))).toBe(false);
  });

  it('refuses to start when a name it would create already exists', async () => {
    await expect(NetnsLab.up({ id: lab!.state.id })).rejects.toThrow(
      /refusing to start lab .* already exists: network namespace/,
    );
    // ...and the refusal left the running lab alone.
    expect(listNamespacesSync().filter((ns) => ns.startsWith(`${lab!.state.id}-`))).toHaveLength(NS_ROLES.length);
  });

  it('the censor only ever names addresses inside 198.18.0.0/15', () => {
    for (const s of SCENARIOS) {
      const p = planCensor(lab!.world, s.actions);
      const text = [
        p.nft ?? '',
        p.transitNft ?? '',
        ...p.iptables.map((a) => a.join(' ')),
        ...p.tc.map((a) => a.join(' ')),
        JSON.stringify(p.injector),
        JSON.stringify(p.intercept),
      ].join('\n');
      for (const ip of text.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [])
        expect(inPrefix(ip, '198.18.0.0/15'), `${s.id}: ${ip}`).toBe(true);
    }
  });

  for (const s of SCENARIOS) {
    it(`scenario ${s.id}: ${s.title}`, async () => {
      const o = await runScenario(lab!, s);
      outcomes.push(o);
      process.stdout.write(
        `SCENARIO ${s.id}: ${fmt(o.ms)} (probe ${fmt(o.probe.ms)}, step timeout ${o.timeoutS} s)${o.diffs.length ? ` — ${o.diffs.length} difference(s)` : ''}\n`,
      );
      for (const l of o.plan.summary) process.stdout.write(`  censor: ${l}\n`);

      // The exact verdict and technique per service, group and path, and the controls' summary.
      expect(o.diffs).toEqual([]);
      expect(o.probe.code).toBe(0);
      // Every service of the catalogue was measured and judged.
      expect(o.probe.verdicts.map((v) => v.service).sort()).toEqual([...(s.services ?? lab!.world.services)].sort());

      if (s.noCensorship) {
        falsePositives += o.claims.length;
        process.stdout.write(`  false positives: ${o.claims.length}\n`);
        expect(o.claims).toEqual([]);
      }

      for (const a of s.actions) {
        switch (a.kind) {
          case 'dns_inject': {
            // Two different replies to one query, on the wire: the forged block page and the real answer.
            const forged = lab!.world.infra.blockpage.address;
            if (a.dropGenuine) {
              // One forged reply per query; the chains went to the forged address and to DoH's: TLS fails at one, validates at the other.
              const hs = measurementOf(o, a.service).test_keys.tls_handshakes.filter((h) => h.x_sni_kind === 'target');
              expect(
                hs.filter((h) => h.address.startsWith(`${forged}:`)).every((h) => h.failure === 'ssl_invalid_hostname'),
              ).toBe(true);
              expect(hs.some((h) => !h.address.startsWith(`${forged}:`) && h.failure === null)).toBe(true);
              break;
            }
            const multi = multiReplyQueries(o.probe, a.service).filter((m) => m.replies.some((r) => r.length > 0));
            const names = lab!.world.hosts.filter((h) => h.services.includes(a.service));
            for (const h of names) {
              const q = multi.find((m) => m.hostname === h.name);
              expect(q, `${h.name}: an A query with two replies`).toBeDefined();
              expect(q!.replies.map((r) => r.join(','))).toEqual(expect.arrayContaining([forged, h.address]));
            }
            const m = measurementOf(o, a.service);
            const gai = m.test_keys.queries.filter((x) => x.engine === 'getaddrinfo');
            const gaiForged = gai.filter((x) => x.answers.some((ans) => ans.ipv4 === forged)).length;
            const first = multi.filter((x) => x.first.includes(forged)).length;
            process.stdout.write(
              `  injection: ${multi.length} A queries saw two replies; the forged one arrived first in ${first}; getaddrinfo returned the forged address for ${gaiForged} of ${gai.length} names\n`,
            );
            if (a.neutralUdp) {
              // The neutral resolver's plain-UDP answers were forged on the path too, and the late genuine one was seen.
              const ctl = m.test_keys.queries.filter(
                (x) =>
                  x.engine === 'udp' && x.x_resolver_role === 'control' && names.some((h) => h.name === x.hostname),
              );
              expect(ctl.length).toBeGreaterThan(0);
              for (const x of ctl)
                expect(
                  (x.x_replies ?? []).map((r) => r.answers.map((ans) => ans.ipv4).join(',')),
                  x.hostname,
                ).toEqual([forged, names.find((h) => h.name === x.hostname)!.address]);
            }
            break;
          }
          case 'sni_reset': {
            // The ClientHello naming the service is reset; the neutral SNI to the same address completes.
            const m = measurementOf(o, a.service);
            const target = m.test_keys.tls_handshakes.filter((h) => h.x_sni_kind === 'target');
            expect(target.length).toBeGreaterThan(0);
            for (const h of target) {
              expect(h.failure, `${h.server_name} at ${h.address}`).toBe('connection_reset');
              const neutral = m.test_keys.tls_handshakes.find(
                (n) => n.x_sni_kind === 'neutral' && n.transaction_id === h.transaction_id,
              );
              expect(neutral?.failure, `neutral SNI to ${h.address}`).toBe(null);
            }
            break;
          }
          case 'ws_reset': {
            // Plain HTTPS through the interception proxy works; the upgrade is reset; the certificate is the censor's.
            const m = measurementOf(o, a.service);
            const req = m.test_keys.requests.find((r) => new URL(r.request.url).hostname === a.host);
            expect(req?.response?.code).toBe(200);
            const ws = m.test_keys.x_websocket.find((w) => new URL(w.url).hostname === a.host);
            expect(ws?.failure).toBe('connection_reset');
            const hs = m.test_keys.tls_handshakes.find((h) => h.server_name === a.host && h.failure === null);
            const leaf = new X509Certificate(Buffer.from(hs!.peer_certificates[0]!.data, 'base64'));
            expect(leaf.issuer).toMatch(/censor CA/);
            break;
          }
          case 'throttle': {
            // The evidence behind `throttled`: the HTTPS request through the shaper vs the neutral handshake,
            // finished slowly or cut by the step timeout while bytes were still arriving.
            const m = measurementOf(o, a.service);
            const base = m.test_keys.x_controls.tls.median_handshake_s!;
            const slow = m.test_keys.requests.map((r) => ({
              url: r.request.url,
              s: r.t - r.t0,
              failure: r.failure,
              arriving: timedOutWhileArriving(r),
              bytes: r.x_received?.bytes ?? 0,
            }));
            process.stdout.write(
              `  throttle: neutral handshake ${base.toFixed(3)} s; HTTPS requests ${slow.map((r) => `${r.url} ${r.s.toFixed(2)} s, ${r.bytes} bytes${r.failure ? ` (${r.failure}${r.arriving ? ', still arriving' : ''})` : ''}`).join(', ')}\n`,
            );
            expect(slow.some((r) => (r.failure === null || r.arriving) && r.s >= base * 10 && r.s - base >= 1)).toBe(
              true,
            );
            break;
          }
          case 'tls_intercept': {
            // The untrusted certificate for the intercepted name only; the neutral SNI to the same address validates.
            const m = measurementOf(o, a.service);
            const target = m.test_keys.tls_handshakes.filter(
              (h) => h.x_sni_kind === 'target' && h.server_name === a.host,
            );
            expect(target.length).toBeGreaterThan(0);
            for (const h of target) {
              expect(h.failure).toBe('ssl_unknown_authority');
              expect(new X509Certificate(Buffer.from(h.peer_certificates[0]!.data, 'base64')).issuer).toMatch(
                /interceptor CA/,
              );
              const neutral = m.test_keys.tls_handshakes.find(
                (n) => n.x_sni_kind === 'neutral' && n.transaction_id === h.transaction_id,
              );
              expect(neutral?.failure, `neutral SNI to ${h.address}`).toBe(null);
            }
            break;
          }
          case 'tls_quirk': {
            // The server, not a censor: both SNIs fail the same way, or (client certificate) the session ends with the server's alert.
            const m = measurementOf(o, a.service);
            if (a.quirk === 'client_cert') {
              expect(m.test_keys.requests.length).toBeGreaterThan(0);
              for (const r of m.test_keys.requests)
                expect(r.x_tls_error, r.request.url).toMatch(/ALERT_CERTIFICATE_REQUIRED/);
            } else {
              const target = m.test_keys.tls_handshakes.filter((h) => h.x_sni_kind === 'target');
              expect(target.length).toBeGreaterThan(0);
              for (const h of target) {
                const neutral = m.test_keys.tls_handshakes.find(
                  (n) => n.x_sni_kind === 'neutral' && n.transaction_id === h.transaction_id,
                );
                expect(h.x_tls_error, `${h.server_name} at ${h.address}`).toBeDefined();
                expect(neutral?.x_tls_error, `neutral SNI to ${h.address}`).toBe(h.x_tls_error);
              }
            }
            break;
          }
          case 'udp_drop':
          case 'relay_udp_drop': {
            // Where UDP to the relay stops, on the wire: after the ISP's router, while TCP to the same address goes on.
            const m = measurementOf(o, 'whatsapp');
            const byPurpose = (p: string) => m.test_keys.x_traces.find((t) => t.x_purpose === p)!;
            const udp = byPurpose('relay_udp');
            const cmp = byPurpose('relay_compare');
            expect(udp.hops.filter((h) => h.address).map((h) => h.address)).toEqual(['198.18.0.1']);
            expect(cmp.hops.some((h) => h.asn === LAB_ASN.relay) || cmp.reached).toBe(true);
            process.stdout.write(
              `  localisation: UDP ${udp.hops.filter((h) => h.address).length} router(s) then silence; ${cmp.protocol.toUpperCase()} ${cmp.hops
                .filter((h) => h.address)
                .map((h) => `${h.address}/AS${h.asn ?? '?'}`)
                .join(' ')}\n`,
            );
            break;
          }
          case 'relay_address_drop': {
            // Here every probe to the relay stops after the ISP's router; from outside (the helper's own
            // trace, its hops mapped by the probe) UDP enters the relays' network.
            const m = measurementOf(o, 'whatsapp');
            const here = m.test_keys.x_traces.filter((t) => t.x_purpose !== 'neutral_udp');
            for (const t of here) expect(t.hops.filter((h) => h.address).map((h) => h.address)).toEqual(['198.18.0.1']);
            const outside = (m.test_keys.x_helper ?? []).flatMap((x) => Object.values(x.response?.x_trace ?? {}));
            expect(outside.some((t) => t.hops?.some((h) => h.asn === LAB_ASN.relay))).toBe(true);
            break;
          }
          case 'relay_network_down': {
            const m = measurementOf(o, 'whatsapp');
            const udp = m.test_keys.x_traces.find((t) => t.x_purpose === 'relay_udp')!;
            expect(udp.hops.filter((h) => h.address).at(-1)).toMatchObject({
              address: LINK.transit,
              flags: expect.arrayContaining(['!H']),
            });
            break;
          }
          case 'stun_marks_drop': {
            // Real coturn plays Signal's relay: its Binding answer passes, its 401 with REALM signal.org does not.
            const sig = measurementOf(o, 'signal').test_keys.x_stun;
            expect(sig.find((x) => x.x_exchange === 'binding')!.response?.class).toBe('success');
            expect(sig.find((x) => x.x_exchange === 'allocate')!.response).toBeNull();
            break;
          }
          case 'tcp_syn_reset':
          case 'icmp_prohibited': {
            // On the wire: the SYNs refused here (a reset, or ICMP prohibited read as host unreachable), and the helper connected from outside.
            const want = a.kind === 'tcp_syn_reset' ? 'connection_refused' : 'host_unreachable';
            const m = measurementOf(o, a.service);
            const failed = m.test_keys.tcp_connect.filter((c) => c.x_purpose !== 'neutral_sni');
            expect(failed.length).toBeGreaterThan(0);
            expect(
              failed.every((c) => c.status.failure === want),
              failed.map((c) => c.status.failure).join(','),
            ).toBe(true);
            if (s.helper === 'honest')
              expect(
                m.test_keys.x_helper!.some((x) => Object.values(x.response?.tcp_connect ?? {}).some((c) => c.status)),
              ).toBe(true);
            break;
          }
          case 'call_signature_drop':
          case 'call_loss':
          case 'call_shape':
          case 'call_cut': {
            // The test call ran, four flows, and its evidence is in the line.
            const m = measurementOf(o, 'whatsapp');
            const ct = m.test_keys.x_call_test!;
            expect(ct.failure).toBeNull();
            expect(ct.flows).toHaveLength(4);
            process.stdout.write(`  test call: ${m.test_keys.x_verdict!.call_test!.reason}\n`);
            break;
          }
          case 'uplink_down': {
            const m = measurementOf(o, 'controls');
            const failures = new Set(
              m.test_keys.tcp_connect.map((c) => c.status.failure).concat(m.test_keys.queries.map((q) => q.failure)),
            );
            process.stdout.write(`  dead uplink: failures seen ${[...failures].join(', ')}\n`);
            break;
          }
          default:
            break;
        }
      }
    });
  }

  it('a lab run interrupted with SIGINT removes everything it built', async () => {
    // The lab CLI, in its own process: interrupt it once its lab is up, then look for leftovers.
    const child = spawn(process.execPath, [distPath('lab', 'netns', 'cli.js'), 'run', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const id = `vplab-${child.pid}`;
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab CLI never came up: ${out}`)), 60_000);
      child.stdout.on('data', (d) => {
        out += d;
        if (/up in/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (d) => (out += d));
    });
    expect(listNamespacesSync().filter((ns) => ns.startsWith(`${id}-`))).toHaveLength(NS_ROLES.length);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(listNamespacesSync().filter((ns) => ns.startsWith(`${id}-`))).toEqual([]);
    expect(existsSync(join(DEFAULT_STATE_ROOT, id))).toBe(false);
  });

  it('maps every router and host of the lab to its test network (the ASN database the probe is given)', () => {
    const csv = readFileSync(lab!.state.asnDbFile, 'utf8').trim().split('\n');
    const asnOf = (ip: string) => {
      const n = ip.split('.').reduce((x, o) => x * 256 + Number(o), 0);
      const row = csv.map((l) => l.split(',')).find((f) => Number(f[0]) <= n && n <= Number(f[1]));
      return row ? Number(row[2]) : undefined;
    };
    expect(asnOf(LINK.router_client)).toBe(LAB_ASN.isp);
    expect(asnOf(LINK.transit)).toBe(LAB_ASN.transit);
    for (const e of lab!.world.endpoints.filter((x) => x.kind === 'stun' && x.users.some((u) => u.path === 'call')))
      expect(asnOf(e.address), e.id).toBe(LAB_ASN.relay);
    expect(asnOf(lab!.world.infra.ispResolver.address)).toBe(LAB_ASN.hosting);
    // Coturn plays every relay whose catalogue answers it gives (Signal's and Telegram's).
    expect(
      lab!.world.endpoints
        .filter((e) => e.player === 'coturn')
        .flatMap((e) => e.services)
        .sort(),
    ).toEqual(['signal', 'telegram', 'telegram']);
  });

  it('voipprobe demo shows the Morocco block as a real run does (namespaces as root, and in a user namespace as an ordinary user), and leaves no temporary folder', async () => {
    const out = mkdtempSync(join(tmpdir(), 'vplab-demo-'));
    // A TMPDIR of the test's own (other processes' folders in /tmp do not count), writable by "nobody" too.
    const ownTmp = mkdtempSync(join(tmpdir(), 'vplab-demo-tmp-'));
    chmodSync(ownTmp, 0o1777);
    for (const user of ['root', 'nobody']) {
      const argv =
        user === 'root'
          ? [process.execPath, distPath('cli.js'), 'demo']
          : ['runuser', '-u', 'nobody', '--', process.execPath, distPath('cli.js'), 'demo'];
      const r = spawnSync(argv[0]!, argv.slice(1), {
        encoding: 'utf8',
        timeout: 120_000,
        cwd: out,
        env: { ...process.env, TMPDIR: ownTmp },
      });
      expect(r.status, `${user}: ${r.stderr}`).toBe(0);
      const text = r.stdout.replace(/\s+/g, ' ');
      expect(text).toContain('SIMULATION — network-namespace lab configured as Morocco 2016');
      if (user === 'nobody') expect(text).toContain('inside an unprivileged user namespace');
      expect(text).not.toContain('WHAT THIS DEMO CANNOT SHOW');
      // 80 columns: the call path shortened in the row, in full on the line under it.
      const lines = r.stdout.split('\n');
      const at = lines.findIndex((l) => l.startsWith('whatsapp '));
      expect(lines[at]).toMatch(/\sblocked( \(strong\))?\+\s+(partially_blocked|partly blocked|partial) \(strong\)$/);
      expect(
        lines
          .slice(at + 1, at + 4)
          .join(' ')
          .replace(/\s+/g, ' '),
      ).toContain(`call path: blocked (udp.address_blocked; strong; hop 1 AS${LAB_ASN.isp})`);
      // 80 columns, but for the jq command to copy, which stands whole on its own line.
      for (const l of lines) if (!l.startsWith('  jq ')) expect(l.length, l).toBeLessThanOrEqual(80);
      expect(readdirSync(ownTmp), user).toEqual([]);
      process.stdout.write(`DEMO as ${user}: ${lines[at]}\n`);
    }
    rmSync(out, { recursive: true, force: true });
    rmSync(ownTmp, { recursive: true, force: true });
  }, 240_000);

  it('the lab catalogue the probe was pointed at is the world written by the lab', () => {
    const controls = JSON.parse(readFileSync(join(lab!.state.targetsDir, 'controls.json'), 'utf8')) as {
      network: { public_ranges: string[]; sinkholes: string[] };
    };
    expect(controls.network.public_ranges).toEqual([lab!.world.prefix]);
    expect(controls.network.sinkholes).toEqual([lab!.world.infra.sinkhole]);
  });
});
