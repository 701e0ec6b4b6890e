// Payment card numbers (Luhn + issuer ranges from credit-card-type) and IBANs (country length from
// ibantools, ISO 13616 mod-97).
import creditCardType from "credit-card-type";
import { getCountrySpecifications } from "ibantools";
import { groupSeparatorsAsSpaces, latinCapitals } from "../normalize.js";
import type { RawFinding } from "../types.js";
import { linesHolding } from "./lines.js";

// Digit groups joined by one or two separators (space, dot, dash, underscore, slash: "4111.1111…",
// "4 1 1 1 …"); 12-19 digits are checked below. Unicode digits and dashes are ASCII by now, and
// groups joined by any other one separator ("4111|1111|…", U+2800) are read as spaced (normalize.ts).
// A run may be glued to a word ("card-4111-…", "x4111…", "4111…EOF"): only a digit or a decimal
// point ("0.4111…", a JSON float) before it, or a digit after it, ends the search; a glued run
// must then hold a card that starts at its first digit (see detectCards).
// A mark with a space on each side may change from group to group ("4111 / 1111 - 1111 . 1111").
const CARD = /(?<!\p{N}|\p{N}[.,])\d{1,19}(?:(?:[ .\-_/]{1,2}| [.\-_/] )\d{1,19}){0,22}(?!\p{N}|[-.]\d)/gu;

