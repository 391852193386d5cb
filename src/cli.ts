#!/usr/bin/env node
// Entry point: always runs main() (an "am I the main module" check fails behind npm's bin symlink).
// The CLI only wires commands; each lives in src/cli/<command>.ts.

import './runtime.js';
import { Command, CommanderError } from 'commander';
import { registerCommands } from './cli/commands.js';
import { EXIT, exitCodeFor, reportError } from './cli/common.js';
import { escapeForTerminal } from './util/terminal.js';
import { SOFTWARE_VERSION } from './version.js';

async function main(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('voipprobe')
    .description('Measure whether internet calling works, is blocked or throttled on this network, layer by layer.')
    .version(SOFTWARE_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(escapeForTerminal(s, { multiline: true })) })
    .showHelpAfterError('(run with --help for usage)');
  await registerCommands(program, argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors exit 2 (commander already printed the message).
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    reportError(err);
    return exitCodeFor(err);
  }
}

// Exit as soon as the command is done, once stdout and stderr are flushed: nothing left behind (a late
// socket, a timer) may hold the process. (getaddrinfo, which even an exit waits for, runs in a helper
// process: see src/net/dns-system.ts.)
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv).then(exitWhenFlushed, (err) => {
  reportError(err);
  exitWhenFlushed(EXIT.cannotRun);
});
