// Payment card numbers (Luhn + issuer ranges from credit-card-type) and IBANs (country length from
// ibantools, ISO 13616 mod-97).
import creditCardType from "credit-card-type";
import { getCountrySpecifications } from "ibantools";
import { groupSeparatorsAsSpaces, latinCapitals } from "../normalize.js";
import type { RawFinding } from "../types.js";

// Digit groups joined by one or two separators (space, dot, dash, underscore, slash: "4111.1111…",
// "4 1 1 1 …"); 12-19 digits are checked below. Unicode digits and dashes are ASCII by now, and
// groups joined by any other one separator ("4111|1111|…", U+2800) are read as spaced (normalize.ts).
// A run may be glued to a word ("card-4111-…", "x4111…", "4111…EOF"): only a digit or a decimal
// point ("0.4111…", a JSON float) before it, or a digit after it, ends the search; a glued run
// must then hold a card that starts at its first digit (see detectCards).
const CARD = /(?<!\p{N}|\p{N}[.,])\d{1,19}(?:[ .\-_/]{1,2}\d{1,19}){0,22}(?!\p{N}|[-.]\d)/gu;
const WORD_BEFORE = /[\p{L}\p{N}_\-.]/u;

const IBAN_HEAD = /[A-Z]{2}\d{2}[ -]?$/;

export function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// Issuer lookups depend only on the leading digits and the length; cache them (bounded).
const issuerCache = new Map<string, boolean>();

/**
 * 12-19 digits passing Luhn, in an issuer range credit-card-type knows at that length, or any
 * 13-19 digit number of a payment industry (first digit 2-6; 1 for 15-digit UATP), which covers
 * older and smaller issuers' ranges.
 */
function isCard(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19 || !luhn(digits)) return false;
  const id = `${digits.slice(0, 6)}:${digits.length}`;
  let known = issuerCache.get(id);
  if (known === undefined) {
    const first = digits.charCodeAt(0) - 48;
    known =
      (digits.length >= 13 && first >= 2 && first <= 6) ||
      (digits.length === 15 && first === 1) ||
      creditCardType(digits).some((t) => t.lengths.includes(digits.length));
    if (issuerCache.size > 20_000) issuerCache.clear();
    issuerCache.set(id, known);
  }
  return known;
}

export function detectCards(normalized: string, out: RawFinding[]): void {
  const text = groupSeparatorsAsSpaces(normalized);
  CARD.lastIndex = 0;
  for (let m = CARD.exec(text); m; m = CARD.exec(text)) {
    const raw = m[0];
    const groups: string[] = [];
    const offsets: number[] = [];
    const digitRun = /\d+/g;
    for (let g = digitRun.exec(raw); g; g = digitRun.exec(raw)) {
      groups.push(g[0]);
      offsets.push(g.index);
    }
    const total = groups.reduce((n, g) => n + g.length, 0);
    if (total < 12) continue;
    const glued = m.index > 0 && WORD_BEFORE.test(text[m.index - 1] ?? "");
    // The run may hold neighbours ("card 4111 1111 1111 1111 exp 2027"); try group windows.
    let i = 0;
    while (i < groups.length && !(glued && i > 0)) {
      let found = false;
      let digits = "";
      for (let j = i; j < groups.length && digits.length < 19; j++) {
        digits += groups[j];
        // A window inside a longer run needs 15+ digits, so a stray tail is not taken for a card.
        const whole = i === 0 && j === groups.length - 1;
        // Digits after an IBAN's country and check digits ("DE89 3704 …") belong to the IBAN.
        if (
          (whole || digits.length >= 15) &&
          isCard(digits) &&
          !IBAN_HEAD.test(text.slice(Math.max(0, m.index + (offsets[i] ?? 0) - 6), m.index + (offsets[i] ?? 0)))
        ) {
          const start = m.index + (offsets[i] ?? 0);
          const end = m.index + (offsets[j] ?? 0) + (groups[j]?.length ?? 0);
          out.push({ category: "credit_card", start, end, detector: "card", key: digits });
          i = j + 1;
          found = true;
          break;
        }
      }
      if (!found) i++;
    }
  }
  detectCardsAcrossLines(text, out);
  detectCardsSpacedUnits(text, out);
  detectCardHalves(text, out);
}

