// Named entities (person, organisation, location, street address) with the trained tagger of
// workers/pii/tagger, one sentence or line at a time, within a character budget, with results
// cached per org and sentence.
import { fromBase64 } from "../tagger/codec.js";
import { MODEL_DATA } from "../tagger/model-data.js";
import { pieces } from "../tagger/pieces.js";
import { Gaz } from "../tagger/features.js";
import { type EntityKind, Tagger } from "../tagger/tagger.js";
import { Shape, tokenize } from "../tagger/tokens.js";
import type { PiiCategory, RawFinding } from "../types.js";

const LETTER = /\p{L}/u;
// Short technical tokens with a digit (S3, EC2, K8S, G7) are never names.
const TECHNICAL = /^[A-Z0-9]{1,5}$/;
const HAS_DIGIT = /\d/;
const WORD_END = /[\p{L}\p{N}]/u;

export class EntityBudgetExceeded extends Error {}

let model: Tagger | null = null;
/** The tagger, decoded on first use (about 1 MB of weights and gazetteer). */
export function tagger(): Tagger {
  model ??= Tagger.decode(fromBase64(MODEL_DATA));
  return model;
}

export interface EntityOptions {
  categories: ReadonlySet<PiiCategory>;
  /** Most characters handed to the tagger per call; beyond it EntityBudgetExceeded. */
  maxChars: number;
  /** Reuse results for pieces seen before under this scope (see DetectOptions.entityCacheScope). */
  cacheScope?: string;
}

/**
 * Results per (scope, piece), holding kinds and offsets only: no text or value is kept past the
 * request, and one org's entries are never another's. Per piece (sentence or line), because a chat
 * resends its history every turn: only the new sentences of a request are tagged.
 *
 * The key is a 64-bit hash with seeds drawn at random per isolate, not a cryptographic digest: it
 * runs over every sentence of every request (SHA-256 was the largest cost of a cached request),
 * and a collision could at worst hide a name; unknown seeds keep it from being steered at another
 * org's entries.
 */
type PieceSpans = ReadonlyArray<{ kind: EntityKind; start: number; end: number }>;
const entityCache = new Map<string, PieceSpans>();
const ENTITY_CACHE_MAX = 20_000;

