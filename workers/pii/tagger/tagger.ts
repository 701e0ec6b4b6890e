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
}

/** Word hash -> flags, open addressing over a power-of-two table (hash 0 stands for an empty slot). */
export class Gazetteer implements FlagLookup {
  readonly #keys: Int32Array;
  readonly #values: Uint16Array;
  readonly #mask: number;

  constructor(entries: ReadonlyArray<readonly [number, number]>) {
    let size = 1024;
    while (size < entries.length * 2) size *= 2;
    this.#keys = new Int32Array(size);
    this.#values = new Uint16Array(size);
    this.#mask = size - 1;
    for (const [hash, flags] of entries) this.#put(hash | 0 || 1, flags);
  }

  #put(key: number, flags: number): void {
    let at = key & this.#mask;
    while (this.#keys[at] !== 0 && this.#keys[at] !== key) at = (at + 1) & this.#mask;
    this.#keys[at] = key;
    this.#values[at] = (this.#values[at] ?? 0) | flags;
  }

  flags(word: number): number {
    const key = word | 0 || 1;
    let at = key & this.#mask;
    for (;;) {
      const k = this.#keys[at];
      if (k === key) return this.#values[at] ?? 0;
      if (k === 0) return 0;
      at = (at + 1) & this.#mask;
    }
  }

  /** Reads the gazetteer section written by scripts/pii-train (sorted hashes as deltas, flags). */
  static decode(reader: ByteReader): Gazetteer {
    const count = reader.varint();
    const entries: Array<[number, number]> = new Array(count);
    let hash = 0;
    for (let i = 0; i < count; i++) {
      hash = (hash + reader.varint()) >>> 0;
      entries[i] = [hash | 0, reader.varint()];
    }
    return new Gazetteer(entries);
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
      if (kind === null) open = null;
      else if ((best & 1) === 1 || open === null) {
        open = { kind, start, end };
        spans.push(open);
      } else open.end = end;
      prev2 = prev;
      prev = best;
    }
    return spans;
  }
}
