// One run: the controls and every service measured concurrently under one clock, one deadline and
// one abort signal; each service is judged as soon as it and the controls are done, and handed to
// `onService` right away, so an interrupted run keeps everything finished so far.

import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { CHECKS, isResolverCheck } from '../catalogue/checks.js';
import type { Catalogue, ServiceCatalogue } from '../catalogue/load.js';
import { hostOf, literalAddressOf } from '../catalogue/schema.js';
import type { CallProfile } from '../model/call-test.js';
import { addressesOf } from '../model/dns-answers.js';
import { emptyObservations, OBSERVATION_KEYS, type Observations } from '../model/observations.js';
import type { ControlVerdict, ServiceVerdict } from '../model/verdict.js';
import {
  closeDohAgents,
  closeHelperPools,
  networkHasIpv6,
  systemNameservers,
  useSystemResolver,
} from '../net/index.js';
import type { TrustStore } from '../net/types.js';
import { hostPort } from '../util/ip.js';
import { measureTarget, relayPathsShownOpen } from './chains.js';
import type { HelperEndpoint } from './helper.js';
import type { Judge } from './judge.js';
import { type AsnOf, type LocalisationStatus, Localiser } from './localise.js';
import { chooseAddresses, encryptedAddresses, Resolver, type ResolverSet } from './resolve.js';
import { type Progress, StepRunner } from './steps.js';

export interface RunOptions {
  catalogue: Catalogue;
  /** The verdict rules (src/analysis's `judge`). */
  judge: Judge;
  timeoutMs: number;
  deadlineMs: number;
  concurrency: number;
  /** Overrides: the network's own resolvers (disables getaddrinfo), neutral UDP resolvers, DoH URLs. */
  resolvers?: { local?: string[]; controlUdp?: string[]; doh?: string[] };
  ca?: TrustStore;
  /** Measure IPv6 addresses too; default: when the machine has a global IPv6 address. */
  ipv6?: boolean;
  /** External abort (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** Addresses per family and target (default DEFAULT_PER_FAMILY). */
  perFamily?: number;
  /** Maps routers on the path to call relays to their networks (the CLI passes the offline ASN database). */
  asnOf?: AsnOf;
  /** Localise silent call relays with TTL-limited probes (default true; off: exchanges and controls only). */
  localise?: boolean;
  /** Helpers (vantages outside this network) to ask about every target, in parallel with the local steps. */
  helpers?: HelperEndpoint[];
  /**
   * A test call per service with a call port, against this helper, once every service has been
   * measured (so that the call traffic disturbs no other measurement); all services' calls at once.
   */
  callTest?: { helper: HelperEndpoint; seconds: number; profile: CallProfile };
  onService?: (r: ServiceRun) => void | Promise<void>;
  /** Receives the live step counters (for a progress line). */
  onProgress?: (p: Progress) => void;
}

/** Addresses measured per family and target unless a run says otherwise. */
export const DEFAULT_PER_FAMILY = 2;

export interface ServiceRun {
  service: ServiceCatalogue;
  isControls: boolean;
  observations: Observations;
  /** null for the controls measurement. */
  verdict: ServiceVerdict | null;
  controls: ControlVerdict;
  /** Seconds since the run started. */
  startedAt: number;
  finishedAt: number;
  interrupted: boolean;
  deadlineReached: boolean;
}

export interface RunResult {
  start: Date;
  controls: ServiceRun;
  services: ServiceRun[];
  interrupted: boolean;
  deadlineReached: boolean;
  runtimeS: number;
  steps: { started: number; done: number };
  /** Whether path localisation was needed and what this machine could do (the CLI says so once). */
  localisation: LocalisationStatus;
}

export class DeadlineReached extends Error {
  constructor() {
    super('run deadline reached');
  }
}

function sortByTime(obs: Observations): void {
  const byT0 = (a: { t0?: number; t: number }, b: { t0?: number; t: number }) => (a.t0 ?? a.t) - (b.t0 ?? b.t);
  for (const key of OBSERVATION_KEYS) obs[key]?.sort(byT0);
}

