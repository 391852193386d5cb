// Long-running lab processes (the servers, the injector, the intercepting proxy), each started inside
// a namespace with `ip netns exec`, detached, with stdout/stderr in a log file of the lab's state
// directory. Readiness is a JSON line on stdout; a process that exits first fails the start with
// its log. Processes are ended by pid only.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { inNs } from './exec.js';
import { killPid } from './topology.js';

export interface LabProcess {
  name: string;
  ns: string;
  pid: number;
  log: string;
  /** The parsed ready line. */
  ready: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The first JSON line of `text` for which `isReady` holds. */
function readyLine(
  text: string,
  isReady: (o: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const o = JSON.parse(t) as Record<string, unknown>;
      if (isReady(o)) return o;
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}

export interface StartOptions {
  name: string;
  ns: string;
  argv: string[];
  log: string;
  timeoutMs?: number;
  isReady?: (o: Record<string, unknown>) => boolean;
  /** Ready when the output matches this instead (a program that prints no JSON, e.g. coturn). */
  readyText?: RegExp;
  /** Extra environment. */
  env?: Record<string, string>;
  /** A file descriptor for stdin (default: none). */
  stdin?: number;
}

/** Starts `argv` inside `ns` and waits for its ready line (`{"ready": true, ...}` by default). */
export async function startInNs(o: StartOptions): Promise<LabProcess> {
  // The log is appended to across restarts: only what this start writes may count as its ready line.
  const from = existsSync(o.log) ? statSync(o.log).size : 0;
  const fd = openSync(o.log, 'a');
  let exited: number | null | undefined;
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(inNs(o.ns, ...o.argv)[0]!, inNs(o.ns, ...o.argv).slice(1), {
      detached: true,
      stdio: [o.stdin ?? 'ignore', fd, fd],
      env: { ...process.env, ...o.env },
    });
  } finally {
    closeSync(fd);
  }
  child.on('exit', (code) => {
    exited = code;
  });
  child.on('error', () => {
    exited = -1;
  });
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${o.name}: could not start ${o.argv.join(' ')}`);
  const isReady = o.isReady ?? ((x) => x.ready === true);
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  for (;;) {
    const text = readFileSync(o.log).subarray(from).toString('utf8');
    const r = o.readyText ? (o.readyText.test(text) ? {} : undefined) : readyLine(text, isReady);
    if (r) return { name: o.name, ns: o.ns, pid, log: o.log, ready: r };
    if (exited !== undefined)
      throw new Error(`${o.name} exited (${exited}) before it was ready; log ${o.log}:\n${text.slice(-3000)}`);
    if (Date.now() > deadline) {
      killPid(pid, 'SIGKILL');
      throw new Error(`${o.name} not ready after ${o.timeoutMs ?? 30_000} ms; log ${o.log}:\n${text.slice(-3000)}`);
    }
    await sleep(25);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the pid is gone. */
export async function stopProcess(pid: number, graceMs = 2000): Promise<void> {
  if (!isAlive(pid)) return;
  killPid(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < until) await sleep(20);
  if (isAlive(pid)) killPid(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(10);
}
