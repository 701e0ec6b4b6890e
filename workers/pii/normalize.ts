// Detection copy of a text: percent-encoding and HTML character references decoded, invisible
// and format characters, control characters and terminal escape sequences removed, NFKC applied, every Unicode decimal digit turned into its ASCII
// digit and dashes and spaces unified, with a map from every normalised offset back to the
// original so masking replaces the right span.

import { linesHolding } from "./detectors/lines.js";
import { holdsReference, readReference, referenceForDetection } from "./references.js";

/** Zero-width, bidi, soft hyphen, word joiners, BOM, variation selectors, tags, fillers. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists invisible code points one by one on purpose
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0]|\uDB40[\uDC00-\uDDEF]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");
/** Where an HTML character reference may start (references.ts decides whether one does). */
const REFERENCE = "&[#A-Za-z]";
/** Anything that may change: a control character, non-ASCII, a percent escape, an HTML character reference. */
const NEEDS_WORK = new RegExp(String.raw`[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]|[^\x00-\x7F]|%[0-9A-Fa-f]{2}|${REFERENCE}`, "g");
/**
 * C0 controls other than tab, line feed and carriage return, DEL and the C1 controls: a terminal
 * or a log shows nothing for them, so "jane.roe\u0000@example.org" reads as the address it hides.
 */
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]/;
const CONTROLS = new RegExp(CONTROL.source, "g");
/**
 * ECMA-48 escape sequences as terminals print coloured text ("\u001b[1m4111\u001b[0m"): CSI
 * (ESC [ or U+009B, parameters, intermediates, final byte), the string controls OSC, DCS, SOS, PM
 * and APC up to their terminator (BEL, ESC \ or U+009C), and the two- or three-byte escapes.
 */
const ESCAPE_SEQUENCE =
  /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]{0,1024}(?:\x07|\x1b\\|\x9c)|\x1b[\x20-\x2f]{0,2}[\x30-\x7e]/y;
const COMBINING = /\p{M}/u;
const DECIMAL = /\p{Nd}/u;
const DASH = /[\p{Pd}\u2212]/u;
const SPACE = /\s/u;
const PERCENT = /%([0-9A-Fa-f]{2})/y;

export interface NormalizedText {
  text: string;
  /**
   * How normalised offsets map back, undefined when the text is unchanged: segments of four
   * numbers (normalised start, original start, original end, 1 when copied unit for unit or 0
   * when every unit stands for the whole original range).
   */
  segments: Int32Array | undefined;
  /**
   * Where the text holds a character a reader may take as part of the value beside it or as
   * standing apart from it (see `Reading`): original offsets in order, or an empty list for "too
   * many to list". The other reading is worth a look there.
   */
  ambiguousAt?: readonly number[];
}

/** Zero code point of the run of ten decimal digits a code point belongs to, by code point. */
const digitZero = new Map<number, number>();
function asciiDigit(cp: number): number {
  let zero = digitZero.get(cp);
  if (zero === undefined) {
    // Decimal digits come in runs of ten from their zero (Unicode's stability policy).
    zero = cp;
    while (zero > cp - 9 && DECIMAL.test(String.fromCodePoint(zero - 1))) zero--;
    digitZero.set(cp, zero);
  }
  return 48 + ((cp - zero) % 10);
}

/**
 * Digits and letters NFKC leaves alone or wraps in punctuation: negative and double circled digits,
 * dingbat circled digits, parenthesised and full-stop digits, digit-comma forms, negative circled and
 * squared capitals. Code point -> what it stands for, so "❹" and "⑷" read as "4", "🅰" as "A".
 */
