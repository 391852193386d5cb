// The loopback lab: the censorship scenarios without root, on 127.0.0.0/8. Plans the world from the
// default catalogue, writes the lab CA and the lab catalogue to a temporary directory, starts every
// server in this process, plays a scenario's censor by switching server behaviours, and gives the
// exact flags that point the real probe at it. Used by the ordinary test suite, `voipprobe demo`
// and `npm run bench`. Nothing here sends a packet outside 127.0.0.0/8.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { judge } from '../../analysis/index.js';
import { type Catalogue, loadCatalogue, selectServices } from '../../catalogue/load.js';
import type { HelperEndpoint } from '../../measure/helper.js';
import { type RunResult, runMeasurement } from '../../measure/run.js';
import { trustStore } from '../../net/index.js';
import type { RunSettings } from '../../session/settings.js';
import { createLabCa, type LabCa } from '../world/pki.js';
import { loopbackUnsupported, SCENARIOS, type Scenario, scenarioById } from '../world/scenarios.js';
import { LabServers } from '../world/serve.js';
import { type LabWorld, LOOPBACK_DEFAULT_OCTET, planWorld, probeArgs, writeLabCatalogue } from '../world/world.js';

export interface LoopbackLabOptions {
  /** Catalogue the world is planned from; default the bundled probes/. */
  catalogue?: Catalogue;
  /** 127.<octet>.0.0/16; default 77, then random free ones when it is taken (another lab running). */
  octet?: number;
  /** Parent of the lab's temporary directory; default the OS temp dir. */
  tmpParent?: string;
}

export { loopbackUnsupported };

export class LoopbackLab {
  private closed = false;
  current: Scenario | null = null;

  private constructor(
    readonly world: LabWorld,
    readonly servers: LabServers,
    readonly ca: LabCa,
    /** Temporary directory holding ca.pem and targets/. */
    readonly dir: string,
    readonly caFile: string,
    readonly targetsDir: string,
    /** Milliseconds from start() to every server listening. */
    readonly startupMs: number,
  ) {}

  static async start(o: LoopbackLabOptions = {}): Promise<LoopbackLab> {
    const t0 = performance.now();
    const catalogue = o.catalogue ?? loadCatalogue();
    const ca = await createLabCa('voipprobe loopback lab CA');
    const tried = new Set<number>();
    let octet = o.octet ?? LOOPBACK_DEFAULT_OCTET;
    for (let attempt = 0; ; attempt++) {
      tried.add(octet);
      const world = planWorld(catalogue, { kind: 'loopback', octet });
      const servers = new LabServers(world, { ca });
      try {
        await servers.start();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' || o.octet !== undefined || attempt >= 8) throw err;
        // Another lab (a parallel test file, a demo) holds this block: pick another.
        do octet = 100 + Math.floor(Math.random() * 150);
        while (tried.has(octet));
        continue;
      }
      const dir = mkdtempSync(join(o.tmpParent ?? tmpdir(), 'voipprobe-lab-'));
      const caFile = join(dir, 'lab-ca.pem');
      writeFileSync(caFile, ca.certPem);
      const targetsDir = writeLabCatalogue(world, join(dir, 'targets'));
      return new LoopbackLab(world, servers, ca, dir, caFile, targetsDir, Math.round(performance.now() - t0));
    }
  }

  /** Switches the servers to a scenario (from a clean state); throws for one loopback cannot make. */
  async applyScenario(s: Scenario | string): Promise<Scenario> {
    const scenario = typeof s === 'string' ? scenarioById(s) : s;
    if (!scenario) throw new Error(`unknown scenario "${String(s)}"; known: ${SCENARIOS.map((x) => x.id).join(', ')}`);
    const why = loopbackUnsupported(scenario);
    if (why) throw new Error(`scenario ${scenario.id} cannot run in the loopback lab: ${why}`);
    await this.servers.reset();
    await this.servers.apply(scenario.actions);
    this.current = scenario;
    return scenario;
  }

  /** Back to a clean network. */
  async reset(): Promise<void> {
    await this.servers.reset();
    this.current = null;
  }

  /** `voipprobe run` arguments pointing the probe at this lab. */
  args(): string[] {
    return probeArgs(this.world, { targetsDir: this.targetsDir, caFile: this.caFile });
  }

  /** The settings of a run session pointed at this lab (`voipprobe demo`). */
  runSettings(o: { timeoutS: number; out: string; deadlineS?: number; service?: string[] }): RunSettings {
    const catalogue = loadCatalogue(this.targetsDir);
    return {
      catalogue: o.service ? selectServices(catalogue, o.service) : catalogue,
      timeoutMs: Math.round(o.timeoutS * 1000),
      deadlineMs: Math.round((o.deadlineS ?? 60) * 1000),
      concurrency: 128,
      includeIp: false,
      ipv6: false,
      resolvers: this.resolvers(),
      ca: trustStore([this.ca.certPem]),
      out: o.out,
    };
  }

  private resolvers(): RunSettings['resolvers'] {
    return {
      local: [this.world.infra.ispResolver.server],
      controlUdp: [this.world.infra.neutralResolver.server],
      doh: [this.world.infra.doh.url],
    };
  }

  /** Runs the real measurement in this process against the lab (no results file, no table). */
  measure(o: {
    timeoutS: number;
    deadlineS?: number;
    signal?: AbortSignal;
    helpers?: HelperEndpoint[];
  }): Promise<RunResult> {
    return runMeasurement({
      catalogue: loadCatalogue(this.targetsDir),
      judge,
      timeoutMs: Math.round(o.timeoutS * 1000),
      deadlineMs: Math.round((o.deadlineS ?? 60) * 1000),
      concurrency: 128,
      resolvers: this.resolvers(),
      ca: trustStore([this.ca.certPem]),
      ipv6: false,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.helpers ? { helpers: o.helpers } : {}),
    });
  }

  /** Stops every server and removes the temporary directory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.servers.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
