// One test call against a helper: ask its call ports, open a session over HTTPS, run the four
// interleaved flows (the service's signature and its bit-inverted twin, on the service's call port and
// on a neutral port), read what the helper received, close the session, and record it all as a
// CallTestObservation. Every failure along the way is recorded with its reason; nothing is thrown for
// a network problem.

import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type {
  CallFlowRecord,
  CallFlowSeries,
  CallFlowSpec,
  CallProfile,
  CallTestObservation,
} from '../model/call-test.js';
import { type CallFlowTrace, callHelper, helperLabel, lookupSystem, runCallFlows } from '../net/index.js';
import type { Clock, TrustStore } from '../net/types.js';
import { CALL_LIMITS, type CallFlowReport, callSessionOpened, callSessionReport } from '../protocol/call.js';
import { buildPacket, type CallSignature, minPacketBytes, packetSize } from './call-signature.js';
import type { HelperEndpoint } from './helper.js';

export interface CallTestOptions {
  helper: HelperEndpoint;
  ca?: TrustStore;
  service: string;
  signature: CallSignature;
  /** The service's call port; the helper must answer on it. */
  servicePort: number;
  profile: CallProfile;
  durationS: number;
  /** HTTP steps (health, session, results). */
  timeoutMs: number;
  clock: Clock;
  signal?: AbortSignal;
}

/** Width of the per-interval series, ms. */
export const SERIES_BIN_MS = 500;
/** Most transit/RTT samples kept per flow and direction (bounds the line). */
const MAX_SAMPLES = 6000;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** [first, count] runs of the seqs in 0..n-1 for which `lost(seq)` holds. */
export function lostRuns(n: number, lost: (seq: number) => boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s++) {
    if (!lost(s)) continue;
    const last = out.at(-1);
    if (last && last[0] + last[1] === s) last[1]++;
    else out.push([s, 1]);
  }
  return out;
}

/** Values relative to their minimum, µs to ms, 2 decimals, at most MAX_SAMPLES. */
function relativeMs(us: number[]): number[] {
  if (us.length === 0) return [];
  const min = Math.min(...us);
  return us.slice(0, MAX_SAMPLES).map((x) => round2((x - min) / 1000));
}

/** Counts of items per bin of `binMs`, over `bins` bins. */
function binCount(timesMs: number[], binMs: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const t of timesMs) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(t / binMs)));
    out[b]!++;
  }
  return out;
}

