// `npm run pii:train`: generates the labelled sentences (generate.ts), trains the averaged
// perceptron of workers/pii/tagger, reports character-level scores on the dev set, and writes
// workers/pii/tagger/model-data.ts. Deterministic: the same seeds give the same file.
import { writeFileSync } from "node:fs";
import { ByteWriter, toBase64 } from "../../workers/pii/tagger/codec.js";
import {
  BUCKET_BITS,
  Gaz,
  MAX_STATIC,
  O,
  TAG_COUNT,
  TAGS,
  allowed,
  dynamicFeatures,
  flagsOf,
  plainlyOutside,
  staticFeatures,
} from "../../workers/pii/tagger/features.js";
import { pieces } from "../../workers/pii/tagger/pieces.js";
import { Gazetteer, Tagger } from "../../workers/pii/tagger/tagger.js";
import { Shape, tokenize } from "../../workers/pii/tagger/tokens.js";
import { type Example, devSet, trainingSet } from "./generate.js";
import { LOCALES, buildGazetteer, fakerOf } from "./lexicon.js";
import { predict, scoreExamples } from "./score.js";

const EPOCHS = Number(process.env.PII_TRAIN_EPOCHS ?? 6);
const EXAMPLES = Number(process.env.PII_TRAIN_EXAMPLES ?? 120_000);
const SEED = 0x19a1;
const out = new URL("../../workers/pii/tagger/model-data.ts", import.meta.url);

for (const [i, l] of LOCALES.entries()) fakerOf(l).seed(SEED * 7919 + i);
const t0 = performance.now();
const gazetteerEntries = [...buildGazetteer()].sort((a, b) => (a[0] >>> 0) - (b[0] >>> 0));
const gazetteer = new Gazetteer(gazetteerEntries);
console.log(`gazetteer: ${gazetteerEntries.length} words (${Math.round(performance.now() - t0)} ms)`);
const train = trainingSet(SEED, EXAMPLES);
for (const [i, l] of LOCALES.entries()) fakerOf(l).seed(SEED * 104729 + i);
const dev = devSet(SEED + 1, 3000);
console.log(
  `examples: ${train.length} training, ${dev.templated.length + dev.natural.length + dev.clean.length} dev (${Math.round(performance.now() - t0)} ms)`,
);

const KIND_TAG: Record<string, number> = { person: 1, organization: 3, location: 5, address: 7 };
/** Names and places in the gazetteer: hidden at random in training so the context learns to carry unknown names. */
const NAME_FLAGS = Gaz.first | Gaz.last | Gaz.city | Gaz.country | Gaz.region | Gaz.orgName;

interface Piece {
  text: string;
  gold: Int8Array;
}

/** Cuts examples into the pieces the Worker tags, with the gold tag of every token. */
function piecesOf(examples: readonly Example[]): Piece[] {
  const result: Piece[] = [];
  for (const ex of examples) {
    for (const [s, e] of pieces(ex.text)) {
      const text = ex.text.slice(s, e);
      const tokens = tokenize(text);
      const gold = new Int8Array(tokens.count);
      let prevSpan = -1;
      for (let i = 0; i < tokens.count; i++) {
        const at = s + (tokens.starts[i] ?? 0);
        const k = ex.spans.findIndex((sp) => sp.start <= at && at < sp.end);
        if (k < 0) {
          prevSpan = -1;
          continue;
        }
        const span = ex.spans[k];
        const base = KIND_TAG[span?.kind ?? "person"] ?? 1;
        gold[i] = k === prevSpan ? base + 1 : base;
        prevSpan = k;
      }
      result.push({ text, gold });
    }
  }
  return result;
}

const size = (1 << BUCKET_BITS) * TAG_COUNT;
const weights = new Float32Array(size);
const totals = new Float64Array(size);
const stamps = new Int32Array(size);
let clock = 1;

function update(index: number, delta: number): void {
  totals[index] = (totals[index] ?? 0) + (clock - (stamps[index] ?? 0)) * (weights[index] ?? 0);
  stamps[index] = clock;
  weights[index] = (weights[index] ?? 0) + delta;
}

const features = new Int32Array(MAX_STATIC + 8);
const scores = new Float64Array(TAG_COUNT);
let flags = new Int32Array(1024);

let dropState = 0x2545f491;
function chance(p: number): boolean {
  dropState ^= dropState << 13;
  dropState ^= dropState >>> 17;
  dropState ^= dropState << 5;
  return (dropState >>> 0) / 4294967296 < p;
}

