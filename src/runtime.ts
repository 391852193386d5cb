// V8 tuning for a small, short-lived measuring process (a Raspberry Pi on the network in question is
// a typical host). Loaded first by src/cli.ts, before anything compiles or allocates much.
//
// - undici parses HTTP with a WebAssembly build of llhttp. V8 compiles it with its baseline tier,
//   then recompiles it in the background with its optimising tier, which costs about 30 MB of
//   transient memory: more than the rest of a run. The baseline tier parses the few small responses
//   of a run easily.
// - During a measurement the young generation would double its semi-spaces under allocation bursts
//   although little of what a run allocates survives; keeping them at their initial size trades a
//   few more (cheap) scavenges for about 14 MB. Only for commands that measure: the reporter and the
//   collector stream large inputs and keep the default.

import { setFlagsFromString } from 'node:v8';

// getaddrinfo runs on libuv's thread pool (4 threads by default): many concurrent lookups to a slow
// resolver would queue behind each other and blow the run deadline. Must be set before first use.
process.env.UV_THREADPOOL_SIZE ??= '64';

/** The subcommand named on the command line (the first argument that is not an option), if any. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((a) => !a.startsWith('-'));
}

setFlagsFromString('--liftoff-only');
const command = requestedCommand(process.argv);
if (command === 'run' || command === 'demo' || command === 'call-test')
  setFlagsFromString('--semi-space-growth-factor=1');