const CHARACTER_FORMS = new Map<number, string>();
const digitRange = (from: number, first: number, count: number) => {
  for (let k = 0; k < count; k++) CHARACTER_FORMS.set(from + k, String(first + k));
};
digitRange(0x2474, 1, 20); // ⑴..⒇
digitRange(0x2488, 1, 20); // ⒈..⒛
digitRange(0x24eb, 11, 10); // ⓫..⓴
digitRange(0x24f5, 1, 10); // ⓵..⓾
CHARACTER_FORMS.set(0x24ff, "0"); // ⓿
digitRange(0x2776, 1, 10); // ❶..❿
digitRange(0x2780, 1, 10); // ➀..➉
digitRange(0x278a, 1, 10); // ➊..➓
CHARACTER_FORMS.set(0x1f100, "0"); // 🄀
digitRange(0x1f101, 0, 10); // 🄁..🄊
CHARACTER_FORMS.set(0x1f10b, "0");
CHARACTER_FORMS.set(0x1f10c, "0");
CHARACTER_FORMS.set(0x3007, "0"); // 〇
// Latin capitals in negative circles and squares, which NFKC leaves alone too ("🅴🆇🅰🅼🅿🅻🅴" reads "EXAMPLE").
for (let k = 0; k < 26; k++) {
  CHARACTER_FORMS.set(0x1f150 + k, String.fromCharCode(65 + k)); // 🅐..🅩
  CHARACTER_FORMS.set(0x1f170 + k, String.fromCharCode(65 + k)); // 🅰..🆉
}

const MARKS = /\p{M}+/gu;

/** foldCluster of single BMP characters by code point (per isolate, bounded). */
const foldedChar = new Map<number, string>();
const FOLDED_CHAR_MAX = 8192;

/**
 * One cluster (a code point and the marks after it) as detectors see it: digit forms as ASCII
 * digits, NFKC, then folded; marks that stay on an ASCII base after composition ("4\u0332", the
 * keycap "4\u20e3") are dropped, since they only decorate the character under them.
 */
function foldCluster(cluster: string): string {
  const digits = CHARACTER_FORMS.get(cluster.codePointAt(0) ?? 0);
  if (digits !== undefined) return digits;
  const out = fold(cluster.normalize("NFKC"));
  return out.length > 1 && out.charCodeAt(0) < 128 ? out.replace(MARKS, "") : out;
}

/** One character as detectors should see it: ASCII digit, '-', ' ', or itself. */
function fold(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 128) out += ch;
    else if (DECIMAL.test(ch)) out += String.fromCharCode(asciiDigit(cp));
    else if (DASH.test(ch)) out += "-";
    else if (SPACE.test(ch)) out += " ";
    else out += ch;
  }
  return out;
}

class Builder {
  readonly parts: string[] = [];
  segments = new Int32Array(256);
  count = 0;
  n = 0;
  // Copied text not yet in `parts`: consecutive copies join into one slice (a long text with a
  // few non-ASCII letters is then a few parts, not one per letter).
  #original = "";
  #copyFrom = 0;
  #copyTo = 0;

  #flush(): void {
    if (this.#copyTo > this.#copyFrom) this.parts.push(this.#original.slice(this.#copyFrom, this.#copyTo));
    this.#copyFrom = this.#copyTo = 0;
  }

  #push(norm: number, from: number, to: number, copied: number): void {
    if (this.count * 4 + 4 > this.segments.length) {
      const next = new Int32Array(this.segments.length * 2);
      next.set(this.segments);
      this.segments = next;
    }
    const at = this.count * 4;
    this.segments[at] = norm;
    this.segments[at + 1] = from;
    this.segments[at + 2] = to;
    this.segments[at + 3] = copied;
    this.count++;
  }

  /** Original text copied as is. */
  copy(original: string, from: number, to: number): void {
    if (to <= from) return;
    if (this.#copyTo === from && this.#copyTo > this.#copyFrom && this.#original === original) this.#copyTo = to;
    else {
      this.#flush();
      this.#original = original;
      this.#copyFrom = from;
      this.#copyTo = to;
    }
    const last = (this.count - 1) * 4;
    // Extends the previous copied segment when the two touch on both sides.
    const seg = this.segments;
    const touching = this.count > 0 && seg[last + 3] === 1 && seg[last + 2] === from && (seg[last] ?? 0) + (from - (seg[last + 1] ?? 0)) === this.n;
    if (touching) seg[last + 2] = to;
    else this.#push(this.n, from, to, 1);
    this.n += to - from;
  }

  /** `out` stands for original [from, to). */
  emit(out: string, from: number, to: number): void {
    if (out.length === 0) return;
    this.#flush();
    this.parts.push(out);
    this.#push(this.n, from, to, 0);
    this.n += out.length;
  }

  result(): NormalizedText {
    this.#flush();
    return { text: this.parts.join(""), segments: this.segments.subarray(0, this.count * 4) };
  }
}

