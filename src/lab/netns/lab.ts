// The namespace censorship lab (root): builds the topology (topology.ts), starts the world's servers
// inside the "net" namespace (src/lab/world/serve-main.ts), plays a scenario's censor in the middlebox
// (censor.ts), runs the real probe inside the client namespace with its own resolv.conf, and tears
// everything down again, also when a test throws, on SIGINT/SIGTERM and at process exit.
//
// State lives in <state root>/<lab id>/ (default /run/voipprobe-lab): world.json, the lab CA and the
// censor CA, the lab catalogue (targets/), logs/ and state.json, so that the `lab` CLI can start a
// lab in one invocation and apply scenarios to it or remove it in later ones.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Catalogue, loadCatalogue } from '../../catalogue/load.js';
import type { Measurement } from '../../model/measurement.js';
import type { ControlVerdict, ServiceVerdict } from '../../model/verdict.js';
import { createLabCa, issueCert } from '../world/pki.js';
import { SCENARIOS, type Scenario, scenarioById } from '../world/scenarios.js';
import { allAddresses, callPorts, type LabWorld, planWorld, probeArgs, relayAddresses } from '../world/world.js';
import { CENSOR_TABLE, type CensorPlan, OUTAGE_TABLE, PROXY_PORT, planCensor, TLS_INTERCEPT_PORT } from './censor.js';
import { assignCoturn, COTURN_READY, coturnConfig, coturnRealm } from './coturn.js';
import type { DelayReflectorConfig } from './delay-reflector.js';
import { hasTool, inNs, run, runSync } from './exec.js';
import type { FakeHelperConfig, FakeHelperMode } from './fake-helper.js';
import type { InjectorConfig } from './injector.js';
import type { InterceptConfig } from './intercept-proxy.js';
import { isAlive, type LabProcess, startInNs, stopProcess } from './procs.js';
import {
  createTopology,
  destroyNamespaces,
  existingNames,
  IF,
  killPid,
  LAB_NEUTRAL_CALL_PORT,
  LAB_PREFIX,
  type LabNames,
  LINK,
  labAsnCsv,
  labNames,
  removeIfEmpty,
  routes,
} from './topology.js';

export { LAB_NEUTRAL_CALL_PORT };

export const DEFAULT_STATE_ROOT = '/run/voipprobe-lab';

/** The censor's helper processes a scenario may start (and clear() stops). */
const HELPERS = ['injector', 'proxy', 'interceptor', 'cutter', 'reflector'] as const;

/** The repository root (holds package.json and dist/), from this module's location in src/ or dist/src/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'probes'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find the voipprobe repository root');
}

export const distPath = (...p: string[]) => join(repoRoot(), 'dist', 'src', ...p);

export interface LabState {
  id: string;
  names: LabNames;
  dir: string;
  worldFile: string;
  caFile: string;
  censorCaFile: string;
  /** Certificates (and keys) the censor CA issued for the intercepted names. */
  censorCertsFile: string;
  /** The outside vantage's helpers: their CA (the probe trusts it), the token, the URLs by kind. */
  helperCaFile: string;
  helperTokenFile: string;
  helperUrls: Record<LabHelperKind, string>;
  targetsDir: string;
  /** The lab's networks as an ASN database (routers and hosts to test ASNs), given to the probe with --asn-db. */
  asnDbFile: string;
  fifo: string;
  pids: Record<string, number>;
  scenario: string | null;
  startupMs: number;
  createdAt: string;
  /** Built inside an unprivileged user namespace: no /etc/netns files, the probe gets --system-resolver. */
  userns?: boolean;
}

/** The lab's helpers in the outside vantage: the real one, and the ones that misbehave on purpose. */
export type LabHelperKind = 'honest' | FakeHelperMode;

/** Where the lab's helpers listen (on the outside vantage's address). */
export const LAB_HELPER_PORTS: Record<LabHelperKind, number> = {
  honest: 8443,
  garbage: 8444,
  silent: 8445,
  liar_works: 8446,
  liar_fails: 8447,
};

