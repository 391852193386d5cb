// Where JSON text goes wrong, and where a field sits in it: the one place every loader (catalogue,
// config, claims, results lines, collector bodies) gets its line and column from.
//
// - parseJson: JSON.parse behind a nesting guard, with the offset and a plain reason for any error
//   (V8's messages name no position for some errors and quote raw bytes of the text).
// - locationOfPath: the line and column of the value zod complains about (after a successful parse).
//
// Nothing here recurses over the text: a document nested 20,000 levels deep is refused with its
// position before anything that does recurse (zod, JSON.stringify, offsetOfPath) sees it.

import { quoted } from './terminal.js';

export type JsonPath = readonly PropertyKey[];

export interface Location {
  line: number;
  column: number;
}

/**
 * Deepest nesting of arrays and objects any loader accepts. Our own lines nest 9 levels, OONI's about
 * as many; 64 leaves room and keeps recursive code (zod, JSON.stringify) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/** Why and where a text is not acceptable JSON. */
export interface JsonProblem {
  offset: number;
  reason: string;
}

/** `nesting`: valid or not, the text nests deeper than allowed; `syntax`: it is not JSON. */
export type ParsedJson = { ok: true; value: unknown } | ({ ok: false; kind: 'syntax' | 'nesting' } & JsonProblem);

/**
 * JSON.parse for untrusted text: nesting deeper than `maxDepth` is refused before parsing, and a
 * syntax error comes with the offset of the first bad character and a reason that quotes at most that
 * character (escaped), never the raw text.
 */
export function parseJson(text: string, maxDepth: number = MAX_JSON_DEPTH): ParsedJson {
  const deep = jsonNestingError(text, maxDepth);
  if (deep) return { ok: false, kind: 'nesting', ...deep };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    const p = jsonSyntaxError(text);
    if (p) return { ok: false, kind: 'syntax', ...p };
    // Our checker accepted what V8 refused: keep V8's position if it names one.
    const m = /at position (\d+)/.exec((e as Error).message);
    return { ok: false, kind: 'syntax', offset: m ? Number(m[1]) : 0, reason: 'not valid JSON' };
  }
}

/** The offset of the first bracket nested deeper than `maxDepth`, or undefined. One linear scan. */
export function jsonNestingError(text: string, maxDepth: number = MAX_JSON_DEPTH): JsonProblem | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip the string (an unterminated one runs to the end: the syntax check will say so).
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return { offset: i, reason: `nested deeper than ${maxDepth} levels` };
    } else if (c === 125 || c === 93) depth--;
  }
  return undefined;
}

/** One character for a message: quoted, with control and invisible characters escaped. */
function shown(text: string, at: number): string {
  if (at >= text.length) return 'end of the text';
  const cp = text.codePointAt(at)!;
  if (cp === 0xfeff) return 'a byte-order mark (save the file as UTF-8 without BOM)';
  return quoted(String.fromCodePoint(cp));
}

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const OBJECT = 1;
const ARRAY = 2;

/**
 * The first syntax error of a JSON text (RFC 8259, as JSON.parse reads it), or undefined when the
 * text is valid. Iterative, so any nesting is fine.
 */
