// Trains the name-shape table of workers/pii/tagger/name-shape.ts: naive Bayes log-odds of letter
// 3- and 4-grams in names and places (faker's first and last names, cities, regions; compromise's
// names; world cities) against everyday words (the frequent words of 40 languages and an English
// dictionary, without the words that are also names). Writes workers/pii/tagger/name-shape-data.ts.
import { writeFileSync } from "node:fs";
import { toBase64 } from "../../workers/pii/tagger/codec.js";
import { NAME_SHAPE_BITS, NAME_SHAPE_SCALE, nameShapeGrams } from "../../workers/pii/tagger/name-shape.js";
import { CITY_NAMES, DICTIONARY, FIRST_NAMES, FREQUENT_WORDS, KNOWN_FIRST, KNOWN_LAST, LAST_NAMES, STATES, WORLD_CITIES } from "./lexicon.js";

const names = new Set<string>();
const addName = (x: string) => {
  for (const w of x.toLowerCase().split(/\s+/)) if (w.length > 2) names.add(w);
};
for (const lists of [FIRST_NAMES, LAST_NAMES, CITY_NAMES, STATES]) for (const xs of lists.values()) for (const x of xs) addName(x);
for (const x of [...KNOWN_FIRST, ...KNOWN_LAST, ...WORLD_CITIES]) addName(x);
const words = new Set<string>();
for (const xs of FREQUENT_WORDS.values()) for (const w of xs) if (!names.has(w.toLowerCase())) words.add(w.toLowerCase());
for (const w of DICTIONARY) if (!names.has(w)) words.add(w);

const size = 1 << NAME_SHAPE_BITS;
// Add-one smoothing: an n-gram seen in neither list leans neither way.
const inNames = new Float64Array(size).fill(1);
const inWords = new Float64Array(size).fill(1);
let nameGrams = size;
let wordGrams = size;
for (const w of names)
  for (const g of nameShapeGrams(w)) {
    inNames[g] = (inNames[g] ?? 0) + 1;
    nameGrams++;
  }
for (const w of words)
  for (const g of nameShapeGrams(w)) {
    inWords[g] = (inWords[g] ?? 0) + 1;
    wordGrams++;
  }
const table = new Int8Array(size);
for (let i = 0; i < size; i++) {
  const logOdds = Math.log((inNames[i] ?? 1) / nameGrams) - Math.log((inWords[i] ?? 1) / wordGrams);
  table[i] = Math.max(-127, Math.min(127, Math.round(logOdds * NAME_SHAPE_SCALE)));
}
const out = new URL("../../workers/pii/tagger/name-shape-data.ts", import.meta.url);
writeFileSync(
  out,
  `// Written by \`npm run pii:train\` (scripts/pii-train/name-shape.ts); do not edit. Log-odds per letter\n// n-gram bucket (signed bytes), base64.\nexport const NAME_SHAPE_DATA =\n  "${toBase64(new Uint8Array(table.buffer))}";\n`,
);
console.log(`name shape: ${names.size} names and places, ${words.size} words; wrote ${out.pathname}`);
