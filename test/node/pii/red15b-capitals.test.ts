// Red team 15b: capitalsSpans (a piece in capitals tagged twice, people holding a listed name kept).
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const found = (text: string) => detector.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("red15b capitalsSpans: headlines whose listed given names are words", () => {
  it.each(["MARK AS READ WILL CLOSE THE THREAD", "NEW: ROSE GOLD THEME AVAILABLE"])("no person in: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
  // Open: read as people before this round too (2fc6d205): the piece as written keeps a span that
  // opens on a listed given name that is also a word ("GRACE", "HUNTER").
  it.skip.each(["GRACE PERIOD ENDS ON JUNE FIRST", "JOY OF CODING: HUNTER MODE"])("open: no person in: %s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it("cost: 3000 capital words that are listed names ('WILL WILL …') under 1 s", () => {
    const text = Array(3000).fill("WILL").join(" ");
    const t0 = performance.now();
    detector.detect(text);
    expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
  }, 60_000);
});
