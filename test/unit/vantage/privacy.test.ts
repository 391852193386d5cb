import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../src/model/measurement.js';
import { emptyObservations, type Observations } from '../../../src/model/observations.js';
import { mappedAddresses, RunPrivacy } from '../../../src/vantage/privacy.js';
import { stun } from '../../support/obs.js';

const PUB = '41.250.7.9';
const CGNAT_OTHER = '41.250.7.10';

function obsMapped(address: string | null): Observations {
  const o = emptyObservations();
  const s = stun('relay', '198.18.7.7:3478', 'answer');
  if (address) s.response!.xor_mapped_address = { family: 'IPv4', address, port: 40000 };
  else s.response = null;
  o.x_stun.push(s);
  return o;
}

function line(service: string, obs: Observations, note: string): Measurement {
  return {
    id: service,
    probe_ip: '127.0.0.1',
    annotations: { note },
    test_keys: { service, ...obs },
  } as unknown as Measurement;
}

describe('RunPrivacy', () => {
  it('a line never carries an address it revealed itself, even when the controls learned nothing', () => {
    const p = new RunPrivacy(false, []);
    const controls = p.add(line('controls', obsMapped(null), 'controls'), obsMapped(null)).line.measurement;
    expect(JSON.stringify(controls)).not.toContain(PUB);
    const wa = obsMapped(PUB);
    const out = p.add(line('whatsapp', wa, `block page echoed ${PUB}`), wa).line.measurement;
    const text = JSON.stringify(out);
    expect(text).not.toContain(PUB);
    expect(out.annotations.note).toBe('block page echoed [scrubbed]');
    expect(out.probe_ip).toBe('127.0.0.1');
  });

  it('keeps every address learned for the later lines (carrier NAT: each server may see another)', () => {
    const p = new RunPrivacy(false, []);
    p.add(line('controls', obsMapped(PUB), ''), obsMapped(PUB));
    const viber = obsMapped(CGNAT_OTHER);
    const out = p.add(line('viber', viber, `seen as ${PUB} and ${CGNAT_OTHER}`), viber).line.measurement;
    expect(out.annotations.note).toBe('seen as [scrubbed] and [scrubbed]');
    expect(p.known).toEqual([PUB, CGNAT_OTHER]);
  });

  it('scrubs the global interface addresses from the start', () => {
    const p = new RunPrivacy(false, ['2a01:cb19:8a:1200::4f']);
    const out = p.add(line('x', emptyObservations(), 'from 2a01:cb19:8a:1200:0:0:0:4f'), emptyObservations()).line
      .measurement;
    expect(out.annotations.note).toBe('from [scrubbed]');
  });

  it("scrubs the run's recorded settings too (a resolver or helper at the public address)", () => {
    const p = new RunPrivacy(false, []);
    const wa = obsMapped(PUB);
    const m = {
      ...line('whatsapp', wa, ''),
      x_settings: { timeout_s: 5, resolvers: { local: [`${PUB}:53`] }, helpers: [`https://${PUB}:8443/`] },
    } as unknown as Measurement;
    const out = p.add(m, wa).line;
    expect(out.json).not.toContain(PUB);
    expect(out.measurement.x_settings).toMatchObject({
      timeout_s: 5,
      resolvers: { local: ['[scrubbed]:53'] },
      helpers: ['https://[scrubbed]:8443/'],
    });
  });

  it('--include-ip keeps everything and names the address in probe_ip', () => {
    const p = new RunPrivacy(true, []);
    const o = obsMapped(PUB);
    const out = p.add(line('controls', o, `seen as ${PUB}`), o).line.measurement;
    expect(out.probe_ip).toBe(PUB);
    expect(out.annotations.note).toBe(`seen as ${PUB}`);
  });

  it('an address learned late makes the earlier lines again: exactly those that held it change', () => {
    const p = new RunPrivacy(false, []);
    // The neutral STUN controls are blocked: the controls line learns nothing, and holds the address in a header.
    const first = p.add(line('controls', obsMapped(null), `X-Seen-As: ${PUB}`), obsMapped(null));
    expect(first.line.json).toContain(PUB);
    const clean = p.add(line('viber', obsMapped(null), 'nothing to hide'), obsMapped(null));
    // A relay reveals the address later in the run.
    const wa = obsMapped(PUB);
    const later = p.add(line('whatsapp', wa, 'relay answered'), wa);
    expect(later.changed.map((l) => l.id)).toEqual(['controls']);
    expect(later.changed[0]!.json).not.toContain(PUB);
    expect(later.changed[0]!.measurement.annotations.note).toBe('X-Seen-As: [scrubbed]');
    expect(p.lines.map((l) => l.id)).toEqual(['controls', 'viber', 'whatsapp']);
    expect(p.lines[1]).toBe(clean.line);
    for (const l of p.lines) expect(l.json).not.toContain(PUB);
    // Nothing new learned: nothing changes.
    expect(p.add(line('skype', wa, PUB), wa).changed).toEqual([]);
  });

  it('bounds every line, and scrubs what a cut exposes', () => {
    // A cut after the "7" of "41.250.7.90" would leave the address: whatever the bound, it must not.
    const o = obsMapped(PUB);
    o.x_stun[0]!.malformed = [{ t: 0, reason: `${PUB}0 `.repeat(400), bytes_base64: '' }];
    for (let max = 2000; max < 2030; max++) {
      const out = new RunPrivacy(false, [], max).add(line('whatsapp', o, 'x'), o).line;
      expect(Buffer.byteLength(out.json)).toBeLessThanOrEqual(max);
      expect(out.measurement.test_keys.x_trimmed?.cuts[0]).toMatchObject({
        path: 'test_keys.x_stun[0].malformed[0].reason',
        unit: 'bytes',
      });
      expect(out.json).not.toMatch(/(?<![\d.])41\.250\.7\.9(?!\d)/);
    }
  });

  it('mappedAddresses reads XOR-MAPPED and MAPPED addresses, canonical, once each', () => {
    const o = obsMapped(PUB);
    o.x_stun[0]!.response!.mapped_address = { family: 'IPv6', address: '2001:DB8::1', port: 1 };
    o.x_stun.push(...obsMapped(PUB).x_stun);
    expect(mappedAddresses(o)).toEqual([PUB, '2001:db8:0:0:0:0:0:1']);
  });
});
