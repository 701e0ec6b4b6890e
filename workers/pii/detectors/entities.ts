// Named entities (person, organization, location) with compromise, run only on prose-like
// pieces that contain a capitalised word, within a character budget.
import nlp from "compromise";
import { z } from "zod";
import type { PiiCategory, RawFinding } from "../types.js";

const Matches = z.array(
  z.object({ text: z.string(), offset: z.object({ start: z.number().int(), length: z.number().int() }) }),
);

const CAPITALISED = /\p{Lu}\p{Ll}/u;
const PIECE_MAX = 2000;
// Short technical tokens (S3, EC2, C4, K8S) are never names.
const TECHNICAL = /^[A-Z0-9]{1,5}$/;

export class EntityBudgetExceeded extends Error {}

/** Splits text into sentence/line pieces of at most PIECE_MAX chars that may hold entities. */
function* pieces(text: string): Generator<[number, number]> {
  const re = /[^\n.!?]*(?:[.!?]+(?=\s|$)|\n|$)/g;
  let start = 0;
  let end = 0;
  for (let m = re.exec(text); m && m[0].length > 0; m = re.exec(text)) {
    const mEnd = m.index + m[0].length;
    if (mEnd - start > PIECE_MAX && end > start) {
      yield [start, end];
      start = end;
    }
    end = mEnd;
    while (end - start > PIECE_MAX) {
      // A single overlong sentence: cut at the last space before the limit.
      const cut = text.lastIndexOf(" ", start + PIECE_MAX);
      const at = cut > start ? cut : start + PIECE_MAX;
      yield [start, at];
      start = at;
    }
  }
  if (end > start) yield [start, end];
}

export interface EntityOptions {
  categories: ReadonlySet<PiiCategory>;
  /** Most characters handed to the NLP library per call; beyond it EntityBudgetExceeded. */
  maxChars: number;
}

/** Appends entity findings; returns the characters handed to the NLP library. */
export function detectEntities(text: string, out: RawFinding[], options: EntityOptions): number {
  if (options.categories.size === 0 || !CAPITALISED.test(text)) return 0;
  let used = 0;
  for (const [s, e] of pieces(text)) {
    const piece = text.slice(s, e);
    if (!CAPITALISED.test(piece) || !piece.includes(" ")) continue;
    used += piece.length;
    if (used > options.maxChars) throw new EntityBudgetExceeded();
    const doc = nlp(piece);
    const groups: Array<[PiiCategory, unknown]> = [];
    if (options.categories.has("person")) groups.push(["person", doc.people().json({ offset: true })]);
    if (options.categories.has("organization"))
      groups.push(["organization", doc.organizations().json({ offset: true })]);
    if (options.categories.has("location")) groups.push(["location", doc.places().json({ offset: true })]);
    for (const [category, raw] of groups) {
      const parsed = Matches.safeParse(raw);
      if (!parsed.success) continue;
      for (const match of parsed.data) {
        let start = match.offset.start;
        let end = start + match.offset.length;
        // compromise includes trailing punctuation ("Microsoft."); keep letters and digits only.
        while (end > start && !/[\p{L}\p{N}]/u.test(piece[end - 1] ?? "")) end--;
        while (start < end && !/[\p{L}\p{N}]/u.test(piece[start] ?? "")) start++;
        const value = piece.slice(start, end);
        if (value.length < 2 || TECHNICAL.test(value) || !/\p{Lu}/u.test(value)) continue;
        out.push({ category, start: s + start, end: s + end, detector: "ner", key: value.toLowerCase() });
      }
    }
  }
  return used;
}
