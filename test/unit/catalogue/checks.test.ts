// The table of check types (src/catalogue/checks.ts) and the promise it carries: a new check type, a
// new layer or a new observation array does not compile until every place that must handle it does,
// and docs/architecture.md ("Adding a check type") names exactly those places.

import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { layersOf } from '../../../src/analysis/target.js';
import { CHECKS, type CheckSpec, type CheckType, isResolverCheck } from '../../../src/catalogue/checks.js';
import type { Target } from '../../../src/catalogue/schema.js';
import {
  emptyObservations,
  OBSERVATION_KEYS,
  type ObservationKey,
  type Observations,
} from '../../../src/model/observations.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// --- type level (checked by `tsc -p test/tsconfig.json`, part of npm test) ---------------------------

/** The catalogue's union with one more check type, as schema.ts would have it after adding one. */
type WithTurn = Target | { id: string; check: 'turn'; host: string; ports: number[]; source: string };

// @ts-expect-error a check type without an entry in the table does not compile
const _withTurn: Record<WithTurn['check'], CheckSpec> = CHECKS;

/** The shape every switch on a check type has: a check type without a case reaches `satisfies never`. */
function _describe(t: WithTurn): string {
  switch (t.check) {
    case 'dns':
    case 'tcp':
    case 'tls':
    case 'stun':
      return t.host;
    case 'https':
    case 'websocket':
    case 'doh':
      return t.url;
    case 'resolver':
      return t.address;
    default:
      // @ts-expect-error 'turn' has no case
      return t satisfies never;
  }
}

// @ts-expect-error the test call is one record, not an array evidence points into
const _callTest: ObservationKey = 'x_call_test';

// --- the table --------------------------------------------------------------------------------------

const base = { id: 't', role: 'chat' as const, source: 'test', enabled: true };
const named: Record<CheckType, Target> = {
  dns: { ...base, check: 'dns', host: 'a.example' },
  tcp: { ...base, check: 'tcp', host: 'a.example', ports: [5222] },
  tls: { ...base, check: 'tls', host: 'a.example', port: 443 },
  https: { ...base, check: 'https', url: 'https://a.example/' },
  websocket: { ...base, check: 'websocket', url: 'wss://a.example/ws', expect_status: 101 },
  stun: { ...base, role: 'call', check: 'stun', host: 'relay.example', ports: [3478], answers_binding: true },
  resolver: { ...base, role: 'control', check: 'resolver', address: '198.18.0.53', port: 53 },
  doh: { ...base, role: 'control', check: 'doh', url: 'https://198.18.0.54/dns-query' },
};

describe('the table of check types', () => {
  it('gives the layers of a chain, the lookup first when the target names a host', () => {
    const got = Object.fromEntries(Object.entries(named).map(([c, t]) => [c, layersOf(t)]));
    expect(got).toEqual({
      dns: ['dns'],
      tcp: ['dns', 'tcp'],
      tls: ['dns', 'tcp', 'tls'],
      https: ['dns', 'tcp', 'tls', 'http'],
      websocket: ['dns', 'tcp', 'tls', 'http', 'websocket'],
      stun: ['dns', 'stun'],
      resolver: [],
      doh: [],
    });
  });

  it('leaves the lookup out for an IP literal, except for a dns check (nothing but its lookup)', () => {
    expect(layersOf({ ...base, check: 'tcp', host: '198.18.1.1', ports: [443] })).toEqual(['tcp']);
    expect(layersOf({ ...base, check: 'https', url: 'https://[2001:db8::1]/' })).toEqual(['tcp', 'tls', 'http']);
    expect(
      layersOf({ ...base, role: 'call', check: 'stun', host: '198.18.7.7', ports: [3478], answers_binding: true }),
    ).toEqual(['stun']);
    expect(layersOf({ ...base, check: 'dns', host: '198.18.1.1' })).toEqual(['dns']);
  });

  it('marks the resolver checks, which are never measured as targets', () => {
    expect(Object.keys(CHECKS).filter((c) => isResolverCheck({ check: c as CheckType }))).toEqual(['resolver', 'doh']);
    for (const [c, s] of Object.entries(CHECKS))
      if (s.kind === 'resolver') expect([c, s.layers, s.writes]).toEqual([c, [], []]);
  });

  it('names only observation arrays, and every array of a measurement once', () => {
    const arrays = Object.keys({ ...emptyObservations(), x_helper: [] } satisfies Observations);
    expect([...OBSERVATION_KEYS].sort()).toEqual(arrays.sort());
    for (const s of Object.values(CHECKS)) for (const k of s.writes) expect(OBSERVATION_KEYS).toContain(k);
  });
});

// --- what the compiler says when one is added -------------------------------------------------------

type Addition = 'check' | 'layer' | 'observation';

