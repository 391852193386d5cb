// The exchanges of one relay chain, read against what the catalogue says a live relay answers. Pure.
// Any well-formed answer with our transaction ID proves the relay heard the packet, error classes
// included (a TURN 401 challenge is the classic); whether it is the answer the source describes is
// recorded beside it, so a catalogue that went stale shows up.

import { attributeType, type ExchangeAnswer, type ExchangeSpec, hex16 } from '../model/exchange.js';
import type { StunExchange } from '../model/observations.js';
import type { EvidenceRef } from '../model/verdict.js';

type StunResponse = NonNullable<StunExchange['response']>;

/** Whether an answer is the one expected, and if not, how it differs (in words). */
export function answerMatches(expected: ExchangeAnswer, r: StunResponse): { matches: boolean; mismatch?: string } {
  const diffs: string[] = [];
  if (expected.message_type !== undefined && parseInt(expected.message_type, 16) !== r.message_type)
    diffs.push(`type ${hex16(r.message_type)} instead of ${expected.message_type}`);
  if (expected.class !== undefined && expected.class !== r.class)
    diffs.push(`a ${r.class} instead of a ${expected.class}`);
  if (expected.error_code !== undefined && expected.error_code !== r.error_code)
    diffs.push(`error ${r.error_code ?? 'none'} instead of ${expected.error_code}`);
  for (const name of expected.attributes ?? []) {
    const t = attributeType(name);
    if (t !== undefined && !(r.attributes ?? []).includes(t)) diffs.push(`no ${name}`);
  }
  if (expected.realm !== undefined && r.realm !== expected.realm)
    diffs.push(r.realm === undefined ? `no REALM ${expected.realm}` : `REALM ${r.realm} instead of ${expected.realm}`);
  return diffs.length ? { matches: false, mismatch: diffs.join(', ') } : { matches: true };
}

/** "a Binding success", "error 401 with REALM signal.org and a NONCE", "message 0x0802". */
export function describeAnswer(r: StunResponse): string {
  const extras = [
    r.realm !== undefined ? `REALM ${r.realm}` : '',
    r.nonce_length !== undefined ? 'a NONCE' : '',
  ].filter(Boolean);
  const withExtras = extras.length ? ` with ${extras.join(' and ')}` : '';
  if (r.class === 'error') return `error ${r.error_code ?? '?'}${withExtras}`;
  if (r.class === 'success') return `a success response${withExtras}`;
  return `message ${hex16(r.message_type)}${withExtras}`;
}

export interface ExchangeOutcome {
  spec: ExchangeSpec;
  x: StunExchange;
  ref: EvidenceRef;
  answered: boolean;
  /** Answered as the catalogue says a live relay answers (undefined: no answer known, or none came). */
  matches?: boolean;
  mismatch?: string;
  /** Unanswered for the whole retransmission schedule, no junk back, not cut short. */
  silent: boolean;
  refused: boolean;
  interrupted: boolean;
}

/** Pairs each catalogue exchange with its record (by x_exchange; a record without one is a Binding). */
export function exchangeOutcomes(specs: ExchangeSpec[], xs: { x: StunExchange; index: number }[]): ExchangeOutcome[] {
  const out: ExchangeOutcome[] = [];
  for (const { x, index } of xs) {
    const spec = specs.find((s) => s.id === (x.x_exchange ?? 'binding')) ?? specs[0]!;
    const answered = x.response !== null;
    const m = answered && spec.answer ? answerMatches(spec.answer, x.response!) : undefined;
    out.push({
      spec,
      x,
      ref: { key: 'x_stun', index },
      answered,
      ...(m ? { matches: m.matches, ...(m.mismatch ? { mismatch: m.mismatch } : {}) } : {}),
      silent:
        !answered && x.failure === 'generic_timeout_error' && x.malformed.length === 0 && x.x_ended_early === undefined,
      refused: x.failure === 'connection_refused',
      interrupted: x.failure === 'interrupted',
    });
  }
  return out;
}