export interface UpOptions {
  /** Lab id (must start with "vplab-"); default vplab-<pid>. */
  id?: string;
  stateRoot?: string;
  catalogue?: Catalogue;
  /** Remove everything at process exit and on SIGINT/SIGTERM (default true; the `up` command keeps the lab). */
  cleanupOnExit?: boolean;
  /** Running inside an unprivileged user namespace (see `voipprobe demo`): /etc is not writable there. */
  userns?: boolean;
  log?: (line: string) => void;
}

export interface ProbeRun {
  argv: string[];
  code: number | null;
  ms: number;
  stdout: string;
  stderr: string;
  measurements: Measurement[];
  verdicts: ServiceVerdict[];
  controls: ControlVerdict | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Requirements the lab cannot run without; empty when it can. */
export function missingRequirements(): string[] {
  const out: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) out.push('root');
  if (!hasTool('ip', '-V')) out.push('iproute2 (ip)');
  if (!hasTool('nft')) out.push('nftables (nft)');
  if (!hasTool('tc', '-V')) out.push('iproute2 (tc)');
  if (!hasTool('iptables', '-V')) out.push('iptables (iptables-nft, for the SNI string match)');
  if (!hasTool('mkfifo')) out.push('coreutils (mkfifo)');
  if (!hasTool('traceroute', '-V')) out.push('traceroute (path localisation)');
  if (!hasTool('turnserver', '--version')) out.push("coturn (turnserver, the lab's TURN relay)");
  return out;
}

export class NetnsLab {
  private helpers: {
    injector?: LabProcess;
    proxy?: LabProcess;
    interceptor?: LabProcess;
    cutter?: LabProcess;
    reflector?: LabProcess;
  } = {};
  private exitHandlers: { exit: () => void; signal: (sig: NodeJS.Signals) => void } | null = null;
  private destroyed = false;
  current: Scenario | null = null;
  lastPlan: CensorPlan | null = null;

  private constructor(
    readonly state: LabState,
    readonly world: LabWorld,
    private readonly log: (line: string) => void,
  ) {}

  get names(): LabNames {
    return this.state.names;
  }

  get startupMs(): number {
    return this.state.startupMs;
  }

