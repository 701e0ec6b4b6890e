// Every string and number of a JSON text as its bytes carry it, read by a lexer rather than
// JSON.parse: a duplicate key's first value (which many upstream parsers keep) and numbers are
// seen too, and no key is exempt. Used on the exits where nothing is provider-issued.
import { base64TextOf } from "./json.js";

export interface RawJsonStrings {
  /** String values and numbers, in document order; JSON held inside a string is read too. */
  values: string[];
  /** Object keys, in document order. */
  identifiers: string[];
  /** Keys and values together in document order: a value split between neighbours is found. */
  ordered: string[];
}

const MAX_EMBEDDED_DEPTH = 4;
/** One JSON token at a time (sticky): structure and whitespace, a string, a number or a literal. */
// The string alternative is the unrolled loop (no per-character alternation on long strings).
const TOKEN = /[\s{}[\]:,]+|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** The strings of `text` when it lexes as JSON (an object, an array or a string at the top); null otherwise. */
export function rawJsonStrings(text: string): RawJsonStrings | null {
  const t = text.trimStart();
  if (!t.startsWith("{") && !t.startsWith("[") && !t.startsWith('"')) return null;
  const found: RawJsonStrings = { values: [], identifiers: [], ordered: [] };
  return lex(text, found, 0) ? found : null;
}

/** Appends the tokens of `text` to `found`; false when `text` is not JSON at the lexical level. */
function lex(text: string, found: RawJsonStrings, depth: number): boolean {
  const token = new RegExp(TOKEN.source, "y");
  let pending: string | null = null;
  const flush = (isKey: boolean) => {
    if (pending === null) return;
    if (isKey) {
      found.identifiers.push(pending);
      found.ordered.push(pending);
    } else addValue(pending, found, depth);
    pending = null;
  };
  while (token.lastIndex < text.length) {
    const m = token.exec(text);
    if (!m) return false;
    const first = m[0].charAt(0);
    if (m[1] !== undefined) {
      flush(false);
      const raw = m[1];
      if (!raw.includes("\\")) pending = raw;
      else {
        try {
          pending = JSON.parse(m[0]) as string;
        } catch {
          return false;
        }
      }
    } else if (first === "-" || (first >= "0" && first <= "9")) {
      flush(false);
      found.values.push(m[0]);
      found.ordered.push(m[0]);
    } else if (first === "t" || first === "f" || first === "n") flush(false);
    else flush(m[0].includes(":"));
  }
  flush(false);
  return true;
}

/**
 * A string value, the text it carries when it is base64 of UTF-8 (a document a client encoded),
 * and the JSON it carries when it holds some (tool arguments, a serialised payload).
 */
function addValue(value: string, found: RawJsonStrings, depth: number): void {
  found.values.push(value);
  found.ordered.push(value);
  const decoded = base64TextOf(value);
  if (decoded !== undefined) {
    if (depth < MAX_EMBEDDED_DEPTH) addValue(decoded, found, depth + 1);
    else found.values.push(decoded);
  }
  const inner = value.trimStart();
  if (depth < MAX_EMBEDDED_DEPTH && (inner.startsWith("{") || inner.startsWith("["))) {
    const nested: RawJsonStrings = { values: [], identifiers: [], ordered: [] };
    if (lex(value, nested, depth + 1)) {
      found.values.push(...nested.values);
      found.identifiers.push(...nested.identifiers);
      found.ordered.push(...nested.ordered);
    }
  }
}
