// The lab world planned from the default catalogue: every target is in it, every address stays in
// the lab block, and the lab catalogue it writes is a valid catalogue the probe loads.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCatalogueDir, loadCatalogue } from '../../../src/catalogue/load.js';
import { exchangesOf, hostOf, isInformational } from '../../../src/catalogue/schema.js';
import {
  allAddresses,
  callEndpointsOf,
  hostnamesOf,
  labAddressesOf,
  labPort,
  NETNS_HOST_BLOCK,
  NETNS_LINK_BLOCK,
  planWorld,
  probeArgs,
  relayAddresses,
  stunControls,
  writeLabCatalogue,
  zoneRecords,
} from '../../../src/lab/world/world.js';
import { inPrefix } from '../../../src/util/ip.js';

const catalogue = loadCatalogue();
const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every IPv4 literal anywhere in a text (addresses, URLs, sources, descriptions). */
const ipv4s = (text: string) => [...text.matchAll(/(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g)].map((m) => m[0]);

describe.each([
  { kind: 'loopback' as const, addressing: { kind: 'loopback' as const }, prefix: '127.77.0.0/16' },
  {
    kind: 'loopback (octet 123)' as const,
    addressing: { kind: 'loopback' as const, octet: 123 },
    prefix: '127.123.0.0/16',
  },
  { kind: 'netns' as const, addressing: { kind: 'netns' as const }, prefix: NETNS_HOST_BLOCK },
])('planWorld from the default catalogue ($kind)', ({ addressing, prefix }) => {
  const world = planWorld(catalogue, addressing);

  it('puts every address of the world inside the lab block', () => {
    expect(world.prefix).toBe(prefix);
    for (const ip of allAddresses(world)) expect(inPrefix(ip, prefix), ip).toBe(true);
    for (const e of world.endpoints) expect(inPrefix(e.address, prefix), e.id).toBe(true);
    expect(new Set(world.hosts.map((h) => h.address)).size).toBe(world.hosts.length);
    if (addressing.kind === 'netns')
      for (const ip of allAddresses(world)) expect(inPrefix(ip, NETNS_LINK_BLOCK), ip).toBe(false);
  });

  it('writes a lab catalogue that holds no address outside the lab block, and that the probe loads', () => {
    const dir = writeLabCatalogue(world, join(tmp('vp-world-'), 'targets'));
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const found = ipv4s(text);
    expect(found.length).toBeGreaterThan(5); // resolver, DoH URL, stand-ins, public range, sinkhole
    for (const ip of found) expect(inPrefix(ip, prefix), `${ip} in the lab catalogue`).toBe(true);
    const lab = loadCatalogue(dir);
    expect(lab.controls.network.public_ranges).toEqual([prefix]);
    expect(lab.controls.network.sinkholes).toEqual([world.infra.sinkhole]);
    for (const t of lab.controls.targets) {
      if (t.check === 'resolver') expect(inPrefix(t.address, prefix)).toBe(true);
      if (t.check === 'doh') expect(inPrefix(new URL(t.url).hostname, prefix)).toBe(true);
    }
  });

  it('keeps every service and target id, with lab sources, what relays answer and mapped ports', () => {
    const dir = writeLabCatalogue(world, join(tmp('vp-world-'), 'targets'));
    const lab = loadCatalogue(dir);
    expect(lab.services.map((s) => s.service)).toEqual(catalogue.services.map((s) => s.service));
    for (const real of catalogue.services) {
      const copy = lab.services.find((s) => s.service === real.service)!;
      expect(copy.targets.map((t) => t.id)).toEqual(real.targets.map((t) => t.id));
      for (const [i, t] of copy.targets.entries()) {
        const r = real.targets[i]!;
        // An unverified target stays unverified: the lab counts what a real run counts.
        expect(t.source).toMatch(isInformational(r) ? /^unverified \(lab stand-in for / : /^lab stand-in for /);
        expect(isInformational(t)).toBe(isInformational(r));
        expect(t.enabled).toBe(r.enabled);
        expect(hostOf(t)).toBe(hostOf(r)); // same hostnames (IP literals have none)
        if (t.check === 'stun' && r.check === 'stun') {
          // What a live relay answers is the shipped catalogue's, not the lab's.
          expect(exchangesOf(t).map((e) => [e.id, e.request, e.answer])).toEqual(
            exchangesOf(r).map((e) => [e.id, e.request, e.answer]),
          );
          expect(t.ports).toEqual(r.ports.map((p) => labPort(world.kind, p)));
          if (isIP(r.host)) expect(t.host).toBe(world.standIns.find((s) => s.real === r.host)!.address);
        }
        if (t.check === 'tcp' && r.check === 'tcp') expect(t.ports).toEqual(r.ports.map((p) => labPort(world.kind, p)));
        if (t.check === 'https' && r.check === 'https') {
          const u = new URL(t.url);
          expect(Number(u.port || 443)).toBe(labPort(world.kind, 443));
          expect(u.pathname).toBe(new URL(r.url).pathname);
        }
      }
    }
  });

  it('puts the call relays in a block of their own, and their STUN endpoints answer what the catalogue says live relays answer', () => {
    expect(inPrefix(world.relayPrefix.split('/')[0]!, prefix)).toBe(true);
    for (const svc of ['whatsapp', 'skype', 'meet', 'signal', 'telegram']) {
      const eps = callEndpointsOf(world, svc);
      expect(eps.length, svc).toBeGreaterThan(0);
      for (const e of eps) expect(inPrefix(e.address, world.relayPrefix), `${svc} ${e.address}`).toBe(true);
    }
    expect(relayAddresses(world).every((a) => inPrefix(a, world.relayPrefix))).toBe(true);
    // Chat servers stay out of the relay block.
    expect(world.hosts.filter((h) => !h.relay).every((h) => !inPrefix(h.address, world.relayPrefix))).toBe(true);
    const answered = (svc: string) =>
      callEndpointsOf(world, svc).flatMap((e) => (e.exchanges ?? []).filter((x) => x.answer).map((x) => x.request));
    expect(answered('whatsapp')).toEqual([]);
    expect(answered('skype')).toEqual([]);
    expect(answered('signal')).toEqual([0x0001, 0x0003]);
    expect(callEndpointsOf(world, 'whatsapp')[0]!.exchanges!.map((x) => x.request)).toEqual([0x0001, 0x0003, 0x0801]);
    for (const e of stunControls(world))
      expect(e.exchanges).toEqual([{ request: 0x0001, answer: { class: 'success' } }]);
  });

  it('gives every enabled target of every service an endpoint, with routes, certificates and the WebSocket origin', () => {
    for (const svc of [...catalogue.services, { ...catalogue.controls, service: 'controls' }]) {
      for (const t of svc.targets.filter(
        (x) => x.enabled && x.check !== 'resolver' && x.check !== 'doh' && x.check !== 'dns',
      )) {
        const users = world.endpoints.filter((e) =>
          e.users.some((u) => u.service === svc.service && u.target === t.id),
        );
        const expected = t.check === 'tcp' || t.check === 'stun' ? t.ports.length : 1;
        expect(users.length, `${svc.service}/${t.id}`).toBe(expected);
      }
    }
    const web = world.endpoints.find((e) => e.host === 'web.whatsapp.com')!;
    expect(web.kind).toBe('tls');
    expect(web.tlsNames).toContain('web.whatsapp.com');
    expect(web.routes.map((r) => r.path).sort()).toEqual(['/']);
    expect(web.routes[0]!.status).toBe(200);
    expect(web.webSockets).toEqual([
      { host: 'web.whatsapp.com', path: '/ws/chat', origin: 'https://web.whatsapp.com' },
    ]);
    const reg = world.endpoints.find((e) => e.host === 'v.whatsapp.net')!;
    expect(reg.routes[0]).toMatchObject({ path: '/v2/register', status: 200, contentType: 'application/json' });
    expect(JSON.parse(reg.routes[0]!.body)).toMatchObject({ status: 'fail' });
    // Plain TCP chat ports and the call relay stand-in.
    expect(world.endpoints.filter((e) => e.host === 'e1.whatsapp.net').map((e) => [e.kind, e.realPort])).toEqual([
      ['tcp', 443],
      ['tcp', 5222],
    ]);
    const relay = callEndpointsOf(world, 'whatsapp');
    expect(relay.map((e) => [e.standInFor, e.realPort])).toEqual([['157.240.245.62', 3478]]);
    // One STUN endpoint per neutral STUN control server and port of the catalogue, on 3478 and an unusual port.
    const controlPorts = catalogue.controls.targets.flatMap((t) => (t.check === 'stun' && t.enabled ? t.ports : []));
    expect(
      stunControls(world)
        .map((e) => e.realPort)
        .sort((a, b) => a - b),
    ).toEqual(controlPorts.sort((a, b) => a - b));
    expect(new Set(controlPorts)).toEqual(new Set([3478, 19302]));
  });

  it('maps ports for the kind of lab', () => {
    if (world.kind === 'loopback') {
      for (const e of world.endpoints) expect(e.port, e.id).toBeGreaterThanOrEqual(1024);
      expect(world.infra.ispResolver.port).toBe(10053);
      expect(world.infra.doh.url).toMatch(/^https:\/\/127\.\d+\.0\.3:10443\/dns-query$/);
    } else {
      for (const e of world.endpoints) expect(e.port).toBe(e.realPort);
      expect(world.infra.doh.url).toBe('https://198.18.16.3/dns-query');
    }
  });

  it('answers every hostname in the zone and lists names and addresses per service', () => {
    const zone = zoneRecords(world);
    for (const h of world.hosts) expect(zone[h.name]).toEqual({ A: [h.address] });
    expect(hostnamesOf(world, 'viber').sort()).toEqual([
      'download.cdn.viber.com',
      'download.viber.com',
      'www.viber.com',
    ]);
    expect(labAddressesOf(world, 'whatsapp')).toHaveLength(21); // e1..e16, g, v, web, mmg + the relay stand-in
    expect(hostnamesOf(world, 'controls')).toContain('example.com');
  });

  it('gives the probe arguments that point it at the lab', () => {
    const args = probeArgs(world, { targetsDir: '/t', caFile: '/ca.pem' });
    expect(args).toEqual([
      '--targets',
      '/t',
      '--system-resolver',
      world.infra.ispResolver.server,
      '--resolver',
      world.infra.neutralResolver.server,
      '--doh',
      world.infra.doh.url,
      '--ca-file',
      '/ca.pem',
      '--no-ipv6',
    ]);
    expect(probeArgs(world, { targetsDir: '/t', caFile: '/ca.pem' }, { systemResolver: false })).not.toContain(
      '--system-resolver',
    );
  });
});

describe('planWorld follows the catalogue', () => {
  it('puts a new probes/ file in the lab without code changes', () => {
    const dir = tmp('vp-world-cat-');
    cpSync(defaultCatalogueDir(), dir, { recursive: true });
    writeFileSync(
      join(dir, 'signal.json'),
      JSON.stringify({
        service: 'signal',
        name: 'Signal',
        targets: [
          {
            id: 'chat',
            role: 'chat',
            check: 'https',
            url: 'https://chat.signal.org/',
            source: 'ooni/probe-cli signal.go',
          },
          {
            id: 'relay',
            role: 'call',
            check: 'stun',
            host: '203.0.113.9',
            ports: [3478],
            answers_binding: false,
            source: 'test',
          },
        ],
      }),
    );
    const world = planWorld(loadCatalogue(dir), { kind: 'loopback' });
    expect(world.services).toContain('signal');
    expect(hostnamesOf(world, 'signal')).toEqual(['chat.signal.org']);
    expect(
      world.endpoints
        .filter((e) => e.services.includes('signal'))
        .map((e) => e.kind)
        .sort(),
    ).toEqual(['stun', 'tls']);
    // A call relay's stand-in lives in the relay block.
    expect(world.standIns.find((s) => s.real === '203.0.113.9')!.address).toMatch(/^127\.77\.1[2-5]\./);
  });

  it('is deterministic', () => {
    expect(planWorld(catalogue, { kind: 'netns' })).toEqual(planWorld(catalogue, { kind: 'netns' }));
  });

  it('rejects an impossible loopback block', () => {
    expect(() => planWorld(catalogue, { kind: 'loopback', octet: 0 })).toThrow(/octet/);
    expect(() => planWorld(catalogue, { kind: 'loopback', octet: 255 })).toThrow(/octet/);
  });
});
