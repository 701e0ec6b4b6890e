// Quality floor on the labelled corpus: structured categories must keep recall >= 0.99 and
// precision >= 0.95 (the bench prints the full table; this guards against regressions).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PII_CATEGORIES, PiiDetector, type PiiCategory } from "../../../workers/pii/index.js";

const Line = z.object({
  text: z.string(),
  spans: z.array(z.object({ start: z.number().int(), end: z.number().int(), category: z.enum(PII_CATEGORIES) })),
});
const corpus = readFileSync(new URL("../../pii/corpus/corpus.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => Line.parse(JSON.parse(l)));

const STRUCTURED: PiiCategory[] = ["email", "phone", "credit_card", "tax_id", "iban", "secret", "ip_address", "date_of_birth"];

describe("labelled corpus", () => {
  const detector = new PiiDetector({ categories: STRUCTURED });
  const tally = new Map(STRUCTURED.map((c) => [c, { tp: 0, fp: 0, fn: 0 }]));
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  for (const line of corpus) {
    const found = detector.detect(line.text);
    for (const f of found) {
      const t = tally.get(f.category);
      if (t) line.spans.some((s) => s.category === f.category && overlaps(s, f)) ? t.tp++ : t.fp++;
    }
    for (const s of line.spans) {
      const t = tally.get(s.category);
      if (t && !found.some((f) => f.category === s.category && overlaps(s, f))) t.fn++;
    }
  }

  it("has positives for every category and hard negatives", () => {
    for (const c of PII_CATEGORIES) expect(corpus.filter((l) => l.spans.some((s) => s.category === c)).length).toBeGreaterThan(10);
    expect(corpus.filter((l) => l.spans.length === 0).length).toBeGreaterThan(100);
  });

  it.each(STRUCTURED)("%s: recall >= 0.99 and precision >= 0.95", (category) => {
    const t = tally.get(category) ?? { tp: 0, fp: 0, fn: 0 };
    expect(t.tp / (t.tp + t.fn)).toBeGreaterThanOrEqual(category === "phone" ? 0.95 : 0.99);
    expect(t.tp / (t.tp + t.fp)).toBeGreaterThanOrEqual(0.95);
  });
});

describe("hard clean lines (test/pii/clean-hard.txt)", () => {
  it("the whole detector alters at most one line in ten of text built to trip it", () => {
    const lines = readFileSync(new URL("../../pii/clean-hard.txt", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.trim());
    const detector = new PiiDetector();
    const altered = lines.filter((l) => detector.detect(l).length > 0);
    expect(altered.length / lines.length).toBeLessThanOrEqual(0.1);
  });
});
