// Sweeps the entity confidence thresholds (CONFIDENCE in workers/pii/detectors/entities.ts) on a
// labelled set in the format of /work/notes/pii-heldout: for each pair of margins (bare, opening), the overall
// character-level F2 with the pattern detectors, person recall and clean texts altered.
// `npx tsx scripts/pii-train/sweep.ts [folder]`; GRID=a,b,… the margins tried, SHAPE/OSHAPE the name-shape
// thresholds; SHOW=fp|fpent|miss prints the errors at CONFIDENCE (LABEL= the category of misses);
// DUMP=file writes every candidate with its features and gold labels as JSON.
import { readFileSync } from "node:fs";
import { CONFIDENCE, type Candidate, candidates, confident } from "../../workers/pii/detectors/entities.js";
import { PiiDetector } from "../../workers/pii/index.js";
import { pieces } from "../../workers/pii/tagger/pieces.js";

const folder = process.argv[2] ?? "/work/notes/pii-heldout";
interface Row {
  id: string;
  text: string;
  spans: Array<{ start: number; end: number; label: string }>;
}
const read = (name: string): Row[] =>
  readFileSync(`${folder}/${name}`, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);

const detector = new PiiDetector({ maxChars: 1 << 26, maxEntityChars: 1 << 26, timeBudgetMs: 600_000 });
interface Prepared {
  row: Row;
  clean: boolean;
  patterns: Array<[number, number]>;
  cands: Candidate[];
}
const prepared: Prepared[] = [];
for (const [name, clean] of [
  ["templated.jsonl", false],
  ["natural.jsonl", false],
  ["clean.jsonl", true],
] as const)
  for (const row of read(name)) {
    const patterns = detector.detect(row.text, detector.newBudget(), { entities: false }).map((f) => [f.start, f.end] as [number, number]);
    const cands: Candidate[] = [];
    for (const [s, e] of pieces(row.text)) for (const c of candidates(row.text.slice(s, e))) cands.push({ ...c, start: s + c.start, end: s + c.end });
    prepared.push({ row, clean, patterns, cands });
  }

const SHAPES = {
  ...(process.env.SHAPE ? { shape: Number(process.env.SHAPE) } : {}),
  ...(process.env.OSHAPE ? { openingShape: Number(process.env.OSHAPE) } : {}),
};
function evaluate(bare: number, backedMin: number, opening: number, show?: string) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let personGold = 0;
  let personHit = 0;
  let altered = 0;
  for (const p of prepared) {
    const kept = p.cands.filter((c) => confident(c, { ...CONFIDENCE, ...SHAPES, backed: backedMin, bare, opening }));
    if (p.clean && (kept.length || p.patterns.length)) {
      altered++;
      if (show === "fp")
        console.log(
          `ALTERED ${p.row.id}: ${[...p.patterns.map(([s, e]) => `${p.row.text.slice(s, e)}/pattern`), ...kept.map((c) => `${p.row.text.slice(c.start, c.end)}/${c.kind}/${c.margin}${c.backed ? "b" : ""}${c.wordy ? "w" : ""}`)].join(" | ")}`,
        );
    }
    const n = p.row.text.length;
    const gold = new Array<string | null>(n).fill(null);
    const pred = new Uint8Array(n);
    for (const s of p.row.spans) for (let i = s.start; i < s.end; i++) gold[i] = s.label;
    for (const [s, e] of p.patterns) for (let i = s; i < e; i++) pred[i] = 1;
    for (const c of kept) for (let i = c.start; i < c.end; i++) pred[i] = 1;
    for (let i = 0; i < n; i++) {
      if (/\s/.test(p.row.text[i] ?? "")) continue;
      const g = gold[i];
      if (g && pred[i]) tp++;
      else if (pred[i]) fp++;
      else if (g) fn++;
      if (g === "person") {
        personGold++;
        if (pred[i]) personHit++;
      }
    }
    if (show === "fpent" && !p.clean)
      for (const c of kept)
        if (!p.row.spans.some((s) => s.start < c.end && c.start < s.end))
          console.log(`FP ${p.row.id}: ${p.row.text.slice(c.start, c.end)}/${c.kind}/${c.margin}${c.backed ? "b" : ""}${c.wordy ? "w" : ""}`);
    if (show === "miss")
      for (const s of p.row.spans) {
        if (s.label !== (process.env.LABEL ?? "person")) continue;
        let hit = 0;
        for (let i = s.start; i < s.end; i++) hit += pred[i] ?? 0;
        if (hit < (s.end - s.start) / 2) {
          const near = p.cands
            .filter((c) => c.start < s.end && s.start < c.end)
            .map((c) => `${c.kind}/${c.margin}${c.backed ? "b" : ""}${c.wordy ? "w" : ""}`);
          console.log(
            `MISS ${p.row.id}: «${p.row.text.slice(s.start, s.end)}» in …${p.row.text.slice(Math.max(0, s.start - 40), s.end + 30).replace(/\n/g, "⏎")}… cand: ${near.join(",")}`,
          );
        }
      }
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  const f2 = (5 * precision * recall) / (4 * precision + recall);
  return {
    bare,
    backed: backedMin,
    opening,
    precision: +precision.toFixed(3),
    recall: +recall.toFixed(3),
    f2: +f2.toFixed(3),
    person: +(personHit / personGold).toFixed(3),
    altered,
  };
}

if (process.env.SHOW)
  evaluate(
    Number(process.env.BARE ?? CONFIDENCE.bare),
    Number(process.env.BACKED ?? CONFIDENCE.backed),
    Number(process.env.OPENING ?? CONFIDENCE.opening),
    process.env.SHOW,
  );
else {
  const grid = (process.env.GRID ?? "-1e9,0,500,1000,2000,3000,4000,6000,9000").split(",").map(Number);
  for (const bare of grid)
    for (const opening of grid) if (opening >= bare) console.log(JSON.stringify(evaluate(bare, Number(process.env.BACKED ?? 0), opening)));
}
if (process.env.DUMP) {
  const rows = [];
  for (const p of prepared)
    for (const c of p.cands) {
      const g = p.row.spans.filter((s) => s.start < c.end && c.start < s.end).map((s) => s.label);
      const value = p.row.text.slice(c.start, c.end);
      const before = p.row.text.slice(Math.max(0, c.start - 3), c.start);
      const after = p.row.text.slice(c.end, c.end + 2);
      rows.push({
        id: p.row.id,
        clean: p.clean,
        value,
        kind: c.kind,
        margin: c.margin,
        backed: c.backed,
        wordy: c.wordy,
        gold: g,
        before,
        after,
        len: c.end - c.start,
      });
    }
  (await import("node:fs")).writeFileSync(process.env.DUMP, JSON.stringify(rows));
}
