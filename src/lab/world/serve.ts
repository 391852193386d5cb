// Starts every server of a lab world in this process: the network's ("ISP") resolver and a neutral
// resolver (DnsServer, UDP+TCP), the DoH server (TlsServer, IP-literal URL), a block page, and one
// TlsServer/TcpServer/StunServer per endpoint. Returns handles that switch behaviours, and `apply`,
// which plays a scenario's censor with the servers themselves (the loopback lab has no middlebox):
// a resolver that lies, a server that resets or goes silent, a port nobody listens on.

import { createLabCa, issueCert, type LabCa } from './pki.js';
import type { CensorAction } from './scenarios.js';
import {
  Blackholes,
  type DnsBehaviour,
  DnsServer,
  type HoleAddress,
  type SniBehaviour,
  type StunAnswerRule,
  StunServer,
  TcpServer,
  TlsServer,
  type WsBehaviour,
  Zone,
} from './servers/index.js';
import {
  callEndpointsOf,
  endpointsOf,
  hostnamesOf,
  type LabEndpoint,
  type LabHttpRoute,
  type LabWorld,
  labPort,
  zoneRecords,
} from './world.js';

export interface StartLabOptions {
  ca: LabCa;
}

/** An endpoint's server and what the scenario did to it. */
export type EndpointServer =
  | { kind: 'tls'; server: TlsServer }
  | { kind: 'tcp'; server: TcpServer }
  | { kind: 'stun'; server: StunServer };

export interface EndpointHandle {
  spec: LabEndpoint;
  s: EndpointServer;
  /** `up`: listening; `closed`: nothing listens (connects refused, ICMP unreachable); `blackhole`: SYNs dropped. */
  mode: 'up' | 'closed' | 'blackhole';
}

const BLOCKPAGE_HTML =
  '<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body><h1>Access to this site is blocked</h1><p>voipprobe lab block page</p></body></html>\n';

/** The forged answer of an injector arrives this long before the real one (within the probe's 200 ms listening window). */
export const INJECT_REAL_AFTER_MS = 30;

function pageBody(r: LabHttpRoute): Buffer {
  const head = Buffer.from(r.body);
  if (head.length >= r.size) return head;
  const filler = Buffer.alloc(
    r.size - head.length - '</body></html>\n'.length,
    '<!-- padding: a page of realistic size -->\n',
  );
  return Buffer.concat([head, filler, Buffer.from('</body></html>\n')]).subarray(0, r.size);
}

export class LabServers {
  readonly zone: Zone;
  readonly isp: DnsServer;
  readonly neutral: DnsServer;
  readonly doh: TlsServer;
  readonly blockpage: TlsServer;
  readonly endpoints: EndpointHandle[];
  private pool: Blackholes | null = null;
  private dohBlackholed = false;
  private readonly touched = {
    sni: new Map<TlsServer, Set<string>>(),
    ws: new Set<EndpointHandle>(),
    tls: new Set<TlsServer>(),
  };
  /** The CA of an intercepting middlebox: the probe is never told to trust it. */
  private interceptorCa: LabCa | null = null;
  private started = false;

  constructor(
    readonly world: LabWorld,
    private readonly o: StartLabOptions,
  ) {
    const i = world.infra;
    this.zone = new Zone(zoneRecords(world));
    this.isp = new DnsServer({ address: i.ispResolver.address, port: i.ispResolver.port, zone: this.zone });
    this.neutral = new DnsServer({ address: i.neutralResolver.address, port: i.neutralResolver.port, zone: this.zone });
    this.doh = new TlsServer({
      address: i.doh.address,
      port: i.doh.port,
      ca: o.ca,
      defaultName: 'doh.lab.invalid',
    }).doh('*', '/dns-query', this.zone);
    this.blockpage = new TlsServer({
      address: i.blockpage.address,
      port: i.blockpage.port,
      ca: o.ca,
      defaultName: 'blockpage.lab.invalid',
    }).route('*', '/', {
      status: 403,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: BLOCKPAGE_HTML,
    });
    // An endpoint another program plays (coturn in the namespace lab) is not ours to serve.
    this.endpoints = world.endpoints
      .filter((spec) => !spec.player)
      .map((spec) => ({ spec, s: this.makeServer(spec), mode: 'up' as const }));
  }

