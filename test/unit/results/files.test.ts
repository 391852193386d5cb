import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
    w.append({ id: 'a' } as Measurement);
    w.append({ id: 'b' } as Measurement);
    w.close();
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a"}\n{"id":"b"}\n');
    expect(() => w.append({ id: 'c' } as Measurement)).toThrow(/closed/);
  });
});
