// Scores the whole detector (every category, default policy, as scripts/pii-heldout.ts) on the
// technical clean set: how many texts it alters, by kind. `npx tsx scripts/pii-dev-technical/score.ts`
// scores dev.jsonl and lists what fired; `--heldback` scores heldback.jsonl, counts only.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { PiiDetector } from "../../workers/pii/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const heldBack = process.argv.includes("--heldback");
const Row = z.object({ id: z.string(), kind: z.string(), text: z.string(), spans: z.array(z.unknown()).length(0) });
const rows = readFileSync(join(here, heldBack ? "heldback.jsonl" : "dev.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => Row.parse(JSON.parse(l)));

const detector = new PiiDetector({ maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const byKind = new Map<string, { texts: number; altered: number }>();
const byCategory = new Map<string, number>();
let altered = 0;
for (const row of rows) {
  const found = detector.detect(row.text, detector.newBudget());
  const k = byKind.get(row.kind) ?? { texts: 0, altered: 0 };
  k.texts++;
  byKind.set(row.kind, k);
  if (found.length === 0) continue;
  altered++;
  k.altered++;
  for (const f of found) byCategory.set(`${f.category}/${f.detector}`, (byCategory.get(`${f.category}/${f.detector}`) ?? 0) + 1);
  if (!heldBack) {
    const shown = found.map((f) => {
      const before = row.text.slice(Math.max(0, f.start - 30), f.start).replace(/\s+/g, " ");
      const after = row.text.slice(f.end, f.end + 20).replace(/\s+/g, " ");
      return `${f.category}/${f.detector}: …${before}[[${row.text.slice(f.start, f.end)}]]${after}…`;
    });
    console.log(`${row.id}\n  ${shown.join("\n  ")}`);
  }
}
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
console.log(`\n${heldBack ? "held back" : "dev"}: ${altered} of ${rows.length} clean texts altered (${pct(altered, rows.length)})`);
console.log(Object.fromEntries([...byKind].map(([k, v]) => [k, `${v.altered}/${v.texts}`])));
console.log(Object.fromEntries([...byCategory].sort((a, b) => b[1] - a[1])));
