// Speaks to a collector in OONI's shapes: the legacy report API (POST /report to open, POST
// /report/{id} per measurement, POST /report/{id}/close) or the newer POST /api/v1/submit_measurement.
// Every answer is sorted into what the spool must do with the item: delete it (ok), keep it (transient),
// put it aside with the collector's reason (rejected), or stop and keep everything (fatal: the
// problem is ours or the collector's configuration, not the item's, e.g. a wrong token).

import type { Measurement } from '../model/measurement.js';
import { Agent } from '../util/undici.js';

export type SubmitProtocol = 'report' | 'submit_measurement';

export interface CollectorClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 (a path prefix is kept). */
  url: string;
  token?: string;
  protocol?: SubmitProtocol;
  /** Per request: connect, headers and body each. */
  timeoutMs?: number;
}

export type SubmitOutcome =
  | { kind: 'ok'; measurement_uid: string }
  | { kind: 'transient'; error: string }
  | { kind: 'rejected'; status: number; reason: string }
  | { kind: 'fatal'; status?: number; error: string };

/** The fields OONI's Submitter compares to decide whether an open report can take a measurement. */
const TEMPLATE_KEYS = [
  'probe_asn',
  'probe_cc',
  'software_name',
  'software_version',
  'test_name',
  'test_start_time',
  'test_version',
] as const;

interface HttpAnswer {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
}

class TransportError extends Error {}

/** The collector's reason, from OONI-style ({error}, FastAPI {detail}) or plain-text bodies. */
export function reasonOf(a: HttpAnswer): string {
  const j = a.json;
  const pick = j && (j.error ?? j.reason ?? j.detail ?? j.message);
  const text = pick !== undefined ? (typeof pick === 'string' ? pick : JSON.stringify(pick)) : a.text.trim();
  return `HTTP ${a.status}${text ? `: ${text.slice(0, 500)}` : ''}`;
}

export class CollectorClient {
  readonly protocol: SubmitProtocol;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly agent: Agent;
  private readonly reports = new Map<string, Promise<string>>();

  constructor(readonly opts: CollectorClientOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.protocol = opts.protocol ?? 'report';
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.agent = new Agent({
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  private async post(path: string, body: unknown): Promise<HttpAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    try {
      const u = new URL(`${this.base}${path}`);
      const res = await this.agent.request({
        origin: u.origin,
        path: u.pathname + u.search,
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs * 2),
      });
      const text = await res.body.text();
      let json: Record<string, unknown> | undefined;
      try {
        const v = JSON.parse(text) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
      } catch {
        /* not JSON */
      }
      return { status: res.statusCode, text, json };
    } catch (e) {
      const err = e as Error & { code?: string; cause?: { code?: string } };
      const code = err.code ?? err.cause?.code;
      throw new TransportError(`${path}: ${code ? `${code}: ` : ''}${err.message}`);
    }
  }

  private templateKey(m: Measurement): string {
    return JSON.stringify(TEMPLATE_KEYS.map((k) => m[k]));
  }

  /** Opens (once per template, shared by concurrent callers) an OONI report. */
  private openReport(m: Measurement): Promise<string> {
    const key = this.templateKey(m);
    let p = this.reports.get(key);
    if (!p) {
      p = (async () => {
        const a = await this.post('/report', {
          data_format_version: m.data_format_version ?? '0.2.0',
          format: 'json',
          ...Object.fromEntries(TEMPLATE_KEYS.map((k) => [k, m[k]])),
        });
        if (a.status !== 200 || typeof a.json?.report_id !== 'string') throw new OpenError(a);
        const formats = a.json.supported_formats;
        if (Array.isArray(formats) && !formats.includes('json'))
          throw new OpenError(a, 'the collector does not accept the json format');
        return a.json.report_id;
      })();
      this.reports.set(key, p);
      // A failed open must not stick: the next measurement tries again.
      p.catch(() => this.reports.delete(key));
    }
    return p;
  }

  async submit(m: Measurement): Promise<SubmitOutcome> {
    try {
      return this.protocol === 'report'
        ? await this.submitViaReport(m, true)
        : classify(await this.post('/api/v1/submit_measurement', submitBody(m)), 'submit');
    } catch (e) {
      if (e instanceof TransportError) return { kind: 'transient', error: e.message };
      if (e instanceof OpenError) return openOutcome(e);
      throw e;
    }
  }

  private async submitViaReport(m: Measurement, mayReopen: boolean): Promise<SubmitOutcome> {
    const reportId = await this.openReport(m);
    const a = await this.post(`/report/${encodeURIComponent(reportId)}`, { format: 'json', content: m });
    if (a.status === 404 && mayReopen) {
      // The collector forgot the report (closed, expired, restarted): open a new one once.
      this.reports.delete(this.templateKey(m));
      return this.submitViaReport(m, false);
    }
    return classify(a, 'report');
  }

  /** Closes the reports this client opened (legacy, best effort) and frees the connections. */
  async close(): Promise<void> {
    const ids = await Promise.allSettled([...this.reports.values()]);
    this.reports.clear();
    await Promise.allSettled(
      ids
        .filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled')
        .map((r) => this.post(`/report/${encodeURIComponent(r.value)}/close`, {})),
    );
    await this.agent.close();
  }
}

class OpenError extends Error {
  constructor(
    readonly answer: HttpAnswer,
    why?: string,
  ) {
    super(why ?? `cannot open a report: ${reasonOf(answer)}`);
  }
}

function openOutcome(e: OpenError): SubmitOutcome {
  const s = e.answer.status;
  // A 2xx without a report id, or without json among the formats: this collector cannot take ours.
  if (s >= 200 && s < 300) return { kind: 'fatal', status: s, error: e.message };
  const c = classify(e.answer, 'report');
  // Other 4xx: the report template comes from this measurement's fields, so the item is at fault.
  return c.kind === 'rejected' ? { ...c, reason: `opening a report: ${c.reason}` } : c;
}

export function submitBody(m: Measurement): Record<string, unknown> {
  return {
    format: 'json',
    content: JSON.stringify(m),
    nym: null,
    zkp_request: null,
    manifest_version: null,
    protocol_version: null,
  };
}

/** What an answer to a measurement POST means for the spooled item. */
export function classify(a: HttpAnswer, via: 'report' | 'submit'): SubmitOutcome {
  const s = a.status;
  if (s >= 200 && s < 300) {
    const uid = a.json?.measurement_uid ?? a.json?.measurement_id;
    if (typeof uid === 'string' && uid !== '') return { kind: 'ok', measurement_uid: uid };
    // OONI's backend answers 200 {} when it discards a measurement (AS0 or ZZ): it was not stored.
    return {
      kind: 'rejected',
      status: s,
      reason: `HTTP ${s} without a measurement_uid: the collector did not store it (an OONI collector discards AS0/ZZ measurements)`,
    };
  }
  if (s >= 500 || s === 408 || s === 425 || s === 429) return { kind: 'transient', error: reasonOf(a) };
  if (s === 401 || s === 403)
    return {
      kind: 'fatal',
      status: s,
      error: `the collector refused our credentials (${reasonOf(a)}); check the token`,
    };
  if (s === 404 || s === 405)
    return {
      kind: 'fatal',
      status: s,
      error: `the collector has no ${via === 'report' ? 'report' : 'submit_measurement'} endpoint here (${reasonOf(a)}); check the URL`,
    };
  return { kind: 'rejected', status: s, reason: reasonOf(a) };
}
