// The periodic cut of the namespace lab (scenario call_cut): every `everyS` seconds it puts the
// outside vantage's address into the censor's nftables timeout set for `cutS` seconds, so that every
// UDP packet to it is dropped meanwhile. It logs each cut's start (wall clock, ms) as a JSON line: the
// ground truth the test-call accuracy is checked against.
//
//   node dist/src/lab/netns/cut-controller.js '<json config>'   (run inside the router namespace)
//   config: { "table": "vplab_censor", "set": "call_cut", "address": "198.18.0.14", "everyS": 4, "cutS": 1 }
// Prints {"ready":true,...} once the first cut is scheduled; SIGTERM ends it.

import { execFile } from 'node:child_process';

interface CutConfig {
  table: string;
  set: string;
  address: string;
  everyS: number;
  cutS: number;
}

function main(): void {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as CutConfig;
  if (!cfg.table || !cfg.set || !cfg.address || !(cfg.everyS > cfg.cutS) || !(cfg.cutS > 0)) {
    process.stderr.write(
      'usage: cut-controller.js \'{"table":...,"set":...,"address":...,"everyS":N,"cutS":M}\' with everyS > cutS > 0\n',
    );
    process.exit(2);
  }
  let n = 0;
  const cut = () => {
    const at = Date.now();
    execFile(
      'nft',
      ['add', 'element', 'ip', cfg.table, cfg.set, `{ ${cfg.address} timeout ${Math.round(cfg.cutS * 1000)}ms }`],
      (err) => {
        if (err) process.stderr.write(`cut-controller: ${err.message}\n`);
        else process.stdout.write(`${JSON.stringify({ cut: ++n, at_ms: at, duration_s: cfg.cutS })}\n`);
      },
    );
  };
  // The first cut half a period in, then one every period.
  const first = setTimeout(
    () => {
      cut();
      timer = setInterval(cut, cfg.everyS * 1000);
    },
    (cfg.everyS * 1000) / 2,
  );
  let timer: NodeJS.Timeout | undefined;
  process.stdout.write(
    `${JSON.stringify({ ready: true, role: 'cut-controller', every_s: cfg.everyS, cut_s: cfg.cutS, started_ms: Date.now() })}\n`,
  );
  const stop = () => {
    clearTimeout(first);
    clearInterval(timer);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
