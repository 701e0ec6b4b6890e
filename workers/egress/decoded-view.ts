// An answer read once more as its reader would decode it: escapes undone and line breaks dropped,
// so that a secret an upstream wrote through one more layer (base64 folded into a JSON string with
// `\n` between its lines, PHP's `\/`, percent-encoded in a URL, quoted-printable, RFC 2047 words,
// hex with separators, the Latin-1 reading of UTF-8 JSON-escaped) spells one of the scrubber's forms
// again. One pass, no nesting: the scrubber's own spellings cover the common layers directly, this
// view the layer on top of them. Each byte of the view knows the bytes of the answer it came from,
// so what is found here is redacted there, escapes and all.

import { base64Decoded, quotedPrintableDecoded } from "../pii/body-formats.js";
import { referenceForDetection } from "../pii/references.js";

/** The view's bytes; with `mapped`, where each came from in the answer: `[start[v], end[v])`. */
export interface DecodedView {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
}

const HEX = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX[48 + d] = d;
for (let d = 0; d < 6; d++) {
  HEX[65 + d] = 10 + d;
  HEX[97 + d] = 10 + d;
}
const hexAt = (data: Uint8Array, i: number, n: number): number => {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const h = HEX[data[i + k] ?? 0] as number;
    if (h < 0 || i + k >= data.length) return -1;
    v = v * 16 + h;
  }
  return v;
};

const CR = 13;
const LF = 10;
const TAB = 9;
const SPACE = 32;
const BACKSLASH = 92;
const PERCENT = 37;
const EQUALS = 61;
const AMPERSAND = 38;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const ZERO = 48;
const PIPE = 124;
const QUESTION = 63;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const SEPARATOR = new Uint8Array(256);
for (const b of [SPACE, COLON, DASH]) SEPARATOR[b] = 1;
/** Blanks: what may stand between RFC 2047 words and inside folded lines. */
const BLANK = new Uint8Array(256);
for (const b of [SPACE, TAB, CR, LF]) BLANK[b] = 1;

/** ASCII punctuation: a backslash before one stands for it (JSON's `\/`, Markdown's `\_`, JavaScript's identity escapes). */
const PUNCTUATION = new Uint8Array(256);
for (const c of "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") PUNCTUATION[c.charCodeAt(0)] = 1;
/** Escaped line breaks and tabs: dropped like the raw ones. */
const ESCAPED_BREAK = new Set([110, 114, 116]); // n r t
const latin1 = new TextDecoder("latin1");

/**
 * Where a unit writes what it stands for: the view's bytes from `size` on (a unit never stands for
 * more bytes than it spans, so the view never outgrows the answer); `produced` counts them.
 */
let sink = new Uint8Array(0);
let sinkAt = 0;
let produced = 0;
const put = (b: number) => {
  sink[sinkAt + produced++] = b;
};
/** The line being read is a hex dump's (its offset column was dropped): its printable column goes too. */
let dumpLine = false;

function utf8(code: number): void {
  if (code < 0x80) put(code);
  else if (code < 0x800) {
    put(0xc0 | (code >> 6));
    put(0x80 | (code & 63));
  } else if (code < 0x10000) {
    put(0xe0 | (code >> 12));
    put(0x80 | ((code >> 6) & 63));
    put(0x80 | (code & 63));
  } else {
    put(0xf0 | (code >> 18));
    put(0x80 | ((code >> 12) & 63));
    put(0x80 | ((code >> 6) & 63));
    put(0x80 | (code & 63));
  }
}

const isAlnum = (b: number | undefined) => b !== undefined && ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122));

/**
 * One unit of the answer at `i` decoded: how many bytes it spans (0: the byte stands for itself);
 * what it stands for is `put` (nothing when it is dropped).
 */