/** One flow's record from the probe's trace and the helper's report. Pure. */
export function flowRecord(
  spec: CallFlowSpec,
  trace: CallFlowTrace,
  report: CallFlowReport | undefined,
  binMs = SERIES_BIN_MS,
): CallFlowRecord {
  const sentAt = new Map(trace.sent.map((p) => [p.seq, p.tUs]));
  const n = trace.sent.length;
  const arrivals = report?.arrivals ?? [];

  // Upstream: first copies at the helper, in arrival order. Without the helper's report, what came
  // back is all that is known to have arrived there (a lower bound; `up_from_helper` says so).
  const upSeen = new Set<number>();
  const upTransitUs: number[] = [];
  let upReordered = 0;
  let upMax = -1;
  for (const [seq, tUs] of arrivals) {
    if (upSeen.has(seq) || !sentAt.has(seq)) continue;
    upSeen.add(seq);
    if (seq < upMax) upReordered++;
    upMax = Math.max(upMax, seq);
    upTransitUs.push(tUs - sentAt.get(seq)!);
  }
  // Downstream: reply k answers the helper's k-th arrival; first copies here, in arrival order.
  const downSeen = new Set<number>();
  const downTransitUs: number[] = [];
  const rttUs: number[] = [];
  const answered = new Set<number>();
  let downReordered = 0;
  let downMax = -1;
  for (const r of trace.replies) {
    if (downSeen.has(r.seq)) continue;
    downSeen.add(r.seq);
    if (r.seq < downMax) downReordered++;
    downMax = Math.max(downMax, r.seq);
    downTransitUs.push(r.tRecvUs - r.tSendUs);
    const s = sentAt.get(r.echoSeq);
    if (s !== undefined) {
      answered.add(r.echoSeq);
      rttUs.push(r.tRecvUs - s - r.echoHoldUs);
    }
  }
  if (!report) for (const s of answered) upSeen.add(s);
  const downSent = report?.replies ?? 0;

  const bins = Math.max(1, Math.ceil((n ? trace.sent[n - 1]!.tUs / 1000 + 1 : 1) / binMs));
  const sendMs = trace.sent.map((p) => p.tUs / 1000);
  const series: CallFlowSeries = {
    bin_ms: binMs,
    sent: binCount(sendMs, binMs, bins),
    up_received: binCount(
      trace.sent.filter((p) => upSeen.has(p.seq)).map((p) => p.tUs / 1000),
      binMs,
      bins,
    ),
    round_trip: binCount(
      trace.sent.filter((p) => answered.has(p.seq)).map((p) => p.tUs / 1000),
      binMs,
      bins,
    ),
  };

  return {
    ...spec,
    sent: n,
    bytes_sent: trace.sent.reduce((s, p) => s + p.size, 0),
    up_from_helper: report !== undefined,
    up_received: upSeen.size,
    up_duplicates: report?.duplicates ?? 0,
    up_reordered: upReordered,
    down_sent: downSent,
    down_duplicates: trace.replies.length - downSeen.size,
    down_reordered: downReordered,
    round_trip_received: answered.size,
    icmp_errors: trace.icmpErrors,
    up_transit_ms: relativeMs(upTransitUs),
    down_transit_ms: relativeMs(downTransitUs),
    rtt_ms: rttUs.slice(0, MAX_SAMPLES).map((x) => round2(x / 1000)),
    up_lost_runs: lostRuns(n, (s) => !upSeen.has(s)),
    down_lost_runs: lostRuns(n, (s) => upSeen.has(s) && !answered.has(s)),
    round_trip_lost_runs: lostRuns(n, (s) => !answered.has(s)),
    series,
  };
}

interface HelperCalls {
  call_ports: number[];
  neutral_ports: number[];
}

