// Pure helpers over DNS answers, shared by the measure layer (which addresses to connect to) and
// the analysis (which answers are forged).

import type { DnsAnswer } from '../model/observations.js';
import { canonicalIp, inPrefix, isBogon } from './ip.js';

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

/** A bogon (private, loopback, reserved) or a known sinkhole is never a public service's real address. */
export function isBogusAnswer(ip: string, policy: AnswerPolicy): boolean {
  const c = canonicalIp(ip);
  if (policy.sinkholes.some((s) => canonicalIp(s) === c)) return true;
  if (policy.public_ranges.some((p) => inPrefix(ip, p))) return false;
  return isBogon(ip);
}
