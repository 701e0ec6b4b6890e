// Features of the entity tagger: hashed templates over a token and its neighbours, gazetteer
// flags, and the previous tags. Shared by the Worker (tagging) and scripts/pii-train (training).
import { Shape, type Tokens } from "./tokens.js";

/** BIO tags over person, organisation, location and street address. */
export const TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-ADDR", "I-ADDR"] as const;
export const TAG_COUNT = TAGS.length;
export const O = 0;

/** Gazetteer flags of a lower-cased word (bits of one number). */
export const Gaz = {
  first: 1 << 0,
  last: 1 << 1,
  city: 1 << 2,
  country: 1 << 3,
  orgWord: 1 << 4,
  orgName: 1 << 5,
  street: 1 << 6,
  common: 1 << 7,
  title: 1 << 8,
  time: 1 << 9,
  nationality: 1 << 10,
  particle: 1 << 11,
  region: 1 << 12,
  techTerm: 1 << 13,
  /** In a large English dictionary (which also holds many names: "anna", "paris"). */
  dictionary: 1 << 14,
} as const;
export const GAZ_BITS = 15;

/** Looks up the gazetteer flags of a word hash (see Gazetteer in gazetteer.ts). */
export interface FlagLookup {
  flags(word: number): number;
}

/** log2 of the number of hashed feature buckets. */
export const BUCKET_BITS = 19;
const BUCKET_MASK = (1 << BUCKET_BITS) - 1;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h;
}

/** Bucket of feature template `template` with value `value`. */
export function bucket(template: number, value: number): number {
  return mix(value ^ Math.imul(template + 1, 0x9e3779b1)) & BUCKET_MASK;
}

function pair(a: number, b: number): number {
  return mix(Math.imul(a, 31) ^ b);
}

/** Most static features one token can have (fixed templates plus flag bits of three tokens). */
export const MAX_STATIC = 32 + 3 * GAZ_BITS;

const START = 0x51a27;
const END = 0x3e4d;

/** Per-token flags for a sentence, computed once (the features of neighbours reuse them). */
export function flagsOf(tokens: Tokens, gaz: FlagLookup, out: Int32Array): void {
  for (let i = 0; i < tokens.count; i++) out[i] = tokens.shape[i] === Shape.Punct ? 0 : gaz.flags(tokens.word[i] ?? 0);
}

/** True when token i opens a sentence: first of the piece, or after . ! ? : or a line break. */
function opensSentence(text: string, tokens: Tokens, i: number): boolean {
  if (i === 0) return true;
  const prevEnd = tokens.ends[i - 1] ?? 0;
  const prev = text.charCodeAt(prevEnd - 1);
  if (prev === 46 || prev === 33 || prev === 63 || prev === 58 || prev === 8226 || prev === 45 || prev === 42 || prev === 34) {
    // "." after a single letter is an initial ("J. Smith"), not the end of a sentence.
    return !(prev === 46 && i >= 2 && (tokens.ends[i - 2] ?? 0) - (tokens.starts[i - 2] ?? 0) === 1 && tokens.shape[i - 2] === Shape.SingleCap);
  }
  for (let k = prevEnd; k < (tokens.starts[i] ?? 0); k++) if (text.charCodeAt(k) === 10) return true;
  return false;
}

/**
 * Writes the bucket of every static feature of token i into `out` from `at`; returns the new end.
 * `dropWord` hides the word identity (training only: it teaches the context to carry the decision).
 */
