// Runs the detector calls `npm run bench:pii` times (pattern detectors on the prompt-like mix,
// entities on never-seen text, the 16 KB never-seen mask) for a CPU profile:
// The profile covers the measured calls only, after a warm-up (PROFILE=<file> to write one):
//   PROFILE=/tmp/patterns.cpuprofile npx tsx scripts/pii-perf/profile-detect.ts [patterns|dense|entities|mask16]
//   npx tsx scripts/pii-perf/profile-summary.ts /tmp/patterns.cpuprofile
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { createMasker, maskJsonStrings, PiiDetector, type PiiCategory } from "../../workers/pii/index.js";
import { buildPrompt, corpus, freshPrompt } from "./prompts.js";

const mode = process.argv[2] ?? "patterns";
const profileFile = process.env.PROFILE;
const session = new Session();
/** Runs `work` under the CPU profiler when PROFILE names a file. */
function profiled(work: () => void): void {
  if (!profileFile) return work();
  session.connect();
  session.post("Profiler.enable");
  // 100 µs between samples (1 ms by default): a 16 KB prompt takes a few ms.
  session.post("Profiler.setSamplingInterval", { interval: 100 });
  session.post("Profiler.start");
  work();
  session.post("Profiler.stop", (err, result) => {
    if (err) throw err;
    writeFileSync(profileFile, JSON.stringify(result.profile));
  });
}
const STRUCTURED: PiiCategory[] = ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address", "date_of_birth"];
if (mode === "patterns" || mode === "dense") {
  const patterns = new PiiDetector({ categories: STRUCTURED, maxChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
  const text = mode === "dense" ? corpus.join("\n").repeat(8) : buildPrompt(4 * 1024 * 1024);
  patterns.detect(text, patterns.newBudget()); // warm-up, as the bench does
  const c0 = process.cpuUsage();
  profiled(() => {
    for (let i = 0; i < 3; i++) patterns.detect(text, patterns.newBudget());
  });
  const c = process.cpuUsage(c0);
  console.log(`${mode}: ${((3 * text.length) / 1024 / 1024 / ((c.user + c.system) / 1e6)).toFixed(2)} MB/s of CPU`);
} else if (mode === "entities") {
  const ENTITIES: PiiCategory[] = ["person", "organization", "location", "address"];
  const detector = new PiiDetector({ categories: ENTITIES, maxChars: 64 * 1024 * 1024, maxEntityChars: 64 * 1024 * 1024, timeBudgetMs: 600_000 });
  const texts = [1, 2, 3, 4].map(() => freshPrompt(2 * 1024 * 1024));
  for (const text of texts.slice(0, 2)) detector.detect(text, detector.newBudget());
  const c0 = process.cpuUsage();
  profiled(() => {
    for (const text of texts.slice(2)) detector.detect(text, detector.newBudget());
  });
  const c = process.cpuUsage(c0);
  console.log(`${mode}: ${((2 * (texts[0]?.length ?? 0)) / 1024 / 1024 / ((c.user + c.system) / 1e6)).toFixed(2)} MB/s of CPU`);
} else {
  // As the bench: the org's entity cache filled by earlier traffic, then 60 never-seen prompts.
  const options = { entityCacheScope: "org_profile" };
  const mask = (text: string) => maskJsonStrings({ model: "m", messages: [{ role: "user", content: text }] }, createMasker({}, undefined, options));
  for (let i = 0; i < 200; i++) mask(freshPrompt(16 * 1024));
  const texts = Array.from({ length: 60 }, () => freshPrompt(16 * 1024));
  const perCall: number[] = [];
  profiled(() => {
    for (const text of texts) {
      const c0 = process.cpuUsage();
      mask(text);
      const c = process.cpuUsage(c0);
      perCall.push((c.user + c.system) / 1000);
    }
  });
  perCall.sort((a, b) => a - b);
  console.log(`${mode}: p50 ${perCall[30]?.toFixed(2)} ms of CPU per never-seen 16 KB prompt`);
}