/** Runs one test call; the observation says what happened, including why it could not run. */
export async function runCallTest(o: CallTestOptions): Promise<CallTestObservation> {
  const t0 = o.clock();
  const label = helperLabel(o.helper.url);
  const { attributes: _attrs, ...signature } = o.signature;
  const base: CallTestObservation = {
    helper: label,
    service: o.service,
    signature,
    profile: o.profile,
    duration_s: o.durationS,
    t0,
    t: t0,
    failure: null,
    flows: [],
  };
  const http = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) =>
    callHelper({
      clock: o.clock,
      timeoutMs: o.timeoutMs,
      transactionId: 0,
      url: o.helper.url,
      path,
      method,
      ...(body !== undefined ? { body } : {}),
      ...(o.helper.token ? { token: o.helper.token } : {}),
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const done = (failure: CallTestObservation['failure'], reason?: string): CallTestObservation => ({
    ...base,
    t: o.clock(),
    failure,
    ...(reason ? { x_reason: reason } : {}),
  });
  const json = (body: string): unknown => {
    try {
      return JSON.parse(body);
    } catch {
      return undefined;
    }
  };
  const reasonOf = (c: { status: number | null; body: string; failure: CallTestObservation['failure'] }) => {
    const e = json(c.body) as { error?: unknown } | undefined;
    return c.status !== null
      ? `HTTP ${c.status}${typeof e?.error === 'string' ? `: ${e.error}` : ''}`
      : String(c.failure);
  };

  // 1. Which UDP ports the helper takes calls on.
  const health = await http('GET', '');
  if (health.failure)
    return done(
      health.failure === 'http_request_failed' ? 'x_helper_refused' : health.failure,
      `health check: ${reasonOf(health)}`,
    );
  const calls = (json(health.body) as { x_voipprobe?: { calls?: HelperCalls | null } } | undefined)?.x_voipprobe?.calls;
  if (!calls) return done('x_helper_refused', 'the helper takes no test calls (started without --call-ports)');
  if (!calls.call_ports.includes(o.servicePort))
    return done(
      'x_helper_refused',
      `the helper does not answer on UDP ${o.servicePort}, ${o.service}'s call port (its call ports: ${calls.call_ports.join(', ')})`,
    );
  const neutral = calls.neutral_ports[0];
  if (neutral === undefined) return done('x_helper_refused', 'the helper has no neutral port');

  // 2. The flows and the session.
  const specs: CallFlowSpec[] = [
    { id: 0, port: o.servicePort, port_role: 'service', scrambled: false },
    { id: 1, port: o.servicePort, port_role: 'service', scrambled: true },
    { id: 2, port: neutral, port_role: 'neutral', scrambled: false },
    { id: 3, port: neutral, port_role: 'neutral', scrambled: true },
  ];
  const maxBytes = Math.max(o.profile.max_bytes, minPacketBytes(o.signature));
  if (maxBytes > CALL_LIMITS.maxPacketBytes)
    return done(
      'x_helper_refused',
      `packets of ${maxBytes} bytes exceed the test-call limit of ${CALL_LIMITS.maxPacketBytes}`,
    );
  const replyHeader = o.signature.reply_message_type.toString(16).padStart(4, '0');
  const open = await http('POST', 'x/call', {
    duration_s: o.durationS,
    interval_ms: o.profile.interval_ms,
    max_packet_bytes: maxBytes,
    flows: specs.map((s) => ({ id: s.id, port: s.port, scrambled: s.scrambled, reply_header_hex: replyHeader })),
  });
  if (open.failure)
    return done(
      open.failure === 'http_request_failed' ? 'x_helper_refused' : open.failure,
      `opening the test call: ${reasonOf(open)}`,
    );
  const session = callSessionOpened.safeParse(json(open.body));
  if (!session.success) return done('x_invalid_response', "the helper's answer to opening a test call is not one");

  // 3. The helper's address for UDP: the URL's host (resolved by the system, as an app would).
  const host = new URL(o.helper.url).hostname.replace(/^\[|\]$/g, '');
  let ip = host;
  if (isIP(host) === 0) {
    const q = await lookupSystem({ clock: o.clock, timeoutMs: o.timeoutMs, transactionId: 0, hostname: host });
    const a = q.answers.find((x) => x.ipv4 ?? x.ipv6);
    if (!a) return done(q.failure ?? 'dns_no_answer', `resolving the helper ${host}`);
    ip = (a.ipv4 ?? a.ipv6)!;
  }

  // 4. The call.
  const fill = randomBytes(CALL_LIMITS.maxPacketBytes);
  const ssrcs = specs.map(() => randomBytes(4).readUInt32BE(0));
  const count = Math.max(1, Math.round((o.durationS * 1000) / o.profile.interval_ms));
  const ran = await runCallFlows({
    ip,
    tag: BigInt(`0x${session.data.tag_hex}`),
    intervalMs: o.profile.interval_ms,
    count,
    drainMs: 1000,
    flows: specs.map((s, i) => ({
      id: s.id,
      port: s.port,
      scrambled: s.scrambled,
      packet: (seq) =>
        buildPacket(
          o.signature,
          Math.max(packetSize(o.profile, seq), minPacketBytes(o.signature)),
          seq,
          ssrcs[i]!,
          fill,
        ),
    })),
    ...(o.signal ? { signal: o.signal } : {}),
  });

  // 5. What the helper received; then the session is closed.
  const results = await http('GET', `x/call/${session.data.session_id}`);
  void http('DELETE', `x/call/${session.data.session_id}`);
  const report = results.failure ? undefined : callSessionReport.safeParse(json(results.body));
  const flows = specs.map((s, i) =>
    flowRecord(s, ran.flows[i]!, report?.success ? report.data.flows.find((f) => f.id === s.id) : undefined),
  );
  const obs: CallTestObservation = {
    ...base,
    t: o.clock(),
    call_started_at: new Date(ran.startedAtWallMs).toISOString(),
    flows,
  };
  if (ran.interrupted) return { ...obs, failure: 'interrupted' };
  if (results.failure)
    return {
      ...obs,
      failure: results.failure === 'http_request_failed' ? 'x_helper_refused' : results.failure,
      x_reason: `reading the helper's report: ${reasonOf(results)}; only the round trip is known`,
    };
  if (!report?.success)
    return {
      ...obs,
      failure: 'x_invalid_response',
      x_reason: "the helper's report is not one; only the round trip is known",
    };
  return obs;
}