/** Each addition as a newcomer would make it, applied in memory to one source file. */
const ADDITIONS: Record<Addition, { name: string; file: string; from: string; to: string }> = {
  check: {
    name: 'turn',
    file: 'src/catalogue/schema.ts',
    from: "export const target = z.discriminatedUnion('check', [",
    to: "const turnTarget = z.object({ ...common, check: z.literal('turn'), host: hostname, ports: z.array(port).min(1) }).strict();\nexport const target = z.discriminatedUnion('check', [\n  turnTarget,",
  },
  layer: {
    name: 'allocate',
    file: 'src/model/schema/lists.ts',
    from: "'stun', 'path'] as const;",
    to: "'stun', 'path', 'allocate'] as const;",
  },
  observation: {
    name: 'x_allocations',
    file: 'src/model/schema/observations.ts',
    from: '  x_traces: z.array(pathTraceSchema),\n',
    to: '  x_traces: z.array(pathTraceSchema),\n  x_allocations: z.array(pathTraceSchema),\n',
  },
};

/** Where a diagnostic stands: "file name", the innermost named function or method, else the top-level constant. */
function placeOf(sf: ts.SourceFile, pos: number): string {
  let found: string | undefined;
  let inFunction = false;
  const visit = (n: ts.Node): void => {
    if (pos < n.getStart(sf) || pos >= n.getEnd()) return;
    if ((ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n)) && n.name && ts.isIdentifier(n.name)) {
      found = n.name.text;
      inFunction = true;
    } else if (!inFunction && ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) found = n.name.text;
    n.forEachChild(visit);
  };
  visit(sf);
  return `${relative(ROOT, sf.fileName)} ${found ?? '(top level)'}`;
}

/** Compiles the project (tsconfig.json: src and bench) with every addition made; the places each one breaks. */
function compileWithAdditions(): Record<Addition, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(ROOT, 'tsconfig.json'),
    { noEmit: true, incremental: false },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, ' '));
      },
    },
  )!;
  const edited = new Map<string, string>();
  for (const a of Object.values(ADDITIONS)) {
    const path = resolve(ROOT, a.file);
    const text = readFileSync(path, 'utf8');
    // A moved marker must fail here, not leave the addition unmade and the test empty.
    expect(text.split(a.from).length - 1, `${a.file} has one "${a.from}"`).toBe(1);
    edited.set(path, text.replace(a.from, a.to));
  }
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => {
    const text = edited.get(resolve(file));
    return text !== undefined ? ts.createSourceFile(file, text, lang) : read(file, lang, ...rest);
  };
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, host });
  // The messages of one place (a `satisfies never` in a switch that returns gives two), attributed
  // together to the addition they name first.
  const places = new Map<string, string[]>();
  for (const d of program.getSemanticDiagnostics()) {
    const place = placeOf(d.file!, d.start!);
    places.set(place, [...(places.get(place) ?? []), ts.flattenDiagnosticMessageText(d.messageText, ' ')]);
  }
  const out: Record<Addition, string[]> = { check: [], layer: [], observation: [] };
  for (const [place, messages] of places) {
    const text = messages.join(' | ');
    const named = (Object.entries(ADDITIONS) as [Addition, { name: string }][])
      .map(([k, a]) => ({ k, at: text.search(new RegExp(`\\b${a.name}\\b`)) }))
      .filter((x) => x.at >= 0)
      .sort((x, y) => x.at - y.at)[0];
    expect(named, `${place}: an error that names no addition: ${text}`).toBeDefined();
    out[named!.k].push(place);
  }
  return { check: out.check.sort(), layer: out.layer.sort(), observation: out.observation.sort() };
}

/** The places docs/architecture.md lists after `<!-- compiler: KIND -->`: "- `file` `name`: ...". */
function documentedPlaces(kind: Addition): string[] {
  const doc = readFileSync(resolve(ROOT, 'docs/architecture.md'), 'utf8');
  const start = doc.indexOf(`<!-- compiler: ${kind} -->`);
  expect(start, `docs/architecture.md has a "<!-- compiler: ${kind} -->" list`).toBeGreaterThanOrEqual(0);
  const list = doc.slice(start).split('\n').slice(1);
  const items = list.slice(
    0,
    list.findIndex((l) => !l.startsWith('- ')),
  );
  return items
    .map((l) => /^- `([^`]+)` `([^`]+)`/.exec(l))
    .map((m) => `${m![1]} ${m![2]}`)
    .sort();
}

describe('adding a check type is guided by the compiler', () => {
  // One whole-program type check: seconds on an idle machine, more on a loaded one.
  it('points to exactly the places docs/architecture.md lists, for a new check type, layer and observation array', () => {
    const got = compileWithAdditions();
    expect(got.check.length, 'a new check type breaks the build').toBeGreaterThan(0);
    expect(got.check).toContain('src/catalogue/checks.ts CHECKS');
    for (const kind of Object.keys(ADDITIONS) as Addition[])
      expect(got[kind], `the places a new ${kind} breaks`).toEqual(documentedPlaces(kind));
  }, 600_000);
});
