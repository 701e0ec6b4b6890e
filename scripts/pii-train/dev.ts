// Scores the committed tagger (workers/pii/tagger/model-data.ts) on the dev set and prints
// its misses and the clean texts it alters: `npx tsx scripts/pii-train/dev.ts`.
import { tagger } from "../../workers/pii/detectors/entities.js";
import { devSet } from "./generate.js";
import { LOCALES, fakerOf } from "./lexicon.js";
import { predict, scoreExamples } from "./score.js";

const SEED = 0x19a1;
for (const [i, l] of LOCALES.entries()) fakerOf(l).seed(SEED * 104729 + i);
const dev = devSet(SEED + 1, 3000);
const model = tagger();
for (const [name, set] of [
  ["dev templated", dev.templated],
  ["dev natural", dev.natural],
] as const) {
  const s = scoreExamples(model, set);
  console.log(`${name}: ${s.line}`);
  for (const m of s.misses.slice(0, Number(process.env.MISSES ?? 20))) console.log(`  miss: ${m}`);
}
let altered = 0;
for (const ex of dev.clean) {
  const found = predict(model, ex.text);
  if (found.length === 0) continue;
  altered++;
  console.log(`  altered: ${ex.text.slice(0, 120)} || ${found.map((f) => `${ex.text.slice(f.start, f.end)}/${f.kind}`).join(" | ")}`);
}
console.log(`dev clean: ${altered} of ${dev.clean.length} texts altered`);
