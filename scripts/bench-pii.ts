// PII benchmark: precision/recall per category on the labelled corpus, the entity tagger's
// character-level scores on its dev set, throughput of the pattern detectors, of entity
// detection on text never seen before and of the full pipeline, heap growth while masking a
// 1 MB prompt. Writes bench/pii-results.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { z } from "zod";
import { PII_CATEGORIES, PiiDetector, createMasker, maskJsonStrings, type JsonValue, type PiiCategory } from "../workers/pii/index.js";
import { tagger } from "../workers/pii/detectors/entities.js";
import { devSet } from "./pii-train/generate.js";
import { LOCALES, fakerOf } from "./pii-train/lexicon.js";
import { scoreExamples } from "./pii-train/score.js";

const root = new URL("../", import.meta.url);
const Line = z.object({
  text: z.string(),
  spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), category: z.enum(PII_CATEGORIES) })),
});
const corpus = readFileSync(new URL("test/pii/corpus/corpus.jsonl", root), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => Line.parse(JSON.parse(l)));

const ENTITIES: PiiCategory[] = ["person", "organization", "location", "address"];

// --- precision / recall: a finding matches a label of the same category when they overlap.
const tally = new Map<PiiCategory, { tp: number; fp: number; fn: number }>(PII_CATEGORIES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }]));
const detector = new PiiDetector({ maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const misses: string[] = [];
for (const line of corpus) {
  const found = detector.detect(line.text, detector.newBudget());
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  for (const f of found) {
    const t = tally.get(f.category);
    if (!t) continue;
    if (line.spans.some((s) => s.category === f.category && overlaps(s, f))) t.tp++;
    else {
      t.fp++;
      if (!ENTITIES.includes(f.category)) misses.push(`FP ${f.category} (${f.detector}) in line ${corpus.indexOf(line) + 1}`);
    }
  }
  for (const s of line.spans) {
    if (!found.some((f) => f.category === s.category && overlaps(s, f))) {
      const t = tally.get(s.category);
      if (t) t.fn++;
      if (!ENTITIES.includes(s.category)) misses.push(`FN ${s.category} in line ${corpus.indexOf(line) + 1}`);
    }
  }
}
const quality: Record<string, { precision: number; recall: number; support: number }> = {};
for (const [c, t] of tally) {
  const precision = t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp);
  const support = t.tp + t.fn;
  const recall = support === 0 ? 1 : t.tp / support;
  quality[c] = { precision: round(precision), recall: round(recall), support };
}

// --- throughput
const mixed = corpus.map((l) => l.text).join("\n");
function buildText(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < bytes) {
    parts.push(mixed);
    n += mixed.length + 1;
  }
  return parts.join("\n").slice(0, bytes);
}
const STRUCTURED: PiiCategory[] = ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address", "date_of_birth"];
/** MB/s over wall time and over process CPU time (the latter is steadier on a shared machine). */
function mbPerSecond(bytes: number, run: () => void, rounds: number): { wall: number; cpu: number } {
  run(); // warm-up: let the regexes and the JIT tier up
  run();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) run();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const mb = (bytes * rounds) / (1024 * 1024);
  return { wall: round(mb / wall), cpu: round(mb / ((c.user + c.system) / 1e6)) };
}
// Two inputs: the corpus itself (a PII value every few hundred bytes, the worst case) and a
// prompt-like mix of prose, code and logs with one corpus line per ~2 KB.
const PROSE = [
  "The service reads the configuration at start-up and caches it for the lifetime of the process.",
  '  const result = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload) });',
  "2024-05-01T10:15:32.118Z INFO request completed status=200 duration_ms=42 route=/api/v1/items",
  "If the queue is full, the producer backs off exponentially and retries up to five times.",
  "  for (const item of items) { total += item.price * item.quantity; }",
  "We should measure latency at the 99th percentile before and after the change is rolled out.",
  "- [ ] update the migration, run the tests, then ask for a review on the pull request",
  '  return { ok: false, error: "not_found", retryAfter: 30 };',
];
function buildPrompt(bytes: number): string {
  const parts: string[] = [];
  let n = 0;
  let i = 0;
  while (n < bytes) {
    const l = i % 20 === 19 ? (corpus[((i / 20) % corpus.length) | 0]?.text ?? "") : (PROSE[i % PROSE.length] ?? "");
    parts.push(l);
    n += l.length + 1;
    i++;
  }
  return parts.join("\n").slice(0, bytes);
}
const patterns = new PiiDetector({ categories: STRUCTURED, maxChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const denseMb = buildText(2 * 1024 * 1024);
const promptMb = buildPrompt(4 * 1024 * 1024);
const patternDense = mbPerSecond(denseMb.length, () => void patterns.detect(denseMb, patterns.newBudget()), 2);
const patternMBps = mbPerSecond(promptMb.length, () => void patterns.detect(promptMb, patterns.newBudget()), 3);

// Entity detection on text never seen before: every line carries a new reference, so no cache helps.
let freshRun = 0;
function freshPrompt(bytes: number): string {
  const base = buildPrompt(bytes);
  freshRun++;
  let n = 0;
  return base.replace(/\n/g, () => ` ref ${freshRun.toString(36)}x${(n++).toString(36)}\n`);
}
const entityDetector = new PiiDetector({ categories: ENTITIES, maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
const freshTexts = [freshPrompt(2 * 1024 * 1024), freshPrompt(2 * 1024 * 1024), freshPrompt(2 * 1024 * 1024), freshPrompt(2 * 1024 * 1024)];
let freshIndex = 0;
const entitiesNew = mbPerSecond(
  freshTexts[0]?.length ?? 0,
  () => void entityDetector.detect(freshTexts[freshIndex++ % freshTexts.length] ?? "", entityDetector.newBudget()),
  2,
);
// A 16 KB never-seen prompt through the whole masker (patterns and entities), per call, as the
// proxy runs it: with the org's entity cache, already full (earlier traffic), so every new
// sentence is also a cache insertion that pushes an old one out.
const proxyOptions = { entityCacheScope: "org_bench_pii" };
for (let i = 0; i < 200; i++)
  maskJsonStrings({ model: "m", messages: [{ role: "user", content: freshPrompt(16 * 1024) }] }, createMasker({}, undefined, proxyOptions));
const sixteen = Array.from({ length: 60 }, () => freshPrompt(16 * 1024));
const perCall: number[] = [];
for (const text of sixteen) {
  const t0 = performance.now();
  maskJsonStrings({ model: "m", messages: [{ role: "user", content: text }] }, createMasker({}, undefined, proxyOptions));
  perCall.push(performance.now() - t0);
}
perCall.sort((a, b) => a - b);
const fresh16KbP50Ms = round(perCall[Math.floor(perCall.length / 2)] ?? 0);

// The tagger on its dev set (held-out templates, hand-labelled sentences, clean texts; scripts/pii-train).
for (const [i, l] of LOCALES.entries()) fakerOf(l).seed(0x19a1 * 104729 + i);
const dev = devSet(0x19a1 + 1, 3000);
const model = tagger();
const devScores = Object.fromEntries(
  (
    [
      ["templated", dev.templated],
      ["natural", dev.natural],
    ] as const
  ).map(([name, set]) => {
    const s = scoreExamples(model, set);
    return [name, { precision: round(s.precision), recall: round(s.recall), f2: round(s.f2), kinds: s.kinds }];
  }),
);
const devClean = scoreExamples(model, dev.clean);
const tagger_ = { dev: devScores, cleanTextsAltered: `${devClean.alteredTexts}/${dev.clean.length}` };

const pipelineSizes: Record<string, { wall: number; cpu: number }> = {};
for (const kb of [1, 16, 256]) {
  const text = buildPrompt(kb * 1024);
  const rounds = kb === 256 ? 1 : kb === 16 ? 10 : 100;
  pipelineSizes[`${kb}KB`] = mbPerSecond(
    text.length,
    () => {
      const m = createMasker({}, undefined, { maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
      maskJsonStrings({ model: "m", messages: [{ role: "user", content: text }] }, m);
    },
    rounds,
  );
}

// --- memory of masking a 1 MB prompt (entities off so the default budget holds; see docs/pii.md)
setFlagsFromString("--expose-gc");
const gcValue: unknown = runInNewContext("gc");
const gc = typeof gcValue === "function" ? () => void gcValue() : () => undefined;
const oneMb = buildPrompt(1024 * 1024);
const body: JsonValue = { model: "m", messages: [{ role: "user", content: oneMb }] };
gc();
const before = process.memoryUsage().heapUsed;
let peak = before;
const masker = createMasker({ person: "allow", organization: "allow", location: "allow" });
const sampler = setInterval(() => undefined, 1000);
const t0 = performance.now();
const masked = maskJsonStrings(body, masker);
const maskMs = performance.now() - t0;
peak = Math.max(peak, process.memoryUsage().heapUsed);
clearInterval(sampler);
const afterNoGc = peak - before;
gc();
const retained = process.memoryUsage().heapUsed - before;
void masked;

const results = {
  corpusLines: corpus.length,
  quality,
  tagger: tagger_,
  throughputMBps: {
    patternDetectorsPrompt: patternMBps,
    patternDetectorsDenseCorpus: patternDense,
    entitiesNeverSeen: entitiesNew,
    fullPipelineWithEntities: pipelineSizes,
  },
  maskNeverSeen16KbP50Ms: fresh16KbP50Ms,
  mask1MB: { ms: round(maskMs), heapDeltaMB: round(afterNoGc / 1024 / 1024), retainedMB: round(retained / 1024 / 1024) },
  misses: misses.slice(0, 50),
};

console.log(`corpus: ${corpus.length} lines`);
console.log("category        precision  recall  support");
for (const [c, q] of Object.entries(quality))
  console.log(`${c.padEnd(15)} ${q.precision.toFixed(3).padStart(9)}  ${q.recall.toFixed(3).padStart(6)}  ${String(q.support).padStart(7)}`);
console.log(
  `pattern detectors (MB/s wall/cpu): prompt-like mix ${patternMBps.wall}/${patternMBps.cpu}, dense corpus ${patternDense.wall}/${patternDense.cpu}`,
);
console.log(`entity detection on never-seen text (MB/s wall/cpu): ${entitiesNew.wall}/${entitiesNew.cpu}`);
console.log(`mask a never-seen 16 KB prompt, entities on: p50 ${fresh16KbP50Ms} ms`);
console.log(
  `tagger dev set: ${JSON.stringify(devScores.templated?.f2)} F2 templated, ${JSON.stringify(devScores.natural?.f2)} F2 natural, clean texts altered ${tagger_.cleanTextsAltered}`,
);
console.log(
  `full pipeline, mask + entities (MB/s wall/cpu): ${Object.entries(pipelineSizes)
    .map(([k, v]) => `${k} ${v.wall}/${v.cpu}`)
    .join(", ")}`,
);
console.log(
  `mask 1 MB prompt (entities allowed): ${results.mask1MB.ms} ms, heap delta ${results.mask1MB.heapDeltaMB} MB, retained ${results.mask1MB.retainedMB} MB`,
);
if (misses.length) console.log(`structured misses:\n  ${misses.slice(0, 20).join("\n  ")}`);
mkdirSync(new URL("bench/", root), { recursive: true });
writeFileSync(new URL("bench/pii-results.json", root), `${JSON.stringify(results, null, 2)}\n`);

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