export async function runMeasurement(o: RunOptions): Promise<RunResult> {
  // What only a run with helpers or test calls needs is loaded for those runs alone (and before the clock starts).
  const helperModule = o.helpers?.length ? await import('./helper.js') : undefined;
  const callTestModules = o.callTest
    ? await Promise.all([import('./call-signature.js'), import('./call-test.js')])
    : undefined;
  const start = new Date();
  const t0 = performance.now();
  const clock = () => Math.round(performance.now() - t0) / 1000;
  const ac = new AbortController();
  // Every in-flight step listens on the one signal: hundreds of listeners are expected, not a leak.
  setMaxListeners(0, ac.signal);
  const onExternal = () => ac.abort(o.signal?.reason);
  if (o.signal?.aborted) ac.abort(o.signal.reason);
  o.signal?.addEventListener('abort', onExternal, { once: true });
  const deadline = setTimeout(() => ac.abort(new DeadlineReached()), o.deadlineMs);
  const releaseSystemResolver = useSystemResolver();

  const cat = o.catalogue;
  const controlTargets = cat.controls.targets.filter((t) => t.enabled);
  const resolvers: ResolverSet = {
    getaddrinfo: !o.resolvers?.local,
    local: o.resolvers?.local ?? systemNameservers().slice(0, 2),
    controlUdp:
      o.resolvers?.controlUdp ??
      controlTargets.flatMap((t) => (t.check === 'resolver' ? [hostPort(t.address, t.port)] : [])),
    doh: o.resolvers?.doh ?? controlTargets.flatMap((t) => (t.check === 'doh' ? [t.url] : [])),
  };
  const steps = new StepRunner({
    clock,
    timeoutMs: o.timeoutMs,
    signal: ac.signal,
    concurrency: o.concurrency,
    dnsConcurrency: Math.max(512, o.concurrency * 4),
    ca: o.ca,
  });
  o.onProgress?.(steps.progress);
  const policy = cat.controls.network;
  const resolver = new Resolver(steps, resolvers, policy);
  const ipv6 = o.ipv6 ?? networkHasIpv6();
  // The neutral comparison of path localisation goes to the first neutral STUN server that resolves.
  const neutralAddress = async (): Promise<string | undefined> => {
    for (const t of controlTargets) {
      if (t.check !== 'stun') continue;
      const host = hostOf(t);
      if (!host) return literalAddressOf(t);
      const got = chooseAddresses(await resolver.resolveLocal(host), policy, { ipv6: false, perFamily: 1 })
        .addresses[0];
      if (got) return got;
    }
    return undefined;
  };
  const localiser =
    o.localise === false
      ? undefined
      : new Localiser({ steps, timeoutMs: o.timeoutMs, ...(o.asnOf ? { asnOf: o.asnOf } : {}), neutralAddress });
  const chainCtx = { steps, neutralSni: cat.controls.network.neutral_sni, ...(localiser ? { localiser } : {}) };
  const asker =
    helperModule && o.helpers
      ? new helperModule.HelperAsker(o.helpers, steps, {
          timeoutMs: o.timeoutMs,
          ...(o.ca ? { ca: o.ca } : {}),
          ...(o.asnOf ? { asnOf: o.asnOf } : {}),
          traces: o.localise !== false,
        })
      : undefined;

  // Whether the run was cut short, as it stands when a service finishes measuring (not when it is delivered).
  const flags = () => ({
    interrupted: ac.signal.aborted && !(ac.signal.reason instanceof DeadlineReached),
    deadlineReached: ac.signal.reason instanceof DeadlineReached,
  });

  const measure = async (
    svc: ServiceCatalogue,
    isControls: boolean,
  ): Promise<{
    obs: Observations;
    startedAt: number;
    finishedAt: number;
    interrupted: boolean;
    deadlineReached: boolean;
  }> => {
    const startedAt = clock();
    const obs = emptyObservations();
    const helper = isControls ? undefined : asker;
    if (helper) obs.x_helper = [];
    const hosts = new Set<string>();
    await Promise.all(
      svc.targets
        .filter((t) => t.enabled && !isResolverCheck(t))
        .map(async (t) => {
          const host = hostOf(t);
          let addresses: string[];
          const jobs: Promise<void>[] = [];
          if (host) {
            hosts.add(host);
            // The local answers decide when they are usable (what an app would use); only when they are
            // missing or forged do the chains wait for the neutral resolvers' answers.
            const pick = { ipv6, perFamily: o.perFamily ?? DEFAULT_PER_FAMILY };
            let choice = chooseAddresses(await resolver.resolveLocal(host), policy, pick);
            if (choice.source === 'none') choice = chooseAddresses(await resolver.resolve(host), policy, pick);
            addresses = choice.addresses;
            // When the local answer turns out to differ from the encrypted control's, the chains also
            // go to the latter: TLS there and at the local address tells a CDN from a forged answer.
            if (choice.source === 'local' && CHECKS[t.check].layers.includes('tls')) {
              jobs.push(
                resolver.resolve(host).then((all) => {
                  const local = all.filter((q) => q.x_resolver_role === 'local').flatMap((q) => addressesOf(q.answers));
                  const extra = encryptedAddresses(all, policy, pick, local);
                  if (extra.length && !ac.signal.aborted) return measureTarget(t, extra, chainCtx, obs);
                }),
              );
            }
          } else {
            const lit = literalAddressOf(t);
            addresses = lit ? [lit] : [];
          }
          // The outside view is asked for while the local chains run, about the same addresses; a relay
          // whose path is shown open here needs none (its question is withdrawn, and said so).
          const notNeeded = new AbortController();
          if (helper && !ac.signal.aborted)
            jobs.push(helper.ask(t, addresses, notNeeded.signal).then((xs) => void obs.x_helper!.push(...xs)));
          if (t.check !== 'dns' && !ac.signal.aborted)
            jobs.push(
              measureTarget(t, addresses, chainCtx, obs).then(() => {
                if (relayPathsShownOpen(t, obs)) notNeeded.abort();
              }),
            );
          await Promise.all(jobs);
        }),
    );
    for (const h of hosts) obs.queries.push(...(await resolver.resolve(h)));
    sortByTime(obs);
    return { obs, startedAt, finishedAt: clock(), ...flags() };
  };

  // Results are handed over one at a time, in completion order. One failed hand-over (a full disk)
  // must not stop the later ones: each is tried, and the first error is raised once all were.
  let delivery: Promise<void> = Promise.resolve();
  let deliveryError: { error: unknown } | undefined;
  const deliver = (r: ServiceRun) => {
    delivery = delivery
      .then(() => o.onService?.(r))
      .catch((error: unknown) => {
        deliveryError ??= { error };
      });
    return delivery;
  };

  try {
    const controlsP = measure(cat.controls, true).then(async (m) => {
      const verdict = o.judge.controls(m.obs);
      const run: ServiceRun = {
        service: cat.controls,
        isControls: true,
        observations: m.obs,
        verdict: null,
        controls: verdict,
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        interrupted: m.interrupted,
        deadlineReached: m.deadlineReached,
      };
      await deliver(run);
      return run;
    });
    const measured = cat.services.map((svc) => measure(svc, false));
    const allMeasured = Promise.allSettled(measured);
    const servicesP = cat.services.map(async (svc, i) => {
      const m = await measured[i]!;
      const port = callTestModules?.[0].callPortOf(svc);
      if (o.callTest && callTestModules && port !== undefined) {
        const [{ signatureFor }, { runCallTest }] = callTestModules;
        await allMeasured;
        if (!ac.signal.aborted) {
          m.obs.x_call_test = await runCallTest({
            helper: o.callTest.helper,
            ...(o.ca ? { ca: o.ca } : {}),
            service: svc.service,
            signature: signatureFor(svc),
            servicePort: port,
            profile: o.callTest.profile,
            durationS: o.callTest.seconds,
            timeoutMs: o.timeoutMs,
            clock,
            signal: ac.signal,
          });
          Object.assign(m, { finishedAt: clock() }, flags());
        }
      }
      const controls = await controlsP;
      const verdict = o.judge.service(svc, m.obs, controls.controls, policy);
      const run: ServiceRun = {
        service: svc,
        isControls: false,
        observations: m.obs,
        verdict,
        controls: controls.controls,
        startedAt: m.startedAt,
        finishedAt: m.finishedAt,
        interrupted: m.interrupted,
        deadlineReached: m.deadlineReached,
      };
      await deliver(run);
      return run;
    });
    const controls = await controlsP;
    const services = await Promise.all(servicesP);
    await delivery;
    if (deliveryError) throw deliveryError.error;

    return {
      start,
      controls,
      services,
      ...flags(),
      runtimeS: clock(),
      steps: { ...steps.progress },
      localisation: localiser?.status ?? { wanted: false },
    };
  } finally {
    clearTimeout(deadline);
    o.signal?.removeEventListener('abort', onExternal);
    // No lookup may outlive the run (a pending getaddrinfo would hold the process open).
    releaseSystemResolver();
    await Promise.all([closeDohAgents(), closeHelperPools()]);
  }
}
