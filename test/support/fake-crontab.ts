// A stand-in for crontab(1) for the schedule tests: the table lives in a file of the test's own.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A stand-in for crontab(1): `-l` prints the stored table (or "no crontab"), `-` stores stdin. */
export function fakeCrontab(dir: string): { command: string; file: string } {
  const file = join(dir, 'table');
  const command = join(dir, 'crontab');
  writeFileSync(
    command,
    `#!/bin/sh
case "$1" in
  -l) if [ -f '${file}' ]; then cat '${file}'; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > '${file}' ;;
  *) echo "fake crontab: unexpected $*" >&2; exit 2 ;;
esac
`,
  );
  chmodSync(command, 0o755);
  return { command, file };
}