function unitAt(data: Uint8Array, i: number): number {
  const b = data[i] as number;
  const next = data[i + 1];
  switch (b) {
    case CR:
    case LF: {
      // A line break and the indentation or folding after it; a hex dump's offset column too.
      let k = i + 1;
      while (k < data.length && (data[k] === SPACE || data[k] === TAB || data[k] === CR || data[k] === LF)) k++;
      dumpLine = false;
      return k - i + dumpOffset(data, k);
    }
    case TAB:
      return 1;
    case BACKSLASH:
      return backslashEscape(data, i, next);
    case PERCENT: {
      const v = hexAt(data, i + 1, 2);
      if (v < 0) return 0;
      put(v);
      return 3;
    }
    case EQUALS: {
      // Quoted-printable: a soft line break, an escaped byte; or an RFC 2047 encoded word.
      if (next === CR && data[i + 2] === LF) return 3;
      if (next === LF) return 2;
      if (next === 63 /* ? */) return encodedWords(data, i);
      const v = hexAt(data, i + 1, 2);
      // "key=73:6B:…" is hex written apart after a field's "=", not a quoted-printable byte.
      if (v < 0 || (SEPARATOR[data[i + 3] as number] === 1 && hexSeparator(data, i + 3) > 0)) return 0;
      put(v);
      return 3;
    }
    case AMPERSAND:
      return entity(data, i);
    case OPEN_BRACKET:
      return decimalBytes(data, i);
    case ZERO:
      return next === 120 || next === 88 ? prefixedHexBytes(data, i) : 0;
    case SPACE:
      if (dumpLine) {
        const column = printableColumn(data, i);
        if (column > 0) return column;
      }
      return hexSeparator(data, i);
    case COLON:
    case DASH:
      return hexSeparator(data, i);
    default:
      return 0;
  }
}

