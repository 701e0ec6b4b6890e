// Red team 14: texts that make the fourteenth round's rules slow. A test PASSES when a small text
// stays well inside the 2 s per-request budget (in workerd the clock does not move on CPU, so only
// the size limits bound the work) and FAILS when the attack makes detection superlinear.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({
  categories: ["person", "address", "location", "organization", "secret"],
  maxChars: 1e9,
  maxEntityChars: 1e9,
  timeBudgetMs: 1e9,
});
const timed = (text: string) => {
  const t0 = performance.now();
  detector.detect(text);
  return performance.now() - t0;
};

describe("red14 cost", () => {
  it("a new closing word ('Kiitos') then 2,400 spaces: 2.4 KB must not cost seconds (cubic [ \\t]* in CLOSING)", () => {
    timed("warm up");
    expect(timed("Kiitos" + " ".repeat(2400) + "x")).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("many greetings in a new language ('hei ingrid! ' × 21,000, 256 KB) stay under the 2 s budget", () => {
    timed("warm up");
    expect(timed("hei ingrid! ".repeat(21_333))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("many closings with signers ('Thanks,\\nJasmine' × 20,000) stay under the 2 s budget", () => {
    const names = ["Jasmine", "Frederik", "Triin", "Mantas", "Line", "Selma", "Okafor"];
    expect(timed(Array.from({ length: 20_000 }, (_, i) => `Thanks,\n${names[i % 7]}\n`).join(""))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);

  it("many '[hh:mm] name:' chat lines (20,000) stay under the 2 s budget", () => {
    expect(timed(Array.from({ length: 20_000 }, (_, i) => `[09:${String(i % 60).padStart(2, "0")}] lena: ok\n`).join(""))).toBeLessThan(
      COST_GUARD_MS,
    );
  }, 120_000);

  it("a long run of password hints ('pass' × 16,000) stays linear", () => {
    expect(timed("pass".repeat(16_000))).toBeLessThan(COST_GUARD_MS);
  }, 120_000);
});
