// Red team 15: texts that make the fifteenth round's rules slow. A test PASSES when the text stays
// inside the budget given (the per-request 2 s, or a bound near 2fc6d205's cost) and FAILS when the
// attack makes detection superlinear. In workerd the clock does not move on CPU, so only the size
// limits (4 MiB scanned, 1 MiB to the tagger) bound this work there.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"], timeBudgetMs: 1e9 });
const timed = (text: string) => {
  const t0 = performance.now();
  detector.detect(text);
  return performance.now() - t0;
};

describe("red15 cost", () => {
  it("ACCOUNT_LABEL \\s*[:：]?\\s*: 'Account' + 1,990 spaces + ':' per line, 1 MB (base ~30 ms) stays under the 2 s budget", () => {
    timed("warm up");
    expect(timed(("Account" + " ".repeat(1990) + ":\n").repeat(500))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("ACCOUNT_LABEL: 'Alert for' + 1,988 spaces per line, 1 MB (base ~20 ms) stays under the 2 s budget", () => {
    timed("warm up");
    expect(timed(("Alert for" + " ".repeat(1988) + "\n").repeat(500))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("ACCOUNT_LABEL: 64 KB of 'Account' + spaces lines (base ~6 ms, 200 ms in the first version) stays linear, under 500 ms", () => {
    timed("warm up");
    expect(timed(("Account" + " ".repeat(1990) + ":\n").repeat(32))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("CAPITALS_ONLY ^[^\\p{Ll}]*\\p{Lu}[^\\p{Ll}]*$: 2,000-char pieces 'A1A1…a' × 500 (1 MB; quadratic, 0.6 s, in the first version) stay under the 2 s budget", () => {
    timed("warm up");
    expect(timed(("A1".repeat(999) + "a\n").repeat(500))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("a long all-caps headline text (64 KB of capitals) stays under the 2 s budget", () => {
    timed("warm up");
    expect(timed("KIPROTICH WINS IN BERLIN AND MEKONNEN THIRD. ".repeat(1500))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("many account words with handles ('account a_1 ' × 10,000, 120 KB) stay under the 2 s budget", () => {
    timed("warm up");
    expect(timed("account a_1 ".repeat(10_000))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);
});
