// Named entities (person, organization, location) with compromise, run only on prose-like
// pieces that contain a capitalised word, within a character budget.
import nlp from "compromise/two";
import { z } from "zod";
import type { PiiCategory, RawFinding } from "../types.js";

const Matches = z.array(z.object({ text: z.string(), offset: z.object({ start: z.number().int(), length: z.number().int() }) }));

const CAPITALISED = /\p{Lu}\p{Ll}/u;
// Capitalised only because they open a sentence; a piece whose sole capital is one of these
// holds no name and skips the (costly) tagger.
const STARTERS = new Set(
  (
    "the a an this that these those it its if when while we i you he she they our your my their there here what which who " +
    "how why where then so but and or for to in on at by from with as is are was were be do does did can could should would " +
    "will please also however note use set run add make let see check update install return get yes no ok thanks hi hello"
  ).split(" "),
);

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** A capitalised run of word characters; checked to start a word before it counts. */
const CAPITAL_WORD = /\p{Lu}[\p{L}\p{N}'’-]*/gu;

/** Word characters (letters, digits, ' ’ -), by code for ASCII (this runs around every capital). */
function isWordChar(text: string, i: number): boolean {
  const ch = text.charCodeAt(i);
  if (ch < 128) return (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 39 || ch === 45;
  return ch === 0x2019 || LETTER_OR_DIGIT.test(text[i] ?? "");
}

/** The word at `i` opens a sentence: nothing before it in the piece, or . ! ? or a line break within the four characters after the previous word. */
function opensSentence(piece: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && !isWordChar(piece, j)) j--;
  if (j < 0) return true;
  for (let k = j + 1, end = Math.min(i, j + 5); k < end; k++) {
    const ch = piece.charCodeAt(k);
    if (ch === 46 || ch === 33 || ch === 63 || ch === 10) return true;
  }
  return false;
}

/**
 * True when some capitalised word is not just a common sentence opener. Only the capitals are
 * visited (most words are lower case), each checked to start a word.
 */
export function mayHoldEntity(piece: string): boolean {
  if (!CAPITALISED.test(piece)) return false;
  CAPITAL_WORD.lastIndex = 0;
  for (let m = CAPITAL_WORD.exec(piece); m; m = CAPITAL_WORD.exec(piece)) {
    // A capital inside a word ("iPhone") starts no word.
    if (m.index > 0 && isWordChar(piece, m.index - 1)) continue;
    if (!STARTERS.has(m[0].toLowerCase()) || !opensSentence(piece, m.index)) return true;
  }
  return false;
}
const PIECE_MAX = 2000;
// Short technical tokens (S3, EC2, C4, K8S) are never names.
const TECHNICAL = /^[A-Z0-9]{1,5}$/;

export class EntityBudgetExceeded extends Error {}

/**
 * Splits text into sentences and lines (each at most PIECE_MAX chars): the unit that is checked
 * for candidates, cached, and batched for the tagger.
 */
function* pieces(text: string): Generator<[number, number]> {
  const re = /[^\n.!?]*(?:[.!?]+(?=\s|$)|\n|$)/g;
  let previous = 0;
  for (let m = re.exec(text); m && m[0].length > 0; m = re.exec(text)) {
    // From where the last piece ended: a dot inside a word (an email, "v1.2") makes the regex
    // skip ahead, and the skipped text belongs to this piece.
    let start = previous;
    const end = m.index + m[0].length;
    previous = end;
    while (end - start > PIECE_MAX) {
      // A single overlong sentence: cut at the last space before the limit.
      const cut = text.lastIndexOf(" ", start + PIECE_MAX);
      const at = cut > start ? cut : start + PIECE_MAX;
      yield [start, at];
      start = at;
    }
    if (end > start) yield [start, end];
  }
}

export interface EntityOptions {
  categories: ReadonlySet<PiiCategory>;
  /** Most characters handed to the NLP library per call; beyond it EntityBudgetExceeded. */
  maxChars: number;
  /** Reuse results for pieces seen before under this scope (see DetectOptions.entityCacheScope). */
  cacheScope?: string;
}

/**
 * Results per (scope, categories, piece), holding offsets only: no text or value is kept past the
 * request, and one org's entries are never another's. Per piece (sentence or line), because a chat
 * resends its history every turn: only the new sentences of a request are tagged. Pieces are
 * tagged apart from each other (one per paragraph of a batch), so a hit is what a new run would find.
 *
 * The key is a 64-bit hash with seeds drawn at random per isolate, not a cryptographic digest: it
 * runs over every candidate sentence of every request (SHA-256 was the largest cost of a cached
 * request), and a collision could at worst hide a name, which the sender can already do by
 * writing it in lower case; unknown seeds keep it from being steered at another org's entries.
 */
type PieceSpans = Array<{ category: PiiCategory; start: number; end: number }>;
const entityCache = new Map<string, PieceSpans>();
const ENTITY_CACHE_MAX = 20_000;

/** Two 32-bit multiply-xor lanes over UTF-16 code units; state is [lane1, lane2]. */
let seeds: Uint32Array | null = null;
function hashStart(): [number, number] {
  // Drawn on first use: Workers allow random values only while handling a request.
  seeds ??= crypto.getRandomValues(new Uint32Array(2));
  return [seeds[0]!, seeds[1]!];
}
function hashFeed(state: [number, number], text: string): [number, number] {
  let [h1, h2] = state;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x9e3779b1);
    h2 = Math.imul(h2 ^ c, 0x85ebca77);
  }
  // A separator, so ("ab", "c") and ("a", "bc") differ.
  return [Math.imul(h1 ^ 0xffff, 0x9e3779b1), Math.imul(h2 ^ 0xffff, 0x85ebca77)];
}
function hashKey([h1, h2]: [number, number], length: number): string {
  // Final mixing (each output bit depends on every input bit), then 4 UTF-16 units plus the length.
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  h2 ^= h2 >>> 16;
  return String.fromCharCode(h1 >>> 16, h1 & 0xffff, h2 >>> 16, h2 & 0xffff) + length.toString(36);
}

