// What reaches a terminal from a results line, a network answer or a file the user was handed is
// printed escaped: a corrupt line holding "\x1b]0;…\x07" or "\x1b[2J" must not retitle the window,
// clear the screen or hide the rest of a message, and bidirectional overrides must not reorder what
// is read. One helper, used wherever such a string is printed.

// C0 controls (but tab and newline, decided below), DEL, C1 controls (a lone 0x9b is CSI on some
// terminals), the Unicode line/paragraph separators and the bidirectional marks and overrides.
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_OR_LINE_BREAK = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `s` with every character that could drive a terminal written as an escape (`\x1b`, `\u202e`).
 * A one-line excerpt (the default) escapes line breaks and tabs too; `multiline` keeps "\n" and tabs
 * for text that is laid out in lines (tables, reports), and still escapes "\r".
 */
export function escapeForTerminal(s: string, opts: { multiline?: boolean } = {}): string {
  const re = opts.multiline ? UNSAFE : UNSAFE_OR_LINE_BREAK;
  re.lastIndex = 0;
  return re.test(s) ? s.replace(re, escapeChar) : s;
}

/** Any character that {@link escapeForTerminal} would escape in a one-line excerpt (line breaks included). */
export const CONTROL_CHAR = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export function hasControlChars(s: string): boolean {
  return CONTROL_CHAR.test(s);
}

const CONTROL_ALL = new RegExp(CONTROL_CHAR.source, 'g');

/**
 * `"text"`: a JSON string (so it can be pasted back), with every character that could drive a terminal
 * written as `\uXXXX`.
 */
export function quoted(s: string): string {
  return JSON.stringify(s).replace(CONTROL_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** As is when it is harmless, else quoted: for paths, which read best bare. */
export function printable(s: string): string {
  return hasControlChars(s) ? quoted(s) : s;
}
