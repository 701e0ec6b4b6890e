// Tokeniser and per-token feature values of the entity tagger, shared by the Worker and the
// training script so both see exactly the same features.

/** Word shape classes (one small int per token). */
export const Shape = {
  Lower: 0,
  Capitalised: 1,
  AllCaps: 2,
  SingleCap: 3,
  MixedCase: 4,
  Digits: 5,
  AlphaNum: 6,
  Punct: 7,
  /** Letters of a script without case (Han, kana, Arabic, Hebrew, Thai, Devanagari…). */
  Uncased: 8,
} as const;

/** Script of a letter run; words switch token when the script changes (Han vs kana). */
const Script = { None: 0, Latin: 1, Han: 2, Kana: 3, Hangul: 4, Other: 5 } as const;

const CASED = 8;
const SCRIPT_MASK = 7;

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const DIGIT = /\p{Nd}/u;

// Per-BMP-code-unit class: 0 unknown yet, 1 space, 2 letter, 3 digit, 4 other; filled lazily.
let classes: Uint8Array | null = null;
// Lower-case form of each BMP code unit (itself when it has no single-unit lower case).
let lowers: Uint16Array | null = null;
// Script of each BMP letter (low bits) and whether it has case (CASED), filled lazily like classes.
let scripts: Uint8Array | null = null;

function tables(): void {
  if (classes) return;
  classes = new Uint8Array(65536);
  lowers = new Uint16Array(65536);
  scripts = new Uint8Array(65536);
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    classes[c] = /\s/.test(ch) ? 1 : /[A-Za-z]/.test(ch) ? 2 : /\d/.test(ch) ? 3 : 4;
    lowers[c] = c >= 65 && c <= 90 ? c + 32 : c;
    scripts[c] = classes[c] === 2 ? Script.Latin | CASED : Script.None;
  }
}

function classOf(c: number): number {
  const table = classes as Uint8Array;
  const known = table[c] ?? 0;
  if (known !== 0) return known;
  const ch = String.fromCharCode(c);
  let cls = 4;
  let script: number = Script.None;
  if (/\s/.test(ch)) cls = 1;
  else if (c >= 0xd800 && c <= 0xdfff)
    cls = 2; // astral letters (rare): treated as letters of another script
  else if (LETTER_OR_MARK.test(ch)) cls = 2;
  else if (DIGIT.test(ch)) cls = 3;
  if (cls === 2) {
    if (c >= 0xd800 && c <= 0xdfff) script = Script.Other;
    else if (/\p{Script=Han}/u.test(ch)) script = Script.Han;
    else if (/[\p{Script=Hiragana}\p{Script=Katakana}\u30FC]/u.test(ch)) script = Script.Kana;
    else if (/\p{Script=Hangul}/u.test(ch)) script = Script.Hangul;
    else if (/[\p{Script=Latin}\p{M}]/u.test(ch)) script = Script.Latin;
    else script = Script.Other;
  }
  const lower = ch.toLowerCase();
  const cased = cls === 2 && (lower !== ch || ch.toUpperCase() !== ch);
  table[c] = cls;
  (scripts as Uint8Array)[c] = script | (cased ? CASED : 0);
  // Turkish "İ" lower-cases to "i" and a combining dot: read it as "i" ("İzmir" is Capitalised, keyed "izmir").
  (lowers as Uint16Array)[c] = lower.length === 1 || /^.\p{M}+$/u.test(lower) ? lower.charCodeAt(0) : c;
  return cls;
}

/** Apostrophes and hyphens inside a word (O'Brien, Jean-Pierre, al-Rashid). */
function isJoiner(c: number): boolean {
  return c === 39 || c === 45 || c === 0x2019 || c === 0x2010 || c === 0x2011;
}

/** Tokens of one piece of text: parallel arrays, offsets relative to the piece. */
export interface Tokens {
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  /** FNV-1a hash of the lower-cased token. */
  word: Int32Array;
  shape: Uint8Array;
  /** Hash of the compressed shape string (Xx, dd-dd, X.). */
  shapeHash: Int32Array;
  pre2: Int32Array;
  pre3: Int32Array;
  suf2: Int32Array;
  suf3: Int32Array;
  suf4: Int32Array;
  suf5: Int32Array;
}

const FNV = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

let scratch: Tokens | null = null;
/** The text whose tokens `scratch` holds. */
let lastText: string | null = null;
/** A piece's tokens kept apart from `scratch`, so tokenising its words in between does not undo them. */
let pinned: Tokens | null = null;
let pinnedText: string | null = null;

function allocate(n: number): Tokens {
  return {
    count: 0,
    starts: new Int32Array(n),
    ends: new Int32Array(n),
    word: new Int32Array(n),
    shape: new Uint8Array(n),
    shapeHash: new Int32Array(n),
    pre2: new Int32Array(n),
    pre3: new Int32Array(n),
    suf2: new Int32Array(n),
    suf3: new Int32Array(n),
    suf4: new Int32Array(n),
    suf5: new Int32Array(n),
  };
}

