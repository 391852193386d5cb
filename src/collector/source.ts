// `voipprobe report --from-collector URL-or-store`: the collector's measurements as the same
// {file, line, measurement} stream the reporter reads from results files, from
//   http(s)://collector       GET /api/v1/measurements (bearer token)
//   postgres://...            the PostgreSQL store directly
//   a directory               the embedded JSONL store directly (read-only; no lock needed)

import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { type BadLine, judgeLine, type ResultLine, readResults } from '../results/read.js';
import { InputError } from '../util/input-error.js';
import { OperationalError } from '../util/operational-error.js';
import { Agent } from '../util/undici.js';
import { isPostgresUrl } from './open-store.js';
import { matchesFilter, type QueryFilter } from './store.js';
import { PostgresStore, redactUrl } from './store-postgres.js';

export interface CollectorSourceOptions extends QueryFilter {
  /** Bearer token for an http(s) collector. */
  token?: string;
  /** Bad lines (corrupt, torn, invalid) are reported here and skipped. */
  onBad?: (bad: BadLine) => void;
  /** Per-request timeout for an http(s) collector. */
  timeoutMs?: number;
}

export function collectorLines(source: string, opts: CollectorSourceOptions = {}): AsyncIterable<ResultLine> {
  const onBad = opts.onBad ?? (() => undefined);
  const filter: QueryFilter = {
    since: opts.since,
    until: opts.until,
    service: opts.service,
    probe_asn: opts.probe_asn,
    probe_cc: opts.probe_cc,
  };
  if (/^https?:\/\//i.test(source)) return fromHttp(source, filter, opts, onBad);
  if (isPostgresUrl(source)) return fromPostgres(source, filter);
  return fromDir(source, filter, onBad);
}

async function* fromDir(dir: string, filter: QueryFilter, onBad: (b: BadLine) => void): AsyncGenerator<ResultLine> {
  for await (const line of readResults([dir], onBad)) if (matchesFilter(line.measurement, filter)) yield line;
}

async function* fromPostgres(url: string, filter: QueryFilter): AsyncGenerator<ResultLine> {
  let store: PostgresStore;
  try {
    store = await PostgresStore.open(url, { migrate: false, poolSize: 1 });
  } catch (e) {
    throw new InputError(`--from-collector ${redactUrl(url)}: ${(e as Error).message}`);
  }
  try {
    yield* store.query(filter);
  } finally {
    await store.close();
  }
}

async function* fromHttp(
  base: string,
  filter: QueryFilter,
  opts: CollectorSourceOptions,
  onBad: (b: BadLine) => void,
): AsyncGenerator<ResultLine> {
  const url = new URL(`${base.replace(/\/+$/, '')}/api/v1/measurements`);
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) url.searchParams.set(k, v);
  const timeout = opts.timeoutMs ?? 60_000;
  const agent = new Agent({ headersTimeout: timeout, bodyTimeout: timeout });
  try {
    yield* readHttp(agent, url, opts, onBad);
  } finally {
    await agent.close().catch(() => {});
  }
}

async function* readHttp(
  agent: Agent,
  url: URL,
  opts: CollectorSourceOptions,
  onBad: (b: BadLine) => void,
): AsyncGenerator<ResultLine> {
  let res: Awaited<ReturnType<Agent['request']>>;
  try {
    res = await agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'GET',
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
  } catch (e) {
    throw new OperationalError(`${url.origin}: cannot reach the collector: ${(e as Error).message}`);
  }
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    const msg = `${url.origin}: collector answered HTTP ${res.statusCode}: ${text.slice(0, 300)}`;
    if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 400 || res.statusCode === 404)
      throw new InputError(msg);
    throw new OperationalError(msg);
  }
  const file = url.origin + url.pathname;
  const rl = createInterface({ input: Readable.from(res.body), crlfDelay: Infinity });
  let n = 0;
  // A stream the collector cut short surfaces as an error from the iterator below: never a silently short report.
  for await (const text of rl) {
    n++;
    const v = judgeLine(text, false);
    if (!v) continue;
    if (!v.ok) {
      onBad({ file, line: n, kind: v.kind, reason: v.reason });
      continue;
    }
    yield { file, line: n, measurement: v.measurement };
  }
}