// A card in its printed groups joined by a wider separator, the same each time: one or two marks
// with or without spaces around ("4111 | 1111 | 1111 | 1111", "4111 - 1111 …", "4111||1111…").
// Comma lists ("2019, 2020, 2021, 2022") are lists, and groups that are all years are no card.
const CARD_SPACED_UNIT =
  /(?<![\p{L}\p{N}_])(?:\d{4}( ?[^\p{L}\p{N}\s,]{1,2} ?)\d{4}\1\d{4}(?:\1\d{1,7})?|\d{4}( ?[^\p{L}\p{N}\s,]{1,2} ?)\d{6}\2\d{5})(?![\p{L}\p{N}_]|\1\d|\2\d)/gu;
const ALL_YEARS = /^(?:(?:19|20)\d\d\D+)+(?:19|20)\d\d$/;

function detectCardsSpacedUnits(text: string, out: RawFinding[]): void {
  CARD_SPACED_UNIT.lastIndex = 0;
  for (let m = CARD_SPACED_UNIT.exec(text); m; m = CARD_SPACED_UNIT.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const digits = m[0].replace(/\D/g, "");
    if (ALL_YEARS.test(m[0]) || !isCard(digits) || out.some((f) => f.start < end && start < f.end)) continue;
    out.push({ category: "credit_card", start, end, detector: "card", key: digits });
  }
}

// A card written in its printed groups across lines or tabs ("4111\n1111\n1111\n1111", the Amex
// 4-6-5): only these shapes, so columns of numbers in a table are not read as one card. Runs split
// by spaces alone are CARD's.
const CARD_LINES =
  /(?<![\p{L}\p{N}_\-.])(?:\d{4}(?:(?:\r\n|[ \t\n\r\f\v\u00a0]{1,2})\d{4}){3}(?:(?:\r\n|[ \t\n\r\f\v\u00a0]{1,2})\d{1,3})?|\d{4}(?:\r\n|[ \t\n\r\f\v\u00a0]{1,2})\d{6}(?:\r\n|[ \t\n\r\f\v\u00a0]{1,2})\d{4,5})(?![\p{L}\p{N}_]|[-.]\d)/gu;

/** Cards in their printed groups split by tabs, newlines or other whitespace; the whole must pass isCard. */
function detectCardsAcrossLines(text: string, out: RawFinding[]): void {
  CARD_LINES.lastIndex = 0;
  for (let m = CARD_LINES.exec(text); m; m = CARD_LINES.exec(text)) {
    if (!/[\t\n\r\f\v\u00a0]/.test(m[0])) continue;
    const start = m.index;
    const end = start + m[0].length;
    const digits = m[0].replace(/\D/g, "");
    if (!isCard(digits) || out.some((f) => f.start < end && start < f.end)) continue;
    out.push({ category: "credit_card", start, end, detector: "card", key: digits });
  }
}

// A card given in two halves of two 4-digit groups each, a few words apart ("starts 4111 1111 and
// ends 1111 1111"). Both halves must be written as groups; dates and year ranges ("2019-2020 and
// 2021-2022") are not halves.
const CARD_HALF = /(?<![\p{L}\p{N}_]|\d[ .\-_/])\d{4}[ .\-_/]\d{4}(?![\p{L}\p{N}_]|[ .\-_/]\d)/gu;
const YEARS = /^(?:19|20)\d\d\D(?:19|20)\d\d$/;
const HALVES_GAP = /^\D{1,40}$/;

function detectCardHalves(text: string, out: RawFinding[]): void {
  CARD_HALF.lastIndex = 0;
  let previous: RegExpExecArray | undefined;
  for (let m = CARD_HALF.exec(text); m; m = CARD_HALF.exec(text)) {
    const half = YEARS.test(m[0]) ? undefined : m;
    if (previous && half) {
      const start = previous.index;
      const end = half.index + half[0].length;
      const digits = previous[0].replace(/\D/g, "") + half[0].replace(/\D/g, "");
      if (HALVES_GAP.test(text.slice(start + previous[0].length, half.index)) && isCard(digits) && !out.some((f) => f.start < end && start < f.end)) {
        out.push({ category: "credit_card", start, end, detector: "card", key: digits });
        previous = undefined;
        continue;
      }
    }
    previous = half;
  }
}