/** A character a run of digits may be glued to: a letter, a digit, "_", "-" or "." of a longer token. */
const GLUED_BEFORE = /[\p{L}\p{N}_\-.]/u;
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
    // Fewer than 12 characters hold fewer than 12 digits: most runs (years, counts, times) end here.
    if (raw.length < 12) continue;
    const groups: string[] = [];
    const offsets: number[] = [];
    const digitRun = /\d+/g;
    for (let g = digitRun.exec(raw); g; g = digitRun.exec(raw)) {
      groups.push(g[0]);
      offsets.push(g.index);
    }
    const total = groups.reduce((n, g) => n + g.length, 0);
    if (total < 12) continue;
    // The run may hold neighbours ("card 4111 1111 1111 1111 exp 2027"); try group windows. A window
    // after the first needs 15 digits or more; in a run glued to the word before, groups of three
    // digits or more too: "AB12 4111…", "v1.2 4111…", "REF-7-4111…" hold a card after the word's
    // digits, an OID or a long version ("OID.1.3.6.1.4.1.311.21.8.16249370") none.
    const glued = m.index > 0 && GLUED_BEFORE.test(text[m.index - 1] ?? "");
    let i = 0;
    while (i < groups.length) {
      let found = false;
      let digits = "";
      for (let j = i; j < groups.length && digits.length < 19; j++) {
        if (glued && i > 0 && (groups[j]?.length ?? 0) < 3) break;
        digits += groups[j];
        // A window inside a longer run needs 15+ digits, so a stray tail is not taken for a card.
        const whole = i === 0 && j === groups.length - 1;
        // Digits after an IBAN's country and check digits ("DE89 3704 …") belong to the IBAN, when
        // an IBAN is there: two letters and two digits alone ("AB12 4111…") shadow no card.
        if ((whole || digits.length >= 15) && isCard(digits) && !afterIbanHead(text, m.index + (offsets[i] ?? 0))) {
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
  detectCardPieces(text, out);
}

// A card in its printed groups joined by a wider separator, the same each time: one or two marks
// with or without spaces around ("4111 | 1111 | 1111 | 1111", "4111 - 1111 …", "4111||1111…").
// Comma lists ("2019, 2020, 2021, 2022") are lists, and groups that are all years are no card.
// Quoted cells count too ("4111","1111",…; '4111';'1111';…): a quote on each side of the mark.
// Both patterns open on four digits written out: workerd's V8 runs a pattern opening on a counted
// class ("\d{4}") ~10× slower than this, scanning every position (scripts/pii-perf/regex-workerd.ts).
const CARD_SPACED_UNIT =
  /(?<![\p{L}\p{N}_])\d\d\d\d(?:( {0,2}(?:[^\p{L}\p{N}\s,]{1,3}|["'`] ?, ?["'`]) {0,2})\d{4}\1\d{4}(?:\1\d{1,7})?|( {0,2}(?:[^\p{L}\p{N}\s,]{1,3}|["'`] ?, ?["'`]) {0,2})\d{6}\2\d{5})(?![\p{L}\p{N}_]|\1\d|\2\d)/gu;
const ALL_YEARS = /^(?:(?:19|20)\d\d\D+)+(?:19|20)\d\d$/;

function detectCardsSpacedUnits(text: string, out: RawFinding[]): void {
  CARD_SPACED_UNIT.lastIndex = 0;
  for (let m = CARD_SPACED_UNIT.exec(text); m; m = CARD_SPACED_UNIT.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    const digits = m[0].replace(/\D/g, "");
    if (ALL_YEARS.test(m[0]) || !isCard(digits) || out.some((f) => f.start < end && start < f.end)) continue;
    // Cells of a table row or CSV line ("North;4521;3310;2207;1204", "| 4521 | 3310 | … |"): the
    // same mark before the first group or after the last is the row's, not a card's.
    // In quoted cells the mark is the comma or semicolon between the quotes ('North,"4521","3310",…').
    const mark = (m[1] ?? m[2] ?? "").replace(/["'`\s]/g, "") || (m[1] ?? m[2] ?? "").trim();
    const before = text
      .slice(0, start)
      .trimEnd()
      .replace(/["'`]$/, "")
      .trimEnd();
    const after = text
      .slice(end)
      .trimStart()
      .replace(/^["'`]/, "")
      .trimStart();
    if (mark && (before.endsWith(mark) || after.startsWith(mark))) continue;
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
const CARD_HALF = /(?<![\p{L}\p{N}_]|\d[ .\-_/])\d\d\d\d[ .\-_/]\d{4}(?![\p{L}\p{N}_]|[ .\-_/]\d)/gu;
const YEARS = /^(?:19|20)\d\d\D(?:19|20)\d\d$/;
const HALVES_GAP = /^\D{1,40}$/;
/**
 * Words that say the two numbers are one value in parts ("starts … ends", "first … rest", "card");
 * without one, two 8-digit numbers in a sentence are two phone numbers or references
 * ("on 6123 4567 or the warehouse on 6765 4570").
 */
const HALVES_CUE =
  /\b(?:card|cc|pan|visa|amex|mastercard|number|digits?|starts?|begins?|ends?|first|last|rest|remaining|then|followed|continues?|half|halves|part)\b|卡|カード|karte|tarjeta|carte|cart[aã]o/iu;

const STRONG_HALVES_CUE = /\b(?:starts?|begins?|ends?|rest|remaining|half|halves)\b/iu;

function detectCardHalves(text: string, out: RawFinding[]): void {
  CARD_HALF.lastIndex = 0;
  let previous: RegExpExecArray | undefined;
  for (let m = CARD_HALF.exec(text); m; m = CARD_HALF.exec(text)) {
    const half = YEARS.test(m[0]) ? undefined : m;
    if (previous && half) {
      const start = previous.index;
      const end = half.index + half[0].length;
      const digits = previous[0].replace(/\D/g, "") + half[0].replace(/\D/g, "");
      const gap = text.slice(start + previous[0].length, half.index);
      // A weak cue ("first … second", "then") counts only with a word of a card in the text: tracking and ticket numbers are listed so.
      const cue =
        (HALVES_CUE.test(gap) || HALVES_CUE.test(text.slice(Math.max(0, start - 40), start))) &&
        (CARD_WORD.test(text) || STRONG_HALVES_CUE.test(gap) || STRONG_HALVES_CUE.test(text.slice(Math.max(0, start - 40), start)));
      if (HALVES_GAP.test(gap) && cue && isCard(digits) && !out.some((f) => f.start < end && start < f.end)) {
        out.push({ category: "credit_card", start, end, detector: "card", key: digits });
        previous = undefined;
        continue;
      }
    }
    previous = half;
  }
}

// A card given in pieces with words between them, however far apart in one text ("4111 then 1111
// then 1111 then 1111", "it begins 4111 1111 … [a page later] … ends 1111 1111"): the same
// reading splitCardAcross gives pieces in different strings. The pieces are consecutive numbers
// of the text (no other number between them), together an issued card in a card layout, and each
// is announced by a word of a card or of its parts right before it ("then", "ends", "card"). Pieces of one
// group each must be whole groups of four that no other group of four continues (a list of
// 4-digit figures is data).
const NUMBER_RUN = /(?<![\p{L}\p{N}_])\d+(?:[ .\-/]\d+)*(?![\p{L}\p{N}_])/gu;
const PIECES_CUE =
  /\b(?:card|cc|pan|visa|amex|mastercard|digits?|starts?|begins?|ends?|first|rest|remaining|then|next|second|third|last|followed|continues?|half|halves|part|piece|dash|hyphen|slash)\b|卡|カード|karte|tarjeta|carte|cart[aã]o/iu;
const QUANTITY_AFTER = /^\s?(?:%|units?\b|pcs\b|pieces\b|items?\b|kg\b|km\b|m\b|usd\b|eur\b|gbp\b|[$€£¥])/iu;
const CARD_WORD =
  /\b(?:card|cc|pan|visa|amex|mastercard|credit|debit|karte|kreditkarte|tarjeta|carte|cartão|cartao|carta|kaart|kort|karta|kartu)\b|卡|カード/iu;
/** How many numbers of one text the piece reading looks at (bounded work on long texts). */
const MAX_NUMBERS = 64;

function detectCardPieces(text: string, out: RawFinding[]): void {
  // A word of a card in the text: lists of figures announced by "first … then … last" are schedules and tickets.
  // The card word is the rarer, so it is looked for first.
  if (!CARD_WORD.test(text) || !PIECES_CUE.test(text)) return;
  const runs: Array<{ start: number; end: number; digits: string; groups: number[] }> = [];
  NUMBER_RUN.lastIndex = 0;
  for (let m = NUMBER_RUN.exec(text); m && runs.length < MAX_NUMBERS; m = NUMBER_RUN.exec(text))
    runs.push({ start: m.index, end: m.index + m[0].length, digits: m[0].replace(/\D/g, ""), groups: groupsOf(m[0]) });
  if (runs.length < 2) return;
  const fourAlone = (k: number) => runs[k]?.groups.length === 1 && runs[k]?.digits.length === 4;
  for (let a = 0; a < runs.length; a++) {
    let digits = "";
    const groups: number[] = [];
    for (let b = a; b < runs.length; b++) {
      const run = runs[b] as (typeof runs)[number];
      digits += run.digits;
      // Past a card's length before its groups are taken: a run of 100,000 groups spread as arguments overflowed the stack.
      if (digits.length > 19) break;
      for (const g of run.groups) groups.push(g);
      if (b === a || !cardLayout(groups) || !issuedCard(digits)) continue;
      const first = runs[a] as (typeof runs)[number];
      const pieces = runs.slice(a, b + 1);
      // Years, and quantities with their unit or currency ("4200 units", "3900 EUR"), are figures.
      if (
        pieces.some(
          (p) => YEARS.test(text.slice(p.start, p.end)) || /^(?:19|20)\d\d$/.test(p.digits) || QUANTITY_AFTER.test(text.slice(p.end, p.end + 8)),
        )
      )
        break;
      if (pieces.every((p) => p.groups.length === 1) && (fourAlone(a - 1) || fourAlone(b + 1))) continue;
      // Each piece is announced: a cue word in the 40 characters before it (after the piece before);
      // the first may go without when three or more follow one another so ("4111 then 1111 then …").
      const announced = pieces.every((p, k) => {
        if (k === 0 && pieces.length >= 3) return true;
        const from = Math.max(k === 0 ? 0 : (pieces[k - 1] as (typeof runs)[number]).end, p.start - 40);
        return PIECES_CUE.test(text.slice(from, p.start));
      });
      if (!announced) continue;
      const end = run.end;
      if (out.some((f) => f.start < end && first.start < f.end)) continue;
      out.push({ category: "credit_card", start: first.start, end, detector: "card", key: digits });
      a = b;
      break;
    }
  }
}

// Two letters, two check digits, then 11-30 alphanumerics, optionally in groups of four (read in
// capitals, look-alike letters folded, other group separators as spaces: see detectIbans).
const IBAN = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?:(?: \u2010 |[ .-])?[A-Z0-9]{4}){2,7}(?:(?: \u2010 |[ .-])?[A-Z0-9]{1,4})?(?![\p{L}\p{N}_])/gu;

/** Two letters (any case or script) and two digits starting a word: the only texts worth reading in capitals. */
const IBAN_HINT = /(?<![\p{L}\p{N}_])\p{L}{2}\d{2}/u;
/** The same, for the lines that hold it: an IBAN starts where it does (its letters are letters before capitals too). */
const IBAN_HINTS = new RegExp(IBAN_HINT.source, "gu");
/**
 * Characters whose capital is longer than they are ("ß" -> "SS", "ﬁ", Greek with iota
 * subscript): with one of them anywhere, latinCapitals reads the whole text another way, so the
 * text is read whole as before. Test: fast-paths.test.ts checks the list against every code point.
 */
export const CAPITAL_GROWS = /[\u00df\u0149\u01f0\u0390\u03b0\u0587\u1e96-\u1e9a\u1f50-\u1ffc\ufb00-\ufb17]/;
const LAST_GROUP = /(?: \u2010 |[ .-])?[A-Z0-9]{1,4}$/;

const ANY_BBAN = /^[A-Z0-9]+$/;
const DIGITS_ONLY = /^\d+$/;
/** A registry layout of digits only ("^[0-9]{12}$", "^[0-9]{3}[0-9]{9}$"). */
const ALL_DIGITS_LAYOUT = /^\^(?:\[0-9\]\{\d+\})+\$$/;
let ibanFormats: Map<string, { chars: number; bban: RegExp }> | null = null;

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
 * The length of the IBAN's country, no letter in the national part of a registry country that
 * writes only digits there (a Belgian BBAN holds none, so "BE23 74AD D2B9 F284" in a UUID is no IBAN), and the
 * ISO 13616 check digits. Other layouts are not checked: ibantools' patterns are stricter than the
 * registry for some countries (a Belarusian bank code with a digit, a letter in a Pakistani
 * account). National checks inside the BBAN (French RIB key, Spanish and Italian control digits…)
 * are not applied: an IBAN with a wrong national key is still someone's account number written down.
 */
export function isIban(compact: string): boolean {
  const format = ibanFormat(compact.slice(0, 2));
  return format?.chars === compact.length && format.bban.test(compact.slice(4)) && mod97(compact) === 1;
}

/** The IBAN length and national-part layout of a country code, if it has IBANs. */
function ibanFormat(country: string): { chars: number; bban: RegExp } | undefined {
  if (!ibanFormats) {
    ibanFormats = new Map();
    for (const [code, spec] of Object.entries(getCountrySpecifications()))
      if (spec.chars)
        ibanFormats.set(code, {
          chars: spec.chars,
          bban: spec.IBANRegistry && spec.bban_regexp && ALL_DIGITS_LAYOUT.test(spec.bban_regexp) ? DIGITS_ONLY : ANY_BBAN,
        });
  }
  return ibanFormats.get(country);
}

/** The IBAN length of a country code, if it has IBANs. */
function ibanLength(country: string): number | undefined {
  return ibanFormat(country)?.chars;
}

/**
 * IBANs in any case ("de89 3704 …"), with Cyrillic or Greek look-alike letters ("DЕ89"), or with
 * any one separator between the groups: mod 97 and the country's length decide, so the wider
 * reading costs no precision.
 */
export function detectIbans(normalized: string, out: RawFinding[]): void {
  if (!IBAN_HINT.test(normalized)) return;
  const spaced = groupSeparatorsAsSpaces(normalized);
  // Capitals of the lines holding a hint only: upper-casing a whole long text with non-ASCII in it
  // cost more than all the IBAN matching. Without a growing capital, latinCapitals maps character
  // by character, and no IBAN crosses a line break, so each line reads as in the whole text.
  if (CAPITAL_GROWS.test(normalized)) {
    detectIbansIn(latinCapitals(spaced), 0, out);
    return;
  }
  for (const [start, end] of linesHolding(normalized, IBAN_HINTS)) detectIbansIn(latinCapitals(spaced.slice(start, end)), start, out);
}

/** Whether the digits at `at` follow an IBAN's country and check digits that start a valid IBAN. */
function afterIbanHead(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 6), at);
  const head = IBAN_HEAD.exec(before);
  if (!head) return false;
  const start = at - before.length + head.index;
  // The longest IBAN is 34 characters; with a separator between every four, 42. Only a valid one:
  // a mistyped IBAN's digits may read as a card, and two letters and two digits alone ("AB12 4111
  // 1111 1111 1111") hide nothing. A look-alike built to be a valid IBAN still does (open, see
  // test/node/pii/red16b-bypass.test.ts: it is found as an IBAN instead).
  const found: RawFinding[] = [];
  detectIbansIn(latinCapitals(text.slice(start, start + 48)), 0, found);
  return found.some((f) => f.start === 0);
}

/** IBANs in `text` (capitals), which starts at `offset` of the detection copy. */
function detectIbansIn(text: string, offset: number, out: RawFinding[]): void {
  IBAN.lastIndex = 0;
  for (let m = IBAN.exec(text); m; m = IBAN.exec(text)) {
    // Read in capitals, the next word may have joined as a last group ("… 0985 BY FRIDAY"): shorter
    // readings are tried, group by group.
    let read = false;
    for (let value = m[0]; value.length >= 15 && !read; value = value.replace(LAST_GROUP, "")) {
      const compact = value.replace(/[ .\u2010-]/g, "");
      if (!isIban(compact)) continue;
      out.push({ category: "iban", start: offset + m.index, end: offset + m.index + value.length, detector: "iban", key: compact });
      IBAN.lastIndex = m.index + value.length;
      read = true;
    }
    // No reading from this word: the next word may start one that this match ran into
    // ("YS23HIQZGJ8B DE89…" matched from YS23 through DE89's groups).
    if (!read) IBAN.lastIndex = m.index + 1;
  }
  detectUnevenIbans(text, offset, out);
}

// An IBAN in groups of any length ("DE89 37 040044 0532 0130 00"): the groups are joined until
// the country's length; mod 97 decides, as above.
// Separators are required between groups: optional ones let a long run of letters and digits (a
// base64 token in capitals) split into groups in exponentially many ways before the look-ahead fails.
const UNEVEN_IBAN = /(?<![\p{L}\p{N}_])[A-Z]{2}\d{2}(?:(?: \u2010 |[ .-])[A-Z0-9]{1,12}){1,16}(?![\p{L}\p{N}_])/gu;

function detectUnevenIbans(text: string, offset: number, out: RawFinding[]): void {
  UNEVEN_IBAN.lastIndex = 0;
  for (let m = UNEVEN_IBAN.exec(text); m; m = UNEVEN_IBAN.exec(text)) {
    const start = offset + m.index;
    // A failed reading tries again from the next word: the run may open on another word ("ref AB12 DE89 …").
    UNEVEN_IBAN.lastIndex = m.index + 4;
    const length = ibanLength(m[0].slice(0, 2));
    if (length === undefined || out.some((f) => f.category === "iban" && f.start <= start && start < f.end)) continue;
    let compact = "";
    let lettersOnly = 0;
    for (const group of m[0].matchAll(/[A-Z0-9]+/g)) {
      // Groups after the country are digits or codes with digits; one bank code of four letters
      // may stand alone ("GB29 NWBK …"). Words read in capitals ("DE84 IS FREE FOR …") are no groups.
      if (compact.length >= 4 && !/\d/.test(group[0]) && (group[0].length !== 4 || ++lettersOnly > 1)) break;
      compact += group[0];
      if (compact.length < length) continue;
      if (compact.length === length && isIban(compact)) {
        const end = start + (group.index ?? 0) + group[0].length;
        out.push({ category: "iban", start, end, detector: "iban", key: compact });
        UNEVEN_IBAN.lastIndex = end - offset;
      }
      break;
    }
  }
}

// A card split across strings is read only when its pieces carry the shape of a split card: a
// list of integers, a price table or a chat about quantities has digit runs in every window, and
// about one window in ten passes Luhn, so "any digits that join into a card" refuses ordinary data.

// A run of digit groups joined by one separator: a whole string, or at the start or end of one.
const GROUP_RUN = String.raw`\d+(?:[ .\-_/]\d+)*`;
const WHOLE_RUN = new RegExp(String.raw`^\s*(${GROUP_RUN})\s*$`, "u");
// At an edge: not glued to a letter, digit or "_-." ("SKU-573", "v2.1", "gpt-4o" are not pieces).
const LEADING_RUN = new RegExp(String.raw`^\s*(${GROUP_RUN})(?=[\s,;:!?)\]}"']|\.(?!\d)|$)`, "u");
const TRAILING_RUN = new RegExp(String.raw`(?:^|[\s:=#(\[{"'])(${GROUP_RUN})[\s.,;:!?)\]}"']*$`, "u");
const DIGITS = /\d+/g;

/** One digit run of the request as the split check reads it. */
interface SplitItem {
  /** Lengths of the digit groups; empty for a number that is not at an edge of its string (it only separates pieces). */
  groups: number[];
  digits: string;
  /** Index of the string it comes from. */
  text: number;
}

function groupsOf(run: string): number[] {
  return (run.match(DIGITS) ?? []).map((g) => g.length);
}

/**
 * How cards are printed: groups of four with a shorter last group (13-19 digits), Amex 4-6-5,
 * Diners 4-6-4, or one ungrouped run (13-19 digits). Pieces of a split card meet at group
 * boundaries, so their groups, put together, have one of these layouts.
 */
function cardLayout(groups: readonly number[]): boolean {
  const total = groups.reduce((n, g) => n + g, 0);
  if (total < 13 || total > 19) return false;
  if (groups.length === 1) return true;
  if (groups.length === 3 && groups[0] === 4 && groups[1] === 6 && (groups[2] === 5 || groups[2] === 4)) return true;
  const last = groups[groups.length - 1] ?? 0;
  return groups.length >= 4 && last >= 1 && last <= 4 && groups.slice(0, -1).every((g) => g === 4);
}

/**
 * A card an issuer could have issued: Luhn, and an issuer range (credit-card-type's IIN table)
 * whose lengths include this one. Stricter than isCard, whose "any 2-6 start" fallback is fine for
 * one run in one text but lets a third of random digit windows through.
 */
function issuedCard(digits: string): boolean {
  return digits.length >= 12 && digits.length <= 19 && luhn(digits) && creditCardType(digits).some((t) => t.lengths.includes(digits.length));
}

/**
 * A card value printed as cards are: an issued card (issuer range, length, Luhn) in a card layout,
 * or in groups all of one length ("4 1 1 1 …", "41 11 …"). What a second reading of a text finds
 * (a footnote digit glued on, markup dropped) must have this shape: "2001 2019 2020¹ 2021" read
 * glued is 16 digits in an irregular layout, a list of years with a footnote, not a card.
 */
export function printedCard(value: string): boolean {
  const digits = value.replace(/\D/g, "");
  if (!issuedCard(digits)) return false;
  const groups = groupsOf(value);
  return cardLayout(groups) || groups.every((g) => g === groups[0]);
}

/**
 * Where in `value` (a Luhn-valid digit run not printed as a card) a card printed as cards are stands, whole groups
 * taken off its ends: a number written before a card ("Room 26 4111 1111 1111 1111") makes a longer valid run that
 * hides the card in it. [start, end) in `value`, or null.
 */
export function printedCardWithin(value: string): [number, number] | null {
  const groups = [...value.matchAll(DIGITS)].map((m) => [m.index, m.index + m[0].length] as const);
  for (let first = 0; first < groups.length; first++)
    for (let last = groups.length - 1; last >= first; last--) {
      if (first === 0 && last === groups.length - 1) continue;
      const start = groups[first]?.[0] ?? 0;
      const end = groups[last]?.[1] ?? 0;
      if (printedCard(value.slice(start, end))) return [start, end];
    }
  return null;
}

/** A string that is nothing but one number ("4111", " 2632 "): what lists of integers are made of. */
function bareNumber(text: string): boolean {
  return /^\s*\d+\s*$/.test(text);
}

/**
 * Whether `value`, a card the detector read across the neighbouring strings `pieces` (the strings
 * it spans, in order), carries the shape of a split card rather than of neighbouring numbers:
 * an issued card (issuer range, length, Luhn), printed in a card layout, and at least one of the
 * strings is more than a bare number ("pay 41", "1111 1111"). Bare numbers next to each other
 * ([2632, 9146, 9316, 1030]) are a list of integers here; splitCardAcross reads them only as a
 * list that is exactly one card.
 */
export function splitCardShaped(value: string, pieces: readonly string[]): boolean {
  const digits = value.replace(/\D/g, "");
  if (!issuedCard(digits) || !cardLayout(groupsOf(value))) return false;
  return pieces.some((p) => !bareNumber(p));
}

/** Characters at each end of a string where a piece is looked for (a card with its separators is under 40). */
const EDGE = 48;

/** The digit runs of `text` in order: a run at an edge (or the whole string) is a piece, any other a separator. */
function splitItems(text: string, index: number, out: SplitItem[]): void {
  const whole = text.length <= EDGE * 2 ? WHOLE_RUN.exec(text) : null;
  if (whole) {
    const run = whole[1] ?? "";
    const groups = groupsOf(run);
    out.push({ groups, digits: run.replace(/\D/g, ""), text: index });
    return;
  }
  // Only the edges are matched (bounded work on long strings); a tail cut inside a word or run is
  // read from its first separator on.
  const leading = LEADING_RUN.exec(text.slice(0, EDGE));
  const tailFrom = Math.max(0, text.length - EDGE);
  const tail = tailFrom > 0 ? text.slice(tailFrom).replace(/^[^\s:=#([{"']*/, "") : text;
  const trailing = TRAILING_RUN.exec(tail);
  const leadEnd = leading ? leading[0].length : 0;
  const trailStart = trailing ? text.length - trailing[0].length : text.length;
  if (leading) {
    const run = leading[1] ?? "";
    out.push({ groups: groupsOf(run), digits: run.replace(/\D/g, ""), text: index });
  }
  // Numbers inside the text separate the pieces around them.
  if (trailStart < leadEnd || /\d/.test(text.slice(leadEnd, trailStart))) out.push({ groups: [], digits: "", text: index });
  if (trailing && trailStart >= leadEnd) {
    const run = trailing[1] ?? "";
    out.push({ groups: groupsOf(run), digits: run.replace(/\D/g, ""), text: index });
  }
}

/** A piece next to a window: the window is then part of a longer list of numbers. */
function extendsList(item: SplitItem | undefined): boolean {
  return item !== undefined && item.groups.length > 0;
}

/**
 * A card split across several strings of one request, however far apart (`texts` in document
 * order; strings without digits are skipped). Its pieces are digit runs that stand at the start
 * or end of their strings (or are the whole string), next to each other among the request's
 * numbers (no other number between them), from two strings or more, and together an issued card
 * (issuer range, length, Luhn) in a card layout (4-4-4-4, 4-6-5…). Pieces of one group each
 * ([4111, 1111, 1111, 1111], "part: 4111" … "part: 1111") must be the whole run of numbers they
 * stand in: a list of integers longer than one card is data, not a card.
 */
export function splitCardAcross(texts: readonly string[]): boolean {
  const items: SplitItem[] = [];
  texts.forEach((t, i) => {
    if (/\d/.test(t)) splitItems(t, i, items);
  });
  for (let a = 0; a < items.length; a++) {
    let digits = "";
    const groups: number[] = [];
    for (let b = a; b < items.length; b++) {
      const item = items[b];
      if (!item || item.groups.length === 0) break;
      digits += item.digits;
      if (digits.length > 19) break;
      for (const g of item.groups) groups.push(g);
      if (item.text === items[a]?.text || !cardLayout(groups) || !issuedCard(digits)) continue;
      // Pieces of one group each ("4111", "part: 4111", "Invoice 4423") are what any list of
      // numbers is made of: read as a card only when they are whole printed groups (no short last
      // group) and the whole run of numbers they stand in (no number right before or after them).
      if (items.slice(a, b + 1).every((p) => p.groups.length === 1)) {
        if (groups.some((g) => g < 4) || extendsList(items[a - 1]) || extendsList(items[b + 1])) continue;
      }
      return true;
    }
  }
  return false;
}
