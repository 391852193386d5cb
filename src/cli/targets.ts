// `voipprobe targets`: list the catalogue (validated), as a table or JSON.

import type { Command } from 'commander';
import { type Catalogue, loadCatalogue, selectServices } from '../catalogue/load.js';
import { exchangesOf, isInformational, pathOf, type Target } from '../catalogue/schema.js';
import { escapeForTerminal } from '../util/terminal.js';

export function describeTarget(t: Target): string {
  switch (t.check) {
    case 'dns':
      return `dns ${t.host}`;
    case 'tcp':
      return `tcp ${t.host}:${t.ports.join(',')}${t.preamble_hex ? ' +preamble' : ''}`;
    case 'tls':
      return `tls ${t.host}:${t.port}${t.sni && t.sni !== t.host ? ` sni=${t.sni}` : ''}`;
    case 'https':
      return `https ${t.url}`;
    case 'websocket':
      return `websocket ${t.url}${t.origin ? ` origin=${t.origin}` : ''}`;
    case 'stun':
      // Each exchange, marked with "?" when no live relay is known to answer it.
      return `stun udp ${t.host}:${t.ports.join(',')} ${exchangesOf(t)
        .map((e) => `${e.id}${e.answer ? '' : '?'}`)
        .join(',')}`;
    case 'resolver':
      return `resolver udp ${t.address}:${t.port}`;
    case 'doh':
      return `doh ${t.url}`;
    default:
      return t satisfies never;
  }
}

export function renderTargets(cat: Catalogue): string {
  const rows: string[][] = [['service', 'id', 'role', 'path', 'check', 'source']];
  for (const s of [...cat.services, cat.controls]) {
    for (const t of s.targets) {
      const flags = [t.enabled ? '' : 'disabled', isInformational(t) ? 'unverified' : ''].filter(Boolean).join(',');
      rows.push([
        s.service + (t.group ? `/${t.group}` : ''),
        t.id + (flags ? ` (${flags})` : ''),
        t.role,
        pathOf(t) ?? '-',
        describeTarget(t),
        t.source.length > 60 ? `${t.source.slice(0, 57)}...` : t.source,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

export function registerTargets(program: Command): void {
  program
    .command('targets')
    .description('list the target catalogue (probes/*.json, or --targets DIR), validated')
    .option('--targets <dir>', 'catalogue directory instead of the bundled probes/')
    .option('--service <name...>', 'only these services')
    .option('--json', 'print the catalogue as JSON')
    .action((opts: { targets?: string; service?: string[]; json?: boolean }) => {
      const cat = selectServices(loadCatalogue(opts.targets), opts.service);
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ services: cat.services, controls: cat.controls }, null, 2)}\n`);
      else process.stdout.write(escapeForTerminal(renderTargets(cat), { multiline: true }));
    });
}
