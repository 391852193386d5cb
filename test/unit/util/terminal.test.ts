import { describe, expect, it } from 'vitest';
import { escapeForTerminal } from '../../../src/util/terminal.js';

/** Every character a terminal may act on: C0, DEL, C1, line separators, bidirectional controls. */
const DRIVING = [
  ...Array.from({ length: 0x20 }, (_, i) => i),
  0x7f,
  ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i),
  0x061c,
  0x200e,
  0x200f,
  0x2028,
  0x2029,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
].map((c) => String.fromCharCode(c));

describe('escapeForTerminal', () => {
  it.each([
    ['\x1b[2J\x1b]0;owned\x07', '\\x1b[2J\\x1b]0;owned\\x07'],
    ['a\rb', 'a\\rb'],
    ['line\nnext\tcol', 'line\\nnext\\tcol'],
    ['\u202eevil', '\\u202eevil'],
    ['\x9b31m', '\\x9b31m'],
    ['plain: ok, é ü 日本', 'plain: ok, é ü 日本'],
  ])('%j -> %j', (input, want) => {
    expect(escapeForTerminal(input)).toBe(want);
  });

  it('leaves no character that drives a terminal, one line or several', () => {
    const all = DRIVING.join('x');
    for (const out of [escapeForTerminal(all), escapeForTerminal(all, { multiline: true })]) {
      for (const c of DRIVING) if (c !== '\n' && c !== '\t') expect(out).not.toContain(c);
    }
    expect(escapeForTerminal(all)).not.toMatch(/[\n\t]/);
  });

  it('multiline keeps line breaks and tabs (tables), not carriage returns', () => {
    expect(escapeForTerminal('a\tb\nc\r\n\x1b', { multiline: true })).toBe('a\tb\nc\\r\n\\x1b');
  });
});
