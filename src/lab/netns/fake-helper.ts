// Helpers that misbehave, for the namespace lab's "nothing is blocked on a helper's word" scenarios,
// run in the outside vantage next to the real helper, one HTTPS port per way of misbehaving:
//   garbage      answers its health check, then 200 with a body that is not a helper's answer;
//   silent       accepts connections and never answers anything;
//   liar_works   says every step it was asked about worked;
//   liar_fails   says every step it was asked about failed (DNS included).
//
//   node dist/src/lab/netns/fake-helper.js <config.json>
//   config: { "address": "198.18.0.14", "certPem": "...", "keyPem": "...", "ports": { "garbage": 8444, ... } }
// Prints {"ready":true,...} once every port listens; SIGTERM ends it.

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { lie } from '../world/helper-lies.js';

export const FAKE_HELPER_MODES = ['garbage', 'silent', 'liar_works', 'liar_fails'] as const;
export type FakeHelperMode = (typeof FAKE_HELPER_MODES)[number];

export interface FakeHelperConfig {
  address: string;
  certPem: string;
  keyPem: string;
  ports: Record<FakeHelperMode, number>;
}

function serve(mode: FakeHelperMode, cfg: FakeHelperConfig): Promise<Server> {
  const server = createServer({ cert: cfg.certPem, key: cfg.keyPem }, (req, res) => {
    if (mode === 'silent') return; // holds the request open: the client's own timeout ends it
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      if (req.method === 'GET') return send(200, JSON.stringify({ message: 'a helper' }));
      if (mode === 'garbage') return send(200, '<html><body>It works!</body></html>');
      try {
        send(200, JSON.stringify(lie(body, mode === 'liar_works')));
      } catch {
        send(400, '{"error":"bad request"}');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.ports[mode], cfg.address, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: fake-helper.js <config.json>\n');
    process.exit(2);
  }
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as FakeHelperConfig;
  const servers = await Promise.all(FAKE_HELPER_MODES.map((m) => serve(m, cfg)));
  process.stdout.write(`${JSON.stringify({ ready: true, role: 'fake-helpers', ports: cfg.ports })}\n`);
  const stop = () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
