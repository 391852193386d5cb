// Installing the command as README says: `npm pack`, then `npm install -g` of the tarball (here into a
// temporary prefix), then `voipprobe --version` and `voipprobe demo` from that prefix, in a folder that is
// not the checkout. This proves that package.json's "files" ships everything the command reads at run time
// (dist/src, probes/, seeds/), that "bin" points at a working entry, and that the dependencies install.
//
// Why a registry on loopback: npm resolves a tarball's dependencies from registry documents (packuments),
// and `npm ci` caches only the tarballs of the lock file, never those documents, so `npm install -g
// --offline` fails with ENOTCACHED after a fresh `npm ci`, and `--prefer-offline` asks the real registry.
// The tests may not use the network, so this file serves, on 127.0.0.1, one document per production
// dependency built from the lock file, with each package as `npm ci` installed it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
};

interface LockEntry {
  version?: string;
  dev?: boolean;
  link?: boolean;
}

/** One version of a package, as a registry document lists it, and its tarball. */
interface Published {
  manifest: Record<string, unknown>;
  tarball: Buffer;
}

/** The production packages `npm ci` installed, by name and version, packed from node_modules. */
function publishDependencies(): Map<string, Map<string, Published>> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const byName = new Map<string, Map<string, Published>>();
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (!location || entry.dev || entry.link || !entry.version) continue;
    const dir = join(ROOT, location);
    let manifest: Record<string, unknown>;
    try {
      manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      continue; // an optional dependency npm did not install on this platform
    }
    // A plain tar (npm reads it as well as a gzipped one), without the package's own nested node_modules.
    const tar = spawnSync(
      'tar',
      ['-c', '-C', dirname(dir), '--anchored', `--exclude=${basename(dir)}/node_modules`, basename(dir)],
      {
        maxBuffer: 1 << 30,
      },
    );
    if (tar.status !== 0) throw new Error(`tar ${dir}: ${tar.stderr.toString()}`);
    const name = manifest.name as string;
    for (const k of Object.keys(manifest)) if (k.startsWith('_')) delete manifest[k];
    const versions = byName.get(name) ?? new Map<string, Published>();
    versions.set(entry.version, { manifest, tarball: tar.stdout });
    byName.set(name, versions);
  }
  return byName;
}

/** A registry answering only for these packages, on loopback; `asked` records every path requested. */
async function startRegistry(
  packages: Map<string, Map<string, Published>>,
): Promise<{ server: Server; url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://registry').pathname);
    asked.push(path);
    const tarball = /^\/-\/tarballs\/(.+)\/-\/([^/]+)\.tar$/.exec(path);
    if (tarball) {
      const p = packages.get(tarball[1]!)?.get(tarball[2]!);
      if (p) return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(p.tarball);
    } else {
      const versions = packages.get(path.slice(1));
      if (versions) {
        const base = `http://${req.headers.host}/-/tarballs`;
        const doc = {
          name: path.slice(1),
          'dist-tags': { latest: [...versions.keys()].at(-1) },
          versions: Object.fromEntries(
            [...versions].map(([v, p]) => [
              v,
              {
                ...p.manifest,
                dist: {
                  tarball: `${base}/${encodeURIComponent(path.slice(1))}/-/${v}.tar`,
                  integrity: `sha512-${createHash('sha512').update(p.tarball).digest('base64')}`,
                },
              },
            ]),
          ),
        };
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      }
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, asked };
}

const dirs: string[] = [];
let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;
afterAll(() => {
  registry?.server.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('installing the packed tarball', () => {
  let prefix = '';
  let installed = '';

  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'vp-install-'));
    dirs.push(tmp);
    // dist/ is built by the test set-up; --ignore-scripts skips the `prepare` build a user's `npm pack` runs.
    const pack = await runCli(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
      command: 'npm',
      cwd: ROOT,
    });
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
    const files = packed.files.map((f) => f.path);
    expect(files).toContain(pkg.bin.voipprobe);
    expect(files).toEqual(
      expect.arrayContaining([
        'probes/controls.json',
        'seeds/claims.json',
        'seeds/facts.json',
        'README.md',
        'docs/README.md',
      ]),
    );
    // Nothing of the checkout's own: no tests, no TypeScript sources, no results.
    expect(
      files.filter((f) => /^(test|bench|results|src|node_modules)\//.test(f) || f.startsWith('dist/bench')),
    ).toEqual([]);

    registry = await startRegistry(publishDependencies());
    prefix = join(tmp, 'prefix');
    const npmArgs = [
      '--prefix',
      prefix,
      '--cache',
      join(tmp, 'npm-cache'),
      '--registry',
      registry.url,
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
    ];
    const install = await runCli(['install', '-g', ...npmArgs, join(tmp, packed.filename)], {
      command: 'npm',
      cwd: tmp,
      timeoutMs: 170_000,
    });
    expect(install.code, install.stderr).toBe(0);
    installed = join(prefix, 'bin', 'voipprobe');
  }, 180_000);

  it('gives a voipprobe command that says its version', async () => {
    const r = await runCli(['--version'], { command: installed, cwd: tmpdir() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
    // Every dependency came from the loopback registry: it was asked for each production package by name.
    expect(registry!.asked).toEqual(expect.arrayContaining(['/commander', '/undici', '/@ip-location-db/asn']));
  });

  it('runs the demo from the installed package, outside the checkout', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vp-install-cwd-'));
    dirs.push(cwd);
    const r = await runCli(['demo'], { command: installed, cwd, timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^=+\nSIMULATION — .* configured as Morocco 2016/);
    for (const service of ['whatsapp', 'skype', 'signal']) expect(r.stdout).toMatch(new RegExp(`^${service}\\s`, 'm'));
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('SIMULATION: these results came from the');
    // Nothing written where it ran: the results went to a temporary folder the demo removed.
    expect(readdirSync(cwd)).toEqual([]);
  }, 120_000);
});
