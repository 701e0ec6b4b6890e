// The per-org, per-sentence entity cache: a repeated text gets exactly the findings of a fresh
// tagger run, and only sentences not seen before are tagged (and counted against the budget).
import { describe, expect, it } from "vitest";
import { PiiBudgetError, detectPii } from "../../../workers/pii/index.js";

const texts = [
  "Please forward the contract to Maria Gonzalez at Globex Corporation in Berlin before Friday.",
  "Yesterday Tom Baker met the Acme team in Chicago; email tom.baker@example.com for the notes.",
  "Summarise the ticket about the failed deploy of service api-gateway in us-east-1.",
];

describe("entity cache", () => {
  it("returns the same findings as an uncached run, on first use and on reuse", () => {
    for (const text of texts) {
      const fresh = detectPii(text);
      const first = detectPii(text, { entityCacheScope: "org_cache_a" });
      const again = detectPii(text, { entityCacheScope: "org_cache_a" });
      const otherOrg = detectPii(text, { entityCacheScope: "org_cache_b" });
      expect(first).toEqual(fresh);
      expect(again).toEqual(fresh);
      expect(otherOrg).toEqual(fresh);
    }
    expect(detectPii(texts[0] ?? "").some((f) => f.detector === "ner")).toBe(true);
  });

  it("counts only sentences it has to tag against the entity budget: a resent history is free, new text is not", () => {
    const history = texts[0] ?? "";
    const turn = texts[1] ?? "";
    detectPii(history, { entityCacheScope: "org_cache_c" });
    // The whole history again, plus a new sentence: only the new sentence is tagged.
    const budget = turn.length + 5;
    const next = detectPii(`${history}\n${turn}`, { entityCacheScope: "org_cache_c", maxEntityChars: budget });
    expect(next).toEqual(detectPii(`${history}\n${turn}`));
    expect(() => detectPii(`${history}\n${turn}`, { maxEntityChars: budget })).toThrow(PiiBudgetError);
    expect(() => detectPii(texts[0] ?? "", { entityCacheScope: "org_cache_fresh", maxEntityChars: 10 })).toThrow(PiiBudgetError);
  });

  it("depends on the categories asked for", () => {
    const text = texts[1] ?? "";
    detectPii(text, { entityCacheScope: "org_cache_d" });
    const onlyPlaces = detectPii(text, { entityCacheScope: "org_cache_d", categories: ["location"] });
    expect(onlyPlaces).toEqual(detectPii(text, { categories: ["location"] }));
    expect(onlyPlaces.every((f) => f.category === "location")).toBe(true);
  });

  it("stays bounded, and keeps a sentence reused while more new sentences pass than it holds", () => {
    const scope = "org_cache_e";
    const kept = texts[0] ?? "";
    const dropped = texts[1] ?? "";
    detectPii(kept, { entityCacheScope: scope });
    detectPii(dropped, { entityCacheScope: scope });
    // 30,000 new sentences (the cache holds at most 20,000), the kept one reused between batches.
    for (let batch = 0; batch < 100; batch++) {
      const lines = Array.from({ length: 300 }, (_, i) => `Ticket note ${batch}x${i} about the failed deploy.`);
      detectPii(lines.join("\n"), { entityCacheScope: scope });
      detectPii(kept, { entityCacheScope: scope, maxEntityChars: 10 });
    }
    expect(detectPii(kept, { entityCacheScope: scope, maxEntityChars: 10 })).toEqual(detectPii(kept));
    expect(() => detectPii(dropped, { entityCacheScope: scope, maxEntityChars: 10 })).toThrow(PiiBudgetError);
  });
});
