// A STUN/TURN responder for the lab (RFC 5389/8489 over UDP) with the behaviours a call's media path
// can meet: answered as the catalogue says a live server answers (a Binding success, a TURN 401
// challenge with REALM and NONCE, an app's own answer type), silently dropped, answered with junk,
// refused with an error response, or no socket at all (the kernel then sends ICMP port unreachable).
// A request the rules do not cover gets no answer, as a real relay ignores what it does not serve.

import { randomBytes } from 'node:crypto';
import type dgram from 'node:dgram';
import { attributeType, type ExchangeAnswer, STUN_ATTRIBUTES, STUN_METHODS } from '../../../model/exchange.js';
import type { StunAddress } from '../../../model/observations.js';
import {
  decodeStunMessage,
  encodeAddress,
  encodeBindingError,
  encodeMessage,
  messageType,
  type RawAttribute,
  type StunMessage,
} from '../../../net/stun-codec.js';
import { type BoundAddress, bindUdp, closeUdp } from './listen.js';

export type StunBehaviour =
  /** Answer the requests the rules cover (default rule: a Binding success with the sender's address). */
  | { kind: 'answer' }
  | { kind: 'silent' }
  /** Reply with bytes that are not STUN; with `followWithAnswer`, the real answer comes right after. */
  | { kind: 'malformed'; bytes?: Buffer; followWithAnswer?: boolean }
  /** Binding error response, e.g. 400 Bad Request or 401 Unauthorized. */
  | { kind: 'error'; code: number; reason?: string }
  /** No socket on the port: ICMP port unreachable. */
  | { kind: 'closed' };

/** What to answer to one request message type (the catalogue's `exchanges[].answer`). */
export interface StunAnswerRule {
  request: number;
  answer: ExchangeAnswer;
}

/** A public STUN server: answers Binding requests, nothing else. */
export const BINDING_ONLY: StunAnswerRule[] = [
  { request: messageType(STUN_METHODS.binding, 'request'), answer: { class: 'success' } },
];

export interface StunServerOptions {
  address: string;
  /** 0 (default) picks a free port (kept when switching to `closed` and back). */
  port?: number;
  behaviour?: StunBehaviour;
  /** What `answer` answers; default BINDING_ONLY. */
  answers?: StunAnswerRule[];
  /** SOFTWARE attribute of the answers; default "voipprobe lab". */
  software?: string;
}

export const DEFAULT_STUN_GARBAGE = Buffer.from('voipprobe lab: this is not a STUN message\n');

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  420: 'Unknown Attribute',
  438: 'Stale Nonce',
  500: 'Server Error',
};

export class StunServer {
  private behaviour: StunBehaviour;
  private socket: dgram.Socket | null = null;
  private bound: BoundAddress | null = null;
  private rules: Map<number, ExchangeAnswer>;

  constructor(private readonly options: StunServerOptions) {
    this.behaviour = options.behaviour ?? { kind: 'answer' };
    this.rules = new Map((options.answers ?? BINDING_ONLY).map((r) => [r.request, r.answer]));
  }

  /** The bound address; with `closed` the port is reserved in name only (nothing listens). */
  async start(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    if (this.behaviour.kind === 'closed') {
      // Learn a free port, then give it back: nothing listens there, as the behaviour asks.
      await this.bind(this.options.port ?? 0);
      await this.unbind();
    } else await this.bind(this.options.port ?? 0);
    return this.bound!;
  }

  /** Switches behaviour; `closed` releases the socket and leaving it re-binds the same port. */
  async setBehaviour(behaviour: StunBehaviour): Promise<void> {
    const wasClosed = this.behaviour.kind === 'closed';
    this.behaviour = behaviour;
    if (!this.bound) return;
    if (behaviour.kind === 'closed' && !wasClosed) await this.unbind();
    if (behaviour.kind !== 'closed' && wasClosed) await this.bind(this.bound.port);
  }

  /** Replaces what `answer` answers. */
  setAnswers(answers: StunAnswerRule[]): void {
    this.rules = new Map(answers.map((r) => [r.request, r.answer]));
  }

  async close(): Promise<void> {
    await this.unbind();
    this.bound = null;
  }