export function staticFeatures(text: string, t: Tokens, flags: Int32Array, i: number, out: Int32Array, dropWord = false, dropFlags = false): number {
  let n = 0;
  const shape = t.shape[i] ?? 0;
  const word = dropWord ? 0x7e11 : (t.word[i] ?? 0);
  const prevWord = i > 0 ? (t.word[i - 1] ?? 0) : START;
  const nextWord = i + 1 < t.count ? (t.word[i + 1] ?? 0) : END;
  const prev2 = i > 1 ? (t.word[i - 2] ?? 0) : START;
  const next2 = i + 2 < t.count ? (t.word[i + 2] ?? 0) : END;
  const prevShape = i > 0 ? (t.shape[i - 1] ?? 0) : 15;
  const nextShape = i + 1 < t.count ? (t.shape[i + 1] ?? 0) : 15;
  const start = opensSentence(text, t, i) ? 1 : 0;
  const length = Math.min((t.ends[i] ?? 0) - (t.starts[i] ?? 0), 12);
  out[n++] = bucket(0, 0);
  out[n++] = bucket(1, word);
  out[n++] = bucket(2, pair(word, shape));
  out[n++] = bucket(3, t.shapeHash[i] ?? 0);
  if (!dropWord) {
    if (t.pre2[i]) out[n++] = bucket(4, t.pre2[i] ?? 0);
    if (t.pre3[i]) out[n++] = bucket(5, t.pre3[i] ?? 0);
    if (t.suf2[i]) out[n++] = bucket(6, t.suf2[i] ?? 0);
    if (t.suf3[i]) out[n++] = bucket(7, t.suf3[i] ?? 0);
    if (t.suf4[i]) out[n++] = bucket(8, t.suf4[i] ?? 0);
    if (t.suf5[i]) out[n++] = bucket(9, t.suf5[i] ?? 0);
  }
  out[n++] = bucket(10, prevWord);
  out[n++] = bucket(11, nextWord);
  out[n++] = bucket(12, prev2);
  out[n++] = bucket(13, next2);
  out[n++] = bucket(14, prevShape * 256 + shape * 16 + nextShape);
  out[n++] = bucket(15, i > 0 ? (t.shapeHash[i - 1] ?? 0) : START);
  out[n++] = bucket(16, i + 1 < t.count ? (t.shapeHash[i + 1] ?? 0) : END);
  out[n++] = bucket(17, start * 16 + shape);
  out[n++] = bucket(18, pair(prevWord, shape));
  out[n++] = bucket(19, pair(nextWord, shape));
  out[n++] = bucket(20, pair(prevWord, nextWord));
  out[n++] = bucket(21, length * 16 + shape);
  out[n++] = bucket(22, pair(prevWord, word));
  out[n++] = bucket(23, pair(word, nextWord));
  // Gazetteer flags of the token (with its shape and sentence position) and of its neighbours.
  const own = dropFlags ? 0 : (flags[i] ?? 0);
  const before = i > 0 ? (flags[i - 1] ?? 0) : 0;
  const after = i + 1 < t.count ? (flags[i + 1] ?? 0) : 0;
  out[n++] = bucket(24, pair(own, shape * 2 + start));
  for (let b = 0; b < GAZ_BITS; b++) {
    const bit = 1 << b;
    if (own & bit) out[n++] = bucket(25, b * 64 + shape * 2 + start);
    if (before & bit) out[n++] = bucket(26, b * 16 + shape);
    if (after & bit) out[n++] = bucket(27, b * 16 + shape);
  }
  out[n++] = bucket(28, pair(before, after));
  return n;
}

/** Buckets of the features that depend on the tags already chosen for tokens before i. */
export function dynamicFeatures(t: Tokens, i: number, prevTag: number, prev2Tag: number, out: Int32Array, at: number): number {
  let n = at;
  const shape = t.shape[i] ?? 0;
  out[n++] = bucket(40, prevTag);
  out[n++] = bucket(41, prevTag * 16 + prev2Tag);
  out[n++] = bucket(42, pair(prevTag, t.word[i] ?? 0));
  out[n++] = bucket(43, prevTag * 16 + shape);
  return n;
}

/** Flags that let a lower-case word open an entity: names, places, organisations, streets, name particles. */
const OPENERS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName | Gaz.orgWord | Gaz.street | Gaz.particle;

/**
 * Token i is outside any entity without scoring it: a lower-case word that no gazetteer knows as
 * part of a name, or punctuation, right after a token outside any entity. Most tokens of prose
 * and code are, and they cost nothing; the tagger and its training both apply this.
 */
export function plainlyOutside(t: Tokens, flags: Int32Array, i: number, prevTag: number): boolean {
  if (prevTag !== O) return false;
  const shape = t.shape[i];
  return shape === Shape.Punct || (shape === Shape.Lower && ((flags[i] ?? 0) & OPENERS) === 0);
}

/** Whether tag `tag` may follow `prev` (an I- tag continues its own entity only). */
export function allowed(prev: number, tag: number): boolean {
  if (tag === O || (tag & 1) === 1) return true;
  return prev === tag || prev === tag - 1;
}
