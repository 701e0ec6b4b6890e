// Lists what fired on the clean texts a detector alters: per text, each finding's category,
// detector and span with some context, then counts by category/detector.
// `npx tsx scripts/pii-dev-clean/fired.ts [clean.jsonl …]` (default: this set's dev half).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { PiiDetector } from "../../workers/pii/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const files = process.argv.slice(2);
const Row = z.object({ id: z.string(), lang: z.string().optional(), text: z.string() });
const rows = (files.length ? files : [join(here, "dev", "clean.jsonl")]).flatMap((file) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => Row.parse(JSON.parse(l))),
);

const detector = new PiiDetector({ maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const byDetector = new Map<string, number>();
let altered = 0;
for (const row of rows) {
  const found = detector.detect(row.text, detector.newBudget());
  if (found.length === 0) continue;
  altered++;
  console.log(`${row.id} (${row.lang ?? "?"})`);
  for (const f of found) {
    const key = `${f.category}/${f.detector}`;
    byDetector.set(key, (byDetector.get(key) ?? 0) + 1);
    const flat = (s: string) => s.replace(/\s+/g, " ");
    const before = flat(row.text.slice(Math.max(0, f.start - 30), f.start));
    const after = flat(row.text.slice(f.end, f.end + 20));
    console.log(`  ${key}: …${before}[[${row.text.slice(f.start, f.end)}]]${after}…`);
  }
}
console.log(`\n${altered} of ${rows.length} clean texts altered (${((100 * altered) / rows.length).toFixed(1)}%)`);
console.log(Object.fromEntries([...byDetector].sort((a, b) => b[1] - a[1])));