  private makeServer(e: LabEndpoint): EndpointServer {
    switch (e.kind) {
      case 'tls': {
        const server = new TlsServer({
          address: e.address,
          port: e.port,
          ca: this.o.ca,
          names: e.tlsNames,
          defaultName: e.host ?? 'lab.invalid',
        });
        this.installRoutes(server, e);
        return { kind: 'tls', server };
      }
      case 'tcp':
        return { kind: 'tcp', server: new TcpServer({ address: e.address, port: e.port }) };
      case 'stun':
        return { kind: 'stun', server: new StunServer({ address: e.address, port: e.port, answers: answersOf(e) }) };
    }
  }

  private installRoutes(server: TlsServer, e: LabEndpoint): void {
    for (const r of e.routes)
      server.route(r.host, r.path, { status: r.status, headers: { 'content-type': r.contentType }, body: pageBody(r) });
    for (const w of e.webSockets)
      server.webSocket(w.host, w.path, { kind: 'accept', ...(w.origin ? { origins: [w.origin] } : {}) });
  }

  /** Starts every server; throws (after closing what started) when an address:port is taken. */
  async start(): Promise<this> {
    this.started = true;
    try {
      await Promise.all([
        this.isp.start(),
        this.neutral.start(),
        this.doh.start(),
        this.blockpage.start(),
        ...this.endpoints.map((h) => h.s.server.start()),
      ]);
    } catch (err) {
      await this.close();
      throw err;
    }
    return this;
  }

  async close(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.pool?.close();
    this.pool = null;
    await Promise.all([
      this.isp.close(),
      this.neutral.close(),
      this.doh.close(),
      this.blockpage.close(),
      ...this.endpoints.map((h) => h.s.server.close()),
    ]);
  }

  handlesOf(service: string, filter: (e: LabEndpoint) => boolean = () => true): EndpointHandle[] {
    const ids = new Set(endpointsOf(this.world, service, filter).map((e) => e.id));
    return this.endpoints.filter((h) => ids.has(h.spec.id));
  }

  // --- playing the censor ---------------------------------------------------------------------

  /** Back to a clean network: every server up and truthful. */
  async reset(): Promise<void> {
    this.isp.clearBehaviours();
    this.neutral.clearBehaviours();
    await this.pool?.close();
    this.pool = null;
    if (this.dohBlackholed) {
      this.dohBlackholed = false;
      await this.doh.start();
    }
    // Patterns stay remembered (see sni()): a rule set once can only be overwritten, never removed.
    for (const [server, patterns] of this.touched.sni) for (const p of patterns) server.sni(p, 'normal');
    for (const h of this.touched.ws) if (h.s.kind === 'tls') this.installRoutes(h.s.server, h.spec);
    this.touched.ws.clear();
    for (const server of this.touched.tls) {
      await server.quirk(null);
      server.pace(null).restoreCertificates();
    }
    this.touched.tls.clear();
    await Promise.all(
      this.endpoints.map(async (h) => {
        const wasDown = h.mode !== 'up';
        h.mode = 'up';
        if (h.s.kind === 'stun') {
          h.s.server.setAnswers(answersOf(h.spec));
          return h.s.server.setBehaviour({ kind: 'answer' });
        }
        if (h.s.kind === 'tcp') await h.s.server.setBehaviour({ kind: 'accept' });
        if (wasDown) await h.s.server.start();
      }),
    );
  }

  /**
   * Sets an SNI rule. TlsServer cannot delete a rule, so reset() sets every pattern ever used back to
   * `normal`; an exact rule then still outranks "*", hence a "*" rule is also written over every exact
   * pattern this server has had.
   */
  private sni(server: TlsServer, pattern: string, b: SniBehaviour): void {
    const set = this.touched.sni.get(server) ?? new Set<string>();
    if (pattern === '*') for (const p of set) server.sni(p, b);
    server.sni(pattern, b);
    set.add(pattern);
    this.touched.sni.set(server, set);
  }

  /** Remembers a TLS server whose certificates, quirk or pacing reset() must undo. */
  private tlsTouched(server: TlsServer): TlsServer {
    this.touched.tls.add(server);
    return server;
  }

  private dns(server: DnsServer, names: string[], b: DnsBehaviour): void {
    for (const n of names) server.setBehaviour(n, b);
  }

