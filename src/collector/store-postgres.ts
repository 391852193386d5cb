// PostgreSQL store, for teams that outgrow one box. One row per measurement: the fields the reporter
// filters on as columns (indexed by service+time and ASN+time), the document as jsonb. Idempotent
// through the primary key: INSERT ... ON CONFLICT (id) DO NOTHING. Inserts are group-committed: one
// statement and one COMMIT per batch of concurrent requests.

import pg from 'pg';
import type { Measurement } from '../model/measurement.js';
import type { ResultLine } from '../results/read.js';
import { OperationalError } from '../util/operational-error.js';
import { GroupCommitter } from './group-commit.js';
import {
  type IncomingMeasurement,
  type InsertResult,
  type MeasurementStore,
  measurementUid,
  type QueryFilter,
  type StoreCounts,
  serialiseDocument,
} from './store.js';

export const TABLE = 'voipprobe_measurements';

/** Ordered migrations; the schema version is the number applied. Never edit one that shipped. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE ${TABLE} (
     id text PRIMARY KEY,
     measurement_uid text NOT NULL UNIQUE,
     report_id text NOT NULL,
     collector_report_id text,
     test_name text NOT NULL,
     service text NOT NULL,
     probe_asn text NOT NULL,
     probe_cc text NOT NULL,
     x_access text,
     x_vantage text,
     measurement_start_time timestamp NOT NULL,
     received_time timestamptz NOT NULL,
     submitter_asn text,
     doc jsonb NOT NULL,
     -- Exact JSON text, only when jsonb cannot hold the document as sent (it refuses \\u0000).
     doc_text text
   );
   CREATE INDEX ${TABLE}_service_time ON ${TABLE} (service, measurement_start_time);
   CREATE INDEX ${TABLE}_asn_time ON ${TABLE} (probe_asn, measurement_start_time);
   CREATE INDEX ${TABLE}_time_id ON ${TABLE} (measurement_start_time, id);
   CREATE INDEX ${TABLE}_received ON ${TABLE} (received_time);`,
];

/** What to do about the usual reasons a database cannot be opened (PostgreSQL's SQLSTATE, or the socket's errno). */
function databaseHint(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === '28000' || code === '28P01')
    return ' (create the role, e.g. `createuser voipprobe`, or fix the user and password in the URL)';
  if (code === '3D000')
    return ' (create the database, e.g. `createdb -O voipprobe voipprobe`, or fix its name in the URL)';
  if (code === '42501')
    return ' (the role may not create the table: grant it CREATE on the schema, or run the first start as the owner)';
  if (code === 'ECONNREFUSED') return ' (is PostgreSQL running and listening there?)';
  return '';
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

interface Row {
  id: string;
  uid: string;
  report_id: string;
  collector_report_id: string | null;
  test_name: string;
  service: string;
  probe_asn: string;
  probe_cc: string;
  x_access: string | null;
  x_vantage: string | null;
  start: string;
  received: string;
  submitter_asn: string | null;
  doc: string;
  doc_text: string | null;
}

