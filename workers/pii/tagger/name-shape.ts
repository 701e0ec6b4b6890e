// How much a word looks like a name or place rather than an everyday word of some language, from
// its letter n-grams: a naive Bayes log-odds over hashed 3- and 4-grams (with word boundaries),
// trained by scripts/pii-train/name-shape.ts on the name and place lists against the frequent
// words of 40 languages. It lets the entity checks (detectors/entities.ts) tell "Tilaus" or
// "Öffnungszeiten" from "Nkurunziza" when no list knows either.
import { fromBase64 } from "./codec.js";
import { NAME_SHAPE_DATA } from "./name-shape-data.js";

export const NAME_SHAPE_BITS = 16;
/** Log-odds are stored as signed bytes of this many steps per unit. */
export const NAME_SHAPE_SCALE = 16;

/** Bucket of each 3- and 4-gram of the lower-cased word between boundary marks. */
export function nameShapeGrams(word: string): number[] {
  const s = `^${word.toLowerCase()}$`;
  const out: number[] = [];
  for (let n = 3; n <= 4; n++)
    for (let i = 0; i + n <= s.length; i++) {
      let h = 2166136261 ^ n;
      for (let k = i; k < i + n; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619);
      out.push((h >>> 0) & ((1 << NAME_SHAPE_BITS) - 1));
    }
  return out;
}

let table: Int8Array | null = null;

/** Log-odds that `word` is a name or place, per square root of its n-grams (0: no lean either way); the best part of a hyphenated word. */
export function nameLikeness(word: string): number {
  table ??= new Int8Array(fromBase64(NAME_SHAPE_DATA).buffer);
  let best = -Infinity;
  for (const part of word.split(/[-'’]/)) {
    if (part.length < 2) continue;
    const grams = nameShapeGrams(part);
    let sum = 0;
    for (const g of grams) sum += table[g] ?? 0;
    best = Math.max(best, sum / NAME_SHAPE_SCALE / Math.sqrt(grams.length));
  }
  return best === -Infinity ? 0 : best;
}
