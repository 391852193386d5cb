// The loopback lab: every censorship scenario that can be made without root, produced by the lab's
// own servers on 127.0.0.0/8, measured by the real probe (runMeasurement, in process), and compared
// with the exact verdicts of src/lab/world/scenarios.ts per service, group, path and technique.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timedOutWhileArriving } from '../../../src/analysis/progress.js';
import { CHECKS, type CheckType } from '../../../src/catalogue/checks.js';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { LoopbackLab, loopbackUnsupported } from '../../../src/lab/loopback/lab.js';
import {
  callLevelsOf,
  censorshipClaims,
  compareWithScenario,
  ALL_SCENARIOS as SCENARIOS,
} from '../../../src/lab/world/scenarios.js';
import { buildMeasurement, newReportId, type RunMeta, UNKNOWN_VANTAGE } from '../../../src/measure/envelope.js';
import type { RunResult } from '../../../src/measure/run.js';
import { OBSERVATION_KEYS, type ObservationKey } from '../../../src/model/observations.js';
import { inPrefix } from '../../../src/util/ip.js';
import { schemaProblems } from '../../support/measurement-schema.js';

/** Short enough to keep the silent scenarios quick, long enough for a loaded 2-core machine. */
const TIMEOUT_S = 2;

let lab: LoopbackLab;
const results = new Map<string, RunResult>();

