// Realistic measurements (a few KB each, shaped like `voipprobe run` writes them) for the collector
// load test and the submit/collector tests. Deterministic from the index, so runs are comparable.

import { createHash } from 'node:crypto';
import type { Measurement } from '../../src/model/measurement.js';

const SERVICES = ['whatsapp', 'skype', 'viber', 'facetime', 'meet', 'controls'] as const;

function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function b64(n: number, seed: number): string {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = (seed * 31 + i * 7) & 0xff;
  return buf.toString('base64');
}

export interface FixtureOptions {
  run?: string;
  service?: string;
  probe_asn?: string;
  probe_cc?: string;
  start?: Date;
}

export function fakeMeasurement(i: number, opts: FixtureOptions = {}): Measurement {
  const run = opts.run ?? 'bench';
  const service = opts.service ?? SERVICES[i % SERVICES.length]!;
  const start = opts.start ?? new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + i * 1000);
  const t = start.toISOString().slice(0, 19).replace('T', ' ');
  // One run writes ~12 lines sharing test_start_time (and so one OONI report template).
  const runStart = opts.start ?? new Date(Date.UTC(2026, 10, 26, 0, 0, 0) + Math.floor(i / 12) * 12_000);
  const tRun = runStart.toISOString().slice(0, 19).replace('T', ' ');
  const host = `${service}.example.net`;
  const ip = `198.18.${(i >> 8) & 0xff}.${i & 0xff}`;
  return {
    id: uuidFrom(`${run}-${i}`),
    data_format_version: '0.2.0',
    x_format_version: '1.0',
    report_id: `20261126T000000Z_voipprobe_${opts.probe_cc ?? 'MA'}_${(opts.probe_asn ?? 'AS36925').slice(2)}_n0_${run}${Math.floor(i / 12)}`,
    input: service,
    measurement_start_time: t,
    test_start_time: tRun,
    test_runtime: 3.2 + (i % 10) / 10,
    test_name: 'voipprobe',
    test_version: '0.1.0',
    software_name: 'voipprobe',
    software_version: '0.1.0',
    probe_asn: opts.probe_asn ?? 'AS36925',
    probe_cc: opts.probe_cc ?? 'MA',
    probe_ip: '127.0.0.1',
    probe_network_name: 'Medi Telecom',
    annotations: { platform: 'linux', architecture: 'x64', engine_name: 'voipprobe', engine_version: '0.1.0' },
    extensions: { dnst: 0, tcpconnect: 0, tlshandshake: 0 },
    options: [],
    x_access: i % 2 ? 'mobile' : 'fixed',
    x_vantage: 'casa-orange-4g',
    test_keys: {
      service,
      queries: [0, 1].map((k) => ({
        engine: 'udp' as const,
        resolver_address: '198.18.0.53:53',
        hostname: host,
        query_type: 'A' as const,
        answers: [{ answer_type: 'A' as const, ipv4: ip, ttl: 60 }],
        failure: null,
        rcode: 0,
        raw_response: b64(96, i + k),
        t0: 0.01 * k,
        t: 0.05 + 0.01 * k,
        transaction_id: k + 1,
        x_resolver_role: k ? ('control' as const) : ('local' as const),
      })),
      tcp_connect: [443, 5222, 3478].map((port, k) => ({
        ip,
        port,
        status: { success: k !== 2, failure: k === 2 ? ('generic_timeout_error' as const) : null },
        t0: 0.1,
        t: 0.2 + k,
        transaction_id: 10 + k,
        x_target: `${service}-tcp-${port}`,
      })),
      tls_handshakes: [
        {
          network: 'tcp' as const,
          address: `${ip}:443`,
          server_name: host,
          tls_version: 'TLSv1.3',
          cipher_suite: 'TLS_AES_128_GCM_SHA256',
          negotiated_protocol: 'h2',
          peer_certificates: [{ data: b64(900, i), format: 'base64' as const }],
          no_tls_verify: true,
          failure: null,
          t0: 0.2,
          t: 0.4,
          transaction_id: 20,
          x_sni_kind: 'target' as const,
        },
      ],
      requests: [],
      network_events: [],
      x_websocket: [],
      x_stun: [
        {
          address: '198.18.3.1:3478',
          transport: 'udp' as const,
          stun_transaction_id: createHash('md5').update(String(i)).digest('hex').slice(0, 24),
          sent: [0.3, 0.8],
          response: {
            t: 0.35,
            message_type: 0x0101,
            class: 'success' as const,
            xor_mapped_address: { family: 'IPv4' as const, address: '127.0.0.1', port: 40000 },
          },
          malformed: [],
          failure: null,
          t0: 0.3,
          t: 0.35,
          transaction_id: 30,
        },
      ],
      x_traces: [],
      x_catalogue: { file: `${service}.json`, sha256: createHash('sha256').update(service).digest('hex') },
      x_interrupted: false,
      x_deadline_reached: false,
      x_controls: {
        network: 'up',
        dns: { ok: true, doh_ok: true, udp_ok: true, local_ok: true },
        tls: { ok: true },
        udp: { ok: true },
        stun: { answered_ports: [3478], silent_ports: [], classification: 'open', blocked_ports: [] },
        reason: 'controls answered',
      },
      x_controls_measurement_id: uuidFrom(`${run}-controls-${Math.floor(i / 12)}`),
      x_verdict: null,
    },
  };
}
