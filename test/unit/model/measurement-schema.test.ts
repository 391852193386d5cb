// The measurement line is defined once (src/model/schema/) and published as JSON Schema
// (src/model/measurement.schema.json): the committed file is the generated one, it accepts the lines
// the probe writes, and it refuses what the contract forbids.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fakeMeasurement } from '../../../bench/support/measurement-fixture.js';
import { MEASUREMENT_FORMAT_VERSION, type Measurement } from '../../../src/model/measurement.js';
import { measurementJsonSchema, measurementSchema } from '../../../src/model/schema/measurement.js';
import type { PathVerdict } from '../../../src/model/verdict.js';
import { measurementShape } from '../../../src/results/read.js';
import { MEASUREMENT_SCHEMA_FILE, schemaProblems } from '../../support/measurement-schema.js';

const blockedPath: PathVerdict = {
  path: 'chat',
  status: 'blocked',
  techniques: ['tcp.reset'],
  strength: 'strong',
  blocked_endpoints: 2,
  counts: { ok: 0, blocked: 2, failed: 0, inconclusive: 0, skipped: 0, total: 2 },
  reason: 'reset',
};

/** A line with a blocked chat path whose one target is blocked at its TCP layer. */
function blockedLine(): Measurement {
  const m = fakeMeasurement(0, { service: 'whatsapp' });
  m.test_keys.x_verdict = {
    service: 'whatsapp',
    status: 'partially_blocked',
    strength: 'strong',
    paths: {
      chat: blockedPath,
      web: {
        ...blockedPath,
        path: 'web',
        status: 'accessible',
        techniques: [],
        strength: undefined,
        blocked_endpoints: undefined,
        reason: 'ok',
      },
    },
    layers: {
      tcp: { layer: 'tcp', ok: 0, blocked: 1, failed: 0, inconclusive: 0, skipped: 0, techniques: ['tcp.reset'] },
    },
    controls: m.test_keys.x_controls,
    reason: 'chat blocked',
    targets: [
      {
        target: 'chat-e1',
        role: 'chat',
        path: 'chat',
        status: 'blocked',
        technique: 'tcp.reset',
        strength: 'strong',
        informational: false,
        layers: [
          {
            layer: 'tcp',
            status: 'blocked',
            technique: 'tcp.reset',
            strength: 'strong',
            failure: 'connection_reset',
            reason: 'reset',
            evidence: [{ key: 'tcp_connect', index: 0 }],
          },
        ],
        reason: 'reset',
      },
    ],
  };
  return m;
}

/** A deep copy changed by `f`. */
// biome-ignore lint/suspicious/noExplicitAny: a test that edits a line anywhere, to see the schema refuse it
type AnyLine = Record<string, any>;
const edited = (f: (m: AnyLine) => void): unknown => {
  const m = structuredClone(blockedLine()) as AnyLine;
  f(m);
  return m;
};

describe('the published measurement schema', () => {
  it('is the one generated from the zod source (regenerate with UPDATE_SCHEMAS=1)', () => {
    const generated = `${JSON.stringify(measurementJsonSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(MEASUREMENT_SCHEMA_FILE, generated);
    expect(
      readFileSync(MEASUREMENT_SCHEMA_FILE, 'utf8'),
      'regenerate with UPDATE_SCHEMAS=1 npx vitest run test/unit/model',
    ).toBe(generated);
    expect(JSON.parse(generated).title).toContain(`format ${MEASUREMENT_FORMAT_VERSION}`);
  });

  it('accepts well-formed lines, blocked verdicts with their technique and strength included', () => {
    expect(schemaProblems(fakeMeasurement(3))).toBe('');
    expect(schemaProblems(blockedLine())).toBe('');
    expect(measurementSchema.safeParse(blockedLine()).success).toBe(true);
  });

  it.each<[string, (m: AnyLine) => void, RegExp]>([
    ['a blocked path without its strength', (m) => delete m.test_keys.x_verdict.paths.chat.strength, /x_verdict/],
    ['a blocked target without its technique', (m) => delete m.test_keys.x_verdict.targets[0].technique, /x_verdict/],
    [
      'a blocked layer without its strength',
      (m) => delete m.test_keys.x_verdict.targets[0].layers[0].strength,
      /x_verdict/,
    ],
    [
      'a degraded path that claims a strength',
      (m) => Object.assign(m.test_keys.x_verdict.paths.chat, { status: 'degraded' }),
      /x_verdict/,
    ],
    [
      'an ok target that names a technique',
      (m) => Object.assign(m.test_keys.x_verdict.targets[0], { status: 'ok', strength: undefined }),
      /x_verdict/,
    ],
    ['a line without our format version', (m) => delete m.x_format_version, /x_format_version/],
    ['a line of another major format version', (m) => (m.x_format_version = '2.0'), /x_format_version/],
    ['an unknown access label', (m) => (m.x_access = 'satellite'), /x_access/],
    ['a field the format does not define', (m) => (m.test_keys.tcp_connect[0].x_surprise = 1), /tcp_connect/],
    ['a failure outside df-007', (m) => (m.test_keys.tcp_connect[0].status.failure = 'it broke'), /tcp_connect/],
    [
      'x_settings with a helper token instead of a list of URLs',
      (m) =>
        (m.x_settings = {
          timeout_s: 5,
          deadline_s: 60,
          concurrency: 8,
          per_family: 4,
          ipv6: true,
          localise: true,
          include_ip: false,
          resolvers: {},
          helpers: 'token',
        }),
      /x_settings/,
    ],
  ])('refuses %s', (_name, change, where) => {
    const problems = schemaProblems(edited(change));
    expect(problems).not.toBe('');
    expect(problems).toMatch(where);
  });

  it('accepts the effective settings of a run', () => {
    const m = edited(
      (x) =>
        (x.x_settings = {
          timeout_s: 5,
          deadline_s: 60,
          concurrency: 8,
          per_family: 4,
          ipv6: true,
          localise: true,
          include_ip: false,
          resolvers: { local: ['192.0.2.53:53'] },
          helpers: ['https://helper.example/'],
          call_test: { seconds: 10, profile: 'voice' },
        }),
    );
    expect(schemaProblems(m)).toBe('');
  });
});

describe('the reader refines the schema and stays tolerant of older lines', () => {
  it('reads a line written before x_traces and x_format_version existed', () => {
    const old = edited((m) => {
      delete m.x_format_version;
      delete m.test_keys.x_traces;
    });
    expect(measurementShape.safeParse(old).success).toBe(true);
  });

  it('checks the fields it relies on as the schema defines them', () => {
    const r = measurementShape.safeParse(edited((m) => (m.probe_asn = '36925')));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['probe_asn']);
  });
});
