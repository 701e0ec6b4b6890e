// Dumps every finding of the PII detectors on every dev set, the labelled corpus and the bench's
// prompts, one line each (set, text index, detector, category, start, end), so a change meant
// for speed only can be checked for identical results: run before and after, then `diff` the
// two files (docs/benchmarks.md, "PII detection speed, issue 19").
//   npx tsx scripts/pii-perf/dump-findings.ts > /tmp/findings-before.txt
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { createMasker, maskJsonStrings, PiiDetector, type PiiCategory } from "../../workers/pii/index.js";

const root = new URL("../../", import.meta.url).pathname;
const Row = z.object({ text: z.string() });

/** Every text of a folder: one per JSONL row, one per non-empty line of a .txt file. */
function textsUnder(dir: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...textsUnder(path));
    else if (name.endsWith(".jsonl"))
      out.push([
        path.slice(root.length),
        readFileSync(path, "utf8")
          .split("\n")
          .filter((l) => l.trim())
          .map((l) => Row.parse(JSON.parse(l)).text),
      ]);
    else if (name.endsWith(".txt"))
      out.push([
        path.slice(root.length),
        readFileSync(path, "utf8")
          .split("\n")
          .filter((l) => l.trim()),
      ]);
  }
  return out;
}

const sets: [string, string[]][] = [
  ...["scripts/pii-dev-sets", "scripts/pii-dev-clean", "scripts/pii-dev-own", "scripts/pii-dev-technical", "test/pii"].flatMap((d) =>
    textsUnder(join(root, d)),
  ),
];
// Long texts as the bench builds them: whole corpus files joined, so findings across lines count too.
const corpusText = (sets.find(([n]) => n.endsWith("corpus.jsonl"))?.[1] ?? []).join("\n");
sets.push(["joined corpus", [corpusText]]);
for (const [name, texts] of [...sets]) if (name.includes("pii-dev-sets")) sets.push([`joined ${name}`, [texts.join("\n")]]);

const STRUCTURED: PiiCategory[] = ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address", "date_of_birth"];
const full = new PiiDetector({ maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const patterns = new PiiDetector({ categories: STRUCTURED, maxChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const lines: string[] = [];
for (const [name, texts] of sets) {
  for (const [i, text] of texts.entries()) {
    for (const [label, detector] of [
      ["full", full],
      ["patterns", patterns],
    ] as const) {
      for (const f of detector.detect(text, detector.newBudget()))
        lines.push(`${name}\t${i}\t${label}\t${f.detector}\t${f.category}\t${f.start}\t${f.end}\t${JSON.stringify(f.key)}`);
    }
    if (text.length < 20_000) {
      const masked = maskJsonStrings({ messages: [{ role: "user", content: text }] }, createMasker({}, undefined, { timeBudgetMs: 600_000 }));
      lines.push(`${name}\t${i}\tmasked\t${JSON.stringify(masked)}`);
    }
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