/**
 * How the detection copy reads a character that may belong to the value beside it or stand apart
 * from it. "first" reads a raw one as the digit or letter it shows and keeps a reference to one as
 * written; "glued" also reads the reference as its character; "apart" reads a raw one as a blank and
 * keeps the reference; "edges" takes each with the word before it, or a letter with the word after
 * it, and reads the rest as blanks ("²4111 1111 1111 111&sup1;", "111¹²": a digit and a footnote).
 * Pattern detectors look at all four around such a character: a reader may take "4111 1111 1111
 * 111&sup1;" whole and "²4111 1111 1111 1111&sup2;" as a card between footnotes.
 */
export type Reading = "first" | "glued" | "apart" | "edges";

const LETTER_OR_DECIMAL = /[\p{L}\p{Nd}]/u;
const ALPHANUMERIC = /[\p{L}\p{N}]/u;
const ASCII_ALPHANUMERIC = /^[A-Za-z0-9]+$/;
/** Letters of scripts written with spaces between words, where a letter glued to a digit may be a word's, not the number's. */
const SPACED_SCRIPT_LETTER = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}]/u;

function digitAt(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  return (c >= 48 && c <= 57) || (c >= 128 && DECIMAL.test(text[at] ?? ""));
}

/** Superscript and subscript digits: footnote marks after a word. */
const FOOTNOTE_DIGIT = /[\u00b2\u00b3\u00b9\u2070\u2074-\u2079\u2080-\u2089]/;
/** A word of two letters or more before it: "a² + b²" and "m²" are a power and a unit, not a footnote. */
const WORD_BEFORE = /^\p{L}{2}$/u;

const NEVER = 0;
const GLUES = 1;
const BESIDE_DIGIT = 2;
/** glueKind's verdict on a code point, memoised like foldedChar. */
const glueKinds = new Map<number, number>();

/**
 * Whether a character may be read with the value beside it or apart from it: GLUES for a
 * superscript, subscript, fraction, circled digit or sign whose compatibility form holds a letter or
 * digit ("²", "½", "①", "™") and a letter that stands for an ASCII one ("ᵃ", "ª", "ℓ", "Ａ");
 * BESIDE_DIGIT for an accented letter, which is ambiguous glued to a number ("0132Ā", "2ème").
 */
function glueKind(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  let kind = glueKinds.get(cp);
  if (kind === undefined) {
    const folded = foldCluster(ch);
    if (!LETTER_OR_DECIMAL.test(ch)) kind = ALPHANUMERIC.test(folded) ? GLUES : NEVER;
    else if (folded !== ch && ASCII_ALPHANUMERIC.test(folded) && !DECIMAL.test(ch)) kind = GLUES;
    else kind = SPACED_SCRIPT_LETTER.test(ch) ? BESIDE_DIGIT : NEVER;
    if (glueKinds.size < FOLDED_CHAR_MAX) glueKinds.set(cp, kind);
  }
  return kind;
}

/** Per BMP unit: 0 not yet known, 1 reads as itself wherever it stands, 2 may not. */
const plainChars = new Uint8Array(65536);
/**
 * Whether the UTF-16 unit `c` alone reads as itself in every reading: ASCII but controls, "%" and
 * "&" (escapes may start there); any other character no mark, no invisible, no surrogate, one that
 * folds to itself and is never glued to a value beside it.
 */
function plainChar(c: number): boolean {
  let known = plainChars[c] ?? 2;
  if (known === 0) {
    const ch = String.fromCharCode(c);
    const plain =
      c < 128
        ? c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127 && c !== 37 && c !== 38)
        : c >= 0xa0 && (c < 0xd800 || c > 0xdfff) && !INVISIBLE.test(ch) && !COMBINING.test(ch) && glueKind(ch) === NEVER && foldCluster(ch) === ch;
    known = plain ? 1 : 2;
    plainChars[c] = known;
  }
  return known === 1;
}

/**
 * The length of a character at `text[at]` that may belong to the value before it (see glueKind):
 * a superscript, a compatibility letter, or a reference kept as written; 0 for any other.
 */
