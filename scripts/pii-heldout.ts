// Scores the whole detector (every category, default policy) on a labelled held-out set in the
// format of /work/notes/pii-heldout (JSONL: {id, lang, text, spans: [{start, end, label}]}):
// character-level precision, recall and F2 overall (any category masks a character) and per
// label, and the share of clean texts altered. `npx tsx scripts/pii-heldout.ts [folder]`.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { PII_CATEGORIES, PiiDetector, type PiiCategory } from "../workers/pii/index.js";

const folder = process.argv[2] ?? "/work/notes/pii-heldout";
const Row = z.object({
  id: z.string(),
  lang: z.string(),
  text: z.string(),
  spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), label: z.enum(PII_CATEGORIES) })),
});
type Row = z.infer<typeof Row>;
const read = (name: string): Row[] =>
  readFileSync(`${folder}/${name}`, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => Row.parse(JSON.parse(l)));

const detector = new PiiDetector({ maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const f2 = (p: number, r: number) => (p + r === 0 ? 0 : (5 * p * r) / (4 * p + r));

function score(rows: Row[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const byLabel = new Map<PiiCategory, { gold: number; hitAny: number; hitSame: number; predicted: number; predictedGold: number }>();
  const entry = (c: PiiCategory) => {
    let e = byLabel.get(c);
    if (!e) {
      e = { gold: 0, hitAny: 0, hitSame: 0, predicted: 0, predictedGold: 0 };
      byLabel.set(c, e);
    }
    return e;
  };
  let altered = 0;
  for (const row of rows) {
    const found = detector.detect(row.text, detector.newBudget());
    if (found.length > 0) altered++;
    const gold = new Array<PiiCategory | null>(row.text.length).fill(null);
    const pred = new Array<PiiCategory | null>(row.text.length).fill(null);
    for (const s of row.spans) for (let i = s.start; i < s.end; i++) gold[i] = s.label;
    for (const f of found) for (let i = f.start; i < f.end; i++) pred[i] = f.category;
    for (let i = 0; i < row.text.length; i++) {
      if (/\s/.test(row.text[i] ?? "")) continue;
      const g = gold[i];
      const p = pred[i];
      if (g && p) tp++;
      else if (p) fp++;
      else if (g) fn++;
      if (g) {
        const e = entry(g);
        e.gold++;
        if (p) e.hitAny++;
        if (p === g) e.hitSame++;
      }
      if (p) {
        const e = entry(p);
        e.predicted++;
        if (g) e.predictedGold++;
      }
    }
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const labels = Object.fromEntries(
    PII_CATEGORIES.filter((c) => byLabel.has(c)).map((c) => {
      const e = entry(c);
      return [
        c,
        {
          goldChars: e.gold,
          recall: r3(e.gold ? e.hitAny / e.gold : 1),
          recallSameCategory: r3(e.gold ? e.hitSame / e.gold : 1),
          precision: r3(e.predicted ? e.predictedGold / e.predicted : 1),
        },
      ];
    }),
  );
  return { texts: rows.length, precision: r3(precision), recall: r3(recall), f2: r3(f2(precision, recall)), altered, labels };
}

const natural = read("natural.jsonl");
const templated = read("templated.jsonl");
const clean = read("clean.jsonl");
const results = {
  templated: score(templated),
  natural: score(natural),
  all: score([...templated, ...natural]),
  clean: { texts: clean.length, altered: score(clean).altered },
};
console.log(JSON.stringify(results, null, 2));
