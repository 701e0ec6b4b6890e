// The entity tagger at run time: an averaged perceptron over hashed features, decoded greedily
// left to right (docs/pii.md explains the choice). Weights and gazetteer come from model-data.ts,
// which `npm run pii:train` writes.
import { ByteReader } from "./codec.js";
import {
  BUCKET_BITS,
  MAX_STATIC,
  O,
  TAG_COUNT,
  allowed,
  dynamicFeatures,
  type FlagLookup,
  flagsOf,
  plainlyOutside,
  staticFeatures,
} from "./features.js";
import { Shape, tokenize } from "./tokens.js";

export type EntityKind = "person" | "organization" | "location" | "address";
const KIND_OF_TAG: ReadonlyArray<EntityKind | null> = [
  null,
  "person",
  "person",
  "organization",
  "organization",
  "location",
  "location",
  "address",
  "address",
];

export interface TaggedSpan {
  kind: EntityKind;
  start: number;
  end: number;
  /** The smallest lead of the chosen tag over "outside" among the span's words, in weight units. */
  margin: number;
}

/**
 * Word hash -> flags: the hashes sorted, with a directory of where each value of their top 16 bits
 * starts, so a look-up scans the few hashes of one directory slot. Built straight from the sorted
 * data with no hashing or probing: decoding it is a single pass (a cold isolate's first request
 * pays for it).
 */
export class Gazetteer implements FlagLookup {
  readonly #keys: Uint32Array;
  readonly #values: Uint16Array;
  readonly #directory = new Uint32Array((1 << 16) + 1);

  /** From hashes sorted ascending (as unsigned numbers) and their flags. */
  constructor(keys: Uint32Array, values: Uint16Array) {
    this.#keys = keys;
    this.#values = values;
    let at = 0;
    for (let slot = 0; slot <= 1 << 16; slot++) {
      while (at < keys.length && (keys[at] ?? 0) >>> 16 < slot) at++;
      this.#directory[slot] = at;
    }
  }

  static of(entries: ReadonlyArray<readonly [number, number]>): Gazetteer {
    const sorted = [...entries].sort((a, b) => (a[0] >>> 0) - (b[0] >>> 0));
    return new Gazetteer(
      Uint32Array.from(sorted, (e) => e[0] >>> 0),
      Uint16Array.from(sorted, (e) => e[1]),
    );
  }

  flags(word: number): number {
    const key = word >>> 0;
    const slot = key >>> 16;
    const keys = this.#keys;
    for (let i = this.#directory[slot] ?? 0, end = this.#directory[slot + 1] ?? 0; i < end; i++) {
      const k = keys[i] ?? 0;
      if (k === key) return this.#values[i] ?? 0;
      if (k > key) return 0;
    }
    return 0;
  }

  /** Reads the gazetteer section written by scripts/pii-train (sorted hashes as deltas, flags). */
  static decode(reader: ByteReader): Gazetteer {
    const count = reader.varint();
    const keys = new Uint32Array(count);
    const values = new Uint16Array(count);
    let hash = 0;
    for (let i = 0; i < count; i++) {
      hash = (hash + reader.varint()) >>> 0;
      keys[i] = hash;
      values[i] = reader.varint();
    }
    return new Gazetteer(keys, values);
  }
}

/** Weights per (bucket, tag), quantised to 16 bits; the scale does not change the argmax. */
export class Weights {
  constructor(readonly values: Int16Array) {}

  static decode(reader: ByteReader): Weights {
    const bits = reader.varint();
    const tags = reader.varint();
    if (bits !== BUCKET_BITS || tags !== TAG_COUNT) throw new Error("tagger data does not match the feature layout");
    const values = new Int16Array((1 << bits) * tags);
    const count = reader.varint();
    let index = 0;
    for (let i = 0; i < count; i++) {
      index += reader.varint();
      values[index] = reader.signed();
    }
    return new Weights(values);
  }
}

// The scoring loop below is unrolled for nine tags.
if (TAG_COUNT !== 9) throw new Error("the tagger's scoring loop expects nine tags");

export class Tagger {
  readonly #flags = { buffer: new Int32Array(256) };
  readonly #features = new Int32Array(MAX_STATIC + 8);
  readonly #scores = new Int32Array(TAG_COUNT);

  constructor(
    readonly weights: Weights,
    readonly gazetteer: Gazetteer,
  ) {}

  static decode(bytes: Uint8Array): Tagger {
    const reader = new ByteReader(bytes);
    if (reader.varint() !== 0x7a99) throw new Error("not tagger data");
    const weights = Weights.decode(reader);
    const gazetteer = Gazetteer.decode(reader);
    return new Tagger(weights, gazetteer);
  }

  /** Entity spans of one piece of text (a sentence or a line), offsets relative to it. */
  tag(text: string): TaggedSpan[] {
    const tokens = tokenize(text);
    const n = tokens.count;
    if (n === 0) return [];
    if (this.#flags.buffer.length < n) this.#flags.buffer = new Int32Array(n * 2);
    const flags = this.#flags.buffer;
    flagsOf(tokens, this.gazetteer, flags);
    const w = this.weights.values;
    const f = this.#features;
    const scores = this.#scores;
    const spans: TaggedSpan[] = [];
    let prev = O;
    let prev2 = O;
    let open: TaggedSpan | null = null;
    for (let i = 0; i < n; i++) {
      if (plainlyOutside(tokens, flags, i, prev)) {
        open = null;
        prev2 = prev;
        prev = O;
        continue;
      }
      let k = staticFeatures(text, tokens, flags, i, f);
      k = dynamicFeatures(tokens, i, prev, prev2, f, k);
      // Nine running sums in locals: this loop is most of the tagger's time.
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      let s8 = 0;
      for (let j = 0; j < k; j++) {
        const b = f[j]! * 9;
        s0 += w[b]!;
        s1 += w[b + 1]!;
        s2 += w[b + 2]!;
        s3 += w[b + 3]!;
        s4 += w[b + 4]!;
        s5 += w[b + 5]!;
        s6 += w[b + 6]!;
        s7 += w[b + 7]!;
        s8 += w[b + 8]!;
      }
      scores[0] = s0;
      scores[1] = s1;
      scores[2] = s2;
      scores[3] = s3;
      scores[4] = s4;
      scores[5] = s5;
      scores[6] = s6;
      scores[7] = s7;
      scores[8] = s8;
      let best = O;
      let bestScore = -Infinity;
      // Punctuation continues an entity ("S.p.A.", "Gibson-Buckridge") but never starts one.
      const punct = tokens.shape[i] === Shape.Punct;
      for (let tag = 0; tag < TAG_COUNT; tag++) {
        const s = scores[tag]!;
        if (s > bestScore && allowed(prev, tag) && !(punct && (tag & 1) === 1)) {
          best = tag;
          bestScore = s;
        }
      }
      const kind = KIND_OF_TAG[best] ?? null;
      const start = tokens.starts[i] ?? 0;
      const end = tokens.ends[i] ?? 0;
      const margin = bestScore - s0;
      if (kind === null) open = null;
      else if ((best & 1) === 1 || open === null) {
        open = { kind, start, end, margin };
        spans.push(open);
      } else {
        open.end = end;
        if (!punct && margin < open.margin) open.margin = margin;
      }
      prev2 = prev;
      prev = best;
    }
    return spans;
  }
}