  /** Takes endpoints down: `closed` (refused) or `blackhole` (SYNs dropped; UDP endpoints go silent). */
  private async takeDown(handles: EndpointHandle[], mode: 'closed' | 'blackhole', alsoDoh = false): Promise<void> {
    const holes: HoleAddress[] = [];
    await Promise.all(
      handles.map(async (h) => {
        h.mode = mode;
        if (h.s.kind === 'stun') return h.s.server.setBehaviour({ kind: mode === 'closed' ? 'closed' : 'silent' });
        await h.s.server.close();
        if (mode === 'blackhole') holes.push({ address: h.spec.address, port: h.spec.port });
      }),
    );
    if (alsoDoh) {
      await this.doh.close();
      this.dohBlackholed = true;
      holes.push({ address: this.world.infra.doh.address, port: this.world.infra.doh.port });
    }
    if (holes.length) {
      if (this.pool) throw new Error('lab: one blackhole set per scenario');
      this.pool = await Blackholes.open(holes);
    }
  }

  /** Plays the censor (or the outage) of a scenario; call reset() before the next one. */
  async apply(actions: CensorAction[]): Promise<void> {
    const w = this.world;
    const down: { closed: EndpointHandle[]; blackhole: EndpointHandle[]; doh: boolean } = {
      closed: [],
      blackhole: [],
      doh: false,
    };
    for (const a of actions) {
      switch (a.kind) {
        case 'dns_nxdomain':
          this.dns(this.isp, hostnamesOf(w, a.service), { kind: 'nxdomain' });
          break;
        case 'dns_sinkhole':
          this.dns(this.isp, hostnamesOf(w, a.service), { kind: 'sinkhole', A: [w.infra.sinkhole] });
          break;
        case 'dns_inject': {
          // Without a middlebox, the resolvers play the injector: the forged answer first, the genuine one late or never.
          const forged = [w.infra.blockpage.address];
          const inject: DnsBehaviour = a.dropGenuine
            ? { kind: 'sinkhole', A: forged }
            : { kind: 'inject', A: forged, realAfterMs: a.genuineAfterMs ?? INJECT_REAL_AFTER_MS };
          this.dns(this.isp, hostnamesOf(w, a.service), inject);
          if (a.neutralUdp) this.dns(this.neutral, hostnamesOf(w, a.service), inject);
          break;
        }
        case 'dns_delay':
          for (const r of a.resolvers)
            this.dns(
              r === 'isp' ? this.isp : this.neutral,
              hostnamesOf(w, a.service),
              a.ms === null ? { kind: 'silent' } : { kind: 'delay', ms: a.ms },
            );
          break;
        case 'tcp_reset_on_data': {
          const ports = new Set(a.ports.map((p) => labPort(w.kind, p)));
          for (const h of this.handlesOf(a.service, (e) => e.kind === 'tcp' && ports.has(e.port)))
            if (h.s.kind === 'tcp') await h.s.server.setBehaviour({ kind: 'reset_on_data' });
          break;
        }
        case 'tcp_blackhole':
          down.blackhole.push(...this.handlesOf(a.service, (e) => e.kind === 'tcp' || e.kind === 'tls'));
          break;
        case 'sni_reset': {
          const names = new Set(hostnamesOf(w, a.service));
          // The censor's list names the service's hosts; any server may see such an SNI.
          for (const h of this.endpoints)
            if (h.s.kind === 'tls') for (const n of names) this.sni(h.s.server, n, 'reset');
          break;
        }
        case 'tls_intercept': {
          // The middlebox's certificate for the name, on every server the name may reach; other SNIs untouched.
          this.interceptorCa ??= await createLabCa('voipprobe lab interceptor CA (untrusted)');
          const cert = await issueCert(this.interceptorCa, { names: [a.host], ips: [] });
          for (const h of this.endpoints)
            if (h.s.kind === 'tls') this.tlsTouched(h.s.server).overrideCertificate(a.host, cert);
          break;
        }
        case 'tls_quirk':
          for (const h of this.handlesOf(a.service, (e) => e.kind === 'tls'))
            if (h.s.kind === 'tls') await this.tlsTouched(h.s.server).quirk(a.quirk);
          break;
        case 'ws_reset':
          for (const h of this.handlesOf(
            a.service,
            (e) => e.kind === 'tls' && e.webSockets.some((x) => x.host === a.host && x.path === a.path),
          )) {
            if (h.s.kind !== 'tls') continue;
            const reset: WsBehaviour = { kind: 'reset' };
            h.s.server.webSocket(a.host, a.path, reset);
            this.touched.ws.add(h);
          }
          break;
        case 'udp_drop':
          for (const svc of a.services)
            for (const e of callEndpointsOf(w, svc)) await this.stunOf(e)?.setBehaviour({ kind: 'silent' });
          break;
        case 'stun_port_drop': {
          const p = labPort(w.kind, a.port);
          for (const h of this.endpoints)
            if (h.s.kind === 'stun' && h.spec.port === p) await h.s.server.setBehaviour({ kind: 'silent' });
          break;
        }
        case 'stun_signature_drop':
          for (const h of this.endpoints) if (h.s.kind === 'stun') await h.s.server.setBehaviour({ kind: 'silent' });
          break;
        case 'stun_marks_drop':
          // No DPI on loopback: the relays leave unanswered the exchanges whose answer would carry the mark.
          for (const h of this.endpoints) {
            if (h.s.kind !== 'stun') continue;
            h.s.server.setAnswers(answersOf(h.spec).filter((r) => !(r.answer.realm ?? '').includes(a.text)));
          }
          break;
        case 'relay_udp_drop':
        case 'relay_address_drop':
        case 'relay_network_down':
          throw new Error(
            `${a.kind} needs routers between the client and the relays: the namespace lab makes it, not the loopback lab`,
          );
        case 'outage':
          down.closed.push(...this.handlesOf(a.service));
          break;
        case 'uplink_down':
          this.dns(this.isp, ['*'], { kind: 'silent' });
          this.dns(this.neutral, ['*'], { kind: 'silent' });
          for (const h of this.endpoints) if (h.s.kind === 'tls' || h.s.kind === 'tcp') down.blackhole.push(h);
          for (const h of this.endpoints) if (h.s.kind === 'stun') await h.s.server.setBehaviour({ kind: 'silent' });
          down.doh = true;
          break;
        case 'tcp_syn_reset':
        case 'icmp_prohibited':
        case 'call_loss':
        case 'call_shape':
        case 'call_cut':
        case 'call_signature_drop':
        case 'call_jitter':
          // Middlebox measures between the client and the servers or the outside vantage: the servers have nothing to do.
          break;
        case 'throttle':
          // Emulated: every byte the service's TLS servers send goes through a token bucket, below TLS.
          for (const h of this.handlesOf(a.service, (e) => e.kind === 'tls'))
            if (h.s.kind === 'tls') this.tlsTouched(h.s.server).pace(a.kbit);
          break;
        default:
          a satisfies never;
      }
    }
    const blackhole = [...new Set(down.blackhole)];
    const closed = [...new Set(down.closed)].filter((h) => !blackhole.includes(h));
    if (closed.length) await this.takeDown(closed, 'closed');
    if (blackhole.length || down.doh) await this.takeDown(blackhole, 'blackhole', down.doh);
  }

