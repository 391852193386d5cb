import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// docs/architecture.md says, folder by folder, what each part of src/ may import. This holds every
// import in src/ (type-only and lazy ones too) against that table, so the document and the code cannot
// part: a change that needs a new arrow changes the table in the same commit, where a reviewer sees it.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

interface Rule {
  folders: Set<string>;
  files: Set<string>;
}

/** The table's rows: folder -> the folders (and single files) it may import. */
function rules(): Map<string, Rule> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z-]+)\/`[^|]*\|[^|]*\| ([^|]+) \|$/gm)].map((m) => ({
    folder: m[1]!,
    may: m[2]!,
  }));
  const out = new Map<string, Rule>();
  rows.forEach((row, i) => {
    const rule: Rule = { folders: new Set(), files: new Set() };
    if (row.may.trim() === 'everything below') for (const r of rows.slice(i + 1)) rule.folders.add(r.folder);
    else if (!row.may.startsWith('nothing'))
      for (const part of row.may.split(/[,;]/)) {
        const file = part.match(/`([a-z-]+\/[a-z-]+\.ts)`/);
        if (file) rule.files.add(file[1]!);
        else rule.folders.add(part.trim().split(/\s/)[0]!);
      }
    out.set(row.folder, rule);
  });
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file (static, type-only, re-export or dynamic), as a path under src/. */
function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.[^']+)'/gm)].map((m) =>
    relative(SRC, resolve(dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
  );
}

/** The part of src/ a path is in: its first folder; cli.ts is the CLI's, the other top files are shared. */
function part(path: string): string | null {
  if (path === 'cli.ts') return 'cli';
  return path.includes('/') ? path.split('/')[0]! : null;
}

describe('the architecture document', () => {
  const table = rules();

  it('has a row for every folder of src/, and no other', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...table.keys()].sort()).toEqual(folders.sort());
  });

  it('allows every import that src/ makes', () => {
    const wrong: string[] = [];
    for (const file of sources(SRC)) {
      const from = relative(SRC, file);
      const mine = part(from);
      for (const to of imports(file)) {
        const theirs = part(to);
        if (theirs === mine) continue;
        // The top files (version, V8 set-up) are shared and import nothing of ours.
        if (theirs === null) continue;
        const rule = mine === null ? undefined : table.get(mine);
        if (!rule?.folders.has(theirs) && !rule?.files.has(to)) wrong.push(`${from} imports ${to}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('knows an import the table forbids when it sees one', () => {
    // The check above must be able to fail: util may import nothing of ours.
    expect(table.get('util')!.folders.size + table.get('util')!.files.size).toBe(0);
    expect(table.get('report')!.folders.has('net')).toBe(false);
    expect(table.get('cli')!.folders.has('util')).toBe(true);
  });
});
