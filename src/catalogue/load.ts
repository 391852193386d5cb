// Loads a catalogue directory (probes/ by default, or --targets DIR): every *.json file is one service,
// plus exactly one controls file. Errors name the file, line and field.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { packageDir } from '../fs/package-dir.js';
import { filesIn, type OnSkip, reportSkipped } from '../fs/walk.js';
import { InputError } from '../util/input-error.js';
import { locationOfPath } from '../util/json-locate.js';
import { parseJsonText, validateJson } from '../util/validate.js';
import { isResolverCheck } from './checks.js';
import { type CatalogueFile, type ControlNetwork, catalogueFile, type Target } from './schema.js';

export interface ServiceCatalogue {
  service: string;
  name: string;
  description?: string;
  file: string;
  /** SHA-256 of the file as loaded, recorded in every measurement so a verdict can be traced to its targets. */
  sha256: string;
  targets: Target[];
}

export interface Catalogue {
  dir: string;
  services: ServiceCatalogue[];
  controls: ServiceCatalogue & { network: ControlNetwork };
}

/** The probes/ directory shipped with the package. */
export function defaultCatalogueDir(): string {
  return packageDir('probes');
}

function fail(file: string, text: string, path: (string | number)[], message: string): never {
  const loc = locationOfPath(text, path);
  const where = loc ? `${file}:${loc.line}:${loc.column}` : file;
  throw new InputError(`${where}: ${path.join('.')}: ${message}`, file, loc?.line);
}

export function loadCatalogueFile(file: string): CatalogueFile & { sha256: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file);
  }
  const data = validateJson(catalogueFile, parseJsonText(text, file), text, file);
  const seen = new Map<string, number>();
  data.targets.forEach((t, i) => {
    if (seen.has(t.id))
      fail(file, text, ['targets', i, 'id'], `duplicate target id "${t.id}" (also targets[${seen.get(t.id)}])`);
    seen.set(t.id, i);
    if (data.kind === 'service' && t.role === 'control')
      fail(file, text, ['targets', i, 'role'], 'role "control" belongs in the controls file');
    if (data.kind === 'service' && isResolverCheck(t))
      fail(file, text, ['targets', i, 'check'], `check "${t.check}" belongs in the controls file`);
  });
  if (data.kind === 'controls' && !data.network) fail(file, text, [], 'the controls file needs a "network" object');
  if (data.kind === 'service' && data.network)
    fail(file, text, ['network'], 'only the controls file may set "network"');
  return { ...data, sha256: createHash('sha256').update(text).digest('hex') };
}

/** Every *.json file of `dir`; a FIFO, device or dangling symlink named *.json is skipped with a message. */
export function loadCatalogue(dir: string = defaultCatalogueDir(), onSkip: OnSkip = reportSkipped): Catalogue {
  let files: string[];
  try {
    files = filesIn(dir, { accept: (n) => n.endsWith('.json'), onSkip });
  } catch (e) {
    throw new InputError(
      `${dir}: cannot read catalogue directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      dir,
    );
  }
  const services: ServiceCatalogue[] = [];
  let controls: Catalogue['controls'] | undefined;
  const byService = new Map<string, string>();
  for (const file of files) {
    const data = loadCatalogueFile(file);
    const other = byService.get(data.service);
    if (other) throw new InputError(`${file}: service "${data.service}" is also defined in ${basename(other)}`, file);
    byService.set(data.service, file);
    const entry: ServiceCatalogue = {
      service: data.service,
      name: data.name,
      description: data.description,
      file,
      sha256: data.sha256,
      targets: data.targets,
    };
    if (data.kind === 'controls') {
      if (controls)
        throw new InputError(`${file}: a second controls file (the first is ${basename(controls.file)})`, file);
      controls = { ...entry, network: data.network! };
    } else services.push(entry);
  }
  if (!controls) throw new InputError(`${dir}: no controls file (a catalogue file with "kind": "controls")`, dir);
  if (services.length === 0) throw new InputError(`${dir}: no service files`, dir);
  return { dir, services, controls };
}

/** Narrows the catalogue to the named services; an unknown name is a usage error. */
export function selectServices(cat: Catalogue, wanted: string[] | undefined): Catalogue {
  if (!wanted || wanted.length === 0) return cat;
  const known = new Set(cat.services.map((s) => s.service));
  const unknown = wanted.filter((w) => !known.has(w));
  if (unknown.length) {
    throw new InputError(`unknown service ${unknown.map((u) => `"${u}"`).join(', ')}; known: ${[...known].join(', ')}`);
  }
  return { ...cat, services: cat.services.filter((s) => wanted.includes(s.service)) };
}
