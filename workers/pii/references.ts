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