  /** Builds and starts a lab. Refuses when a name it would create already exists. */
  static async up(o: UpOptions = {}): Promise<NetnsLab> {
    const t0 = performance.now();
    const log = o.log ?? (() => {});
    const missing = missingRequirements();
    if (missing.length) throw new Error(`the namespace lab needs ${missing.join(', ')}`);
    const id = o.id ?? `${LAB_PREFIX}${process.pid}`;
    const names = labNames(id);
    const taken = await existingNames(names);
    const dir = join(o.stateRoot ?? DEFAULT_STATE_ROOT, id);
    if (existsSync(dir)) taken.push(`state directory ${dir}`);
    if (taken.length)
      throw new Error(
        `refusing to start lab ${id}: already exists: ${taken.join(', ')} (remove leftovers with \`npm run lab -- down\`)`,
      );

    mkdirSync(join(dir, 'logs'), { recursive: true });
    // Relays whose catalogue answers coturn gives are played by coturn (a real TURN server).
    const world = assignCoturn(planWorld(o.catalogue ?? loadCatalogue(), { kind: 'netns' }));
    const state: LabState = {
      id,
      names,
      dir,
      worldFile: join(dir, 'world.json'),
      caFile: join(dir, 'lab-ca.pem'),
      censorCaFile: join(dir, 'censor-ca.pem'),
      censorCertsFile: join(dir, 'censor-certs.json'),
      helperCaFile: join(dir, 'helper-ca.pem'),
      helperTokenFile: join(dir, 'helper-token'),
      helperUrls: Object.fromEntries(
        Object.entries(LAB_HELPER_PORTS).map(([k, port]) => [k, `https://${LINK.out}:${port}/`]),
      ) as Record<LabHelperKind, string>,
      targetsDir: join(dir, 'targets'),
      asnDbFile: join(dir, 'asn.csv'),
      fifo: join(dir, 'serve.fifo'),
      pids: {},
      scenario: null,
      startupMs: 0,
      createdAt: new Date().toISOString(),
      ...(o.userns ? { userns: true } : {}),
    };
    writeFileSync(state.worldFile, `${JSON.stringify(world, null, 2)}\n`);
    writeFileSync(state.asnDbFile, labAsnCsv(allAddresses(world), relayAddresses(world)));
    const lab = new NetnsLab(state, world, log);
    if (o.cleanupOnExit ?? true) lab.installExitCleanup();
    try {
      await createTopology(names, {
        hostAddresses: allAddresses(world),
        ispResolver: world.infra.ispResolver.address,
        clientEtc: !o.userns,
      });
      log(`namespaces ${Object.values(names.ns).join(', ')} created`);

      // The servers' command channel is a FIFO opened read-write by the server (it never sees EOF),
      // so that later invocations of the lab CLI can still send commands.
      await run(['mkfifo', '-m', '600', state.fifo]);
      const serve = await lab.startServe();
      state.pids.serve = serve.pid;
      const turn = await lab.startCoturn();
      if (turn) log(`coturn plays ${turn} relay endpoint(s)`);

      // The censor's own CA (for the TLS-intercepting proxy), which the client is made to trust, and
      // its certificates for every host that serves a WebSocket (what an intercepting censor forges).
      const censorCa = await createLabCa('voipprobe lab censor CA (interception)');
      writeFileSync(state.censorCaFile, censorCa.certPem);
      const wsHosts = [...new Set(world.endpoints.flatMap((e) => e.webSockets.map((w) => w.host)))];
      const certs: InterceptConfig['certs'] = {};
      for (const h of wsHosts) certs[h] = await issueCert(censorCa, { names: [h], ips: [] });
      writeFileSync(state.censorCertsFile, JSON.stringify(certs), { mode: 0o600 });

      // The outside vantage: a real helper beyond the censor, and helpers that misbehave.
      const helpers = await lab.startHelpers();
      state.pids.helper = helpers.honest.pid;
      state.pids.fakeHelpers = helpers.fakes.pid;
      state.startupMs = Math.round(performance.now() - t0);
      lab.saveState();
      log(
        `lab ${id} up in ${state.startupMs} ms (${allAddresses(world).length} addresses, ${serve.ready.servers} servers)`,
      );
      return lab;
    } catch (err) {
      lab.destroy();
      throw err;
    }
  }

  /** Re-attaches to a lab started by an earlier `up` (from its state.json). */
  static attach(id: string, o: { stateRoot?: string; log?: (line: string) => void } = {}): NetnsLab {
    const dir = join(o.stateRoot ?? DEFAULT_STATE_ROOT, id);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as LabState;
    const world = JSON.parse(readFileSync(state.worldFile, 'utf8')) as LabWorld;
    const lab = new NetnsLab(state, world, o.log ?? (() => {}));
    for (const name of HELPERS) {
      const pid = state.pids[name];
      if (pid && isAlive(pid)) lab.helpers[name] = { name, ns: '', pid, log: '', ready: {} };
    }
    return lab;
  }

  /** Ids of the labs that have a state directory. */
  static list(stateRoot = DEFAULT_STATE_ROOT): string[] {
    try {
      return readdirSync(stateRoot).filter(
        (d) => d.startsWith(LAB_PREFIX) && existsSync(join(stateRoot, d, 'state.json')),
      );
    } catch {
      return [];
    }
  }

  private saveState(): void {
    writeFileSync(join(this.state.dir, 'state.json'), `${JSON.stringify(this.state, null, 2)}\n`);
  }

  private logFile(name: string): string {
    return join(this.state.dir, 'logs', `${name}.log`);
  }

