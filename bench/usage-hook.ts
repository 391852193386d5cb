// Loaded into the measured process with `node --import`: when it exits, writes its own resource
// usage (CPU user/system, peak RSS) to the file named by VOIPPROBE_BENCH_USAGE. process.resourceUsage()
// is the kernel's getrusage(RUSAGE_SELF), so the figures are the probe's alone, not the lab's.

import { writeFileSync } from 'node:fs';

const file = process.env.VOIPPROBE_BENCH_USAGE;
if (file) {
  process.on('exit', (code) => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        code,
        user_us: u.userCPUTime,
        system_us: u.systemCPUTime,
        max_rss_kb: u.maxRSS,
        uptime_s: process.uptime(),
      }),
    );
  });
}
