// A small catalogue of loopback-only targets (controls, WhatsApp, Viber) for runs of the real binary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Its folder; the STUN control and WhatsApp's relay are at stunHost:stunPort. */
export function loopbackCatalogue(stunHost: string, stunPort: number): string {
  const d = mkdtempSync(join(tmpdir(), 'vp-cli-cat-'));
  writeFileSync(
    join(d, 'controls.json'),
    JSON.stringify({
      service: 'controls',
      name: 'Controls',
      kind: 'controls',
      network: { neutral_sni: 'neutral.lab', public_ranges: ['127.0.0.0/8'] },
      targets: [
        { id: 'tls', role: 'control', check: 'tls', host: 'neutral.lab', source: 'test' },
        {
          id: 'stun',
          role: 'control',
          check: 'stun',
          host: stunHost,
          ports: [stunPort],
          answers_binding: true,
          source: 'test',
        },
      ],
    }),
  );
  writeFileSync(
    join(d, 'whatsapp.json'),
    JSON.stringify({
      service: 'whatsapp',
      name: 'WhatsApp',
      targets: [
        { id: 'chat', role: 'chat', check: 'tcp', host: 'e1.whatsapp.net', ports: [5222], source: 'test' },
        {
          id: 'relay',
          role: 'call',
          check: 'stun',
          host: stunHost,
          ports: [stunPort],
          answers_binding: true,
          source: 'test',
        },
      ],
    }),
  );
  writeFileSync(
    join(d, 'viber.json'),
    JSON.stringify({
      service: 'viber',
      name: 'Viber',
      targets: [{ id: 'web', role: 'web', check: 'https', url: 'https://www.viber.com/', source: 'test' }],
    }),
  );
  return d;
}