/** Hash of a lower-cased string, the same value tokenize() gives a token of that text. */
export function wordHash(lowerText: string): number {
  let h = FNV;
  for (let i = 0; i < lowerText.length; i++) h = Math.imul(h ^ lowerText.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * Tokenises `text` into a buffer that later calls of tokenize() for other texts leave alone, until
 * the next pin: the entity checks read one piece's tokens many times, between reads of its words.
 */
export function pinTokens(text: string): Tokens {
  if (text === pinnedText && pinned) return pinned;
  const tokens = tokenize(text);
  scratch = pinned;
  lastText = null;
  pinned = tokens;
  pinnedText = text;
  return tokens;
}

/**
 * Splits `text` into words (letters and digits, with inner apostrophes and hyphens; a change of
 * script between Han, kana and Hangul starts a new word) and single punctuation characters.
 * The returned arrays are reused by the next call.
 */
export function tokenize(text: string): Tokens {
  // The same text again right after (the entity checks re-read the piece the tagger just read):
  // the scratch still holds its tokens.
  if (text === lastText && scratch) return scratch;
  if (text === pinnedText && pinned) return pinned;
  tables();
  const lower = lowers as Uint16Array;
  const script = scripts as Uint8Array;
  const maxTokens = text.length + 1;
  if (!scratch || scratch.starts.length < maxTokens) scratch = allocate(Math.max(maxTokens, 256));
  const t = scratch;
  let n = 0;
  const len = text.length;
  let i = 0;
  while (i < len) {
    const c = text.charCodeAt(i);
    const cls = classOf(c);
    if (cls === 1) {
      i++;
      continue;
    }
    const start = i;
    if (cls === 4) {
      // One punctuation character per token.
      i++;
      const h = Math.imul(FNV ^ c, FNV_PRIME);
      t.starts[n] = start;
      t.ends[n] = i;
      t.word[n] = h;
      t.shape[n] = Shape.Punct;
      t.shapeHash[n] = h;
      t.pre2[n] = h;
      t.pre3[n] = h;
      t.suf2[n] = h;
      t.suf3[n] = h;
      t.suf4[n] = h;
      t.suf5[n] = h;
      n++;
      continue;
    }
    // A word: letters and digits, joiners between two word characters.
    let h = FNV;
    let sh = FNV;
    let lastShapeChar = -1;
    let uppers = 0;
    let lowersSeen = 0;
    let digits = 0;
    let uncased = 0;
    let firstUpper = false;
    let pre2 = 0;
    let pre3 = 0;
    let k = 0;
    const wordScript = cls === 2 ? (script[c] ?? 0) & SCRIPT_MASK : Script.None;
    while (i < len) {
      const d = text.charCodeAt(i);
      const dc = classOf(d);
      if (dc === 2 || dc === 3) {
        if (dc === 2 && wordScript !== Script.None) {
          const s = (script[d] ?? 0) & SCRIPT_MASK;
          if (s !== wordScript && (s === Script.Han || s === Script.Kana || s === Script.Hangul || wordScript >= Script.Han)) break;
        }
      } else if (!(isJoiner(d) && i + 1 < len && i > start && classOf(text.charCodeAt(i + 1)) === 2)) break;
      const l = lower[d] ?? d;
      let shapeChar: number;
      if (dc === 3) {
        digits++;
        shapeChar = 100; // d
      } else if (dc === 2) {
        if (l !== d) {
          uppers++;
          if (k === 0) firstUpper = true;
          shapeChar = 88; // X
        } else if (((script[d] ?? 0) & CASED) !== 0) {
          lowersSeen++;
          shapeChar = 120; // x
        } else {
          uncased++;
          shapeChar = 117; // u
        }
      } else shapeChar = d;
      h = Math.imul(h ^ l, FNV_PRIME);
      if (shapeChar !== lastShapeChar) {
        sh = Math.imul(sh ^ shapeChar, FNV_PRIME);
        lastShapeChar = shapeChar;
      }
      k++;
      if (k === 2) pre2 = h;
      else if (k === 3) pre3 = h;
      i++;
    }
    t.starts[n] = start;
    t.ends[n] = i;
    t.word[n] = h;
    t.shapeHash[n] = sh;
    t.pre2[n] = k > 2 ? pre2 : 0;
    t.pre3[n] = k > 3 ? pre3 : 0;
    // Suffixes, hashed back to front.
    let s = FNV ^ 0x5bd1e995;
    t.suf2[n] = 0;
    t.suf3[n] = 0;
    t.suf4[n] = 0;
    t.suf5[n] = 0;
    for (let j = i - 1, m = 1; j >= start && m <= 5; j--, m++) {
      const d = text.charCodeAt(j);
      s = Math.imul(s ^ (lower[d] ?? d), FNV_PRIME);
      if (m < k) {
        if (m === 2) t.suf2[n] = s;
        else if (m === 3) t.suf3[n] = s;
        else if (m === 4) t.suf4[n] = s;
        else if (m === 5) t.suf5[n] = s;
      }
    }
    let shape: number;
    if (digits === k) shape = Shape.Digits;
    else if (digits > 0) shape = Shape.AlphaNum;
    else if (uncased > 0 && uppers === 0) shape = Shape.Uncased;
    else if (uppers === 0) shape = Shape.Lower;
    else if (lowersSeen === 0) shape = k === 1 ? Shape.SingleCap : Shape.AllCaps;
    else if (firstUpper && uppers === 1) shape = Shape.Capitalised;
    else shape = firstUpper ? Shape.Capitalised : Shape.MixedCase;
    // Mc/Mac/O' names and camel case keep the first-capital class; the shape hash tells them apart.
    t.shape[n] = shape;
    n++;
  }
  t.count = n;
  lastText = text;
  return t;
}

/** wordHash(lowerLikeTokens(s)) without building the lower-cased string (gazetteer lookups of many short candidates). */
export function lowerWordHash(s: string): number {
  tables();
  const lower = lowers as Uint16Array;
  let h = FNV;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    classOf(c);
    h = Math.imul(h ^ (lower[c] ?? c), FNV_PRIME);
  }
  return h;
}

/** Lower-cases like tokenize() does (per UTF-16 unit), for building gazetteer keys. */
export function lowerLikeTokens(s: string): string {
  tables();
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    classOf(c);
    out += String.fromCharCode((lowers as Uint16Array)[c] ?? c);
  }
  return out;
}
