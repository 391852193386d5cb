import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Measurement } from '../../../src/model/measurement.js';
import { resultFiles } from '../../../src/results/read.js';
import { ResultsWriter } from '../../../src/results/write.js';
import { InputError } from '../../../src/util/input-error.js';

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
    expect(skipped).toEqual([`the same folder as ${d}, read once`, `the same file as ${join(d, 'a.jsonl')}, read once`]);
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
    w.append({ id: 'a' } as Measurement);
    w.append({ id: 'b' } as Measurement);
    w.close();
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a"}\n{"id":"b"}\n');
    expect(() => w.append({ id: 'c' } as Measurement)).toThrow(/closed/);
  });
});
