import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, selectServices } from '../../../src/catalogue/load.js';
import { exchangesOf, isInformational, pathOf } from '../../../src/catalogue/schema.js';
import { InputError } from '../../../src/util/input-error.js';
import { deepJson } from '../../support/json.js';

const controls = {
  service: 'controls',
  name: 'Controls',
  kind: 'controls',
  network: { neutral_sni: 'example.com' },
  targets: [
    {
      id: 'stun',
      role: 'control',
      check: 'stun',
      host: '127.0.0.1',
      ports: [3478],
      answers_binding: true,
      source: 'test',
    },
  ],
};
const svc = (targets: unknown[]) => ({ service: 'demo', name: 'Demo', targets });

function dir(files: Record<string, unknown>): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-cat-'));
  for (const [n, v] of Object.entries(files))
    writeFileSync(join(d, n), typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  return d;
}

function loadError(files: Record<string, unknown>): InputError {
  try {
    loadCatalogue(dir(files));
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('the bundled catalogue', () => {
  const cat = loadCatalogue();
  it('has the three main services, the other named apps and the controls', () => {
    const names = cat.services.map((s) => s.service);
    for (const s of ['whatsapp', 'skype', 'viber', 'facetime', 'meet', 'teamspeak', 'mumble', 'ventrilo', 'tango'])
      expect(names).toContain(s);
    expect(cat.controls.service).toBe('controls');
  });
  it('every target cites a source', () => {
    for (const s of [...cat.services, cat.controls])
      for (const t of s.targets) expect(t.source.length).toBeGreaterThan(3);
  });
  it('WhatsApp covers chat on 443 and 5222 for e1..e16 and g, web over HTTPS and WebSocket, media and the call path', () => {
    const wa = cat.services.find((s) => s.service === 'whatsapp')!;
    const chat = wa.targets.filter((t) => t.check === 'tcp');
    expect(chat).toHaveLength(17);
    for (const t of chat) expect(t.check === 'tcp' && t.ports).toEqual([443, 5222]);
    expect(wa.targets.find((t) => t.check === 'websocket')).toMatchObject({
      url: 'wss://web.whatsapp.com/ws/chat',
      origin: 'https://web.whatsapp.com',
    });
    const call = wa.targets.find((t) => t.role === 'call')!;
    expect(call).toMatchObject({ check: 'stun', host: '157.240.245.62', ports: [3478] });
    // Tried and recorded, but no answer is known: silence alone proves nothing.
    const ex = call.check === 'stun' ? exchangesOf(call) : [];
    expect(ex.map((e) => [e.id, e.request.method ?? e.request.message_type, e.answer])).toEqual([
      ['binding', 'binding', undefined],
      ['allocate', 'allocate', undefined],
      ['wa-ping', '0x0801', undefined],
    ]);
    expect(ex.find((e) => e.id === 'wa-ping')!.marks).toMatch(/0x0801/);
  });
  it("Signal's and Telegram's relays answer a Binding and challenge an Allocate, each with a source", () => {
    for (const [service, realm] of [
      ['signal', 'signal.org'],
      ['telegram', 'telegram.org'],
    ] as const) {
      const relays = cat.services
        .find((s) => s.service === service)!
        .targets.filter((t) => t.check === 'stun' && pathOf(t) === 'call');
      expect(relays.length).toBeGreaterThan(0);
      for (const t of relays) {
        const ex = t.check === 'stun' ? exchangesOf(t) : [];
        expect(ex.find((e) => e.id === 'binding')!.answer).toMatchObject({ class: 'success' });
        expect(ex.find((e) => e.id === 'allocate')!.answer).toEqual({
          class: 'error',
          error_code: 401,
          attributes: ['REALM', 'NONCE'],
          realm,
        });
        for (const e of ex) expect(e.source).toMatch(/nDPI/);
      }
      const paths = new Set(cat.services.find((s) => s.service === service)!.targets.map(pathOf));
      expect(paths).toEqual(new Set(['chat', 'web', 'call']));
    }
  });
  it("Teams' call path is the relays Microsoft's assessment tool uses: worldaz on UDP 3478-3481 and TCP 443", () => {
    const sk = cat.services.find((s) => s.service === 'skype')!;
    const call = sk.targets.filter((t) => pathOf(t) === 'call');
    expect(
      call.map((t) => [
        t.check,
        t.check === 'stun' || t.check === 'tcp' ? t.host : '',
        t.check === 'stun' || t.check === 'tcp' ? t.ports : [],
      ]),
    ).toEqual([
      ['stun', 'worldaz.tr.teams.microsoft.com', [3478, 3479, 3480, 3481]],
      ['tcp', 'worldaz.tr.teams.microsoft.com', [443]],
    ]);
    expect(JSON.stringify(sk)).not.toMatch(/52\.112\.0\.1|52\.122\.0\.1/);
  });
  it('Skype reports its legacy names and Teams as labelled groups', () => {
    const sk = cat.services.find((s) => s.service === 'skype')!;
    expect(new Set(sk.targets.map((t) => t.group))).toEqual(new Set(['skype-legacy', 'teams']));
  });
  it("Viber's unverified ports are informational, and its description says its calls are not tested", () => {
    const vb = cat.services.find((s) => s.service === 'viber')!;
    const ports = vb.targets.filter((t) => t.check === 'tcp' || t.check === 'stun');
    expect(ports.length).toBeGreaterThan(0);
    for (const t of ports) expect(isInformational(t)).toBe(true);
    expect(vb.description).toMatch(/calls are NOT TESTED/);
  });
  it('controls include STUN on 3478 and on an unusual port, DoH and UDP resolvers, and a TLS host', () => {
    const ports = cat.controls.targets.flatMap((t) => (t.check === 'stun' ? t.ports : []));
    expect(ports).toContain(3478);
    expect(ports.some((p) => p !== 3478)).toBe(true);
    expect(cat.controls.targets.some((t) => t.check === 'doh')).toBe(true);
    expect(cat.controls.targets.some((t) => t.check === 'resolver')).toBe(true);
    expect(cat.controls.targets.some((t) => t.check === 'tls')).toBe(true);
  });
  it('roles map to paths', () => {
    const wa = cat.services.find((s) => s.service === 'whatsapp')!;
    expect(pathOf(wa.targets.find((t) => t.role === 'registration')!)).toBe('chat');
    expect(pathOf(wa.targets.find((t) => t.role === 'media')!)).toBe('chat');
  });
  it('selectServices rejects unknown names', () => {
    expect(() => selectServices(cat, ['whatsap'])).toThrow(/unknown service "whatsap"/);
    expect(selectServices(cat, ['viber']).services.map((s) => s.service)).toEqual(['viber']);
  });
});

describe('catalogue validation errors name the file, line and field', () => {
  it('a new service is one dropped-in file', () => {
    const d = dir({
      'controls.json': controls,
      'demo.json': svc([{ id: 'web', role: 'web', check: 'https', url: 'https://demo.example/', source: 'test' }]),
    });
    const cat = loadCatalogue(d);
    expect(cat.services.map((s) => s.service)).toEqual(['demo']);
    expect(cat.services[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
  it('a bad port', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': svc([{ id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [70000], source: 'test' }]),
    });
    expect(e.message).toMatch(/demo\.json:\d+:\d+: targets\[0\]\.ports\[0\]/);
    expect(e.line).toBeGreaterThan(1);
  });
  it('a missing source', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': svc([{ id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [1] }]),
    });
    expect(e.message).toMatch(/demo\.json:\d+:\d+: targets\[0\]\.source/);
  });
  it('an unknown field', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': svc([
        { id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [1], source: 'test', prots: [2] },
      ]),
    });
    expect(e.message).toMatch(/demo\.json.*targets\[0\]/);
    expect(e.message).toMatch(/prots/);
  });
  it('broken JSON gives the line', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': '{\n  "service": "demo",\n  "name": "Demo"\n  "targets": []\n}',
    });
    expect(e.message).toMatch(/demo\.json:4:\d+: invalid JSON/);
  });
  it('syntax errors are located where they are, not at 1:1 (trailing comma, stray bracket)', () => {
    const trailing = loadError({
      'controls.json': controls,
      'demo.json': '{\n  "service": "demo",\n  "name": "Demo",\n  "targets": [\n    {"id": "x"},\n  ]\n}',
    });
    expect(trailing.message).toMatch(
      /demo\.json:5:16: invalid JSON: a comma before "\]" \(trailing commas are not JSON\)$/,
    );
    expect(trailing.line).toBe(5);
    const stray = loadError({
      'controls.json': controls,
      'demo.json': '{\n  "service": "demo",\n  "targets": [,\n  ]\n}',
    });
    expect(stray.message).toMatch(/demo\.json:3:15: invalid JSON: unexpected ","; expected a value/);
  });
  it('deep nesting is refused with its position, without overflowing the stack', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': `{"service": "demo", "name": "Demo", "targets": [], "x": ${deepJson(20_000)}}`,
    });
    expect(e.message).toMatch(/demo\.json:1:\d+: invalid JSON: nested deeper than 64 levels/);
  });
  it('a FIFO, a device or a dangling symlink named *.json is skipped with a message, not read (it would hang)', () => {
    const d = dir({
      'controls.json': controls,
      'demo.json': svc([{ id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [1], source: 'test' }]),
    });
    execFileSync('mkfifo', [join(d, 'fifo.json')]);
    symlinkSync('/dev/zero', join(d, 'zero.json'));
    symlinkSync(join(d, 'gone.json'), join(d, 'gone-link.json'));
    const skipped: string[] = [];
    const cat = loadCatalogue(d, (s) => skipped.push(`${s.path}: ${s.reason}`));
    expect(cat.services.map((s) => s.service)).toEqual(['demo']);
    expect(skipped).toEqual([
      `${join(d, 'fifo.json')}: a FIFO (named pipe)`,
      `${join(d, 'gone-link.json')}: a symlink to nothing`,
      `${join(d, 'zero.json')}: a character device`,
    ]);
  });
  it('duplicate ids', () => {
    const t = { id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [1], source: 'test' };
    const e = loadError({ 'controls.json': controls, 'demo.json': svc([t, t]) });
    expect(e.message).toMatch(/targets\.1\.id: duplicate target id "x"/);
  });
  it('no controls file', () => {
    const e = loadError({
      'demo.json': svc([{ id: 'x', role: 'chat', check: 'tcp', host: 'a.example', ports: [1], source: 'test' }]),
    });
    expect(e.message).toMatch(/no controls file/);
  });
  it('a control check outside the controls file', () => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': svc([{ id: 'r', role: 'chat', check: 'resolver', address: '127.0.0.1', source: 'test' }]),
    });
    expect(e.message).toMatch(/belongs in the controls file/);
  });
  it('an exchange is data: a method or a raw message type, attributes by name or number, an expected answer', () => {
    const relay = {
      id: 'relay',
      role: 'call',
      check: 'stun',
      host: '192.0.2.9',
      ports: [3478],
      exchanges: [
        { id: 'binding', request: { method: 'binding' }, answer: { class: 'success' }, source: 'test' },
        {
          id: 'app',
          request: {
            message_type: '0x0801',
            attributes: [
              { type: '0x4000', hex: '00ff' },
              { type: 'SOFTWARE', text: 'x' },
            ],
            fingerprint: true,
          },
          marks: 'an app',
          source: 'test',
        },
      ],
      source: 'test',
    };
    const cat = loadCatalogue(dir({ 'controls.json': controls, 'demo.json': svc([relay]) }));
    const t = cat.services[0]!.targets[0]!;
    expect(t.check === 'stun' && exchangesOf(t).map((e) => e.id)).toEqual(['binding', 'app']);
  });
  it.each([
    [{ exchanges: [{ id: 'x', request: {}, source: 'test' }] }, /exactly one of "method" and "message_type"/],
    [{ exchanges: [{ id: 'x', request: { method: 'bind' }, source: 'test' }] }, /method/],
    [{ exchanges: [{ id: 'x', request: { message_type: '0x8001' }, source: 'test' }] }, /at most 0x3fff/],
    [
      { exchanges: [{ id: 'x', request: { method: 'binding', attributes: [{ type: 'REALMS' }] }, source: 'test' }] },
      /a STUN attribute name/,
    ],
    [
      { exchanges: [{ id: 'x', request: { method: 'binding' }, answer: { error_code: 99 }, source: 'test' }] },
      /error_code/,
    ],
    [
      {
        exchanges: [
          { id: 'x', request: { method: 'binding' }, source: 'test' },
          { id: 'x', request: { method: 'allocate' }, source: 'test' },
        ],
      },
      /duplicate exchange id "x"/,
    ],
    [{ exchanges: [{ id: 'x', request: { method: 'binding' } }] }, /source/],
    [{}, /give "exchanges"/],
    [{ answers_binding: true, exchanges: [{ id: 'x', request: { method: 'binding' }, source: 'test' }] }, /not both/],
  ])('a bad exchange is refused with its field: %j', (extra, why) => {
    const e = loadError({
      'controls.json': controls,
      'demo.json': svc([
        { id: 'relay', role: 'call', check: 'stun', host: '192.0.2.9', ports: [3478], source: 'test', ...extra },
      ]),
    });
    expect(e.message).toMatch(/demo\.json:\d+:\d+: targets\[0\]/);
    expect(e.message).toMatch(why);
  });
  it('the error points at the right line of the real file', () => {
    const d = dir({
      'controls.json': controls,
      'demo.json': svc([
        { id: 'ok', role: 'web', check: 'https', url: 'https://a.example/', source: 'test' },
        { id: 'bad', role: 'web', check: 'https', url: 'http://a.example/', source: 'test' },
      ]),
    });
    try {
      loadCatalogue(d);
      throw new Error('expected failure');
    } catch (e) {
      const err = e as InputError;
      const lines = readFileSync(join(d, 'demo.json'), 'utf8').split('\n');
      expect(lines[err.line! - 1]).toContain('"url": "http://a.example/"');
    }
  });
});
