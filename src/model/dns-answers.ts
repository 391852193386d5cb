// Pure helpers over DNS answers, shared by the measure layer (which addresses to connect to) and
// the analysis (which answers are forged).

import { canonicalIp, inPrefix, isBogon } from '../util/ip.js';
import type { DnsAnswer, DnsQuery } from './observations.js';

/** Canonical addresses of the A/AAAA records in an answer list. */
export function addressesOf(answers: readonly DnsAnswer[]): string[] {
  const out: string[] = [];
  for (const a of answers) {
    const ip = a.ipv4 ?? a.ipv6;
    if (ip) out.push(canonicalIp(ip) ?? ip);
  }
  return out;
}

export interface AnswerPolicy {
  /** Prefixes never called bogus (a lab's own address space). */
  public_ranges: readonly string[];
  /** Known sinkhole / block-page addresses. */
  sinkholes: readonly string[];
}

/** Why an answer cannot be a public service's real address, if it cannot. */
export function bogusKind(ip: string, policy: AnswerPolicy): 'bogon' | 'sinkhole' | undefined {
  const c = canonicalIp(ip);
  if (policy.sinkholes.some((s) => canonicalIp(s) === c)) return 'sinkhole';
  if (policy.public_ranges.some((p) => inPrefix(ip, p))) return undefined;
  return isBogon(ip) ? 'bogon' : undefined;
}

/** A bogon (private, loopback, reserved) or a known sinkhole is never a public service's real address. */
export function isBogusAnswer(ip: string, policy: AnswerPolicy): boolean {
  return bogusKind(ip, policy) !== undefined;
}

/** Flags forged-looking answers in place (x_bogus), in the first reply and in every later one. */
export function flagBogusAnswers(q: DnsQuery, policy: AnswerPolicy): DnsQuery {
  const flag = (answers: DnsAnswer[]) => {
    for (const a of answers) {
      const ip = a.ipv4 ?? a.ipv6;
      const kind = ip ? bogusKind(ip, policy) : undefined;
      if (kind) a.x_bogus = kind;
    }
  };
  flag(q.answers);
  for (const r of q.x_replies ?? []) flag(r.answers);
  return q;
}

/**
 * Whether the encrypted control vouches for an answer: some DoH query for the same name and type
 * answered, and the answers share an address (or neither has one and the rcodes agree). Differing
 * answers are not forgery by themselves (CDNs); this only decides whether more listening is needed.
 */
export function encryptedAgrees(answer: DnsQuery, doh: readonly DnsQuery[]): boolean {
  const answered = doh.filter((d) => d.engine === 'doh' && d.rcode !== undefined);
  if (answered.length === 0) return false;
  const mine = addressesOf(answer.answers);
  const theirs = answered.flatMap((d) => addressesOf(d.answers));
  if (mine.length === 0 || theirs.length === 0)
    return mine.length === 0 && theirs.length === 0 && answered.some((d) => d.rcode === answer.rcode);
  return mine.some((ip) => theirs.includes(ip));
}