export function gluedLengthAt(text: string, at: number): number {
  const cp = text.codePointAt(at);
  if (cp === undefined || cp === 38) return cp === 38 && !referenceForDetection(text, at) ? (readReference(text, at)?.length ?? 0) : 0;
  if (cp < 128) return 0;
  const ch = String.fromCodePoint(cp);
  return glueKind(ch) === GLUES ? ch.length : 0;
}

/** The length of such a character ending at `text[at]` (a reference ends on its semicolon). */
export function gluedLengthBefore(text: string, at: number): number {
  if (at <= 0) return 0;
  if (text[at - 1] === ";") {
    const amp = text.lastIndexOf("&", at - 1);
    if (amp >= 0 && at - amp <= 40 && gluedLengthAt(text, amp) === at - amp) return at - amp;
  }
  const low = text.charCodeAt(at - 1);
  const from = low >= 0xdc00 && low <= 0xdfff && at >= 2 ? at - 2 : at - 1;
  return gluedLengthAt(text, from) === at - from ? at - from : 0;
}

/**
 * For the edges reading: the ambiguous character `value` at original[from, to) joins a word or number
 * right before it that is no such character ("111¹" but not the "²" of "111¹²"), or, being a letter,
 * the word right after it ("ＧB82").
 */
function joinsWord(original: string, from: number, to: number, value: string): boolean {
  const before = original[from - 1] ?? "";
  if (LETTER_OR_DECIMAL.test(before) && gluedLengthBefore(original, from) === 0) return true;
  return /\p{L}/u.test(foldCluster(value)) && LETTER_OR_DECIMAL.test(original[to] ?? "");
}

/** The raw character `first` at original[from, to) is ambiguous there (see glueKind); a letter counts beside a digit or a "+". */
function gluable(original: string, from: number, to: number, first: string): boolean {
  const kind = glueKind(first);
  return kind === GLUES || (kind === BESIDE_DIGIT && (digitAt(original, from - 1) || digitAt(original, to) || original[to] === "+"));
}

const utf8 = new TextDecoder("utf-8");

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/** A percent escape or an HTML character reference is left in `text` ("AT&T" holds none). */
function escapeLeft(text: string): boolean {
  if (PERCENT_ESCAPE.test(text)) return true;
  return holdsReference(text);
}

/**
 * The detection copy of `original`. Escapes that decode to more escapes ("%2540", "&amp;#64;")
 * are decoded again, up to three rounds, the offset maps composed.
 */
export function normalize(original: string, reading: Reading = "first"): NormalizedText {
  const seen: number[] = [];
  let norm = normalizeOnce(original, reading, seen);
  for (let round = 1; round < 3 && norm.segments && escapeLeft(norm.text); round++) {
    // Offsets of a later round are read back through the rounds before it.
    const later: number[] = [];
    const again = normalizeOnce(norm.text, reading, later);
    for (const at of later) note(seen, toOriginal(norm, at, at + 1, original.length)[0]);
    if (!again.segments) break;
    // Each unit of the second round mapped through the first. Runs of units that map alike are
    // one segment: units stepping one original unit each (copied), or units standing for the
    // same original range; toOriginal reads the same offsets from them as from one segment per
    // unit, which cost 16 bytes and an array per character of a long text.
    const segments = new Int32Array(again.text.length * 4);
    let count = 0;
    for (let k = 0; k < again.text.length; k++) {
      const [s1, e1] = toOriginal(again, k, k + 1, norm.text.length);
      const [s0, e0] = toOriginal(norm, s1, Math.max(s1 + 1, e1), original.length);
      const last = (count - 1) * 4;
      if (count > 0) {
        const unitsIn = k - (segments[last] ?? 0);
        const copied = segments[last + 3] === 1;
        const stepping = e0 === s0 + 1 && s0 === (segments[last + 2] ?? 0);
        // A run of one unit may turn into a copied run when the next unit follows it.
        const startsCopy = unitsIn === 1 && !copied && (segments[last + 2] ?? 0) === (segments[last + 1] ?? 0) + 1;
        if ((copied || startsCopy) && stepping) {
          segments[last + 2] = e0;
          segments[last + 3] = 1;
          continue;
        }
        if (!copied && s0 === segments[last + 1] && e0 === segments[last + 2]) continue;
      }
      segments[count * 4] = k;
      segments[count * 4 + 1] = s0;
      segments[count * 4 + 2] = e0;
      segments[count * 4 + 3] = 0;
      count++;
    }
    norm = { text: again.text, segments: segments.subarray(0, count * 4) };
  }
  if (seen.length > AMBIGUOUS_MAX) return { ...norm, ambiguousAt: [] };
  return seen.length > 0 ? { ...norm, ambiguousAt: [...new Set(seen)].sort((a, b) => a - b) } : norm;
}
/** Past this many, the other reading reads the whole text. */
const AMBIGUOUS_MAX = 256;

