// HTML character references read as a browser reads them in text: every named reference of the
// WHATWG table, the legacy names that need no semicolon ("&nbsp1111", "&shy"), numeric references
// of any length or zero padding, hexadecimal ones without their semicolon ("&#x40gmail"), the
// windows-1252 remap of C1 numbers. `entities` (the htmlparser2 family's decoder) carries the
// 2,231-name table and the spec's state machine: written here they were a table of the names
// someone had thought of, and every red team found another.
import { DecodingMode, HtmlEntityDecoder } from "entities/decode";

let units: number[] = [];
const decoder = new HtmlEntityDecoder((unit) => {
  units.push(unit);
});

export interface Reference {
  /** What the reference stands for (one or two code points). */
  value: string;
  /** Its length in `text`, from the ampersand. */
  length: number;
}

/**
 * The reference at `text[at]` (an ampersand), or undefined where a browser shows the ampersand
 * as written ("AT&T", "&toString;"). A name no browser knows is also tried in lower case
 * ("&COMMAT;"): a reader more lenient than a browser is no way around detection.
 */
export function readReference(text: string, at: number): Reference | undefined {
  const exact = decode(text, at);
  if (exact) return exact;
  const name = /^&([A-Za-z][A-Za-z0-9]{1,31});/.exec(text.slice(at, at + 34));
  if (!name?.[1] || name[1] === name[1].toLowerCase()) return undefined;
  const lower = decode(`&${name[1].toLowerCase()};`, 0);
  return lower && lower.length === name[0].length ? lower : undefined;
}

const ASCII = /^[\x00-\x7f]+$/;
const SPACES_OR_INVISIBLE = /^[\s\p{Cf}]+$/u;
const DIGITS = /^\p{Nd}+$/u;
const LETTERS = /^[\p{L}\p{M}]+$/u;
const DIGIT = /\p{Nd}/u;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;

/**
 * The reference at `text[at]` as the detection copy reads it, or undefined where it is kept as
 * written. Read: ASCII marks, letters and digits, spaces and invisible characters, decimal digits of
 * any script, letters of a word ("J&uuml;rgen"), marks and symbols. Kept: superscripts, fractions
 * and other characters whose NFKC form is a digit or letter ("&sup2;", "&half;"), which would glue
 * to the value beside them ("jane.doe@example.com&sup2" is an address a reader sees whole), and a
 * letter beside a digit ("+1 415 555 0132&Amacr;").
 */
export function referenceForDetection(text: string, at: number): Reference | undefined {
  const reference = readReference(text, at);
  if (!reference) return undefined;
  const { value, length } = reference;
  if (ASCII.test(value) || SPACES_OR_INVISIBLE.test(value) || DIGITS.test(value)) return reference;
  if (LETTERS.test(value)) return DIGIT.test(text[at - 1] ?? "") || DIGIT.test(text[at + length] ?? "") ? undefined : reference;
  // A mark or symbol that stays one ("&middot;", "&bull;" between a card's digits) is read; one whose compatibility form
  // holds a letter or digit ("&sup2;" is 2, "&half;" 1⁄2, "&trade;" TM) is kept as written, and so is a legacy name
  // without its semicolon, which a raw reader sees as letters of the word it stands in ("bob&copy@example.com").
  if (text[at + length - 1] !== ";" && text[at + 1] !== "#") return undefined;
  return ALPHANUMERIC.test(value.normalize("NFKC")) ? undefined : reference;
}

/** An ampersand in `text` opens a reference. */
export function holdsReference(text: string): boolean {
  for (let at = text.indexOf("&"); at >= 0; at = text.indexOf("&", at + 1)) if (readReference(text, at)) return true;
  return false;
}

function decode(text: string, at: number): Reference | undefined {
  units = [];
  decoder.startEntity(DecodingMode.Legacy);
  let length = decoder.write(text, at + 1);
  if (length < 0) length = decoder.end();
  if (length <= 0 || units.length === 0) return undefined;
  return { value: String.fromCodePoint(...units), length };
}
