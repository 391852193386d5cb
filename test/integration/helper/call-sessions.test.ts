// The helper's UDP side on loopback: it answers only its sessions' packets, from their opener, on
// their port, in their encoding, within their rate; one reply per packet, the same size: never more
// bytes to an address than it sent.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallSessions } from '../../../src/helper/call-sessions.js';
import { DIR, invert, readTrailer, writeTrailer } from '../../../src/protocol/call.js';

let cs: CallSessions;
let portA: number;
let portB: number;

/** A UDP port free right now on loopback. */
async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  s.close();
  return p;
}

/** Ends every session (each test starts from none open). */
function closeAll(): void {
  for (const s of [...(cs as unknown as { sessions: Map<string, { id: string; client: string }> }).sessions.values()])
    cs.close(s.id, s.client);
}

beforeAll(async () => {
  cs = await CallSessions.start({
    ports: [await freePort(), await freePort()],
    host: '127.0.0.1',
    maxSessions: 3,
    maxSessionsPerClient: 2,
  });
  [portA, portB] = cs.ports as [number, number];
});

afterAll(() => cs?.stop());

const open = (client = '127.0.0.1', scrambled = false) => {
  const r = cs.open(
    {
      duration_s: 5,
      interval_ms: 20,
      max_packet_bytes: 200,
      flows: [{ id: 0, port: portA, scrambled, reply_header_hex: '0017' }],
    },
    client,
  );
  if (!r.ok) throw new Error(r.reason);
  return r.session;
};

/** Sends packets from a fresh socket and collects what comes back within `waitMs`. */
async function exchange(packets: Buffer[], port: number, waitMs = 300): Promise<Buffer[]> {
  const s = dgram.createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.connect(port, '127.0.0.1', () => r()));
  for (const p of packets) s.send(p);
  await new Promise((r) => setTimeout(r, waitMs));
  s.close();
  return got;
}

function packet(tagHex: string, seq: number, size = 160, scrambled = false): Buffer {
  const p = Buffer.alloc(size, 0x42);
  p.writeUInt16BE(0x0016, 0);
  writeTrailer(p, {
    tag: BigInt(`0x${tagHex}`),
    flow: 0,
    dir: DIR.up,
    seq,
    tSendUs: seq * 20000,
    echoSeq: 0xffffffff,
    echoHoldUs: 0,
  });
  if (scrambled) invert(p);
  return p;
}

describe('test-call sessions', () => {
  it('answers each packet once, the same size, with the reply header and its own trailer', async () => {
    const s = open();
    const sent = [packet(s.tag_hex, 0, 120), packet(s.tag_hex, 1, 172)];
    const got = await exchange(sent, portA);
    expect(got.map((g) => g.length).sort()).toEqual([120, 172]);
    for (const g of got) {
      expect(g.readUInt16BE(0)).toBe(0x0017);
      const t = readTrailer(g, false)!;
      expect(t.dir).toBe(DIR.down);
      expect([0, 1]).toContain(t.echoSeq);
    }
    const r = cs.results(s.session_id, '127.0.0.1')!;
    expect(r.flows[0]).toMatchObject({ received: 2, replies: 2, bytes_in: 292, bytes_out: 292 });
    expect(r.flows[0]!.arrivals.map((a) => a[0]).sort()).toEqual([0, 1]);
    expect(cs.close(s.session_id, '127.0.0.1')).toBe(true);
  });

  const refused: [string, () => Promise<Buffer[]>][] = [
    ['from another address than the opener', async () => exchange([packet(open('127.0.0.9').tag_hex, 0)], portA)],
    ["on another port than the flow's", async () => exchange([packet(open().tag_hex, 0)], portB)],
    ['inverted on a flow in the clear', async () => exchange([packet(open().tag_hex, 0, 160, true)], portA)],
    ['with an unknown tag', async () => exchange([packet('00112233aabbccdd', 0)], portA)],
    [
      'with a sequence number the declared call cannot reach',
      async () => exchange([packet(open().tag_hex, 100_000)], portA),
    ],
  ];
  for (const [name, run] of refused) {
    it(`never answers a packet ${name}`, async () => {
      closeAll();
      expect(await run()).toEqual([]);
    });
  }

  it('answers no faster than the declared rate (a burst is cut)', async () => {
    closeAll();
    const s = open();
    // At 50 packets/s the burst allowance is 2 s of packets (100): 300 at once are cut there.
    const got = await exchange(
      Array.from({ length: 300 }, (_, i) => packet(s.tag_hex, i)),
      portA,
      400,
    );
    expect(got.length).toBeLessThanOrEqual(120);
    expect(cs.results(s.session_id, '127.0.0.1')!.flows[0]!.refused).toBeGreaterThan(150);
    cs.close(s.session_id, '127.0.0.1');
  });

  it('bounds the sessions per client and in total, and refuses ports it does not answer on', () => {
    closeAll();
    open('127.0.0.5');
    open('127.0.0.5');
    expect(
      cs.open(
        { duration_s: 5, interval_ms: 20, max_packet_bytes: 200, flows: [{ id: 0, port: portA, scrambled: false }] },
        '127.0.0.5',
      ),
    ).toMatchObject({ ok: false, status: 429 });
    open('127.0.0.6');
    expect(
      cs.open(
        { duration_s: 5, interval_ms: 20, max_packet_bytes: 200, flows: [{ id: 0, port: portA, scrambled: false }] },
        '127.0.0.7',
      ),
    ).toMatchObject({ ok: false, status: 503 });
    expect(
      cs.open(
        { duration_s: 5, interval_ms: 20, max_packet_bytes: 200, flows: [{ id: 0, port: 9, scrambled: false }] },
        '127.0.0.8',
      ),
    ).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/does not answer on UDP port 9/) });
  });

  it('results go to the opener only', () => {
    const s = [...(cs as unknown as { sessions: Map<string, { id: string; client: string }> }).sessions.values()][0]!;
    expect(cs.results(s.id, '127.0.0.250')).toBeUndefined();
    expect(cs.results(s.id, s.client)).toBeDefined();
  });

  it('never sends an address more bytes than it received from it', () => {
    const per = cs.perClient();
    expect(per.size).toBeGreaterThan(0);
    for (const [, c] of per) {
      expect(c.bytesOut).toBeLessThanOrEqual(c.bytesIn);
      expect(c.packetsOut).toBeLessThanOrEqual(c.packetsIn);
    }
  });
});