function trainPiece(piece: Piece): number {
  const tokens = tokenize(piece.text);
  if (flags.length < tokens.count) flags = new Int32Array(tokens.count * 2);
  flagsOf(tokens, gazetteer, flags);
  // Only for capitalised tokens: a lower-case word must show gazetteer evidence to be a name.
  for (let i = 0; i < tokens.count; i++)
    if ((piece.gold[i] ?? 0) !== O && tokens.shape[i] !== Shape.Lower && chance(0.3)) flags[i] = (flags[i] ?? 0) & ~NAME_FLAGS;
  let prev = O;
  let prev2 = O;
  let errors = 0;
  for (let i = 0; i < tokens.count; i++) {
    const gold = piece.gold[i] ?? 0;
    if (plainlyOutside(tokens, flags, i, prev)) {
      clock++;
      prev2 = prev;
      prev = O;
      continue;
    }
    const dropWord = gold !== O && tokens.shape[i] !== Shape.Lower && chance(0.15);
    let k = staticFeatures(piece.text, tokens, flags, i, features, dropWord);
    k = dynamicFeatures(tokens, i, prev, prev2, features, k);
    scores.fill(0);
    for (let j = 0; j < k; j++) {
      const base = (features[j] ?? 0) * TAG_COUNT;
      for (let t = 0; t < TAG_COUNT; t++) scores[t] = (scores[t] ?? 0) + (weights[base + t] ?? 0);
    }
    let best = O;
    let bestScore = -Infinity;
    const punct = tokens.shape[i] === Shape.Punct;
    for (let t = 0; t < TAG_COUNT; t++) {
      if ((scores[t] ?? 0) > bestScore && allowed(prev, t) && !(punct && (t & 1) === 1)) {
        best = t;
        bestScore = scores[t] ?? 0;
      }
    }
    if (best !== gold) {
      errors++;
      for (let j = 0; j < k; j++) {
        const base = (features[j] ?? 0) * TAG_COUNT;
        update(base + gold, 1);
        update(base + best, -1);
      }
    }
    clock++;
    prev2 = prev;
    prev = best;
  }
  return errors;
}

const trainPieces = piecesOf(train);
const tokenCount = trainPieces.reduce((n, p) => n + p.gold.length, 0);
console.log(`pieces: ${trainPieces.length}, tokens: ${tokenCount}`);
const order = trainPieces.map((_, i) => i);
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  // Fisher-Yates with a fixed generator: the same order on every run.
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(((Math.imul(i + epoch, 0x9e3779b1) >>> 0) / 4294967296) * (i + 1));
    const a = order[i] ?? 0;
    order[i] = order[j] ?? 0;
    order[j] = a;
  }
  const e0 = performance.now();
  let errors = 0;
  for (const i of order) errors += trainPiece(trainPieces[i] as Piece);
  console.log(`epoch ${epoch}: ${errors} token errors (${(errors / tokenCount).toFixed(4)}), ${Math.round(performance.now() - e0)} ms`);
}

// Average, quantise to 16 bits and drop the weights that round to nothing.
const averaged = new Float32Array(size);
let maxAbs = 0;
for (let i = 0; i < size; i++) {
  const total = (totals[i] ?? 0) + (clock - (stamps[i] ?? 0)) * (weights[i] ?? 0);
  const v = total / clock;
  averaged[i] = v;
  maxAbs = Math.max(maxAbs, Math.abs(v));
}
const scale = 32000 / maxAbs;
const PRUNE = Number(process.env.PII_TRAIN_PRUNE ?? 2);
const writer = new ByteWriter();
writer.varint(0x7a99);
writer.varint(BUCKET_BITS);
writer.varint(TAG_COUNT);
const kept: Array<[number, number]> = [];
for (let i = 0; i < size; i++) {
  const q = Math.round((averaged[i] ?? 0) * scale);
  if (Math.abs(q) >= PRUNE) kept.push([i, q]);
}
writer.varint(kept.length);
let last = 0;
for (const [i, q] of kept) {
  writer.varint(i - last);
  writer.signed(q);
  last = i;
}
writer.varint(gazetteerEntries.length);
let lastHash = 0;
for (const [hash, f] of gazetteerEntries) {
  writer.varint(((hash >>> 0) - lastHash) >>> 0);
  writer.varint(f);
  lastHash = hash >>> 0;
}
const bytes = writer.bytes();
console.log(`weights kept: ${kept.length} of ${size}; data ${(bytes.length / 1024 / 1024).toFixed(2)} MB`);

const tagger = Tagger.decode(bytes);
for (const [name, set] of [
  ["dev templated", dev.templated],
  ["dev natural", dev.natural],
] as const) {
  const s = scoreExamples(tagger, set);
  console.log(`${name}: ${s.line}`);
  if (process.env.PII_TRAIN_VERBOSE) for (const m of s.misses) console.log(`  miss: ${m}`);
}
const clean = scoreExamples(tagger, dev.clean);
console.log(`dev clean: ${clean.alteredTexts} of ${dev.clean.length} texts altered`);
if (process.env.PII_TRAIN_VERBOSE)
  for (const ex of dev.clean) {
    const found = predict(tagger, ex.text);
    if (found.length)
      console.log(`  altered: ${ex.text.slice(0, 120)} || ${found.map((f) => `${ex.text.slice(f.start, f.end)}/${f.kind}`).join(" | ")}`);
  }
if (process.env.PII_TRAIN_DRY !== "1") {
  writeFileSync(
    out,
    `// Written by \`npm run pii:train\` (scripts/pii-train/train.ts); do not edit. Weights and gazetteer of the\n// entity tagger in the binary form of workers/pii/tagger/codec.ts, base64.\nexport const MODEL_DATA =\n  "${toBase64(bytes)}";\n`,
  );
  console.log(`wrote ${out.pathname}`);
}
void TAGS;
