// Red team 22: texts that made this round's institution rule slow (its extension over capitalised
// words had no bound: 1 MB of "Bank " took 32 s). A test PASSES when the text stays
// well inside the guard and FAILS when detection turns superlinear again.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "location", "organization"], maxChars: 1e9, maxEntityChars: 1e9, timeBudgetMs: 1e9 });
const timed = (text: string) => {
  const t0 = performance.now();
  detector.detect(text);
  return performance.now() - t0;
};

describe("red22 cost", () => {
  it.each([
    ["'Bank ' × 200,000 (1 MB; 32 s in the first version)", "Bank ", 200_000],
    ["'XY Bank ' × 125,000 (1 MB; 17 s in the first version)", "XY Bank ", 125_000],
    ["'USB Power Bank LED Theater Lamp HD Museum Quality ' × 5,000 (250 KB)", "USB Power Bank LED Theater Lamp HD Museum Quality ", 5_000],
    ["'Uppsala kommun ' × 8,000 (120 KB)", "Uppsala kommun ", 8_000],
    ["'Valur vann KR 2-1 og ' × 6,000 (120 KB)", "Valur vann KR 2-1 og ", 6_000],
  ])(
    "%s stays inside the guard",
    (_name, unit, count) => {
      timed("warm up");
      expect(timed((unit as string).repeat(count as number))).toBeLessThan(COST_GUARD_MS);
    },
    120_000,
  );
});

describe("red22b: many findings in one text", () => {
  it("1 MB of results ('Alpha Beta … Kappa 1-0' × 16,000) completes: spreading 100k+ spans as arguments overflowed the stack", () => {
    const text = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa 1-0 ".repeat(16_400);
    expect(detector.detect(text).length).toBeGreaterThan(100_000);
  }, 120_000);
});