  /**
   * Every endpoint silent while DNS keeps answering (the benchmark's worst case: each chain waits for
   * its step timeout): plain TCP endpoints blackholed, TLS servers read the ClientHello and never
   * answer, STUN servers drop every request. The resolvers and the DoH server still answer.
   */
  async silenceEndpoints(): Promise<void> {
    for (const h of this.endpoints) {
      if (h.s.kind === 'tls') this.sni(h.s.server, '*', 'silent');
      else if (h.s.kind === 'stun') await h.s.server.setBehaviour({ kind: 'silent' });
    }
    await this.takeDown(
      this.endpoints.filter((h) => h.s.kind === 'tcp'),
      'blackhole',
    );
  }

  /**
   * Every STUN server answers every exchange it receives (a success where no answer is known): the
   * benchmark's "every server answers" condition, never a scenario (real relays ignore strangers).
   */
  answerEverything(): void {
    for (const h of this.endpoints) if (h.s.kind === 'stun') h.s.server.setAnswers(answersOf(h.spec, true));
  }

  private stunOf(e: LabEndpoint): StunServer | undefined {
    const h = this.endpoints.find((x) => x.spec.id === e.id);
    return h?.s.kind === 'stun' ? h.s.server : undefined;
  }
}

/** What a lab STUN endpoint answers: the exchanges the catalogue says a live server answers (with `all`, every one). */
export function answersOf(e: LabEndpoint, all = false): StunAnswerRule[] {
  return (e.exchanges ?? []).flatMap((x) =>
    x.answer
      ? [{ request: x.request, answer: x.answer }]
      : all
        ? [{ request: x.request, answer: { class: 'success' as const } }]
        : [],
  );
}