/** Notes an ambiguous character's offset, up to one past the most worth listing. */
function note(seen: number[], at: number): void {
  if (seen.length <= AMBIGUOUS_MAX) seen.push(at);
}

function normalizeOnce(original: string, reading: Reading, seen: number[]): NormalizedText {
  const apart = reading === "apart";
  const glued = reading === "glued";
  const edges = reading === "edges";
  NEEDS_WORK.lastIndex = 0;
  if (!NEEDS_WORK.test(original)) return { text: original, segments: undefined };
  const b = new Builder();
  let i = 0;
  const len = original.length;
  while (i < len) {
    NEEDS_WORK.lastIndex = i;
    const m = NEEDS_WORK.exec(original);
    const next = m ? m.index : len;
    b.copy(original, i, next);
    i = next;
    if (!m) break;
    const c = original.charCodeAt(i);
    if (c === 37) {
      i = decodePercentRun(original, i, b, reading, seen);
      continue;
    }
    if (c < 0xa0 && CONTROL.test(original[i] ?? "")) {
      i = skipControl(original, i, b);
      continue;
    }
    if (c === 38) {
      let reference = referenceForDetection(original, i);
      if (!reference) {
        // Kept as written, so it stands apart from the value beside it; the glued reading takes it as the character it
        // names, the apart reading as a blank ("VAT &frac12;DE123456789").
        const named = readReference(original, i);
        if (named) {
          note(seen, i);
          if (glued || (edges && joinsWord(original, i, i + named.length, named.value))) reference = named;
          else if (apart || edges) {
            b.emit(" ", i, i + named.length);
            i += named.length;
            continue;
          }
        }
      }
      if (reference) {
        // An invisible character written as a reference ("&#173;", "&shy;", "&#65279;") is dropped like the character
        // itself, before folding could read it as a space.
        b.emit(fold(reference.value.replace(INVISIBLE_ALL, "").normalize("NFKC")).replace(CONTROLS, ""), i, i + reference.length);
        i += reference.length;
      } else {
        b.copy(original, i, i + 1);
        i++;
      }
      continue;
    }
    // A run of characters that read as themselves (most letters of most scripts, and ASCII other
    // than escapes) is copied at once. Its last one, unless ASCII, may take marks after it: it is
    // read below as a cluster (marks after ASCII are dropped, as the loop's start does).
    if (plainChar(c)) {
      let k = i + 1;
      while (k < len && plainChar(original.charCodeAt(k))) k++;
      const end = original.charCodeAt(k - 1) < 128 ? k : k - 1;
      if (end > i) {
        b.copy(original, i, end);
        i = end;
        if (end === k) continue;
      }
    }
    // One cluster: a code point plus the combining marks that follow it.
    const cp = original.codePointAt(i) ?? 0;
    let j = i + (cp > 0xffff ? 2 : 1);
    const first = original.slice(i, j);
    // A mark with no non-ASCII base before it decorates an ASCII character that was copied as
    // is ("4\u0332", the keycap "4\ufe0f\u20e3"): dropped like an invisible character.
    if (INVISIBLE.test(first) || COMBINING.test(first)) {
      i = j;
      continue;
    }
    while (j < len) {
      const d = original.codePointAt(j) ?? 0;
      const ch = String.fromCodePoint(d);
      if (!COMBINING.test(ch) && !INVISIBLE.test(ch)) break;
      j += ch.length;
    }
    if (j === i + 1) {
      // One BMP character alone: its reading is memoised, and one that reads as itself (most
      // letters of most scripts) is copied, so it joins the copied text around it.
      let folded = foldedChar.get(cp);
      if (folded === undefined) {
        folded = foldCluster(first);
        if (foldedChar.size < FOLDED_CHAR_MAX) foldedChar.set(cp, folded);
      }
      if (gluable(original, i, j, first)) {
        note(seen, i);
        // A footnote's digit after a word is apart from it in the first reading too ("Jane Doe¹", "jane.doe@example.com²"):
        // names and addresses end there. The glued reading still takes it as the word's.
        if (
          apart ||
          (edges && !joinsWord(original, i, j, first)) ||
          (reading === "first" && FOOTNOTE_DIGIT.test(first) && WORD_BEFORE.test(original.slice(Math.max(0, i - 2), i)))
        ) {
          b.emit(" ", i, j);
          i = j;
          continue;
        }
      }
      if (folded === first) b.copy(original, i, j);
      else b.emit(folded, i, j);
      i = j;
      continue;
    }
    const cluster = original.slice(i, j).replace(INVISIBLE_ALL, "");
    const folded = foldCluster(cluster);
    if (gluable(original, i, j, first)) {
      note(seen, i);
      if (apart || (edges && !joinsWord(original, i, j, first))) {
        b.emit(" ", i, j);
        i = j;
        continue;
      }
    }
    b.emit(folded, i, j);
    i = j;
  }
  return b.result();
}