export class PostgresStore implements MeasurementStore {
  readonly description: string;
  private readonly committer: GroupCommitter<IncomingMeasurement, InsertResult | Error>;

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.description = redactUrl(url);
    this.committer = new GroupCommitter((batch) => this.commit(batch), 500);
  }

  /** `migrate: false` for readers (a read-only role cannot create tables). */
  static async open(url: string, opts: { poolSize?: number; migrate?: boolean } = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 8 });
    // An idle client losing its server (restart) must not crash the collector.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool, url);
    try {
      if (opts.migrate ?? true) await store.migrate();
      else await pool.query('SELECT 1');
    } catch (e) {
      await pool.end();
      throw new OperationalError(
        `${redactUrl(url)}: cannot prepare the database: ${(e as Error).message}${databaseHint(e)}`,
        { cause: e },
      );
    }
    return store;
  }

  /** Applies pending migrations under an advisory lock, so collectors starting together do not race. */
  private async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(hashtext('voipprobe_schema'))`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS voipprobe_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await c.query<{ v: number | null }>(`SELECT max(version) AS v FROM voipprobe_schema`);
      const current = rows[0]?.v ?? 0;
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        await c.query(MIGRATIONS[v - 1]!);
        await c.query(`INSERT INTO voipprobe_schema (version) VALUES ($1)`, [v]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async insert(m: IncomingMeasurement): Promise<InsertResult> {
    const r = await this.committer.submit(m);
    if (r instanceof Error) throw r;
    return r;
  }

  /** One failing row (a value the database refuses) must not fail the whole batch: retry row by row. */
  private async commit(batch: IncomingMeasurement[]): Promise<(InsertResult | Error)[]> {
    try {
      return await this.commitRows(batch);
    } catch (e) {
      if (batch.length === 1) return [e as Error];
      const out: (InsertResult | Error)[] = [];
      for (const m of batch) {
        try {
          out.push((await this.commitRows([m]))[0]!);
        } catch (err) {
          out.push(err as Error);
        }
      }
      return out;
    }
  }

  private toRow(m: IncomingMeasurement): Row {
    const meas = m.measurement;
    const uid = measurementUid(meas, m.receivedAt);
    const json = serialiseDocument(m, uid);
    const needsText = json.includes('\\u0000');
    return {
      id: meas.id,
      uid,
      report_id: meas.report_id,
      collector_report_id: m.collectorReportId ?? null,
      test_name: meas.test_name,
      service: meas.test_keys.service,
      probe_asn: meas.probe_asn,
      probe_cc: meas.probe_cc,
      x_access: meas.x_access ?? null,
      x_vantage: meas.x_vantage ?? null,
      start: meas.measurement_start_time,
      received: m.receivedAt.toISOString(),
      submitter_asn: m.submitter?.asn ?? null,
      doc: needsText ? json.replace(/\\u0000/g, '\\ufffd') : json,
      doc_text: needsText ? json : null,
    };
  }

  private async commitRows(batch: IncomingMeasurement[]): Promise<InsertResult[]> {
    // The same id twice in one batch: only the first is inserted, the others are duplicates of it.
    const rows: Row[] = [];
    const firstIndex = new Map<string, number>();
    batch.forEach((m, i) => {
      if (!firstIndex.has(m.measurement.id)) {
        firstIndex.set(m.measurement.id, i);
        rows.push(this.toRow(m));
      }
    });
    const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
    const inserted = await this.pool.query<{ id: string; measurement_uid: string }>(
      `INSERT INTO ${TABLE} (id, measurement_uid, report_id, collector_report_id, test_name, service, probe_asn, probe_cc,
                             x_access, x_vantage, measurement_start_time, received_time, submitter_asn, doc, doc_text)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                            $9::text[], $10::text[], $11::timestamp[], $12::timestamptz[], $13::text[], $14::jsonb[], $15::text[])
       ON CONFLICT (id) DO NOTHING
       RETURNING id, measurement_uid`,
      [
        col('id'),
        col('uid'),
        col('report_id'),
        col('collector_report_id'),
        col('test_name'),
        col('service'),
        col('probe_asn'),
        col('probe_cc'),
        col('x_access'),
        col('x_vantage'),
        col('start'),
        col('received'),
        col('submitter_asn'),
        col('doc'),
        col('doc_text'),
      ],
    );
    const uidOf = new Map<string, { uid: string; duplicate: boolean }>();
    for (const r of inserted.rows) uidOf.set(r.id, { uid: r.measurement_uid, duplicate: false });
    const missing = rows.map((r) => r.id).filter((id) => !uidOf.has(id));
    if (missing.length > 0) {
      const existing = await this.pool.query<{ id: string; measurement_uid: string }>(
        `SELECT id, measurement_uid FROM ${TABLE} WHERE id = ANY($1::text[])`,
        [missing],
      );
      for (const r of existing.rows) uidOf.set(r.id, { uid: r.measurement_uid, duplicate: true });
    }
    return batch.map((m, i) => {
      const hit = uidOf.get(m.measurement.id);
      if (!hit) throw new Error(`measurement ${m.measurement.id} neither inserted nor found`);
      return { measurement_uid: hit.uid, duplicate: hit.duplicate || firstIndex.get(m.measurement.id) !== i };
    });
  }

  async *query(filter: QueryFilter): AsyncGenerator<ResultLine> {
    // Keyset pagination on (measurement_start_time, id): constant memory, no long-lived cursor.
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.since !== undefined) add('measurement_start_time >= ?::timestamp', filter.since);
    if (filter.until !== undefined) add('measurement_start_time < ?::timestamp', filter.until);
    if (filter.service !== undefined) add('service = ?', filter.service);
    if (filter.probe_asn !== undefined) add('probe_asn = ?', filter.probe_asn);
    if (filter.probe_cc !== undefined) add('probe_cc = ?', filter.probe_cc);
    let after: { t: string; id: string } | undefined;
    let n = 0;
    for (;;) {
      const w = [...where];
      const p = [...params];
      if (after) {
        p.push(after.t, after.id);
        w.push(`(measurement_start_time, id) > ($${p.length - 1}::timestamp, $${p.length})`);
      }
      const { rows } = await this.pool.query<{ t: string; id: string; doc: string }>(
        `SELECT to_char(measurement_start_time, 'YYYY-MM-DD HH24:MI:SS.US') AS t, id, COALESCE(doc_text, doc::text) AS doc
           FROM ${TABLE} ${w.length ? `WHERE ${w.join(' AND ')}` : ''}
          ORDER BY measurement_start_time, id LIMIT 1000`,
        p,
      );
      for (const r of rows) yield { file: this.description, line: ++n, measurement: JSON.parse(r.doc) as Measurement };
      if (rows.length < 1000) return;
      const last = rows[rows.length - 1]!;
      after = { t: last.t, id: last.id };
    }
  }

  async counts(): Promise<StoreCounts> {
    await this.committer.idle();
    const { rows } = await this.pool.query<{ rows: string; distinct: string }>(
      `SELECT count(*) AS rows, count(DISTINCT doc->>'id') AS distinct FROM ${TABLE}`,
    );
    return { rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct) };
  }

  async close(): Promise<void> {
    await this.committer.idle();
    await this.pool.end();
  }
}
