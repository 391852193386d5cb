import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

// getaddrinfo is replaced: these tests must not send DNS traffic, and a real lookup cannot be made to hang.
const mock = vi.hoisted(() => ({ lookup: vi.fn(), servers: ['127.0.0.53', '[::1]:5353', '10.0.0.1:1053'] }));
vi.mock('node:dns', () => ({ default: { lookup: mock.lookup, getServers: () => mock.servers } }));

const {
  inProcessGetaddrinfo,
  lookupSystem: lookupWith,
  parseResolvConf,
  systemNameservers,
} = await import('../../../src/net/dns-system.js');
// The mocked getaddrinfo runs in this process; the helper process is tested in test/integration/net.
const lookupSystem = (o: Parameters<typeof lookupWith>[0]) => lookupWith({ getaddrinfo: inProcessGetaddrinfo, ...o });

const start = performance.now();
const base = { clock: () => (performance.now() - start) / 1000, timeoutMs: 200, transactionId: 3 };

type Callback = (err: NodeJS.ErrnoException | null, addresses?: { address: string; family: number }[]) => void;

describe('lookupSystem', () => {
  beforeEach(() => {
    mock.lookup.mockReset();
  });

  it('records every address as a faked A/AAAA answer of an ANY query', async () => {
    mock.lookup.mockImplementation((_h: string, opts: unknown, cb: Callback) => {
      expect(opts).toEqual({ all: true, family: 0 });
      cb(null, [
        { address: '127.0.10.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
    });
    const q = await lookupSystem({ ...base, hostname: 'web.whatsapp.com' });
    expect(q).toMatchObject({
      engine: 'getaddrinfo',
      resolver_address: '',
      query_type: 'ANY',
      failure: null,
      x_resolver_role: 'local',
      transaction_id: 3,
    });
    expect(q.answers).toEqual([
      { answer_type: 'A', ipv4: '127.0.10.1', ttl: null },
      { answer_type: 'AAAA', ipv6: '::1', ttl: null },
    ]);
    expect(q.x_getaddrinfo_error).toBeUndefined();
  });

  it.each([
    ['ENOTFOUND', 'dns_nxdomain_error'],
    ['ENODATA', 'dns_no_answer'],
    ['EAI_AGAIN', 'dns_temporary_failure'],
    ['ESERVFAIL', 'dns_servfail_error'],
  ])('maps %s and keeps the code', async (code, failure) => {
    mock.lookup.mockImplementation((_h: string, _o: unknown, cb: Callback) =>
      cb(Object.assign(new Error(`getaddrinfo ${code} x`), { code })),
    );
    const q = await lookupSystem({ ...base, hostname: 'x' });
    expect(q).toMatchObject({ failure, x_getaddrinfo_error: code, answers: [] });
  });

  it('stops waiting at the timeout although getaddrinfo cannot be cancelled', async () => {
    let late: Callback | undefined;
    mock.lookup.mockImplementation((_h: string, _o: unknown, cb: Callback) => (late = cb));
    const t = performance.now();
    const q = await lookupSystem({ ...base, hostname: 'slow.lab' });
    expect(performance.now() - t).toBeGreaterThanOrEqual(195);
    expect(q.failure).toBe('generic_timeout_error');
    late!(null, [{ address: '127.0.0.1', family: 4 }]); // arrives after the step ended: ignored
    expect(q.answers).toEqual([]);
  });

  it('is interrupted by an abort', async () => {
    mock.lookup.mockImplementation(() => {});
    const c = new AbortController();
    setTimeout(() => c.abort(), 20);
    const q = await lookupSystem({ ...base, timeoutMs: 5000, signal: c.signal, hostname: 'slow.lab' });
    expect(q.failure).toBe('interrupted');
    expect(q.t).toBeLessThan(q.t0 + 0.5);
  });
});

describe('nameservers', () => {
  it('parses resolv.conf nameserver lines, IPv6 bracketed', () => {
    const text =
      '# comment\nsearch lan\nnameserver 10.255.255.53\nnameserver  2001:db8::53\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:1\n';
    expect(parseResolvConf(text)).toEqual(['10.255.255.53:53', '[2001:db8::53]:53', '[fe80::1%eth0]:53']);
  });

  it('reads the file, and falls back to Node resolver servers without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'voipprobe-resolv-'));
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.53\n');
    expect(systemNameservers(join(dir, 'resolv.conf'))).toEqual(['127.0.0.53:53']);
    expect(systemNameservers(join(dir, 'missing.conf'))).toEqual(['127.0.0.53:53', '[::1]:5353', '10.0.0.1:1053']);
  });
});
