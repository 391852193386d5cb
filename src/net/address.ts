// Argument checks shared by the primitives: a bad address or port is the caller's bug, so it throws
// instead of becoming an observation.

import { isIP } from 'node:net';
import { splitHostPort } from '../util/ip.js';

/** Returns 4 or 6; throws for anything that is not an IP literal. */
export function requireIp(ip: string): 4 | 6 {
  const v = isIP(ip);
  if (v === 0) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  return v as 4 | 6;
}

export function requirePort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`invalid port: ${port}`);
  return port;
}

/** Parses "ip:port" or "[ipv6]:port" (port required) into a checked address. */
export function parseIpPort(s: string): { ip: string; port: number; family: 4 | 6 } {
  const { host, port } = splitHostPort(s, 0);
  const family = requireIp(host);
  if (port === 0 || (family === 6 && !s.startsWith('[')))
    throw new TypeError(`expected "ip:port" or "[ipv6]:port", got ${JSON.stringify(s)}`);
  return { ip: host, port: requirePort(port), family };
}

/** The URL's host without IPv6 brackets. */
export function urlHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** SNI for a URL host: TLS forbids an IP literal as server name, so none is sent then. */
export function sniFor(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

export function parseUrl(url: string, protocols: readonly string[]): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`invalid URL: ${JSON.stringify(url)}`);
  }
  if (!protocols.includes(u.protocol)) throw new TypeError(`URL must use ${protocols.join(' or ')}: ${url}`);
  return u;
}
