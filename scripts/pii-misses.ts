// Lists what the whole detector misses and alters on a labelled set in the format of
// scripts/pii-heldout.ts: `npx tsx scripts/pii-misses.ts <folder> [label]` prints each gold span of
// that label (default person) it leaves partly unmasked and each clean text it alters. For dev
// sets only: never point it at a held-out set.
import { readFileSync } from "node:fs";
import { PiiDetector } from "../workers/pii/index.js";

const folder = process.argv[2] ?? "/work/notes/pii-heldout";
const label = process.argv[3] ?? "person";
type Row = { id: string; lang: string; text: string; spans: { start: number; end: number; label: string }[] };
const read = (name: string): Row[] =>
  readFileSync(`${folder}/${name}`, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
const detector = new PiiDetector({ maxChars: 1 << 26, maxEntityChars: 1 << 26, timeBudgetMs: 600_000 });
const flat = (s: string) => s.replace(/\s+/g, " ");
for (const name of ["templated.jsonl", "natural.jsonl"]) {
  for (const row of read(name)) {
    const found = detector.detect(row.text, detector.newBudget());
    const masked = new Uint8Array(row.text.length);
    for (const f of found) masked.fill(1, f.start, f.end);
    const gold = new Uint8Array(row.text.length);
    for (const s of row.spans) gold.fill(1, s.start, s.end);
    for (const f of found) {
      if (f.category !== label) continue;
      let outside = 0;
      for (let i = f.start; i < f.end; i++) if (!gold[i] && !/\s/.test(row.text[i] ?? "")) outside++;
      if (outside > 0)
        console.log(
          `extra ${row.id} ${row.lang} [${row.text.slice(f.start, f.end)}] ${outside} :: ${flat(row.text.slice(Math.max(0, f.start - 40), f.end + 30))}`,
        );
    }
    for (const s of row.spans) {
      if (s.label !== label) continue;
      let hit = 0;
      let chars = 0;
      for (let i = s.start; i < s.end; i++) {
        if (/\s/.test(row.text[i] ?? "")) continue;
        chars++;
        hit += masked[i] ?? 0;
      }
      if (hit < chars) {
        const ctx = flat(row.text.slice(Math.max(0, s.start - 50), s.end + 30));
        console.log(`miss ${row.id} ${row.lang} [${row.text.slice(s.start, s.end)}] ${hit}/${chars} :: ${ctx}`);
      }
    }
  }
}
for (const row of read("clean.jsonl")) {
  const found = detector.detect(row.text, detector.newBudget());
  if (found.length === 0) continue;
  console.log(
    `altered ${row.id} ${row.lang} ${found.map((f) => `[${row.text.slice(f.start, f.end)}]/${f.category}/${f.detector}`).join(" ")} :: ${flat(row.text.slice(0, 100))}`,
  );
}
