// The one JSON error locator and nesting guard every loader uses.
import { describe, expect, it } from 'vitest';
import {
  jsonNestingError,
  jsonSyntaxError,
  locationOfOffset,
  MAX_JSON_DEPTH,
  parseJson,
} from '../../../src/util/json-locate.js';
import { deepJson } from '../../support/json.js';

describe('jsonSyntaxError', () => {
  it.each([
    ['{"a":1}', undefined],
    ['{\n  "a": }', 9],
    ['{"a":1,}', 6],
    ['[1 2]', 3],
    ['{"a":"\\q"}', 7],
    ['', 0],
    ['{"a":1} x', 8],
    ['[1,]', 2],
    ['{"a" 1}', 5],
    ['{a:1}', 1],
    ['"abc', 0],
    ['"a\u0001"', 2],
    ['[-]', 1],
    ['[1e]', 2],
    ['\ufeff{}', 0],
    ['  {"a": [1, 2, {"b": null}], "c": -1.5e+3, "d": "\\u00e9\\n"}  ', undefined],
  ])('%j', (text, at) => {
    expect(jsonSyntaxError(text)?.offset).toBe(at);
    let valid = true;
    try {
      JSON.parse(text);
    } catch {
      valid = false;
    }
    expect(at === undefined).toBe(valid);
  });

  it('says what is wrong in words a person editing the file understands, quoting no raw bytes', () => {
    expect(jsonSyntaxError('{"a":1,}')?.reason).toBe('a comma before "}" (trailing commas are not JSON)');
    expect(jsonSyntaxError('[1,]')?.reason).toBe('a comma before "]" (trailing commas are not JSON)');
    expect(jsonSyntaxError('{"a":[1]]}')?.reason).toBe('unexpected "]"; expected "," or "}" after a property value');
    expect(jsonSyntaxError('{"a":1} x')?.reason).toBe('unexpected "x" after the end of the JSON value');
    expect(jsonSyntaxError('[\u001b[31m]')?.reason).toBe(
      'unexpected "\\u001b"; expected a value (a string, number, object, array, true, false or null)',
    );
    expect(jsonSyntaxError('[\u009b]')?.reason).toContain('"\\u009b"');
    expect(jsonSyntaxError('\ufeff{}')?.reason).toMatch(/byte-order mark/);
  });

  it('is not recursive: a 200,000-level text is judged without overflowing the stack', () => {
    expect(jsonSyntaxError('['.repeat(200_000))).toEqual({
      offset: 200_000,
      reason: expect.stringMatching(/expected a value/),
    });
    expect(jsonSyntaxError(deepJson(200_000))).toBeUndefined();
  });
});

describe('parseJson: the nesting guard', () => {
  it('refuses nesting deeper than MAX_JSON_DEPTH with the offset of the first bracket too deep', () => {
    const r = parseJson(deepJson(20_000));
    expect(r).toEqual({
      ok: false,
      kind: 'nesting',
      offset: expect.any(Number),
      reason: `nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    expect(parseJson(deepJson(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJson(deepJson(MAX_JSON_DEPTH + 1)).ok).toBe(false);
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expect(parseJson(objects(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(parseJson(objects(20_000))).toMatchObject({ ok: false, kind: 'nesting', offset: MAX_JSON_DEPTH * 5 });
  });

  it('brackets inside strings do not count, escaped quotes do not end them', () => {
    const text = JSON.stringify({ s: '['.repeat(1000), t: 'a\\"[[[[' });
    expect(jsonNestingError(text)).toBeUndefined();
    expect(parseJson(text).ok).toBe(true);
  });

  it('a syntax error is located with the same reasons as jsonSyntaxError', () => {
    const r = parseJson('{\n  "labels": {,}\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.kind).toBe('syntax');
      expect(locationOfOffset('{\n  "labels": {,}\n}', r.offset)).toEqual({ line: 2, column: 14 });
    }
  });
});