export function jsonSyntaxError(text: string): JsonProblem | undefined {
  const n = text.length;
  const stack: number[] = [];
  let i = 0;
  /** Offset of the comma just read, to name a trailing comma. */
  let comma = -1;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const fail = (reason: string): JsonProblem => ({ offset: Math.min(i, n), reason });
  const string = (): JsonProblem | undefined => {
    const start = i;
    for (i++; ; ) {
      if (i >= n) return { offset: start, reason: 'string not closed before the end of the text' };
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 32) return fail(`${shown(text, i)} inside a string (control characters must be escaped)`);
      if (c !== 92) {
        i++;
        continue;
      }
      const d = text[i + 1];
      if (d !== undefined && '"\\/bfnrt'.includes(d)) i += 2;
      else if (d === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else {
        i++;
        return fail(`bad escape sequence "\\${d === undefined ? '' : shown(text, i).slice(1, -1)}"`);
      }
    }
  };
  // Hand-edited files: name a trailing comma, at the comma.
  const trailingComma = (close: string): JsonProblem | undefined =>
    comma >= 0 ? { offset: comma, reason: `a comma before "${close}" (trailing commas are not JSON)` } : undefined;

  // expect: 0 a value, 1 a property name, 2 what follows a value
  let expect = 0;
  for (;;) {
    ws();
    if (expect === 0) {
      const c = text[i];
      if (c === '"') {
        const p = string();
        if (p) return p;
        expect = 2;
      } else if (c === '{' || c === '[') {
        stack.push(c === '{' ? OBJECT : ARRAY);
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          stack.pop();
          expect = 2;
        } else expect = c === '{' ? 1 : 0;
        comma = -1;
        continue;
      } else {
        LITERAL.lastIndex = i;
        const m = LITERAL.exec(text);
        if (m) {
          i += m[0].length;
          expect = 2;
        } else if (c === ']' && stack[stack.length - 1] === ARRAY && comma >= 0) return trailingComma(c);
        else
          return fail(
            `unexpected ${shown(text, i)}; expected a value (a string, number, object, array, true, false or null)`,
          );
      }
      comma = -1;
    } else if (expect === 1) {
      if (text[i] === '"') {
        const p = string();
        if (p) return p;
        ws();
        if (text[i] !== ':') return fail(`unexpected ${shown(text, i)}; expected ":" after the property name`);
        i++;
        expect = 0;
        comma = -1;
      } else if (text[i] === '}' && comma >= 0) return trailingComma('}');
      else return fail(`unexpected ${shown(text, i)}; expected a property name in double quotes`);
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined)
        return i < n ? fail(`unexpected ${shown(text, i)} after the end of the JSON value`) : undefined;
      const close = top === OBJECT ? '}' : ']';
      if (text[i] === ',') {
        comma = i++;
        expect = top === OBJECT ? 1 : 0;
      } else if (text[i] === close) {
        i++;
        stack.pop();
      } else {
        return fail(
          `unexpected ${shown(text, i)}; expected "," or "${close}"${top === OBJECT ? ' after a property value' : ' after an array element'}`,
        );
      }
    }
  }
}

export function locationOfOffset(text: string, offset: number): Location {
  let line = 1;
  let lastNl = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNl = i;
    }
  }
  return { line, column: offset - lastNl };
}

/**
 * Offset of the value (or of the key, for a missing child) named by `path`; undefined if not found.
 * A small scanner, not a parser: it only runs on text parseJson accepted (so nesting is bounded).
 */
export function offsetOfPath(text: string, path: JsonPath): number | undefined {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const skipString = () => {
    pos++; // opening quote
    while (pos < text.length) {
      const c = text[pos]!;
      if (c === '\\') pos += 2;
      else if (c === '"') {
        pos++;
        return;
      } else pos++;
    }
  };
  const readString = (): string => {
    const start = pos;
    skipString();
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const skipValue = () => {
    ws();
    const c = text[pos];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      pos++;
      ws();
      if (text[pos] === close) {
        pos++;
        return;
      }
      for (;;) {
        ws();
        if (c === '{') {
          skipString();
          ws();
          pos++; // colon
        }
        skipValue();
        ws();
        if (text[pos] === ',') pos++;
        else {
          pos++; // close
          return;
        }
      }
    }
    while (pos < text.length && !/[\s,\]}]/.test(text[pos]!)) pos++;
  };

  ws();
  let found = pos;
  for (const key of path) {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      let hit: number | undefined;
      for (;;) {
        ws();
        if (text[pos] === '}') break;
        const k = readString();
        ws();
        pos++; // colon
        ws();
        if (k === String(key)) {
          hit = pos;
          break;
        }
        skipValue();
        ws();
        if (text[pos] === ',') pos++;
      }
      if (hit === undefined) return found; // missing key: point at its parent object
      found = hit;
    } else if (c === '[') {
      pos++;
      const want = Number(key);
      let i = 0;
      let hit: number | undefined;
      for (;;) {
        ws();
        if (text[pos] === ']') break;
        if (i === want) {
          hit = pos;
          break;
        }
        skipValue();
        ws();
        if (text[pos] === ',') pos++;
        i++;
      }
      if (hit === undefined) return found;
      found = hit;
    } else {
      return found;
    }
  }
  return found;
}

export function locationOfPath(text: string, path: JsonPath): Location | undefined {
  const off = offsetOfPath(text, path);
  return off === undefined ? undefined : locationOfOffset(text, off);
}

/** "targets[3].ports[0]" from ["targets", 3, "ports", 0]. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
  }
  return out || '(root)';
}

/** "line 3, column 7" style position of a problem in a one-line text (a results line, a request body). */
export function describeProblem(text: string, p: JsonProblem): string {
  const loc = locationOfOffset(text, p.offset);
  return loc.line === 1 ? `column ${loc.column}: ${p.reason}` : `line ${loc.line} column ${loc.column}: ${p.reason}`;
}
