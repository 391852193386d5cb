// Running the system tools the namespace lab is built with (ip, nft, iptables, tc, sysctl). Every
// command is logged with its output when it fails, so a broken lab says which step broke it.

import { execFile, spawnSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly code: number | null,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(`${argv.join(' ')} exited ${code}: ${(stderr || stdout).trim().split('\n').slice(0, 6).join(' | ')}`);
  }
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs a command (no shell); rejects with CommandError on a non-zero exit. `input` goes to stdin. */
export function run(argv: string[], o: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd!,
      args,
      { timeout: o.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const code =
            typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number'
              ? (err as unknown as { code: number }).code
              : null;
          reject(new CommandError(argv, code, String(stderr) || err.message, String(stdout)));
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Synchronous variant for cleanup paths (process exit handlers); never throws. */
export function runSync(argv: string[], input?: string): { ok: boolean; stdout: string; stderr: string } {
  const [cmd, ...args] = argv;
  const r = spawnSync(cmd!, args, { input, encoding: 'utf8', timeout: 15_000 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? r.error.message : '') };
}

/** argv prefix that runs a command inside a namespace. */
export const inNs = (ns: string, ...argv: string[]): string[] => ['ip', 'netns', 'exec', ns, ...argv];

/** Whether a tool is installed (runs `<tool> <versionFlag>`). */
export function hasTool(tool: string, versionFlag = '--version'): boolean {
  return spawnSync(tool, [versionFlag], { stdio: 'ignore' }).status === 0;
}
