// Every string and number of a JSON text as its bytes carry it, read by a lexer rather than
// JSON.parse: a duplicate key's first value (which many upstream parsers keep) and numbers are
// seen too, and no key is exempt. Used on the exits where nothing is provider-issued.
import { withoutControls } from "./body-formats.js";
import { base64TextOf } from "./json.js";

/** Appends `items` to `list` one by one: a spread of a large array (80,000 JSON records) overflows the stack. */
export function appendAll<T>(list: T[], items: readonly T[]): void {
  for (const item of items) list.push(item);
}

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
      // An integer written with a fraction or an exponent is read as the digits a parser sees too.
      const digits = integerDigitsOf(m[0]);
      found.values.push(m[0]);
      if (digits !== null) found.values.push(digits);
      found.ordered.push(digits ?? m[0]);
    } else if (first === "t" || first === "f" || first === "n") flush(false);
    else flush(m[0].includes(":"));
  }
  flush(false);
  return true;
}

/** Longest integer a number token is expanded to (a card is 19 digits, an IBAN's digits 30). */
const MAX_INTEGER_DIGITS = 40;

/**
 * The digits of the integer a JSON number token with a fraction or an exponent equals
 * (`41111111111111110e-1`, `0.04111111111111111e17`, `4.111111111111111e15`), derived from the
 * token's text by moving the decimal point, so they are exact at any length (a double holds only
 * 15-17 significant digits); null for plain integers and for numbers that are not integers.
 */
export function integerDigitsOf(token: string): string | null {
  const m = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  const whole = m[1] ?? "";
  const fraction = m[2] ?? "";
  const exponent = Number(m[3] ?? "0");
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return "0";
  // Where the decimal point falls in `digits` (leading zeros removed).
  const point = whole.length + exponent - ((whole + fraction).length - digits.length);
  if (point > MAX_INTEGER_DIGITS) return null;
  if (point <= 0 || /[1-9]/.test(digits.slice(point))) return null;
  return digits.slice(0, point).padEnd(point, "0");
}

/**
 * A string value, the text it carries when it is base64 of UTF-8 (a document a client encoded),
 * and the JSON it carries when it holds some (tool arguments, a serialised payload).
 */
function addValue(value: string, found: RawJsonStrings, depth: number): void {
  found.values.push(value);
  found.ordered.push(value);
  // Control characters from escapes (`\u0000`, ANSI colours) inside a value: read without them too.
  const bare = withoutControls(value);
  if (bare !== null) found.values.push(bare);
  const decoded = base64TextOf(value);
  if (decoded !== undefined) {
    if (depth < MAX_EMBEDDED_DEPTH) addValue(decoded, found, depth + 1);
    else found.values.push(decoded);
  }
  const inner = value.trimStart();
  if (depth < MAX_EMBEDDED_DEPTH && (inner.startsWith("{") || inner.startsWith("["))) {
    const nested: RawJsonStrings = { values: [], identifiers: [], ordered: [] };
    if (lex(value, nested, depth + 1)) {
      appendAll(found.values, nested.values);
      appendAll(found.identifiers, nested.identifiers);
      appendAll(found.ordered, nested.ordered);
    }
  }
}
