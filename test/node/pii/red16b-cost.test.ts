// Red team s16b: texts that drive the new paths (IBAN retry, afterIbanHead, glued card windows,
// "-+"/".+" phones, names joined by "and") must stay well inside the default 2 s budget.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const timed = (categories: string[], text: string) => {
  const d = new PiiDetector({ categories: categories as never, timeBudgetMs: 60_000 });
  d.detect("warm 4111 1111 1111 1111");
  const t0 = performance.now();
  d.detect(text);
  return performance.now() - t0;
};

describe("red16b cost", () => {
  it.each([
    ["1 MB of IBAN heads before cards (afterIbanHead per run)", ["credit_card"], "AB12 4111 1111 1111 1111 ".repeat(40_000)],
    ["1 MB of valid-IBAN heads around cards", ["credit_card"], "DE95 4111 1111 1111 1111 00\n".repeat(40_000)],
    ["900 kB of IBAN-shaped words on an IBAN line (retry from next word)", ["iban"], "IBAN " + "AB12CDEF ".repeat(100_000)],
    ["700 kB of spaced IBAN-shaped groups", ["iban"], "IBAN " + "AB12 CDEF GHIJ KLMN OPQR STUV WXYZ ".repeat(20_000)],
    ["1 MB of glued digit groups", ["credit_card"], "x" + "_4111111111111111".repeat(60_000)],
    ["800 kB of ref-+44 phones", ["phone"], "ref-+44 20 7946 095 ".repeat(40_000)],
  ])("%s", (_title, categories, text) => {
    expect(timed(categories as string[], text as string)).toBeLessThan(COST_GUARD_MS);
  });

  it("many 'and' between capitalised words (30k)", () => {
    expect(timed(["person"], "Pedro" + " and Lucas".repeat(30_000))).toBeLessThan(COST_GUARD_MS);
  });
});
