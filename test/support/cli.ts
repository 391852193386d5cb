// Spawns the built CLI the way a user runs it, and collects its output and exit code.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI with `args`; with `command`, runs that command with `args` instead (a wrapper such as prlimit). */
export function runCli(
  args: string[],
  opts: {
    cwd?: string;
    env?: Record<string, string>;
    onSpawn?: (kill: (sig: NodeJS.Signals) => void) => void;
    /** Sees stderr as it comes (all of it so far), with the means to signal the process. */
    onStderr?: (stderr: string, kill: (sig: NodeJS.Signals) => void) => void;
    timeoutMs?: number;
    command?: string;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(opts.command ?? process.execPath, opts.command ? args : [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, (sig) => child.kill(sig));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    opts.onSpawn?.((sig) => child.kill(sig));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}
