// Debian's coturn as a lab relay: wherever the catalogue says a live relay answers a Binding with a
// success and an Allocate without credentials with a 401 challenge (REALM and NONCE) and nothing else,
// the namespace lab runs a real TURN server (RFC 8656) there instead of its own responder, so that the
// probe's exchanges are checked against a real implementation (Signal's relays behave this way, and
// Telegram's reflectors). Configuration only: coturn runs inside the servers' namespace, not
// daemonised, on the endpoint's address, with a throwaway user it never gives out.

import { randomBytes } from 'node:crypto';
import { STUN_METHODS } from '../../model/exchange.js';
import { messageType } from '../../net/stun-codec.js';
import type { LabEndpoint, LabWorld } from '../world/world.js';

const BINDING = messageType(STUN_METHODS.binding, 'request');
const ALLOCATE = messageType(STUN_METHODS.allocate, 'request');

/** The realm coturn must use to play this endpoint as the catalogue describes it, or undefined when coturn cannot. */
export function coturnRealm(e: LabEndpoint): string | undefined {
  if (e.kind !== 'stun' || !e.exchanges?.length) return undefined;
  let realm: string | undefined;
  for (const x of e.exchanges) {
    const a = x.answer;
    if (
      x.request === BINDING &&
      a &&
      (a.class ?? 'success') === 'success' &&
      a.message_type === undefined &&
      (a.attributes ?? []).every((n) => n === 'XOR-MAPPED-ADDRESS')
    )
      continue;
    if (
      x.request === ALLOCATE &&
      a &&
      a.class === 'error' &&
      a.error_code === 401 &&
      a.realm &&
      (a.attributes ?? []).every((n) => n === 'REALM' || n === 'NONCE')
    ) {
      realm = a.realm;
      continue;
    }
    // coturn answers every request it gets (a 401 for methods it does not serve): it cannot play a
    // relay that ignores some exchange, or answers one otherwise.
    return undefined;
  }
  return realm;
}

/** The world with every endpoint coturn can play marked as coturn's (the lab's servers then leave it alone). */
export function assignCoturn(world: LabWorld): LabWorld {
  return {
    ...world,
    endpoints: world.endpoints.map((e) => (coturnRealm(e) ? { ...e, player: 'coturn' as const } : e)),
  };
}

/** A coturn configuration for one endpoint; `index` keeps the relayed port ranges of several instances apart. */
export function coturnConfig(e: LabEndpoint, o: { realm: string; index: number; stateDir: string }): string {
  const base = 50_000 + o.index * 200;
  return [
    `listening-ip=${e.address}`,
    `listening-port=${e.port}`,
    `relay-ip=${e.address}`,
    `min-port=${base}`,
    `max-port=${base + 199}`,
    `realm=${o.realm}`,
    // Long-term credentials, as Signal's relays use: an Allocate without them gets 401 + REALM + NONCE.
    'lt-cred-mech',
    `user=lab:${randomBytes(12).toString('hex')}`,
    `userdb=${o.stateDir}/turndb-${o.index}`,
    `pidfile=${o.stateDir}/turnserver-${o.index}.pid`,
    'no-tls',
    'no-dtls',
    'no-tcp',
    'no-cli',
    'no-rfc5780',
    'no-software-attribute',
    'relay-threads=1',
    'log-file=stdout',
    'simple-log',
    '',
  ].join('\n');
}

/** coturn prints this once its listeners and relays are up. */
export const COTURN_READY = /Total General servers/;
