import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    expect(resultFiles([d, join(d, 'notes.txt')]).map((f) => f.slice(d.length + 1))).toEqual(['a.jsonl', 'b.jsonl', 'sub/c.jsonl', 'notes.txt']);
  });

  it('a dangling symlink in a folder is named in a clear error, not a crash', () => {
    const d = mkdtempSync(join(tmpdir(), 'vp-files-'));
    symlinkSync(join(d, 'gone.jsonl'), join(d, 'link.jsonl'));
    expect(() => resultFiles([d])).toThrow(InputError);
    expect(() => resultFiles([d])).toThrow(/link\.jsonl: cannot read: ENOENT/);
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
    expect(w.replace(new Map([['b', '{"id":"b","v":2}'], ['x', 'never written']]))).toBe(true);
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
    const r = spawnSync('prlimit', ['--fsize=10', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(dir)).toEqual(['theirs.jsonl']);
  });

  it.skipIf(!hasPrlimit)('a file size limit mid-line: the torn part is cut off, every line left is whole, a later line that fits is written', () => {
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
    const r = spawnSync('prlimit', ['--fsize=3000', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { out: boolean[]; count: number; unwritten: number; failure: { code: string } };
    expect(res.out).toEqual([true, true, true, false, false, false, true]);
    expect(res).toMatchObject({ count: 4, unwritten: 3, failure: { code: 'EFBIG' } });
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['m0', 'm1', 'm2', 'small']);
  });
});
