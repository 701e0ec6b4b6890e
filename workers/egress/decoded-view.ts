// An answer read once more as its reader would decode it: escapes undone and line breaks dropped,
// so that a secret an upstream wrote through one more layer (base64 folded into a JSON string with
// `\n` between its lines, PHP's `\/`, percent-encoded in a URL, quoted-printable, RFC 2047 words,
// hex with separators, the Latin-1 reading of UTF-8 JSON-escaped) spells one of the scrubber's forms
// again. One pass, no nesting: the scrubber's own spellings cover the common layers directly, this
// view the layer on top of them. Each byte of the view knows the bytes of the answer it came from,
// so what is found here is redacted there, escapes and all.

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

/** What a JSON, JavaScript or Python escape after a backslash stands for, when it is one byte. */
const SIMPLE_ESCAPE: Record<number, number> = { 47: 47, 92: 92, 34: 34, 39: 39 };
/** Escaped line breaks and tabs: dropped like the raw ones. */
const ESCAPED_BREAK = new Set([110, 114, 116]); // n r t
const NAMED_ENTITY: Record<string, number> = { amp: 38, lt: 60, gt: 62, quot: 34, apos: 39 };
/** An RFC 2047 encoded word: charset, B or Q, text. */
const ENCODED_WORD = /^=\?[^?\s]{1,40}\?([bBqQ])\?([^?\s]*)\?=/;
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

/** Bytes a quoted-printable text stands for (`=XX`; in a Q word also `_` for a space). */
function quotedPrintable(text: string, word: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c === EQUALS ? Number.parseInt(text.slice(i + 1, i + 3), 16) : Number.NaN;
    if (!Number.isNaN(v) && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      out.push(v);
      i += 2;
    } else out.push(word && c === 95 ? SPACE : c & 255);
  }
  return out;
}

function base64Bytes(text: string): number[] | null {
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, ""));
    return Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * One unit of the answer at `i` decoded: how many bytes it spans and what it stands for (empty
 * when it is dropped), or null when the byte stands for itself.
 */
function unitAt(data: Uint8Array, i: number): number {
  const b = data[i] as number;
  const next = data[i + 1];
  switch (b) {
    case CR:
    case LF: {
      // A line break and the indentation or folding after it.
      let k = i + 1;
      while (k < data.length && (data[k] === SPACE || data[k] === TAB || data[k] === CR || data[k] === LF)) k++;
      return k - i;
    }
    case TAB:
      return 1;
    case BACKSLASH: {
      if (next === undefined) return 0;
      if (ESCAPED_BREAK.has(next)) {
        // An escaped line break and the indentation after it, as a raw one.
        let k = i + 2;
        while (k < data.length && (data[k] === SPACE || data[k] === TAB)) k++;
        return k - i;
      }
      const simple = SIMPLE_ESCAPE[next];
      if (simple !== undefined) {
        put(simple);
        return 2;
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
        // A surrogate pair written as two escapes is one character.
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
      if (v < 0) return 0;
      put(v);
      return 3;
    }
    case AMPERSAND:
      return entity(data, i);
    case SPACE:
    case COLON:
      // Between the byte pairs of hex written spaced or with colons (`73 6b 5f`, `73:6b:5f`).
      return hexPair(data, i - 2) && hexPair(data, i + 1) ? 1 : 0;
    default:
      return 0;
  }
}

/** What may stand around the byte pairs of hex written apart: the text's ends, blanks, colons, line breaks. */
const HEX_APART = new Uint8Array(256);
for (const b of [SPACE, COLON, TAB, CR, LF]) HEX_APART[b] = 1;

/** Two hex digits standing alone between separators at `i` (a line break may come first). */
function hexPair(data: Uint8Array, i: number): boolean {
  while (data[i] === CR || data[i] === LF) i++;
  return (
    i >= 0 &&
    hexAt(data, i, 2) >= 0 &&
    (i === 0 || HEX_APART[data[i - 1] as number] === 1) &&
    (i + 2 === data.length || HEX_APART[data[i + 2] as number] === 1)
  );
}

/** An HTML character reference (`&#115;`, `&#x73;`, `&amp;`). */
function entity(data: Uint8Array, i: number): number {
  const semicolon = i + 1 + data.subarray(i + 1, i + 11).indexOf(59);
  if (semicolon === i) return 0;
  const name = latin1.decode(data.subarray(i + 1, semicolon));
  const named = NAMED_ENTITY[name];
  const code = named ?? (/^#\d{1,7}$/.test(name) ? Number(name.slice(1)) : /^#x[0-9a-f]{1,6}$/i.test(name) ? Number.parseInt(name.slice(2), 16) : -1);
  if (code < 0 || code > 0x10ffff) return 0;
  utf8(code);
  return semicolon + 1 - i;
}

/** RFC 2047 encoded words from `i` on, with the blanks between adjacent ones (which readers drop). */
function encodedWords(data: Uint8Array, i: number): number {
  let at = i;
  let end = i;
  for (;;) {
    const match = ENCODED_WORD.exec(latin1.decode(data.subarray(at, at + 400)));
    if (!match) break;
    const text = match[2] as string;
    const bytes = /b/i.test(match[1] as string) ? base64Bytes(text) : quotedPrintable(text, true);
    if (!bytes) break;
    for (const b of bytes) put(b);
    end = at + match[0].length;
    at = end;
    while (at < data.length && (data[at] === SPACE || data[at] === TAB || data[at] === CR || data[at] === LF)) at++;
  }
  return end - i;
}

/** Bytes that may start a unit: when the answer holds none, the view is the answer itself. */
const TRIGGER = new Uint8Array(256);
for (const b of [CR, LF, TAB, BACKSLASH, PERCENT, EQUALS, AMPERSAND]) TRIGGER[b] = 1;
TRIGGER[SPACE] = 2;
TRIGGER[COLON] = 2;

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
  for (let i = 0; i < data.length; ) {
    const b = data[i] as number;
    let span = 0;
    const trigger = TRIGGER[b] as number;
    // A blank or colon matters only after a hex digit: checked here, not in a call per blank.
    if (trigger === 1 || (trigger === 2 && i > 0 && (HEX[data[i - 1] as number] as number) >= 0)) {
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
