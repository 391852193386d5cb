// Text from outside (file names, values, bytes of a corrupt line) shown on a terminal: quoted, with
// every control character escaped, so that it can neither move the cursor nor hide what follows.

/** C0 controls, DEL, C1 controls and the Unicode line and paragraph separators. */
export const CONTROL_CHAR = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function hasControlChars(s: string): boolean {
  return CONTROL_CHAR.test(s);
}

/** `"text"` with quotes, backslashes and every control character (C0, DEL, C1, U+2028/9) escaped. */
export function quoted(s: string): string {
  return JSON.stringify(s).replace(CONTROL_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** As is when it is harmless, else quoted: for paths, which read best bare. */
export function printable(s: string): string {
  return hasControlChars(s) ? quoted(s) : s;
}