const ESCAPE_START = /[\x1b\x90-\x9f]/;

/**
 * `text` without its terminal escape sequences (colours, titles), for a reader that tells text
 * from binary by its share of control characters: coloured terminal output is text, whose values
 * the detection copy reads once the sequences are gone.
 */
export function withoutEscapeSequences(text: string): string {
  if (!ESCAPE_START.test(text)) return text;
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x1b && (c < 0x90 || c > 0x9f)) continue;
    ESCAPE_SEQUENCE.lastIndex = i;
    const m = ESCAPE_SEQUENCE.exec(text);
    if (!m) continue;
    out += text.slice(from, i);
    from = i + m[0].length;
    i = from - 1;
  }
  return out + text.slice(from);
}

/**
 * Drops the control character or escape sequence at `at`, or turns it into the break it stands
 * for (U+0085, next line). Returns where the text goes on.
 */
function skipControl(original: string, at: number, b: Builder): number {
  const c = original.charCodeAt(at);
  if (c === 0x85) {
    b.emit("\n", at, at + 1);
    return at + 1;
  }
  if (c === 0x1b || (c >= 0x90 && c <= 0x9f)) {
    ESCAPE_SEQUENCE.lastIndex = at;
    const m = ESCAPE_SEQUENCE.exec(original);
    if (m) return at + m[0].length;
  }
  return at + 1;
}

/** Decodes a run of %XX escapes from `at`: ASCII bytes one by one, other bytes as UTF-8 groups. */
function decodePercentRun(original: string, at: number, b: Builder, reading: Reading, seen: number[]): number {
  let i = at;
  let groupStart = -1;
  const bytes: number[] = [];
  const flush = (end: number) => {
    if (bytes.length === 0) return;
    let decoded = utf8.decode(new Uint8Array(bytes));
    // An escaped superscript or modifier letter ("%C2%B9") is as ambiguous as the raw one.
    if ([...decoded].some((ch) => glueKind(ch) === GLUES)) {
      note(seen, groupStart);
      if (reading === "apart") decoded = [...decoded].map((ch) => (glueKind(ch) === GLUES ? " " : ch)).join("");
    }
    b.emit(fold(decoded.normalize("NFKC")), groupStart, end);
    bytes.length = 0;
    groupStart = -1;
  };
  for (;;) {
    PERCENT.lastIndex = i;
    const m = PERCENT.exec(original);
    if (!m) break;
    const byte = Number.parseInt(m[1] ?? "0", 16);
    if (byte < 0x80) {
      flush(i);
      // An escaped control character ("%00") is dropped like a raw one.
      if (!CONTROL.test(String.fromCharCode(byte))) b.emit(String.fromCharCode(byte), i, i + 3);
    } else {
      if (groupStart < 0) groupStart = i;
      bytes.push(byte);
    }
    i += 3;
  }
  flush(i);
  if (i === at) {
    b.copy(original, i, i + 1);
    return i + 1;
  }
  return i;
}