  private async bind(port: number): Promise<void> {
    const { socket, bound } = await bindUdp(this.options.address, port);
    socket.on('message', (msg, rinfo) => this.onDatagram(socket, msg, rinfo));
    socket.on('error', () => {});
    this.socket = socket;
    this.bound = bound;
  }

  private async unbind(): Promise<void> {
    if (this.socket) await closeUdp(this.socket);
    this.socket = null;
  }

  private onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const decoded = decodeStunMessage(msg);
    if (!decoded.ok || decoded.message.class !== 'request') return;
    const req = decoded.message;
    const rule = this.rules.get(req.type);
    const sender: StunAddress = {
      family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4',
      address: rinfo.address,
      port: rinfo.port,
    };
    const answer = () => (rule ? this.encodeAnswer(req, rule, sender) : undefined);
    const send = (b: Buffer | undefined) => b && socket.send(b, rinfo.port, rinfo.address);
    const b = this.behaviour;
    switch (b.kind) {
      case 'answer':
        send(answer());
        return;
      case 'malformed':
        if (!rule) return;
        send(b.bytes ?? DEFAULT_STUN_GARBAGE);
        if (b.followWithAnswer) send(answer());
        return;
      case 'error':
        if (!rule) return;
        send(encodeBindingError(req.transactionId, b.code, b.reason ?? REASONS[b.code] ?? 'Error'));
        return;
      case 'silent':
      case 'closed':
        return;
    }
  }

  /** The answer a live server gives, as the rule describes it, with plausible attribute values. */
  private encodeAnswer(req: StunMessage, rule: ExchangeAnswer, sender: StunAddress): Buffer {
    const txid = req.transactionId;
    const cls = rule.class ?? (rule.error_code !== undefined ? 'error' : 'success');
    const type = rule.message_type !== undefined ? parseInt(rule.message_type, 16) : messageType(req.method, cls);
    const attrs: RawAttribute[] = [];
    const add = (t: number, value: Buffer) => {
      if (!attrs.some((a) => a.type === t)) attrs.push({ type: t, value });
    };
    const own = this.bound
      ? { family: sender.family, address: this.options.address, port: this.bound.port }
      : undefined;
    if (rule.message_type === undefined) {
      if (cls === 'success' && req.method === STUN_METHODS.binding) {
        add(STUN_ATTRIBUTES['XOR-MAPPED-ADDRESS'], encodeAddress(sender, txid));
        add(STUN_ATTRIBUTES['MAPPED-ADDRESS'], encodeAddress(sender, null));
      }
      if (cls === 'error') {
        const code = rule.error_code ?? 400;
        add(
          STUN_ATTRIBUTES['ERROR-CODE'],
          Buffer.concat([
            Buffer.from([0, 0, Math.floor(code / 100), code % 100]),
            Buffer.from(REASONS[code] ?? 'Error', 'utf8'),
          ]),
        );
      }
    }
    if (rule.realm !== undefined) add(STUN_ATTRIBUTES.REALM, Buffer.from(rule.realm, 'utf8'));
    for (const name of rule.attributes ?? []) {
      const t = attributeType(name)!;
      if (t === STUN_ATTRIBUTES.REALM) add(t, Buffer.from(rule.realm ?? 'lab.invalid', 'utf8'));
      else if (t === STUN_ATTRIBUTES.NONCE) add(t, Buffer.from(randomBytes(8).toString('hex'), 'utf8'));
      else if (t === STUN_ATTRIBUTES['XOR-MAPPED-ADDRESS']) add(t, encodeAddress(sender, txid));
      else if (t === STUN_ATTRIBUTES['MAPPED-ADDRESS']) add(t, encodeAddress(sender, null));
      else if ((t === STUN_ATTRIBUTES['RESPONSE-ORIGIN'] || t === STUN_ATTRIBUTES['OTHER-ADDRESS']) && own)
        add(t, encodeAddress(own, null));
      else if (t === STUN_ATTRIBUTES.SOFTWARE)
        continue; // added below
      else if (t !== STUN_ATTRIBUTES.FINGERPRINT) add(t, Buffer.alloc(4));
    }
    add(STUN_ATTRIBUTES.SOFTWARE, Buffer.from(this.options.software ?? 'voipprobe lab', 'utf8'));
    return encodeMessage(type, txid, attrs, true);
  }
}
