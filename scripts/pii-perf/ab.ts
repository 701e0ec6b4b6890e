// Two checkouts' PII detectors in one process, called alternately, CPU per call: on a shared
// machine the ratio holds where bench:pii's figures move by 2x between runs.
//   npx tsx scripts/pii-perf/ab.ts <other checkout> patterns|dense|mask16|entities [rounds]
import { resolve } from "node:path";
import { buildPrompt, corpus, freshPrompt } from "./prompts.js";

type Pii = typeof import("../../workers/pii/index.js");
const [otherDir, mode = "patterns", roundsArg] = process.argv.slice(2);
if (!otherDir) throw new Error("usage: ab.ts <other checkout> patterns|dense|mask16|entities [rounds]");
const rounds = Number(roundsArg ?? (mode === "mask16" ? 61 : 7));
const A: Pii = await import(resolve(otherDir, "workers/pii/index.ts"));
const B: Pii = await import("../../workers/pii/index.js");

const STRUCTURED = ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address", "date_of_birth"] as const;
const ENTITIES = ["person", "organization", "location", "address"] as const;
const big = { maxChars: 1e9, maxEntityChars: 1e9, timeBudgetMs: 600_000 };

/** One call of `mode` for a module, on the next text. */
function caller(P: Pii): () => void {
  if (mode === "patterns" || mode === "dense") {
    const text = mode === "dense" ? corpus.join("\n").repeat(8) : buildPrompt(4 * 1024 * 1024);
    const detector = new P.PiiDetector({ ...big, categories: [...STRUCTURED] });
    return () => void detector.detect(text, detector.newBudget());
  }
  if (mode === "entities") {
    const detector = new P.PiiDetector({ ...big, categories: [...ENTITIES] });
    const texts = Array.from({ length: rounds + 2 }, () => freshPrompt(1024 * 1024));
    return () => void detector.detect(texts.pop() ?? "", detector.newBudget());
  }
  // As bench:pii: the org's entity cache filled by earlier traffic, then never-seen 16 KB prompts.
  const mask = () =>
    void P.maskJsonStrings(
      { messages: [{ role: "user", content: freshPrompt(16 * 1024) }] },
      P.createMasker({}, undefined, { entityCacheScope: "org_ab" }),
    );
  for (let i = 0; i < 100; i++) mask();
  return mask;
}

const cpuMs = (f: () => void) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const runA = caller(A);
const runB = caller(B);
runA();
runB();
const ta: number[] = [];
const tb: number[] = [];
for (let i = 0; i < rounds; i++) {
  ta.push(cpuMs(runA));
  tb.push(cpuMs(runB));
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? 0;
console.log(`${mode}: ${otherDir} ${median(ta).toFixed(2)} ms, this checkout ${median(tb).toFixed(2)} ms (CPU per call, medians of ${rounds})`);
