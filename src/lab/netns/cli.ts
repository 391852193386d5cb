#!/usr/bin/env node
// The namespace censorship lab's one script (root):
//
//   node dist/src/lab/netns/cli.js up [--id vplab-NAME]     build the lab and leave it running
//   node dist/src/lab/netns/cli.js apply <scenario> [--id]  play a scenario's censor on a running lab
//   node dist/src/lab/netns/cli.js clear [--id]             remove the censor (a clean network)
//   node dist/src/lab/netns/cli.js probe [--id] [--timeout S]   run voipprobe in the client namespace
//   node dist/src/lab/netns/cli.js status                   labs, namespaces, processes, scenario
//   node dist/src/lab/netns/cli.js down                     remove every lab (vplab-*), leftovers too
//   node dist/src/lab/netns/cli.js run <scenario...|all> [--timeout S]
//                                                           a fresh lab, each scenario checked, removed
//   node dist/src/lab/netns/cli.js scenarios                list the scenarios
//
// (`npm run lab -- <command> ...` runs the same after building.)

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareWithScenario, ALL_SCENARIOS as SCENARIOS, type Scenario, scenarioById } from '../world/scenarios.js';
import { DEFAULT_STATE_ROOT, downAll, missingRequirements, NetnsLab } from './lab.js';
import { multiReplyQueries, runScenario, scenarioArgs, timeoutFor, verdictLines } from './scenario-run.js';
import { LAB_NETWORKS, LINK, leftoverNamespaces, pidsIn } from './topology.js';

const say = (s = '') => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function usage(): never {
  err(
    'usage: lab up [--id ID] | apply <scenario> [--id ID] | clear [--id ID] | probe [--id ID] [--timeout S] | status | down | run <scenario...|all> [--timeout S] | scenarios',
  );
  process.exit(2);
}

function pickLab(id: string | undefined, stateRoot: string): NetnsLab {
  if (id) return NetnsLab.attach(id, { stateRoot, log: say });
  const ids = NetnsLab.list(stateRoot);
  if (ids.length === 0) throw new Error('no lab is running (start one with `lab up`)');
  if (ids.length > 1) throw new Error(`several labs are running (${ids.join(', ')}): pass --id`);
  return NetnsLab.attach(ids[0]!, { stateRoot, log: say });
}