// Two letters, two check digits, then 11-30 alphanumerics, optionally in groups of four (read in
// capitals, look-alike letters folded, other group separators as spaces: see detectIbans).
const IBAN = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?:(?: \u2010 |[ .-])?[A-Z0-9]{4}){2,7}(?:(?: \u2010 |[ .-])?[A-Z0-9]{1,4})?(?![\p{L}\p{N}_])/gu;

/** Two letters (any case or script) and two digits starting a word: the only texts worth reading in capitals. */
const IBAN_HINT = /(?<![\p{L}\p{N}_])\p{L}{2}\d{2}/u;
const LAST_GROUP = /(?: \u2010 |[ .-])?[A-Z0-9]{1,4}$/;

let ibanLengths: Map<string, number> | null = null;

/** ISO 7064 mod 97-10 over the IBAN moved to end with its country and check digits, letters as 10-35. */
function mod97(iban: string): number {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    const value = c <= 57 ? c - 48 : c - 55;
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest;
}

/**
 * The length of the IBAN's country and the ISO 13616 check digits. National checks inside the BBAN
 * (French RIB key, Spanish and Italian control digits…) are not applied: an IBAN with a wrong
 * national key is still someone's account number written down.
 */
export function isIban(compact: string): boolean {
  if (!ibanLengths) {
    ibanLengths = new Map();
    for (const [code, spec] of Object.entries(getCountrySpecifications())) if (spec.chars) ibanLengths.set(code, spec.chars);
  }
  return ibanLengths.get(compact.slice(0, 2)) === compact.length && mod97(compact) === 1;
}

/**
 * IBANs in any case ("de89 3704 …"), with Cyrillic or Greek look-alike letters ("DЕ89"), or with
 * any one separator between the groups: mod 97 and the country's length decide, so the wider
 * reading costs no precision.
 */
export function detectIbans(normalized: string, out: RawFinding[]): void {
  if (!IBAN_HINT.test(normalized)) return;
  const text = latinCapitals(groupSeparatorsAsSpaces(normalized));
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
    // Read in capitals, the next word may have joined as a last group ("… 0985 BY FRIDAY"): shorter
    // readings are tried, group by group.
    for (let value = m[0]; value.length >= 15; value = value.replace(LAST_GROUP, "")) {
      const compact = value.replace(/[ .\u2010-]/g, "");
      if (!isIban(compact)) continue;
      out.push({ category: "iban", start: m.index, end: m.index + value.length, detector: "iban", key: compact });
      IBAN.lastIndex = m.index + value.length;
      break;
    }
  }
}

// A run of digits that can be a piece of a card: one group, or groups of four ("4111 1111"), not
// glued to a letter (ids, hashes) and not a date or phone layout (groups of 2, 3…).
const PIECE = /(?<![\p{L}\p{N}_])(?:\d{1,19}|\d{4}(?:[ .\-_/]\d{4}){1,3}(?:[ .\-_/]\d{1,4})?)(?![\p{L}\p{N}_]|[ .\-_/]\d)/gu;

/**
 * A card split across several strings of one request, however far apart: the card-piece runs
 * of all strings in document order, and any consecutive runs from two or more strings whose
 * digits (13-19 of them) form a card (Luhn and issuer range).
 */
export function splitCardAcross(texts: readonly string[]): boolean {
  const runs: Array<{ digits: string; text: number }> = [];
  texts.forEach((t, i) => {
    if (!/\d/.test(t)) return;
    PIECE.lastIndex = 0;
    for (let m = PIECE.exec(t); m; m = PIECE.exec(t)) runs.push({ digits: m[0].replace(/\D/g, ""), text: i });
  });
  for (let a = 0; a < runs.length; a++) {
    let digits = "";
    for (let b = a; b < runs.length && digits.length < 19; b++) {
      digits += runs[b]?.digits ?? "";
      if (b > a && runs[b]?.text !== runs[a]?.text && digits.length >= 13 && isCard(digits)) return true;
    }
  }
  return false;
}
