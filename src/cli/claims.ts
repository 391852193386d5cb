// `voipprobe claims`: list the claims (bundled and --claims files), validated, with filters, and the
// contradictions between them.

import type { Command } from 'commander';
import { type Contradiction, detectContradictions } from '../claims/contradictions.js';
import { checkOperatorName, filterClaims } from '../claims/filter.js';
import { loadClaims } from '../claims/load.js';
import { checkNames, knownServiceNames } from '../claims/names.js';
import { formatPeriod } from '../claims/period.js';
import { type Claim, claimsJsonSchema } from '../claims/schema.js';
import { operatorsLabel } from '../claims/scope.js';
import { clean, columns } from '../report/render/table.js';
import { InputError } from '../util/input-error.js';
import { escapeForTerminal } from '../util/terminal.js';
import { collect } from './common.js';

export function renderClaimsTable(
  claims: readonly Claim[],
  contradictions: readonly Contradiction[],
  listContradictions: boolean,
): string {
  const out: string[] = [];
  if (claims.length === 0) out.push('(no claims match)');
  else {
    const rows = [['id', 'effect', 'services', 'operators', 'access', 'paths', 'period', 'speaker', 'source']];
    for (const c of claims) {
      rows.push(
        [
          c.id,
          c.effect,
          c.services.join(','),
          operatorsLabel(c.operators, c.country),
          c.access,
          c.paths.join(','),
          formatPeriod(c.period),
          c.speaker.kind,
          `${c.source.outlet}, ${c.source.published.date}`,
        ].map(clean),
      );
    }
    out.push(columns(rows));
  }
  const definite = contradictions.filter((x) => x.certainty === 'definite').length;
  out.push(
    '',
    `${claims.length} claim(s); ${contradictions.length} contradiction(s) involve them, ${definite} definite${listContradictions ? ':' : ' (--contradicted lists them)'}`,
  );
  if (listContradictions) {
    for (const x of contradictions) {
      out.push(`  ${x.id} ${clean(x.summary)}`);
      for (const p of x.pairs)
        out.push(
          `     ${p.claims.join(' vs ')}: ${p.kind}, ${p.certainty}${p.uncertain_because.length ? ` (${clean(p.uncertain_because.join('; '))})` : ''}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

interface ClaimsFlags {
  claims?: string[];
  seedClaims: boolean;
  seedFacts: boolean;
  service?: string[];
  operator?: string;
  contradicted?: boolean;
  format: string;
  schema?: boolean;
}

export function registerClaims(program: Command): void {
  program
    .command('claims')
    .description(
      'list the claims (seeds/claims.json and --claims files), validated, and the contradictions between them',
    )
    .option('--claims <file>', 'a claims file of your own (repeatable)', collect)
    .option('--no-seed-claims', 'leave out the bundled claims (seeds/claims.json and seeds/facts.json)')
    .option('--no-seed-facts', 'leave out the bundled external facts (seeds/facts.json)')
    .option('--service <name>', 'only claims about this service (or about "any"); repeatable', collect)
    .option('--operator <name|ASN>', 'only claims naming this operator (name, alias or ASN) or "all" operators')
    .option('--contradicted', 'only claims that contradict another claim, and list the contradictions')
    .option('--format <format>', 'table or json', 'table')
    .option('--schema', 'print the JSON Schema of a claims file and exit')
    .action((opts: ClaimsFlags) => {
      if (opts.schema) {
        process.stdout.write(`${JSON.stringify(claimsJsonSchema(), null, 2)}\n`);
        return;
      }
      if (opts.format !== 'table' && opts.format !== 'json')
        throw new InputError(`--format: expected table or json, got "${opts.format}"`);
      checkNames('--service', 'service', opts.service, knownServiceNames());
      const set = loadClaims({ files: opts.claims, bundled: opts.seedClaims, bundledFacts: opts.seedFacts });
      if (opts.operator) checkOperatorName('--operator', opts.operator, set.claims);
      const all = detectContradictions(set.claims);
      const claims = filterClaims(
        set.claims,
        { services: opts.service, operator: opts.operator, contradicted: opts.contradicted },
        all,
      );
      const ids = new Set(claims.map((c) => c.id));
      const contradictions = all.filter((x) => [...x.sides[0].claims, ...x.sides[1].claims].some((id) => ids.has(id)));
      if (opts.format === 'json')
        process.stdout.write(`${JSON.stringify({ files: set.files, claims, contradictions }, null, 2)}\n`);
      else
        process.stdout.write(
          escapeForTerminal(renderClaimsTable(claims, contradictions, Boolean(opts.contradicted)), { multiline: true }),
        );
    });
}