function remember(key: string, spans: PieceSpans) {
  if (entityCache.size >= ENTITY_CACHE_MAX) {
    const oldest = entityCache.keys().next().value;
    if (oldest !== undefined) entityCache.delete(oldest);
  }
  entityCache.set(key, spans);
}

/**
 * Appends entity findings; returns the characters handed to the tagger. Pieces found in the
 * cache cost nothing and do not count: the budget bounds the tagger's CPU time.
 */
export function detectEntities(text: string, out: RawFinding[], options: EntityOptions): number {
  if (options.categories.size === 0 || !CAPITALISED.test(text)) return 0;
  // The scope and categories are hashed once; each piece continues from there.
  const prefix =
    options.cacheScope === undefined ? null : hashFeed(hashFeed(hashStart(), options.cacheScope), [...options.categories].sort().join(","));
  let used = 0;
  // Candidate pieces not in the cache are batched into one tagger call per ~BATCH chars: the
  // per-call cost of the library dominates for short sentences. `at` maps batch offsets back.
  let batch = "";
  let at: Array<{ batchStart: number; textStart: number; length: number; key: string | null }> = [];
  const run = () => {
    if (!batch) return;
    const found: RawFinding[] = [];
    tag(
      batch,
      at.map((a) => [a.batchStart, a.textStart]),
      text,
      found,
      options.categories,
    );
    out.push(...found);
    for (const piece of at) {
      if (piece.key === null) continue;
      const inside = found.filter((f) => f.start >= piece.textStart && f.end <= piece.textStart + piece.length);
      remember(
        piece.key,
        inside.map((f) => ({ category: f.category, start: f.start - piece.textStart, end: f.end - piece.textStart })),
      );
    }
    batch = "";
    at = [];
  };
  for (const [s, e] of pieces(text)) {
    const piece = text.slice(s, e);
    if (!piece.includes(" ") || !mayHoldEntity(piece)) continue;
    const key = prefix === null ? null : hashKey(hashFeed(prefix, piece), piece.length);
    const hit = key === null ? undefined : entityCache.get(key);
    if (hit) {
      for (const { category, start, end } of hit)
        out.push({ category, start: s + start, end: s + end, detector: "ner", key: piece.slice(start, end).toLowerCase() });
      continue;
    }
    used += piece.length;
    if (used > options.maxChars) throw new EntityBudgetExceeded();
    if (batch.length + piece.length > BATCH) run();
    if (batch) batch += "\n\n";
    at.push({ batchStart: batch.length, textStart: s, length: piece.length, key });
    batch += piece;
  }
  run();
  return used;
}

const BATCH = 8000;

function tag(batch: string, at: ReadonlyArray<[number, number]>, text: string, out: RawFinding[], categories: ReadonlySet<PiiCategory>): void {
  const doc = nlp(batch);
  const groups: Array<[PiiCategory, unknown]> = [];
  if (categories.has("person")) groups.push(["person", doc.match("#Person+").json({ offset: true })]);
  if (categories.has("organization")) groups.push(["organization", doc.match("#Organization+").json({ offset: true })]);
  if (categories.has("location")) groups.push(["location", doc.match("#Place+").json({ offset: true })]);
  for (const [category, raw] of groups) {
    const parsed = Matches.safeParse(raw);
    if (!parsed.success) continue;
    for (const match of parsed.data) {
      let start = match.offset.start;
      let end = start + match.offset.length;
      // compromise includes trailing punctuation ("Microsoft."); keep letters and digits only.
      while (end > start && !/[\p{L}\p{N}]/u.test(batch[end - 1] ?? "")) end--;
      while (start < end && !/[\p{L}\p{N}]/u.test(batch[start] ?? "")) start++;
      const value = batch.slice(start, end);
      if (value.length < 2 || TECHNICAL.test(value) || !/\p{Lu}/u.test(value) || value.includes("\n\n")) continue;
      // Find the piece the match lies in.
      let k = at.length - 1;
      while (k > 0 && (at[k]?.[0] ?? 0) > start) k--;
      const [batchStart, textStart] = at[k] ?? [0, 0];
      const s = textStart + (start - batchStart);
      if (text.slice(s, s + value.length) !== value) continue;
      out.push({ category, start: s, end: s + value.length, detector: "ner", key: value.toLowerCase() });
    }
  }
}