/** A backslash escape: a line break dropped, punctuation, `\xHH`, `\uXXXX` (a surrogate pair as one character). */
function backslashEscape(data: Uint8Array, i: number, next: number | undefined): number {
  if (next === undefined) return 0;
  if (ESCAPED_BREAK.has(next)) {
    // An escaped line break and the indentation after it, as a raw one.
    let k = i + 2;
    while (k < data.length && (data[k] === SPACE || data[k] === TAB)) k++;
    return k - i;
  }
  if (PUNCTUATION[next] === 1) {
    // Written twice over (Markdown's `\_` inside a JSON string: `\\_`), the mark is still the mark.
    const twice = next === BACKSLASH && PUNCTUATION[data[i + 2] ?? 0] === 1 && data[i + 2] !== BACKSLASH;
    put(twice ? (data[i + 2] as number) : next);
    return twice ? 3 : 2;
  }
  if (next === 120 /* x */) {
    const v = hexAt(data, i + 2, 2);
    if (v < 0) return 0;
    put(v);
    return 4;
  }
  if (next === 117 /* u */) {
    const unit = hexAt(data, i + 2, 4);
    if (unit < 0) return 0;
    if (unit >= 0xd800 && unit < 0xdc00 && data[i + 6] === BACKSLASH && data[i + 7] === 117) {
      const low = hexAt(data, i + 8, 4);
      if (low >= 0xdc00 && low < 0xe000) {
        utf8(0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
        return 12;
      }
    }
    utf8(unit);
    return 6;
  }
  return 0;
}

/** The length of the run of hex digits at `i` (forward) or ending before `i` (backward). */
function hexRun(data: Uint8Array, i: number, step: 1 | -1): number {
  let n = 0;
  for (let k = step === 1 ? i : i - 1; k >= 0 && k < data.length && (HEX[data[k] as number] as number) >= 0; k += step) n++;
  return n;
}

/**
 * Blanks, a colon or a dash between groups of hex digits written apart (`73 6b 5f`, `73:6B:5F`,
 * .NET's `73-6B-5F`, xxd's `736b 5f6c`, hexdump's double space): each group two to eight digits,
 * an even count, standing alone (no letter or digit beyond it).
 */
function hexSeparator(data: Uint8Array, i: number): number {
  const before = hexRun(data, i, -1);
  if (before < 2 || before > 8 || before % 2 !== 0 || isAlnum(data[i - before - 1])) return 0;
  let k = i + 1;
  if (data[i] === SPACE) while (k < i + 3 && data[k] === SPACE) k++;
  // A separator may end a line of the dump: the next group opens the next line.
  while (k < data.length && k < i + 12 && BLANK[data[k] as number]) k++;
  const after = hexRun(data, k, 1);
  if (after < 2 || after > 8 || after % 2 !== 0 || isAlnum(data[k + after])) return 0;
  return k - i;
}

/** A hex dump's offset column at the start of a line (`00000010: ` of xxd, `00000010  ` of hexdump -C and Go's hex.Dump). */
function dumpOffset(data: Uint8Array, i: number): number {
  const run = hexRun(data, i, 1);
  if (run < 6 || run > 8) return 0;
  let k = i + run;
  if (data[k] === COLON) k++;
  if (data[k] !== SPACE) return 0;
  while (data[k] === SPACE && k < i + run + 3) k++;
  if (hexRun(data, k, 1) < 2) return 0;
  dumpLine = true;
  return k - i;
}

/** A dump line's printable column: blanks, then `|…|` (hexdump -C) or up to 16 printable characters (xxd), to the line's end. */
function printableColumn(data: Uint8Array, i: number): number {
  let k = i;
  while (data[k] === SPACE && k < i + 4) k++;
  if (k - i < 2) return 0;
  const from = k;
  while (k < data.length && data[k] !== CR && data[k] !== LF && k - from <= 18) {
    if ((data[k] as number) < 0x20 || (data[k] as number) > 0x7e) return 0;
    k++;
  }
  const column = k - from;
  if (k < data.length && data[k] !== CR && data[k] !== LF) return 0;
  const barred = data[from] === PIPE && data[k - 1] === PIPE && column >= 3;
  return barred || (column >= 1 && column <= 16) ? k - i : 0;
}

/** A list of byte values in decimal (`[66, 101, 97]`: Java's Arrays.toString, Rust's `{:?}`, Go's `[66 101 97]`, Node's Buffer JSON). */
function decimalBytes(data: Uint8Array, i: number): number {
  let k = i + 1;
  let count = 0;
  const at = produced;
  for (;;) {
    let v = 0;
    let digits = 0;
    while (digits < 4 && (data[k] as number) >= 48 && (data[k] as number) <= 57) {
      v = v * 10 + (data[k] as number) - 48;
      digits++;
      k++;
    }
    if (digits === 0 || digits > 3 || v > 255) break;
    put(v);
    count++;
    if (data[k] === CLOSE_BRACKET) return count >= 4 ? k + 1 - i : undo(at);
    if (data[k] === COMMA) k++;
    if (data[k] === SPACE) k++;
    else if (data[k - 1] !== COMMA) break;
  }
  return undo(at);
}

/** Bytes as `0x`-prefixed hex (`0x73, 0x6b`: C initialisers, Java's HexFormat with a prefix). */
function prefixedHexBytes(data: Uint8Array, i: number): number {
  if (isAlnum(data[i - 1])) return 0;
  let k = i;
  let count = 0;
  let end = i;
  const at = produced;
  while (data[k] === ZERO && (data[k + 1] === 120 || data[k + 1] === 88)) {
    const digits = hexRun(data, k + 2, 1);
    if (digits === 0 || digits > 2) break;
    put(hexAt(data, k + 2, digits));
    count++;
    k += 2 + digits;
    end = k;
    if (data[k] === COMMA) k++;
    while (data[k] === SPACE) k++;
  }
  return count >= 4 ? end - i : undo(at);
}

/** Takes back what a unit put before it found it was none. */
function undo(at: number): number {
  produced = at;
  return 0;
}

/** An HTML character reference (`&#115;`, `&#x73;`, `&amp;`, `&lowbar;`, `&#x40` without its semicolon), read as the detection copy reads one. */
function entity(data: Uint8Array, i: number): number {
  // The longest reference name has 31 letters; a number may be longer with zero padding ("&#0000…0064;"), which a browser
  // reads too: the window runs on over its digits to the mark after them. The byte before comes too (a letter glued to a digit stays as written).
  let end = Math.min(data.length, i + 40);
  while (end < data.length && end - i < 4096 && (HEX[data[end] as number] as number) >= 0) end++;
  end = Math.min(data.length, end + 1);
  const from = i > 0 ? i - 1 : i;
  const reference = referenceForDetection(latin1.decode(data.subarray(from, end)), i - from);
  if (!reference) return 0;
  for (const ch of reference.value) utf8(ch.codePointAt(0) ?? 0xfffd);
  return reference.length;
}

/** The length of an RFC 2047 encoded word at `at` (`=?charset?B|Q?text?=`) and where its text lies, or null: read byte by byte, so a stray `=?` costs a few reads. */
function encodedWordAt(data: Uint8Array, at: number): { end: number; b: boolean; text: [number, number] } | null {
  let k = at + 2;
  while (k < data.length && k - at < 44 && data[k] !== QUESTION && !BLANK[data[k] as number]) k++;
  if (data[k] !== QUESTION || k === at + 2) return null;
  const kind = (data[k + 1] as number) | 0x20;
  if ((kind !== 98 && kind !== 113) || data[k + 2] !== QUESTION) return null;
  const from = k + 3;
  k = from;
  while (k < data.length && k - from < 1024 && data[k] !== QUESTION && !BLANK[data[k] as number]) k++;
  if (data[k] !== QUESTION || data[k + 1] !== EQUALS) return null;
  return { end: k + 2, b: kind === 98, text: [from, k] };
}

/** RFC 2047 encoded words from `i` on, with the blanks between adjacent ones (which readers drop). */
function encodedWords(data: Uint8Array, i: number): number {
  let at = i;
  let end = i;
  for (let word = encodedWordAt(data, at); word; word = encodedWordAt(data, at)) {
    const text = data.subarray(word.text[0], word.text[1]);
    // A Q word writes a space as "_".
    const bytes = word.b ? base64Decoded(text) : quotedPrintableDecoded(text.map((b) => (b === 95 ? SPACE : b)));
    if (!bytes) break;
    for (const b of bytes) put(b);
    end = word.end;
    at = end;
    while (at < data.length && BLANK[data[at] as number]) at++;
  }
  return end - i;
}

/** Bytes that may start a unit: when the answer holds none, the view is the answer itself. */
const TRIGGER = new Uint8Array(256);
for (const b of [CR, LF, TAB, BACKSLASH, PERCENT, EQUALS, AMPERSAND, OPEN_BRACKET]) TRIGGER[b] = 1;
// Separators matter only after a hex digit, a zero only before an x: checked inline, not in a call per byte.
for (const b of [SPACE, COLON, DASH]) TRIGGER[b] = 2;
TRIGGER[ZERO] = 3;

/**
 * The answer decoded, or null when decoding changes nothing. With `mapped` false, `start` and
 * `end` are left empty (the scrubber maps back only once it found something).
 */
export function decodedView(data: Uint8Array, mapped: boolean): DecodedView | null {
  const bytes = new Uint8Array(data.length);
  const start = new Int32Array(mapped ? data.length : 0);
  const end = new Int32Array(mapped ? data.length : 0);
  let size = 0;
  let changed = false;
  sink = bytes;
  dumpLine = false;
  produced = 0;
  sinkAt = 0;
  // A hex dump's first line has no line break before its offset.
  const firstOffset = dumpOffset(data, 0);
  if (firstOffset > 0) changed = true;
  for (let i = firstOffset; i < data.length; ) {
    const b = data[i] as number;
    let span = 0;
    const trigger = TRIGGER[b] as number;
    if (
      trigger === 1 ||
      (trigger === 2 && i > 0 && (HEX[data[i - 1] as number] as number) >= 0) ||
      (trigger === 3 && (data[i + 1] === 120 || data[i + 1] === 88))
    ) {
      sinkAt = size;
      produced = 0;
      span = unitAt(data, i);
    }
    if (span === 0) {
      if (mapped) {
        start[size] = i;
        end[size] = i + 1;
      }
      bytes[size++] = b;
      i++;
      continue;
    }
    changed = true;
    if (mapped) {
      start.fill(i, size, size + produced);
      end.fill(i + span, size, size + produced);
    }
    size += produced;
    i += span;
  }
  sink = new Uint8Array(0);
  if (!changed) return null;
  return { bytes: bytes.subarray(0, size), start, end };
}