function describe(lab: NetnsLab): void {
  const w = lab.world;
  const n = lab.names.ns;
  say(`lab ${lab.state.id}`);
  say(
    `  namespaces: client ${n.client}, middlebox ${n.router}, servers ${n.net}, DNS injector ${n.inj}, outside vantage ${n.out}`,
  );
  say(
    `  links: client ${LINK.client} <-> ${LINK.router_client} router (ISP, AS${LAB_NETWORKS.isp.asn}) ${LINK.router_transit} <-> ${LINK.transit} transit (AS${LAB_NETWORKS.transit.asn}) <-> servers (AS${LAB_NETWORKS.hosting.asn}), the relays' router (AS${LAB_NETWORKS.relay.asn}) and the outside vantage ${LINK.out} (AS${LAB_NETWORKS.outside.asn}); router ${LINK.router_inj} <-> ${LINK.inj} injector`,
  );
  say(`  relays: ${w.relayPrefix} behind the relays' router`);
  say(
    `  helper (outside the censor): ${lab.state.helperUrls.honest} (token ${lab.state.helperTokenFile}; misbehaving ones: ${Object.entries(
      lab.state.helperUrls,
    )
      .filter(([k]) => k !== 'honest')
      .map(([k, u]) => `${k} ${u}`)
      .join(', ')})`,
  );
  say(`  hosts: ${w.prefix} on the net side (${w.hosts.length} names, ${w.standIns.length} stand-ins for IP literals)`);
  say(
    `  ISP resolver ${w.infra.ispResolver.server} (the client's resolv.conf), neutral resolver ${w.infra.neutralResolver.server}, DoH ${w.infra.doh.url}`,
  );
  say(`  sinkhole ${w.infra.sinkhole}, block page ${w.infra.blockpage.address}`);
  say(
    `  state: ${lab.state.dir} (lab CA ${lab.state.caFile}, censor CA ${lab.state.censorCaFile}, catalogue ${lab.state.targetsDir})`,
  );
  say(`  scenario: ${lab.state.scenario ?? 'none (clean network)'}`);
  say('  run the probe by hand inside the client namespace:');
  say(`    ${lab.probeCommand({ timeoutS: 2, out: join(lab.state.dir, 'results') }).join(' ')}`);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      timeout: { type: 'string' },
      'state-root': { type: 'string' },
      keep: { type: 'boolean' },
    },
  });
  const [cmd, ...rest] = positionals;
  const stateRoot = values['state-root'] ?? DEFAULT_STATE_ROOT;
  const timeoutS = values.timeout ? Number(values.timeout) : undefined;
  if (timeoutS !== undefined && !(timeoutS > 0))
    throw new Error(`--timeout must be a positive number of seconds, got ${values.timeout}`);

  switch (cmd) {
    case 'scenarios':
      for (const s of SCENARIOS) say(`${s.id.padEnd(4)} ${s.title}`);
      return 0;
    case 'up': {
      const missing = missingRequirements();
      if (missing.length) throw new Error(`the namespace lab needs ${missing.join(', ')}`);
      const lab = await NetnsLab.up({
        ...(values.id ? { id: values.id } : {}),
        stateRoot,
        cleanupOnExit: false,
        log: say,
      });
      describe(lab);
      say(`  remove it with: npm run lab -- down`);
      return 0;
    }
    case 'apply': {
      const s = rest[0];
      if (!s) usage();
      const lab = pickLab(values.id, stateRoot);
      await lab.apply(s);
      say(
        `scenario ${s} applied to ${lab.state.id}; run \`npm run lab -- probe\` to measure, \`npm run lab -- clear\` to remove it`,
      );
      return 0;
    }
    case 'clear': {
      const lab = pickLab(values.id, stateRoot);
      await lab.clear();
      say(`${lab.state.id}: censorship removed`);
      return 0;
    }
    case 'probe': {
      const lab = pickLab(values.id, stateRoot);
      const scenario = lab.state.scenario ? scenarioById(lab.state.scenario) : scenarioById('1');
      const t = timeoutS ?? (scenario ? timeoutFor(scenario) : 2);
      const out = join(lab.state.dir, 'results');
      const probe = await lab.runProbe({ timeoutS: t, out, ...(scenario ? scenarioArgs(lab, scenario) : {}) });
      for (const l of verdictLines(probe)) say(l);
      say(`probe exited ${probe.code} after ${(probe.ms / 1000).toFixed(1)} s; evidence in ${out}`);
      if (scenario && probe.controls) {
        const diffs = compareWithScenario(scenario, probe.verdicts, probe.controls);
        say(
          diffs.length
            ? `scenario ${scenario.id}: ${diffs.length} difference(s) from the expected verdicts:\n  ${diffs.join('\n  ')}`
            : `scenario ${scenario.id}: verdicts exactly as expected`,
        );
        return diffs.length ? 1 : 0;
      }
      return probe.code ?? 1;
    }
    case 'status': {
      const ids = NetnsLab.list(stateRoot);
      const nss = leftoverNamespaces();
      if (ids.length === 0 && nss.length === 0) say('no lab running');
      for (const id of ids) {
        const lab = NetnsLab.attach(id, { stateRoot });
        describe(lab);
        for (const ns of Object.values(lab.names.ns))
          say(`  ${ns}: ${nss.includes(ns) ? `${pidsIn(ns).length} process(es)` : 'MISSING'}`);
      }
      const orphans = nss.filter((ns) => !ids.some((id) => ns.startsWith(`${id}-`)));
      if (orphans.length)
        say(`leftover namespaces without a state directory (remove with \`down\`): ${orphans.join(', ')}`);
      return 0;
    }
    case 'down': {
      const r = downAll(stateRoot);
      say(r.namespaces.length ? `removed namespaces: ${r.namespaces.join(', ')}` : 'no lab namespace to remove');
      if (r.stateDirs.length) say(`removed state: ${r.stateDirs.join(', ')}`);
      const left = leftoverNamespaces();
      if (left.length) {
        err(`still present: ${left.join(', ')}`);
        return 1;
      }
      return 0;
    }
    case 'run': {
      if (rest.length === 0) usage();
      const list: Scenario[] = rest.includes('all')
        ? SCENARIOS
        : rest.map(
            (id) =>
              scenarioById(id) ??
              (() => {
                throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
              })(),
          );
      const lab = await NetnsLab.up({ stateRoot, log: () => {} });
      say(`lab ${lab.state.id} up in ${(lab.startupMs / 1000).toFixed(2)} s`);
      let failed = 0;
      const t0 = Date.now();
      try {
        for (const s of list) {
          const o = await runScenario(lab, s, {
            ...(timeoutS ? { timeoutS } : {}),
            out: mkdtempSync(join(tmpdir(), `vplab-${s.id}-`)),
          });
          const ok = o.diffs.length === 0 && (!s.noCensorship || o.claims.length === 0);
          if (!ok) failed++;
          say(
            `\n[${ok ? 'PASS' : 'FAIL'}] scenario ${s.id}: ${s.title} (${(o.ms / 1000).toFixed(1)} s, probe ${(o.probe.ms / 1000).toFixed(1)} s, timeout ${o.timeoutS} s)`,
          );
          for (const l of o.plan.summary) say(`  censor: ${l}`);
          for (const l of verdictLines(o.probe)) say(`  ${l}`);
          if (s.actions.some((a) => a.kind === 'dns_inject')) {
            const mq = multiReplyQueries(o.probe, 'whatsapp');
            say(
              `  injection: ${mq.length} UDP queries saw two replies; forged reply first in ${mq.filter((m) => m.first.includes(lab.world.infra.blockpage.address)).length}`,
            );
          }
          if (s.noCensorship)
            say(`  false positives: ${o.claims.length}${o.claims.length ? `: ${o.claims.join('; ')}` : ''}`);
          for (const d of o.diffs) say(`  DIFF ${d}`);
        }
      } finally {
        lab.destroy();
      }
      say(
        `\n${list.length - failed} of ${list.length} scenarios passed in ${((Date.now() - t0) / 1000).toFixed(1)} s (lab start-up ${(lab.startupMs / 1000).toFixed(2)} s)`,
      );
      return failed ? 1 : 0;
    }
    default:
      usage();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`lab: ${(e as Error).message}`);
    process.exit(1);
  },
);
