// Detection copy of a text: percent-encoding and HTML character references decoded, invisible
// and format characters removed, NFKC applied, every Unicode decimal digit turned into its ASCII
// digit and dashes and spaces unified, with a map from every normalised offset back to the
// original so masking replaces the right span.

/** Zero-width, bidi, soft hyphen, word joiners, BOM, variation selectors, tags, fillers. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: the class lists invisible code points one by one on purpose
const INVISIBLE = /[\p{Cf}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFE00-\uFE0F\uFFA0]|\uDB40[\uDC00-\uDDEF]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");
/** Anything that may change: non-ASCII, a percent escape, an HTML character reference. */
const NEEDS_WORK = /[^\x00-\x7F]|%[0-9A-Fa-f]{2}|&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});/g;
const COMBINING = /\p{M}/u;
const DECIMAL = /\p{Nd}/u;
const DASH = /[\p{Pd}\u2212]/u;
const SPACE = /\s/u;
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z]{2,8}));/y;
const PERCENT = /%([0-9A-Fa-f]{2})/y;

/** The named references that matter for hiding values (the rest stay as written). */
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  commat: "@",
  period: ".",
  plus: "+",
  minus: "-",
  hyphen: "-",
  dash: "-",
  ndash: "-",
  mdash: "-",
  lpar: "(",
  rpar: ")",
  num: "#",
  colon: ":",
  comma: ",",
  sol: "/",
  lowbar: "_",
  percnt: "%",
  dollar: "$",
  semi: ";",
};

export interface NormalizedText {
  text: string;
  /** Original start of normalised unit i; undefined when the text is unchanged. */
  starts: Int32Array | undefined;
  /** Original end (exclusive) of the cluster normalised unit i came from. */
  ends: Int32Array | undefined;
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
  starts: Int32Array;
  ends: Int32Array;
  n = 0;

  constructor(size: number) {
    this.starts = new Int32Array(size + 64);
    this.ends = new Int32Array(size + 64);
  }

  #ensure(extra: number): void {
    if (this.n + extra <= this.starts.length) return;
    const cap = Math.max(this.starts.length * 2, this.n + extra);
    const s = new Int32Array(cap);
    s.set(this.starts);
    this.starts = s;
    const e = new Int32Array(cap);
    e.set(this.ends);
    this.ends = e;
  }

  /** Original text copied as is, unit by unit. */
  copy(original: string, from: number, to: number): void {
    if (to <= from) return;
    this.#ensure(to - from);
    this.parts.push(original.slice(from, to));
    for (let k = from; k < to; k++) {
      this.starts[this.n] = k;
      this.ends[this.n] = k + 1;
      this.n++;
    }
  }

  /** `out` stands for original [from, to). */
  emit(out: string, from: number, to: number): void {
    this.#ensure(out.length);
    this.parts.push(out);
    for (let k = 0; k < out.length; k++) {
      this.starts[this.n] = from;
      this.ends[this.n] = to;
      this.n++;
    }
  }
}

function decodeEntity(m: RegExpExecArray): string | undefined {
  const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : m[2] !== undefined ? Number.parseInt(m[2], 16) : undefined;
  if (code !== undefined) return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : undefined;
  return NAMED[(m[3] ?? "").toLowerCase()];
}

const utf8 = new TextDecoder("utf-8");

const ESCAPE_LEFT = /%[0-9A-Fa-f]{2}|&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});/;

/**
 * The detection copy of `original`. Escapes that decode to more escapes ("%2540", "&amp;#64;")
 * are decoded again, up to three rounds, the offset maps composed.
 */
export function normalize(original: string): NormalizedText {
  let norm = normalizeOnce(original);
  for (let round = 1; round < 3 && norm.starts && ESCAPE_LEFT.test(norm.text); round++) {
    const again = normalizeOnce(norm.text);
    if (!again.starts || !again.ends || !norm.ends) break;
    const starts = new Int32Array(again.starts.length);
    const ends = new Int32Array(again.ends.length);
    for (let k = 0; k < starts.length; k++) {
      starts[k] = norm.starts[again.starts[k] ?? 0] ?? original.length;
      ends[k] = norm.ends[(again.ends[k] ?? 1) - 1] ?? original.length;
    }
    norm = { text: again.text, starts, ends };
  }
  return norm;
}

function normalizeOnce(original: string): NormalizedText {
  NEEDS_WORK.lastIndex = 0;
  if (!NEEDS_WORK.test(original)) return { text: original, starts: undefined, ends: undefined };
  const b = new Builder(original.length);
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
      i = decodePercentRun(original, i, b);
      continue;
    }
    if (c === 38) {
      ENTITY.lastIndex = i;
      const e = ENTITY.exec(original);
      const decoded = e ? decodeEntity(e) : undefined;
      if (e && decoded !== undefined) {
        b.emit(fold(decoded.normalize("NFKC")), i, i + e[0].length);
        i += e[0].length;
      } else {
        b.copy(original, i, i + 1);
        i++;
      }
      continue;
    }
    // One cluster: a code point plus the combining marks that follow it.
    const cp = original.codePointAt(i) ?? 0;
    let j = i + (cp > 0xffff ? 2 : 1);
    const first = original.slice(i, j);
    if (INVISIBLE.test(first)) {
      i = j;
      continue;
    }
    while (j < len) {
      const d = original.codePointAt(j) ?? 0;
      const ch = String.fromCodePoint(d);
      if (!COMBINING.test(ch) && !INVISIBLE.test(ch)) break;
      j += ch.length;
    }
    const cluster = original.slice(i, j).replace(INVISIBLE_ALL, "");
    b.emit(fold(cluster.normalize("NFKC")), i, j);
    i = j;
  }
  return { text: b.parts.join(""), starts: b.starts.subarray(0, b.n), ends: b.ends.subarray(0, b.n) };
}

/** Decodes a run of %XX escapes from `at`: ASCII bytes one by one, other bytes as UTF-8 groups. */
function decodePercentRun(original: string, at: number, b: Builder): number {
  let i = at;
  let groupStart = -1;
  const bytes: number[] = [];
  const flush = (end: number) => {
    if (bytes.length === 0) return;
    b.emit(fold(utf8.decode(new Uint8Array(bytes)).normalize("NFKC")), groupStart, end);
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
      b.emit(String.fromCharCode(byte), i, i + 3);
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

/** Maps a normalised span [start, end) back to the original text. */
export function toOriginal(norm: NormalizedText, start: number, end: number, originalLength: number): [number, number] {
  if (!norm.starts || !norm.ends) return [start, end];
  const s = start < norm.starts.length ? (norm.starts[start] ?? originalLength) : originalLength;
  const e = end > 0 ? (norm.ends[end - 1] ?? originalLength) : 0;
  return [s, Math.max(s, e)];
}