/** Index (in fours) of the segment holding normalised unit `unit`. */
function segmentOf(segments: Int32Array, unit: number): number {
  let lo = 0;
  let hi = segments.length / 4 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid * 4] ?? 0) <= unit) lo = mid;
    else hi = mid - 1;
  }
  return lo * 4;
}

/** Maps a normalised span [start, end) back to the original text. */
export function toOriginal(norm: NormalizedText, start: number, end: number, originalLength: number): [number, number] {
  const segments = norm.segments;
  if (!segments) return [start, end];
  if (segments.length === 0 || end <= start) return [originalLength, originalLength];
  const a = segmentOf(segments, start);
  const s = segments[a + 3] === 1 ? (segments[a + 1] ?? 0) + (start - (segments[a] ?? 0)) : (segments[a + 1] ?? 0);
  const b = segmentOf(segments, end - 1);
  const e = segments[b + 3] === 1 ? (segments[b + 1] ?? 0) + (end - 1 - (segments[b] ?? 0)) + 1 : (segments[b + 2] ?? 0);
  return [Math.min(s, originalLength), Math.min(Math.max(s, e), originalLength)];
}

/**
 * A run of three or more groups of letters and digits joined by one and the same separator that
 * the number detectors do not read, alone or with a space on each side ("4111|1111|1111|1111", "+1;415;555;0123", "DE89/3704/…",
 * U+2800 or a bullet between groups). Dots and dashes are theirs already (and a dotted run is an
 * IP address or a version). At least 7 digits, and no more letters than digits; not the cells of
 * a table row or CSV line (a letters-only first cell, or the separator at the run's edge).
 */
const SEPARATED_GROUPS =
  /(?<![\p{L}\p{N}\p{M}]|[\p{L}\p{N}][^\p{L}\p{N}\p{M}\s])\+?[\p{L}\p{N}]{1,6}([^\p{L}\p{N}\p{M}\s.-]| [^\p{L}\p{N}\p{M}\s.,-] )[\p{L}\p{N}]{1,6}(?:\1[\p{L}\p{N}]{1,6}){1,10}(?![\p{L}\p{N}\p{M}]|\1[\p{L}\p{N}])/gu;
/** A number in thousands ("4,111,111,111,111,111", "1'234'567"): an amount, not digit groups. */
const THOUSANDS = /^\d{1,3}(?:[^\d]\d{3})+$/;
const GROUP_SEPARATOR_HINT = /\p{N} ?[^\p{L}\p{N}\p{M}\s.-] ?\p{N}/u;
/** Seven ASCII digits on one line (a run is read only with seven: see groupSeparatorsAsSpaces). */
const SEVEN_DIGITS = /\d(?:[^\n\d]*\d){6}/g;

/**
 * What a separator with a space on each side (" | ") becomes in that view: a hyphen (U+2010) the
 * detection copy never holds (its dashes are "-"), so the number detectors can accept it without
 * reading every " - " between clauses as a group separator.
 */
export const SPACED_GROUP_SEPARATOR = " \u2010 ";

let lastSpacedIn = "";
let lastSpacedOut = "";

/**
 * `text` (a detection copy) with the separators of digit-group runs (see SEPARATED_GROUPS) turned
 * into spaces, same length and offsets: the card, phone and IBAN detectors read it, and their
 * checks (Luhn, the numbering plan, mod 97) still decide. The last answer is kept, since the three
 * detectors ask for the same text in turn.
 */
