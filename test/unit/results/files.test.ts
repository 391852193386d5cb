import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { resultFiles } from '../../../src/results/read.js';
import { describeWriteFailure, ResultsWriter } from '../../../src/results/write.js';
import { InputError } from '../../../src/util/input-error.js';

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

describe('resultFiles', () => {
  it('walks folders for *.jsonl, sorted, and takes a named file whatever its name', () => {
    const d = mkdtempSync(join(tmpdir(), 'vp-files-'));
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'b.jsonl'), '');
    writeFileSync(join(d, 'a.jsonl'), '');
    writeFileSync(join(d, 'notes.txt'), '');
    writeFileSync(join(d, 'sub', 'c.jsonl'), '');
    expect(resultFiles([d, join(d, 'notes.txt')]).map((f) => f.slice(d.length + 1))).toEqual([
      'a.jsonl',
      'b.jsonl',
      'sub/c.jsonl',
      'notes.txt',
    ]);
  });

  it('inside folders, FIFOs, devices, dangling symlinks and symlink loops are skipped with a message', () => {
    const d = mkdtempSync(join(tmpdir(), 'vp-files-'));
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'a.jsonl'), '');
    writeFileSync(join(d, 'sub', 'b.jsonl'), '');
    execFileSync('mkfifo', [join(d, 'fifo.jsonl')]);
    symlinkSync('/dev/null', join(d, 'null.jsonl'));
    symlinkSync(join(d, 'gone.jsonl'), join(d, 'link.jsonl'));
    symlinkSync('..', join(d, 'sub', 'loop'));
    symlinkSync(join(d, 'sub'), join(d, 'via-link'));
    const skipped: string[] = [];
    const files = resultFiles([d], (s) => skipped.push(`${s.path.slice(d.length + 1)}: ${s.reason}`));
    expect(files.map((f) => f.slice(d.length + 1))).toEqual(['a.jsonl', 'sub/b.jsonl']);
    expect(skipped).toEqual([
      'fifo.jsonl: a FIFO (named pipe)',
      'link.jsonl: a symlink to nothing',
      'null.jsonl: a character device',
      'sub/loop: a symlink loop (a link back to a folder it is in)',
      `via-link: the same folder as ${join(d, 'sub')}, read once`,
    ]);
  });

  it('a path named twice is read once; a missing path is bad input', () => {
    const d = mkdtempSync(join(tmpdir(), 'vp-files-'));
    writeFileSync(join(d, 'a.jsonl'), '');
    const skipped: string[] = [];
    expect(resultFiles([d, d, join(d, 'a.jsonl')], (s) => skipped.push(s.reason))).toEqual([join(d, 'a.jsonl')]);
    expect(skipped).toEqual([
      `the same folder as ${d}, read once`,
      `the same file as ${join(d, 'a.jsonl')}, read once`,
    ]);
    expect(() => resultFiles([join(d, 'nope')])).toThrow(InputError);
    expect(() => resultFiles([join(d, 'nope')])).toThrow(/nope: cannot read: ENOENT/);
  });

  it('the default message goes to stderr, escaped', () => {
    const d = mkdtempSync(join(tmpdir(), 'vp-files-'));
    execFileSync('mkfifo', [join(d, 'evil\u001b[2J.jsonl')]);
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    try {
      expect(resultFiles([d])).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    expect(err).toBe(`voipprobe: ${JSON.stringify(join(d, 'evil\u001b[2J.jsonl'))}: skipped: a FIFO (named pipe)\n`);
  });
});

describe('ResultsWriter', () => {
  it('creates the file with the first line only, and appends whole lines', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vp-w-')), 'deep', 'run.jsonl');
    const w = new ResultsWriter(file);
    expect(existsSync(file)).toBe(false);
    w.append('a', '{"id":"a"}');
    w.append('b', '{"id":"b"}');
    w.close();
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a"}\n{"id":"b"}\n');
    expect(() => w.append('c', '{"id":"c"}')).toThrow(/closed/);
  });

  it('replaces lines already written, atomically, leaving the others and no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-w-'));
    const file = join(dir, 'run.jsonl');
    const w = new ResultsWriter(file);
    for (const k of ['a', 'b', 'c']) w.append(k, `{"id":"${k}","v":1}`);
    expect(
      w.replace(
        new Map([
          ['b', '{"id":"b","v":2}'],
          ['x', 'never written'],
        ]),
      ),
    ).toBe(true);
    w.append('d', '{"id":"d","v":1}');
    w.close();
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a","v":1}\n{"id":"b","v":2}\n{"id":"c","v":1}\n{"id":"d","v":1}\n');
    expect(readdirSync(dir)).toEqual(['run.jsonl']);
  });

  it('a device that is full: the line is not written, the writer says why, nothing is thrown', () => {
    const w = new ResultsWriter('/dev/full');
    expect(w.append('a', '{"id":"a"}')).toBe(false);
    expect(w.failure?.code).toBe('ENOSPC');
    expect(describeWriteFailure(w.failure!)).toBe('no space left on the device (ENOSPC)');
    expect([w.count, w.unwritten]).toEqual([0, 1]);
    w.close();
    // A file the writer did not create is never removed, even when it took no line.
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it.skipIf(!hasPrlimit)('removes a results file it created that took no line, and only that', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-w-'));
    writeFileSync(join(dir, 'theirs.jsonl'), '');
    const script = `
      import { ResultsWriter } from ${JSON.stringify(join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'results', 'write.js'))};
      for (const name of ['mine.jsonl', 'theirs.jsonl']) {
        const w = new ResultsWriter(${JSON.stringify(dir)} + '/' + name);
        if (w.append('a', 'x'.repeat(100))) throw new Error('should not fit');
        w.close();
      }`;
    const r = spawnSync('prlimit', ['--fsize=10', process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['theirs.jsonl']);
  });

  it.skipIf(!hasPrlimit)(
    'a file size limit mid-line: the torn part is cut off, every line left is whole, a later line that fits is written',
    () => {
      const file = join(mkdtempSync(join(tmpdir(), 'vp-w-')), 'run.jsonl');
      // The kernel writes what fits under RLIMIT_FSIZE, then refuses (EFBIG): a short write, as on a full disk.
      const script = `
      import { ResultsWriter } from ${JSON.stringify(join(import.meta.dirname, '..', '..', '..', 'dist', 'src', 'results', 'write.js'))};
      const w = new ResultsWriter(${JSON.stringify(file)});
      const out = [];
      for (let i = 0; i < 6; i++) out.push(w.append('m' + i, JSON.stringify({ id: 'm' + i, pad: 'x'.repeat(900) })));
      out.push(w.append('small', '{"id":"small"}'));
      w.close();
      console.log(JSON.stringify({ out, count: w.count, unwritten: w.unwritten, failure: w.failure }));`;
      const r = spawnSync('prlimit', ['--fsize=3000', process.execPath, '--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(0);
      const res = JSON.parse(r.stdout) as {
        out: boolean[];
        count: number;
        unwritten: number;
        failure: { code: string };
      };
      expect(res.out).toEqual([true, true, true, false, false, false, true]);
      expect(res).toMatchObject({ count: 4, unwritten: 3, failure: { code: 'EFBIG' } });
      const text = readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(
        text
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { id: string }).id),
      ).toEqual(['m0', 'm1', 'm2', 'small']);
    },
  );
});
