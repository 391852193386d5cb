// Where JSON text goes wrong. JSON.parse on Node 20 names no position for some errors ("Unexpected
// token '}', ... is not valid JSON"), and a claims file is edited by hand: this small recursive-descent
// checker finds the offset of the first error so that the message can give its line and column.

/** Offset of the first syntax error, or undefined when the text is valid JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail();
      if (c === 92) {
        const d = text[i + 1];
        if (d && '"\\/bfnrt'.includes(d)) i += 2;
        else if (d === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else {
          i++;
          fail();
        }
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      const obj = c === '{';
      i++;
      ws();
      if (text[i] === (obj ? '}' : ']')) {
        i++;
        return;
      }
      for (;;) {
        if (obj) {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === (obj ? '}' : ']')) {
          i++;
          return;
        }
        fail();
      }
    }
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!m) fail();
    i += m![0].length;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
}