export function groupSeparatorsAsSpaces(text: string): string {
  if (text === lastSpacedIn) return lastSpacedOut;
  let out = text;
  if (GROUP_SEPARATOR_HINT.test(text)) {
    // Pieces joined once at the end: rebuilding the whole string at each run was quadratic in
    // the text's length (a 4 MB prompt with a few hundred runs spent most of its time here).
    const parts: string[] = [];
    let copiedTo = 0;
    // Only a line holding seven digits can hold a run that is read (the check below), and no run
    // crosses a line break: the other lines are skipped. A line read alone matches as in the
    // whole text, since its line break satisfies every look-around as the text's edges do.
    for (const [lineStart, lineEnd] of linesHolding(text, SEVEN_DIGITS)) {
      const line = text.slice(lineStart, lineEnd);
      SEPARATED_GROUPS.lastIndex = 0;
      for (let m = SEPARATED_GROUPS.exec(line); m; m = SEPARATED_GROUPS.exec(line)) {
        const index = lineStart + m.index;
        const run = m[0];
        const digits = run.replace(/\D/g, "").length;
        const letters = run.replace(/[^\p{L}]/gu, "").length;
        if (digits < 7 || letters > digits || THOUSANDS.test(run)) continue;
        const sep = m[1] ?? "";
        // Cells of a table row or a CSV line ("| North | 4521 | 3310 | …", "North;4521;3310;…"): a
        // first group of letters alone is a label (an IBAN's bank code sits inside the run), and a separator before or after the run is the row's
        // edge; a card, phone or IBAN written with separators has neither. Read in the whole text (over line breaks).
        const edge = sep.trim();
        if (
          /^\p{L}+$/u.test(run.split(sep)[0] ?? "") ||
          text.slice(0, index).trimEnd().endsWith(edge) ||
          text
            .slice(index + run.length)
            .trimStart()
            .startsWith(edge)
        )
          continue;
        // Same length: a separator outside the BMP is two code units, and two spaces.
        const spaced = sep.length === 3 ? SPACED_GROUP_SEPARATOR : " ".repeat(sep.length);
        parts.push(text.slice(copiedTo, index), run.split(sep).join(spaced));
        copiedTo = index + run.length;
      }
    }
    if (parts.length > 0) {
      parts.push(text.slice(copiedTo));
      out = parts.join("");
    }
  }
  lastSpacedIn = text;
  lastSpacedOut = out;
  return out;
}

/**
 * Cyrillic and Greek letters drawn like Latin capitals (and their small forms), by code point, for
 * values whose letters a checksum validates afterwards (IBANs, a mail domain's suffix): "DЕ89" with
 * a Cyrillic Е is read as DE89 and must then pass mod 97. Fullwidth and mathematical letters are
 * NFKC's; this is the part NFKC leaves alone (Unicode's confusables, letters only).
 */
const LATIN_LOOKALIKES = new Map<number, string>();
for (const [latin, lookalikes] of [
  ["A", "\u0410\u0430\u0391\u03b1"],
  ["B", "\u0412\u0432\u0392\u03b2"],
  ["C", "\u0421\u0441\u03f9\u03f2"],
  ["D", "\u0500\u0501"],
  ["E", "\u0415\u0435\u0395\u03b5"],
  ["H", "\u041d\u043d\u0397\u04ba\u04bb"],
  ["I", "\u0406\u0456\u0399\u03b9\u04c0\u0131"],
  ["J", "\u0408\u0458\u037f\u03f3"],
  ["K", "\u041a\u043a\u039a\u03ba"],
  ["M", "\u041c\u043c\u039c"],
  ["N", "\u039d"],
  ["O", "\u041e\u043e\u039f\u03bf"],
  ["P", "\u0420\u0440\u03a1\u03c1"],
  ["Q", "\u051a\u051b"],
  ["S", "\u0405\u0455"],
  ["T", "\u0422\u0442\u03a4\u03c4"],
  ["V", "\u0474\u0475\u03bd"],
  ["W", "\u051c\u051d"],
  ["X", "\u0425\u0445\u03a7\u03c7"],
  ["Y", "\u04ae\u04af\u0423\u0443\u03a5\u03c5"],
  ["Z", "\u0396"],
] as const) {
  for (const ch of lookalikes) LATIN_LOOKALIKES.set(ch.charCodeAt(0), latin);
}

const LOOKALIKE_RANGE = /[\u037f-\u052f]/;
const LOOKALIKES = /[\u037f-\u052f]/g;

/**
 * `text` with letters in capitals and the look-alikes above as their Latin capitals, same length
 * and offsets. Only for detectors whose result a checksum or a registry then validates.
 */
export function latinCapitals(text: string): string {
  let out = text.toUpperCase();
  // A few letters grow in capitals ("ß" -> "SS"): then ASCII letters only.
  if (out.length !== text.length) out = text.replace(/[a-z]+/g, (w) => w.toUpperCase());
  return LOOKALIKE_RANGE.test(out) ? out.replace(LOOKALIKES, (ch) => LATIN_LOOKALIKES.get(ch.charCodeAt(0)) ?? ch) : out;
}
