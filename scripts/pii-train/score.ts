// Character-level scores of the tagger on labelled examples: precision, recall and F2 over
// entity characters (any kind counts as masked), recall per kind, and texts altered.
import { tagPiece } from "../../workers/pii/detectors/entities.js";
import { pieces } from "../../workers/pii/tagger/pieces.js";
import type { EntityKind, Tagger } from "../../workers/pii/tagger/tagger.js";
import type { Example } from "./generate.js";

const KINDS: EntityKind[] = ["person", "organization", "location", "address"];

/**
 * Entity spans of `text` as the Worker finds them: the given tagger's tags, then the checks of
 * detectors/entities.ts (which use the committed tagger's gazetteer, the same word lists).
 */
export function predict(tagger: Tagger, text: string): Array<{ start: number; end: number; kind: EntityKind }> {
  const out: Array<{ start: number; end: number; kind: EntityKind }> = [];
  for (const [s, e] of pieces(text))
    for (const sp of tagPiece(text.slice(s, e), tagger)) out.push({ kind: sp.kind, start: s + sp.start, end: s + sp.end });
  return out;
}

export function scoreExamples(tagger: Tagger, examples: readonly Example[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let altered = 0;
  const perKind = new Map<EntityKind, { hit: number; total: number; sameKind: number }>(KINDS.map((k) => [k, { hit: 0, total: 0, sameKind: 0 }]));
  const misses: string[] = [];
  for (const ex of examples) {
    const found = predict(tagger, ex.text);
    if (found.length > 0) altered++;
    const gold = new Array<EntityKind | null>(ex.text.length).fill(null);
    const pred = new Array<EntityKind | null>(ex.text.length).fill(null);
    for (const s of ex.spans) for (let i = s.start; i < s.end; i++) gold[i] = s.kind;
    for (const s of found) for (let i = s.start; i < s.end; i++) pred[i] = s.kind;
    for (let i = 0; i < ex.text.length; i++) {
      if (/\s/.test(ex.text[i] ?? "")) continue;
      const g = gold[i];
      const p = pred[i];
      if (g && p) tp++;
      else if (p) fp++;
      else if (g) fn++;
      if (g) {
        const k = perKind.get(g);
        if (k) {
          k.total++;
          if (p) k.hit++;
          if (p === g) k.sameKind++;
        }
      }
    }
    if (misses.length < 40 && ex.spans.some((s) => found.every((f) => f.end <= s.start || f.start >= s.end)))
      misses.push(
        `${ex.text.slice(0, 140).replace(/\n/g, "⏎")}  || gold: ${ex.spans.map((s) => ex.text.slice(s.start, s.end)).join(" | ")} || found: ${found.map((f) => `${ex.text.slice(f.start, f.end)}/${f.kind}`).join(" | ")}`,
      );
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f2 = precision + recall === 0 ? 0 : (5 * precision * recall) / (4 * precision + recall);
  const kinds = Object.fromEntries(
    [...perKind].map(([k, v]) => [k, { recall: v.total ? v.hit / v.total : 1, recallSameKind: v.total ? v.sameKind / v.total : 1, chars: v.total }]),
  );
  const r3 = (x: number) => x.toFixed(3);
  const line = `P ${r3(precision)} R ${r3(recall)} F2 ${r3(f2)} | ${[...perKind]
    .filter(([, v]) => v.total)
    .map(([k, v]) => `${k} ${r3(v.hit / v.total)} (same kind ${r3(v.sameKind / v.total)})`)
    .join(", ")}`;
  return { precision, recall, f2, kinds, alteredTexts: altered, line, misses };
}