  /**
   * Starts `voipprobe helper` in the outside vantage (its certificate from a CA of its own, which the
   * probe trusts; its DNS the lab's neutral resolver; the world's call ports and a neutral one for test
   * calls; private targets allowed, since every lab address is in 198.18.0.0/15), and the fake helpers.
   */
  private async startHelpers(): Promise<{ honest: LabProcess; fakes: LabProcess }> {
    const s = this.state;
    const ca = await createLabCa('voipprobe lab helper CA');
    writeFileSync(s.helperCaFile, ca.certPem);
    const cert = await issueCert(ca, { names: [], ips: [LINK.out] });
    const certFile = join(s.dir, 'helper-cert.pem');
    const keyFile = join(s.dir, 'helper-key.pem');
    writeFileSync(certFile, cert.certPem);
    writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
    writeFileSync(s.helperTokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    const honest = await startInNs({
      name: 'helper',
      ns: s.names.ns.out,
      argv: [
        process.execPath,
        distPath('cli.js'),
        'helper',
        '--listen',
        `${LINK.out}:${LAB_HELPER_PORTS.honest}`,
        '--cert',
        certFile,
        '--key',
        keyFile,
        '--token-file',
        s.helperTokenFile,
        '--resolver',
        this.world.infra.neutralResolver.server,
        '--ca-file',
        s.caFile,
        '--allow-private-targets',
        '--call-ports',
        callPorts(this.world).join(','),
        '--neutral-ports',
        String(LAB_NEUTRAL_CALL_PORT),
        '--log-level',
        'info',
      ],
      log: this.logFile('helper'),
      isReady: (x) => x.msg === 'helper listening',
    });
    const cfg: FakeHelperConfig = {
      address: LINK.out,
      certPem: cert.certPem,
      keyPem: cert.keyPem,
      ports: {
        garbage: LAB_HELPER_PORTS.garbage,
        silent: LAB_HELPER_PORTS.silent,
        liar_works: LAB_HELPER_PORTS.liar_works,
        liar_fails: LAB_HELPER_PORTS.liar_fails,
      },
    };
    const cfgFile = join(s.dir, 'fake-helpers.json');
    writeFileSync(cfgFile, JSON.stringify(cfg), { mode: 0o600 });
    const fakes = await startInNs({
      name: 'fake-helpers',
      ns: s.names.ns.out,
      argv: [process.execPath, distPath('lab', 'netns', 'fake-helper.js'), cfgFile],
      log: this.logFile('fake-helpers'),
    });
    return { honest, fakes };
  }

  /** `voipprobe run` flags that make the probe ask one of the lab's helpers. */
  helperArgs(kind: LabHelperKind): string[] {
    return ['--helper', this.state.helperUrls[kind], '--helper-token-file', this.state.helperTokenFile];
  }

  private async startServe(): Promise<LabProcess> {
    const s = this.state;
    const fifoFd = openSync(s.fifo, 'r+');
    try {
      return await startInNs({
        name: 'serve',
        ns: s.names.ns.net,
        argv: [
          process.execPath,
          distPath('lab', 'world', 'serve-main.js'),
          '--world',
          s.worldFile,
          '--ca-out',
          s.caFile,
          '--catalogue-out',
          s.targetsDir,
        ],
        log: this.logFile('serve'),
        stdin: fifoFd,
        timeoutMs: 60_000,
      });
    } finally {
      closeSync(fifoFd);
    }
  }

  /** One coturn per endpoint the world gives it, in the servers' namespace; returns how many. */
  private async startCoturn(): Promise<number> {
    const s = this.state;
    const eps = this.world.endpoints.filter((e) => e.player === 'coturn');
    for (const [i, e] of eps.entries()) {
      const conf = join(s.dir, `turnserver-${i}.conf`);
      writeFileSync(conf, coturnConfig(e, { realm: coturnRealm(e)!, index: i, stateDir: s.dir }), { mode: 0o600 });
      const p = await startInNs({
        name: `coturn-${i}`,
        ns: s.names.ns.net,
        argv: ['turnserver', '-c', conf],
        log: this.logFile(`coturn-${i}`),
        readyText: COTURN_READY,
        timeoutMs: 30_000,
      });
      s.pids[`coturn-${i}`] = p.pid;
    }
    return eps.length;
  }

  /** Sends one command to the server process and waits for its answer line. */
  private async serverCommand(cmd: object, timeoutMs = 30_000): Promise<void> {
    const logFile = this.logFile('serve');
    const answers = () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => /^\{"ok":/.test(l));
    const before = answers().length;
    const fd = openSync(this.state.fifo, 'w');
    try {
      writeSync(fd, `${JSON.stringify(cmd)}\n`);
    } finally {
      closeSync(fd);
    }
    const until = Date.now() + timeoutMs;
    for (;;) {
      const a = answers();
      if (a.length > before) {
        const r = JSON.parse(a[before]!) as { ok: boolean; error?: string };
        if (!r.ok) throw new Error(`lab servers refused ${JSON.stringify(cmd)}: ${r.error}`);
        return;
      }
      if (!isAlive(this.state.pids.serve!)) throw new Error(`the lab servers exited; log ${logFile}`);
      if (Date.now() > until)
        throw new Error(`the lab servers did not answer ${JSON.stringify(cmd)} within ${timeoutMs} ms`);
      await sleep(15);
    }
  }

  // --- censorship ---------------------------------------------------------------------------

  /** Applies a scenario's censor from a clean network. */
  async apply(s: Scenario | string): Promise<CensorPlan> {
    const scenario = typeof s === 'string' ? scenarioById(s) : s;
    if (!scenario) throw new Error(`unknown scenario "${String(s)}"; known: ${SCENARIOS.map((x) => x.id).join(', ')}`);
    await this.clear();
    const plan = planCensor(this.world, scenario.actions);
    const { router, inj } = this.names.ns;
    try {
      const serverSide = [...plan.resolver, ...plan.servers];
      if (serverSide.length) await this.serverCommand({ apply: serverSide });
      if (plan.injector) {
        // The injector answers as every resolver it is sent queries for: its namespace owns their addresses.
        for (const x of plan.injector.also)
          await run(['ip', '-n', inj, 'addr', 'replace', `${x.address}/32`, 'dev', 'lo']);
        const cfg: InjectorConfig = {
          address: this.world.infra.ispResolver.address,
          port: this.world.infra.ispResolver.port,
          names: plan.injector.names,
          A: plan.injector.A,
          also: plan.injector.also,
        };
        const file = join(this.state.dir, 'injector.json');
        writeFileSync(file, JSON.stringify(cfg));
        this.helpers.injector = await startInNs({
          name: 'injector',
          ns: inj,
          argv: [process.execPath, distPath('lab', 'netns', 'injector.js'), file],
          log: this.logFile('injector'),
        });
        this.state.pids.injector = this.helpers.injector.pid;
      }
      if (plan.intercept) {
        const issued = JSON.parse(readFileSync(this.state.censorCertsFile, 'utf8')) as InterceptConfig['certs'];
        const certs: InterceptConfig['certs'] = {};
        for (const name of Object.keys(plan.intercept.upstreams)) {
          if (!issued[name])
            throw new Error(`no censor certificate for ${name} (only hosts with a WebSocket route get one)`);
          certs[name] = issued[name];
        }
        const cfg: InterceptConfig = {
          listen: { address: LINK.router_client, port: PROXY_PORT },
          upstreams: plan.intercept.upstreams,
          upstreamPort: plan.intercept.upstreamPort,
          certs,
          upstreamCaPem: readFileSync(this.state.caFile, 'utf8'),
        };
        const file = join(this.state.dir, 'intercept.json');
        writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
        this.helpers.proxy = await startInNs({
          name: 'intercept-proxy',
          ns: router,
          argv: [process.execPath, distPath('lab', 'netns', 'intercept-proxy.js'), file],
          log: this.logFile('intercept-proxy'),
        });
        this.state.pids.proxy = this.helpers.proxy.pid;
      }
      if (plan.tlsIntercept) {
        // An interceptor whose CA the probe is never told to trust, for one name only.
        const { host, upstream } = plan.tlsIntercept;
        const interceptorCa = await createLabCa('voipprobe lab interceptor CA (untrusted)');
        const cfg: InterceptConfig = {
          listen: { address: LINK.router_client, port: TLS_INTERCEPT_PORT },
          upstreams: { [host]: upstream.address },
          upstreamPort: upstream.port,
          certs: { [host]: await issueCert(interceptorCa, { names: [host], ips: [] }) },
          upstreamCaPem: readFileSync(this.state.caFile, 'utf8'),
          passthrough: upstream,
        };
        const file = join(this.state.dir, 'tls-intercept.json');
        writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
        this.helpers.interceptor = await startInNs({
          name: 'tls-interceptor',
          ns: router,
          argv: [process.execPath, distPath('lab', 'netns', 'intercept-proxy.js'), file],
          log: this.logFile('tls-interceptor'),
        });
        this.state.pids.interceptor = this.helpers.interceptor.pid;
      }
      if (plan.nft) await run(inNs(router, 'nft', '-f', '-'), { input: plan.nft });
      for (const args of plan.iptables) await run(inNs(router, 'iptables', ...args));
      for (const args of plan.tc) await run(inNs(router, 'tc', ...args));
      if (plan.uplinkDown) await run(['ip', '-n', router, 'link', 'set', IF.routerToTransit, 'down']);
      if (plan.transitNft) await run(inNs(this.names.ns.transit, 'nft', '-f', '-'), { input: plan.transitNft });
      if (plan.reflector) {
        const cfg: DelayReflectorConfig = {
          helper: LINK.out,
          ports: plan.reflector.ports,
          maxDelayMs: plan.reflector.maxDelayMs,
          log: join(this.state.dir, 'logs', 'applied-delays.jsonl'),
        };
        const file = join(this.state.dir, 'delay-reflector.json');
        writeFileSync(file, JSON.stringify(cfg));
        this.helpers.reflector = await startInNs({
          name: 'delay-reflector',
          ns: router,
          argv: [process.execPath, distPath('lab', 'netns', 'delay-reflector.js'), file],
          log: this.logFile('delay-reflector'),
        });
        this.state.pids.reflector = this.helpers.reflector.pid;
      }
      if (plan.cutter) {
        const c = { table: CENSOR_TABLE, ...plan.cutter };
        this.helpers.cutter = await startInNs({
          name: 'cut-controller',
          ns: router,
          argv: [process.execPath, distPath('lab', 'netns', 'cut-controller.js'), JSON.stringify(c)],
          log: this.logFile('cut-controller'),
        });
        this.state.pids.cutter = this.helpers.cutter.pid;
      }
    } catch (err) {
      await this.clear().catch(() => {});
      throw err;
    }
    this.current = scenario;
    this.lastPlan = plan;
    this.state.scenario = scenario.id;
    this.saveState();
    for (const line of plan.summary) this.log(`scenario ${scenario.id}: ${line}`);
    return plan;
  }

  /** Removes every censorship measure: a clean network again. */
  async clear(): Promise<void> {
    const { router } = this.names.ns;
    for (const name of ['cutter', 'reflector'] as const) {
      const p = this.helpers[name];
      if (!p) continue;
      await stopProcess(p.pid);
      delete this.helpers[name];
      delete this.state.pids[name];
    }
    const tables = (await run(inNs(router, 'nft', 'list', 'tables'))).stdout;
    if (tables.includes(`table ip ${CENSOR_TABLE}`))
      await run(inNs(router, 'nft', 'delete', 'table', 'ip', CENSOR_TABLE));
    // The SNI rules: iptables-nft keeps them in the router's own "ip filter" table, which the lab owns
    // entirely; with iptables-legacy they are flushed from the router's FORWARD chain.
    if (tables.includes('table ip filter')) await run(inNs(router, 'nft', 'delete', 'table', 'ip', 'filter'));
    else if (/legacy/.test(runSync(['iptables', '-V']).stdout)) await run(inNs(router, 'iptables', '-F', 'FORWARD'));
    for (const dev of [IF.routerToClient, IF.routerToTransit]) {
      const q = await run(inNs(router, 'tc', 'qdisc', 'show', 'dev', dev));
      if (/qdisc htb/.test(q.stdout)) await run(inNs(router, 'tc', 'qdisc', 'del', 'dev', dev, 'root'));
    }
    const link = await run(['ip', '-n', router, '-o', 'link', 'show', IF.routerToTransit]);
    if (!/[<,]UP[,>]/.test(link.stdout)) {
      await run(['ip', '-n', router, 'link', 'set', IF.routerToTransit, 'up']);
      await waitCarrier(router, IF.routerToTransit);
      await routes(this.names);
    }
    await run(['ip', '-n', router, 'neigh', 'flush', 'dev', IF.routerToTransit]).catch(() => {});
    const transitTables = (await run(inNs(this.names.ns.transit, 'nft', 'list', 'tables'))).stdout;
    if (transitTables.includes(`table ip ${OUTAGE_TABLE}`))
      await run(inNs(this.names.ns.transit, 'nft', 'delete', 'table', 'ip', OUTAGE_TABLE));
    for (const name of HELPERS) {
      const p = this.helpers[name];
      if (p) await stopProcess(p.pid);
      delete this.helpers[name];
      delete this.state.pids[name];
    }
    // Resolver addresses the injector took over (the neutral one); its own ISP copy stays.
    const { inj } = this.names.ns;
    const neutral = this.world.infra.neutralResolver.address;
    if ((await run(['ip', '-n', inj, '-o', 'addr', 'show', 'dev', 'lo'])).stdout.includes(` ${neutral}/32`))
      await run(['ip', '-n', inj, 'addr', 'del', `${neutral}/32`, 'dev', 'lo']);
    await this.serverCommand({ reset: true });
    this.current = null;
    this.lastPlan = null;
    this.state.scenario = null;
    this.saveState();
  }

  // --- the probe ----------------------------------------------------------------------------

  /** `voipprobe run` (or `call-test`) arguments for the probe inside the client namespace (its own resolv.conf: no --system-resolver, unless in a user namespace). */
  probeArgs(o: {
    timeoutS: number;
    out: string;
    json?: boolean;
    deadlineS?: number;
    extra?: string[];
    command?: 'run' | 'call-test';
  }): string[] {
    return [
      o.command ?? 'run',
      ...probeArgs(
        this.world,
        { targetsDir: this.state.targetsDir, caFile: this.state.caFile },
        { systemResolver: Boolean(this.state.userns) },
      ),
      '--ca-file',
      this.state.censorCaFile,
      '--ca-file',
      this.state.helperCaFile,
      '--asn-db',
      this.state.asnDbFile,
      '--timeout',
      String(o.timeoutS),
      ...(o.deadlineS ? ['--deadline', String(o.deadlineS)] : []),
      '--out',
      o.out,
      ...(o.json ? ['--json'] : []),
      ...(o.extra ?? []),
    ];
  }

  /** The full command line (for a person to paste). */
  probeCommand(o: {
    timeoutS: number;
    out: string;
    json?: boolean;
    deadlineS?: number;
    extra?: string[];
    command?: 'run' | 'call-test';
    nodeArgs?: string[];
  }): string[] {
    return inNs(
      this.names.ns.client,
      process.execPath,
      ...(o.nodeArgs ?? []),
      distPath('cli.js'),
      ...this.probeArgs(o),
    );
  }

  /** Runs the real probe inside the client namespace and parses its measurement lines. */
  /** `nodeArgs` and `env` are for benchmarks (a usage hook). */
  async runProbe(o: {
    timeoutS: number;
    out: string;
    deadlineS?: number;
    killAfterMs?: number;
    extra?: string[];
    command?: 'run' | 'call-test';
    nodeArgs?: string[];
    env?: Record<string, string>;
  }): Promise<ProbeRun> {
    const argv = this.probeCommand({ ...o, json: true });
    const t0 = performance.now();
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), o.killAfterMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolveRun({ code, stdout, stderr });
      });
    });
    const ms = Math.round(performance.now() - t0);
    const measurements = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Measurement);
    const verdicts = measurements.map((m) => m.test_keys.x_verdict).filter((v): v is ServiceVerdict => v !== null);
    const controls =
      measurements.find((m) => m.test_keys.service === 'controls')?.test_keys.x_controls ??
      measurements[0]?.test_keys.x_controls;
    return { argv, ...r, ms, measurements, verdicts, controls };
  }

  // --- teardown -----------------------------------------------------------------------------

  private installExitCleanup(): void {
    const exit = () => this.destroy();
    const signal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\nvplab: ${sig}: removing lab ${this.state.id}\n`);
      this.destroy();
      // Leave as the signal would have, unless someone else also handles it.
      if (process.listenerCount(sig) === 0) process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    };
    process.on('exit', exit);
    process.once('SIGINT', signal);
    process.once('SIGTERM', signal);
    this.exitHandlers = { exit, signal };
  }

  /**
   * Removes the whole lab: its processes (by pid), namespaces, /etc/netns entries and state
   * directory. Synchronous and idempotent, so that exit and signal handlers can call it.
   */
  destroy(o: { keepState?: boolean } = {}): string[] {
    if (this.destroyed) return [];
    this.destroyed = true;
    if (this.exitHandlers) {
      process.off('exit', this.exitHandlers.exit);
      process.off('SIGINT', this.exitHandlers.signal);
      process.off('SIGTERM', this.exitHandlers.signal);
      this.exitHandlers = null;
    }
    for (const pid of Object.values(this.state.pids)) killPid(pid, 'SIGTERM');
    const removed = destroyNamespaces(Object.values(this.names.ns));
    for (const pid of Object.values(this.state.pids)) if (isAlive(pid)) killPid(pid, 'SIGKILL');
    if (!o.keepState && !process.env.VOIPPROBE_LAB_KEEP) {
      rmSync(this.state.dir, { recursive: true, force: true });
      removeIfEmpty(dirname(this.state.dir));
    }
    return removed;
  }
}

async function waitCarrier(ns: string, dev: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await run(['ip', '-n', ns, '-o', 'link', 'show', dev]);
    if (/LOWER_UP/.test(r.stdout)) return;
    await sleep(10);
  }
}

/**
 * Removes every lab that exists (namespaces named vplab-*, their /etc/netns entries, their state
 * directories), including the leftovers of a crashed run. Processes inside those namespaces are
 * ended by pid first.
 */
export function downAll(stateRoot = DEFAULT_STATE_ROOT): { namespaces: string[]; stateDirs: string[] } {
  const nsList = runSync(['ip', 'netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0]!)
    .filter((n) => n?.startsWith(LAB_PREFIX));
  // Server processes recorded in state files (they live in the namespaces, but be thorough).
  for (const id of NetnsLab.list(stateRoot)) {
    try {
      const st = JSON.parse(readFileSync(join(stateRoot, id, 'state.json'), 'utf8')) as LabState;
      for (const pid of Object.values(st.pids)) killPid(pid, 'SIGTERM');
    } catch {
      /* unreadable state: the namespace sweep below still ends its processes */
    }
  }
  const namespaces = destroyNamespaces(nsList);
  const stateDirs: string[] = [];
  try {
    for (const d of readdirSync(stateRoot)) {
      if (!d.startsWith(LAB_PREFIX)) continue;
      rmSync(join(stateRoot, d), { recursive: true, force: true });
      stateDirs.push(join(stateRoot, d));
    }
    removeIfEmpty(stateRoot);
  } catch {
    /* no state root */
  }
  // /etc/netns entries without a namespace (a crash between the two).
  try {
    for (const d of readdirSync('/etc/netns'))
      if (d.startsWith(LAB_PREFIX)) rmSync(join('/etc/netns', d), { recursive: true, force: true });
  } catch {
    /* no /etc/netns */
  }
  return { namespaces, stateDirs };
}