beforeAll(async () => {
  lab = await LoopbackLab.start();
  process.stdout.write(
    `[lab-loopback] ${lab.world.endpoints.length + 4} servers on ${lab.world.prefix} up in ${lab.startupMs} ms\n`,
  );
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

/** Every address the probe touched, from every observation of a run. */
function touchedAddresses(r: RunResult): string[] {
  const out: string[] = [];
  for (const s of [r.controls, ...r.services]) {
    const o = s.observations;
    for (const q of o.queries)
      if (q.resolver_address)
        out.push(q.engine === 'doh' ? new URL(q.resolver_address).hostname : q.resolver_address.replace(/:\d+$/, ''));
    for (const c of o.tcp_connect) out.push(c.ip);
    for (const h of o.tls_handshakes) out.push(h.address.replace(/:\d+$/, ''));
    for (const x of o.x_stun) out.push(x.address.replace(/:\d+$/, ''));
    for (const x of o.x_traces) out.push(x.address.replace(/:\d+$/, ''));
  }
  return [...new Set(out)];
}

describe('loopback lab scenarios', () => {
  for (const s of SCENARIOS) {
    const why = loopbackUnsupported(s);
    const name = `scenario ${s.id}: ${s.title}`;
    if (why) {
      it.skip(`${name} — NOT RUN in loopback: ${why}`, () => {});
      continue;
    }
    it(name, async () => {
      await lab.applyScenario(s);
      const r = await lab.measure({ timeoutS: s.timeoutS ?? Math.max(TIMEOUT_S, s.minTimeoutS ?? 0) });
      results.set(s.id, r);
      const verdicts = r.services.map((x) => x.verdict!);
      expect(verdicts.map((v) => v.service)).toEqual(lab.world.services);
      const diff = compareWithScenario(s, verdicts, r.controls.controls, {
        lab: 'loopback',
        callLevels: callLevelsOf(loadCatalogue(lab.targetsDir)),
      });
      expect(diff, `scenario ${s.id} differs from the expected verdicts:\n${diff.join('\n')}`).toEqual([]);
      if (s.noCensorship) expect(censorshipClaims(verdicts), 'false positives').toEqual([]);
      // The network rule: the probe never left the lab block.
      for (const ip of touchedAddresses(r)) expect(inPrefix(ip, lab.world.prefix), ip).toBe(true);
    }, 60_000);
  }

  it('reports zero false positives over the outage, the dead uplink and the servers whose TLS defeats the probe', () => {
    const checked = SCENARIOS.filter((s) => s.noCensorship && !loopbackUnsupported(s));
    expect(checked.map((s) => s.id)).toEqual(['11a', '11b', '13a', '13b', '13c']);
    for (const s of checked) {
      const r = results.get(s.id);
      expect(r, `scenario ${s.id} ran`).toBeDefined();
      expect(censorshipClaims(r!.services.map((x) => x.verdict!))).toEqual([]);
    }
  });

  it('wrote, in every scenario, lines that fit the published measurement schema', () => {
    expect(results.size).toBeGreaterThan(10);
    for (const [id, r] of results) {
      const meta: RunMeta = {
        start: r.start,
        reportId: newReportId(r.start, UNKNOWN_VANTAGE),
        controlsId: 'c',
        options: [],
        vantage: UNKNOWN_VANTAGE,
        catalogueDir: lab.targetsDir,
      };
      for (const s of [r.controls, ...r.services]) {
        // As the writer sends it: through JSON.
        const line = JSON.parse(JSON.stringify(buildMeasurement(s, meta))) as unknown;
        expect(schemaProblems(line), `scenario ${id}, ${s.service.service}`).toBe('');
      }
    }
  });

  it('costs one step timeout, not two, when every endpoint is silent (the benchmark worst case)', async () => {
    await lab.reset();
    await lab.servers.silenceEndpoints();
    const r = await lab.measure({ timeoutS: TIMEOUT_S });
    // Every TLS handshake timed out and got its neutral-SNI twin within the same step timeout.
    const hs = r.services.flatMap((s) => s.observations.tls_handshakes);
    expect(
      hs
        .filter((h) => h.x_sni_kind === 'target' && h.failure !== 'generic_timeout_error')
        .map((h) => `${h.server_name} ${h.address}: ${h.failure}`),
    ).toEqual([]);
    expect(hs.filter((h) => h.x_sni_kind === 'neutral').length).toBe(
      hs.filter((h) => h.x_sni_kind === 'target').length,
    );
    expect(r.runtimeS).toBeGreaterThanOrEqual(TIMEOUT_S);
    expect(r.runtimeS).toBeLessThan(TIMEOUT_S + 1.5); // two timeouts in a row would be >= 2 x TIMEOUT_S
    await lab.reset();
  }, 60_000);

  it('writes for each check type the observations its entry in the table of check types names, and no other', () => {
    const written = new Map<CheckType, Set<ObservationKey>>();
    for (const r of results.values()) {
      for (const s of [r.controls, ...r.services]) {
        const checkOf = new Map(s.service.targets.map((t) => [t.id, t.check]));
        // A lookup's queries name no target; a helper's answers (x_helper) are about any target.
        for (const key of OBSERVATION_KEYS.filter((k) => k !== 'queries' && k !== 'x_helper')) {
          for (const x of (s.observations[key] ?? []) as { x_target?: string }[]) {
            const check = checkOf.get(x.x_target!);
            expect(check, `${s.service.service} ${key} names a target of its catalogue: ${x.x_target}`).toBeDefined();
            written.set(check!, (written.get(check!) ?? new Set()).add(key));
          }
        }
      }
    }
    const measured = Object.keys(CHECKS).filter((c) => CHECKS[c as CheckType].writes.length > 0);
    expect([...written.keys()].sort()).toEqual(measured.sort());
    for (const [check, keys] of written) expect([...keys].sort(), check).toEqual([...CHECKS[check].writes].sort());
  });

  it('really produced the censorship it names (the raw observations, not only the verdicts)', () => {
    const obsOf = (id: string, service: string) =>
      results.get(id)!.services.find((x) => x.service.service === service)!.observations;
    // 4: two different replies to one query for a WhatsApp name.
    expect(obsOf('4', 'whatsapp').queries.some((q) => (q.x_replies?.length ?? 0) >= 2)).toBe(true);
    // 5: connect succeeded, reset after the preamble.
    expect(
      obsOf('5', 'whatsapp').tcp_connect.some(
        (c) => c.status.success && c.x_after_write?.failure === 'connection_reset',
      ),
    ).toBe(true);
    // 6: SYNs unanswered.
    expect(
      obsOf('6', 'whatsapp').tcp_connect.filter((c) => c.status.failure === 'generic_timeout_error').length,
    ).toBeGreaterThan(30);
    // 7: the neutral SNI to the same address got an answer.
    const hs = obsOf('7', 'skype').tls_handshakes;
    expect(hs.some((h) => h.x_sni_kind === 'target' && h.failure === 'connection_reset')).toBe(true);
    expect(hs.some((h) => h.x_sni_kind === 'neutral' && h.tls_version !== null)).toBe(true);
    // 13a, 13c: the server answered both SNIs the same way (not a censor).
    for (const [id, service] of [
      ['13a', 'skype'],
      ['13c', 'whatsapp'],
    ] as const) {
      const all = obsOf(id, service).tls_handshakes;
      const target = all.filter((h) => h.x_sni_kind === 'target');
      expect(target.length).toBeGreaterThan(0);
      for (const h of target) {
        expect(h.x_received!.bytes, `${id} ${h.server_name}`).toBeGreaterThan(0);
        expect(all.find((n) => n.x_sni_kind === 'neutral' && n.transaction_id === h.transaction_id)?.x_tls_error).toBe(
          h.x_tls_error,
        );
      }
    }
    // 13b: the server's alert ended each HTTPS session.
    for (const r of obsOf('13b', 'meet').requests) expect(r.x_tls_error).toMatch(/CERTIFICATE_REQUIRED/);
    // 13d: an untrusted chain for web.whatsapp.com only; the neutral SNI at the same address validates.
    const intercepted = obsOf('13d', 'whatsapp').tls_handshakes.filter((h) => h.server_name === 'web.whatsapp.com');
    expect(intercepted.length).toBeGreaterThan(0);
    for (const h of intercepted) expect(h.failure).toBe('ssl_unknown_authority');
    expect(
      obsOf('13d', 'whatsapp')
        .tls_handshakes.filter((h) => h.x_sni_kind === 'neutral')
        .every((h) => h.failure === null),
    ).toBe(true);
    // 13e: both replies seen 300 ms apart, on the local and on the neutral plain-UDP queries.
    const q13e = obsOf('13e', 'whatsapp').queries.filter((q) => q.engine === 'udp' && q.query_type === 'A');
    for (const role of ['local', 'control'] as const) {
      const mine = q13e.filter((q) => q.x_resolver_role === role);
      expect(mine.length, role).toBeGreaterThan(0);
      for (const q of mine) expect(q.x_replies!.length, `${role} ${q.hostname}`).toBe(2);
    }
    // 13g: one forged answer; the chains went to the forged and to DoH's address: TLS fails at the first, validates at the second.
    const hs13g = obsOf('13g', 'skype').tls_handshakes.filter((h) => h.x_sni_kind === 'target');
    const forged13g = lab.world.infra.blockpage.address;
    expect(
      hs13g.filter((h) => h.address.startsWith(`${forged13g}:`)).every((h) => h.failure === 'ssl_invalid_hostname'),
    ).toBe(true);
    expect(hs13g.some((h) => !h.address.startsWith(`${forged13g}:`) && h.failure === null)).toBe(true);
    // 13f: requests to web.whatsapp.com cut by the step timeout while bytes were still arriving, or slow.
    const web = obsOf('13f', 'whatsapp').requests.filter((r) => r.request.url.startsWith('https://web.whatsapp.com'));
    expect(web.length).toBeGreaterThan(0);
    for (const r of web) expect(timedOutWhileArriving(r) || (r.failure === null && r.t - r.t0 > 1)).toBe(true);
    // c3: the relay answered the plain Binding; the Allocate whose answer carries the mark went unanswered.
    const sig = obsOf('c3', 'signal').x_stun;
    expect(sig.find((x) => x.x_exchange === 'binding')!.response?.class).toBe('success');
    expect(sig.find((x) => x.x_exchange === 'allocate')!.response).toBeNull();
    // 1: a relay that ignores strangers was tried with every exchange the catalogue lists, and nothing came back.
    expect(
      obsOf('1', 'whatsapp')
        .x_stun.map((x) => x.x_exchange)
        .sort(),
    ).toEqual(['allocate', 'binding', 'wa-ping']);
    expect(obsOf('1', 'whatsapp').x_stun.every((x) => x.response === null)).toBe(true);
    // 11a: refused, never silent.
    const out = obsOf('11a', 'whatsapp');
    expect(out.tcp_connect.every((c) => c.status.failure === 'connection_refused')).toBe(true);
    expect(out.x_stun.every((x) => x.failure === 'connection_refused')).toBe(true);
  });
});