/** Two 32-bit multiply-xor lanes over UTF-16 code units; state is [lane1, lane2]. */
let seeds: Uint32Array | null = null;
function hashStart(): [number, number] {
  // Drawn on first use: Workers allow random values only while handling a request.
  seeds ??= crypto.getRandomValues(new Uint32Array(2));
  return [seeds[0] ?? 0, seeds[1] ?? 0];
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

/** A tagged span cleaned up: outer punctuation trimmed (a final dot kept after a short abbreviation). */
function clean(piece: string, start: number, end: number): [number, number] | null {
  while (start < end && !WORD_END.test(piece[start] ?? "")) start++;
  while (end > start && !WORD_END.test(piece[end - 1] ?? "")) {
    // "Inc.", "Co.", "S.A.": the dot belongs to the name.
    if (piece[end - 1] === "." && end - start > 2) {
      let w = end - 1;
      while (w > start && /\p{L}/u.test(piece[w - 1] ?? "")) w--;
      if (end - 1 - w >= 1 && end - 1 - w <= 3 && w > start) break;
    }
    end--;
  }
  // "the", "our", "a" open a phrase, not a name ("The Salvation Army" keeps its capital: only lower case or the first word of a sentence is dropped when a capital follows).
  const lead = LEADING.exec(piece.slice(start, end));
  if (lead) start += lead[0].length;
  if (end - start < 2) return null;
  const value = piece.slice(start, end);
  if (DETERMINER.test(value)) return null;
  if (!LETTER.test(value) || (TECHNICAL.test(value) && HAS_DIGIT.test(value))) return null;
  return [start, end];
}

const TICKET_AFTER = /^-\d/;
const LOWER_WORD = /^\p{Ll}[\p{Ll}'’-]*$/u;
const DETERMINER = /^(?:the|a|an|our|my|your|their|his|her|its|this|that|these|those)$/i;
const LEADING =
  /^(?:the|a|an|our|my|your|their|his|her|its|this|that|these|those|The|A|An|Our|My|Your|Their|His|Her|Its|This|That|These|Those)\s+(?=\p{Lu})/u;
const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;

/**
 * Whether a tagged span has the evidence its kind needs. Written in lower case it must hold a
 * known name (a first or last name, a place, a known organisation; a street word for an
 * address): "found", "retry" or "card" in a sentence are words, "jean dupont" is a name. An
 * address holds a number or a street word.
 */
export function plausible(value: string, kind: EntityKind): boolean {
  const t = tokenize(value);
  const gazetteer = tagger().gazetteer;
  let cased = false;
  let name = false;
  let street = false;
  let org = false;
  let digit = false;
  let technical = false;
  let nationality = false;
  for (let i = 0; i < t.count; i++) {
    const shape = t.shape[i];
    if (shape === Shape.Punct) continue;
    const flags = gazetteer.flags(t.word[i] ?? 0);
    if (shape !== Shape.Lower && shape !== Shape.Digits && shape !== Shape.AlphaNum) cased = true;
    if (shape === Shape.Digits || shape === Shape.AlphaNum) digit = true;
    // In lower case an everyday word ("will", "grace") is read as the word, not the name, and so
    // is a dictionary word standing alone ("ping").
    const everyday = Gaz.common | (t.count === 1 ? Gaz.dictionary : 0);
    if (flags & NAME_FLAGS && (shape !== Shape.Lower || !(flags & everyday))) name = true;
    if (flags & Gaz.street) street = true;
    if (flags & (Gaz.orgWord | Gaz.orgName)) org = true;
    if (flags & Gaz.techTerm && shape !== Shape.Lower) technical = true;
    if (flags & Gaz.nationality) nationality = true;
  }
  // One camel-case or identifier-like token ("apiKey", "getUserById") is code, not a name.
  if (t.count === 1 && /^\p{Ll}+\p{Lu}/u.test(value)) return false;
  if (kind === "address") return street || (digit && cased);
  if ((technical || nationality) && t.count === 1) return false;
  if (cased) return true;
  return kind === "organization" ? org : name;
}

function isEverydayWord(value: string, model: Tagger): boolean {
  const t = tokenize(value);
  return t.count === 1 && (model.gazetteer.flags(t.word[0] ?? 0) & Gaz.common) !== 0;
}

/** A name, organisation or place ends on a capitalised or uncased word: trailing lower-case words ("Java service", "Zambian partners") are the sentence's. */
function trimLowerTail(piece: string, start: number, end: number): number {
  for (;;) {
    const space = piece.lastIndexOf(" ", end - 1);
    if (space <= start) return end;
    const last = piece.slice(space + 1, end);
    // Only behind a capitalised or uncased word: "jean dupont" stays whole.
    if (!LOWER_WORD.test(last) || !NAME_LIKE.test(piece.slice(start, space))) return end;
    end = space;
    while (end > start && piece[end - 1] === " ") end--;
  }
}

/** Entity spans of one piece (a sentence or line), cleaned and checked, offsets relative to the piece. */
export function tagPiece(piece: string, model: Tagger = tagger()): PieceSpans {
  const out: Array<{ kind: EntityKind; start: number; end: number }> = [];
  for (const s of model.tag(piece)) {
    let span = clean(piece, s.start, s.end);
    if (span && s.kind !== "address") span = clean(piece, span[0], trimLowerTail(piece, span[0], span[1]));
    // An upper-case word before "-123" is a ticket or part number prefix ("PROJ-12345").
    if (span && TICKET_AFTER.test(piece.slice(span[1], span[1] + 2))) continue;
    // An everyday word before a colon is a field label ("Location:", "Company:"), a name there a speaker ("Anna:").
    if (span && piece[span[1]] === ":" && isEverydayWord(piece.slice(span[0], span[1]), model)) continue;
    if (span && plausible(piece.slice(span[0], span[1]), s.kind)) out.push({ kind: s.kind, start: span[0], end: span[1] });
  }
  return out;
}

/** Letters with case (an upper-case one) or letters of a script without case. */
const NAME_LIKE = /[\p{Lu}\p{Lt}\p{Lo}]/u;
const SPACE = /\s/;

/**
 * Appends entity findings of the wanted categories; returns the characters handed to the tagger.
 * Pieces found in the cache cost nothing and do not count: the budget bounds the tagger's CPU time.
 */
export function detectEntities(text: string, out: RawFinding[], options: EntityOptions): number {
  if (options.categories.size === 0 || !LETTER.test(text)) return 0;
  const prefix = options.cacheScope === undefined ? null : hashFeed(hashStart(), options.cacheScope);
  let used = 0;
  for (const [s, e] of pieces(text)) {
    const piece = text.slice(s, e);
    // One lower-case token ("gpt-4o", "image/png", "claude-sonnet-4") is an identifier, not a name.
    if (!LETTER.test(piece) || (!SPACE.test(piece.trim()) && !NAME_LIKE.test(piece))) continue;
    const key = prefix === null ? null : hashKey(hashFeed(prefix, piece), piece.length);
    let spans = key === null ? undefined : entityCache.get(key);
    if (!spans) {
      used += piece.length;
      if (used > options.maxChars) throw new EntityBudgetExceeded();
      spans = tagPiece(piece);
      if (key !== null) remember(key, spans);
    }
    for (const { kind, start, end } of spans) {
      if (!options.categories.has(kind)) continue;
      out.push({ category: kind, start: s + start, end: s + end, detector: "ner", key: piece.slice(start, end).toLowerCase() });
    }
  }
  return used;
}
