// Maps a JSON path (as zod reports it) back to a line and column in the source text, so that a
// validation error can name the file, the line and the field. A small scanner, not a parser:
// it only runs after JSON.parse has accepted the text.

export type JsonPath = readonly PropertyKey[];

export interface Location {
  line: number;
  column: number;
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

/** Offset of the value (or of the key, for a missing child) named by `path`; undefined if not found. */
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
        const keyStart = pos;
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
        void keyStart;
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
