// Every string and number of a JSON text as its bytes carry it, read by a lexer rather than
// JSON.parse: a duplicate key's first value (which many upstream parsers keep) and numbers are
// seen too, and no key is exempt. Used on the exits where nothing is provider-issued.

export interface RawJsonStrings {
  /** String values and numbers, in document order; JSON held inside a string is read too. */
  values: string[];
  /** Object keys, in document order. */
  identifiers: string[];
}

const MAX_EMBEDDED_DEPTH = 4;
const PUNCTUATION = new Set(["{", "}", "[", "]", ":", ","]);
const LITERAL = /^(?:true|false|null)/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/** The strings of `text` when it lexes as JSON (objects or arrays at the top); null otherwise. */
export function rawJsonStrings(text: string): RawJsonStrings | null {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[")) return null;
  const found: RawJsonStrings = { values: [], identifiers: [] };
  return lex(text, found, 0) ? found : null;
}

/** Appends the tokens of `text` to `found`; false when `text` is not JSON at the lexical level. */
function lex(text: string, found: RawJsonStrings, depth: number): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === " " || c === "\n" || c === "\r" || c === "\t" || PUNCTUATION.has(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return false;
      let value: string;
      try {
        value = JSON.parse(text.slice(i, end + 1)) as string;
      } catch {
        return false;
      }
      i = end + 1;
      let next = i;
      while (next < text.length && /\s/.test(text.charAt(next))) next++;
      if (text.charAt(next) === ":") found.identifiers.push(value);
      else {
        found.values.push(value);
        const inner = value.trimStart();
        // JSON carried inside a string (tool arguments, a serialised payload) is read as well.
        if (depth < MAX_EMBEDDED_DEPTH && (inner.startsWith("{") || inner.startsWith("["))) {
          const nested: RawJsonStrings = { values: [], identifiers: [] };
          if (lex(value, nested, depth + 1)) {
            found.values.push(...nested.values);
            found.identifiers.push(...nested.identifiers);
          }
        }
      }
      continue;
    }
    const rest = text.slice(i, i + 400);
    const number = NUMBER.exec(rest);
    if (number) {
      found.values.push(number[0]);
      i += number[0].length;
      continue;
    }
    const literal = LITERAL.exec(rest);
    if (literal) {
      i += literal[0].length;
      continue;
    }
    return false;
  }
  return true;
}

/** Index of the quote closing the string that opens at `start`; -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return -1;
}
