// Price lookup order, exact integer cost arithmetic and UTC windows.
import { describe, expect, it } from "vitest";
import { type Price, baseModel, estimateMicros, priceFor, usageMicros, windowsAt } from "../../../workers/spend/pricing.js";

const price = (input: number, output: number, cached: number | null = null): Price => ({
  inputMicrosPerMTok: input,
  outputMicrosPerMTok: output,
  cachedMicrosPerMTok: cached,
});

describe("priceFor", () => {
  it("prefers the org's override, then the snapshot's family, then the default, then the fallback", () => {
    const overrides = new Map([
      ["gpt-4o-2024-08-06", price(1, 1)],
      ["claude-sonnet-4", price(2, 2)],
      ["*", price(9, 9)],
    ]);
    expect(priceFor("gpt-4o-2024-08-06", overrides)).toEqual(price(1, 1));
    expect(priceFor("gpt-4o-2024-11-20", overrides)?.inputMicrosPerMTok).toBe(2_500_000);
    expect(priceFor("claude-sonnet-4-20250514", overrides)).toEqual(price(2, 2));
    expect(priceFor("gpt-4o-mini", overrides)?.inputMicrosPerMTok).toBe(150_000);
    expect(priceFor("some-local-llama", overrides)).toEqual(price(9, 9));
    expect(priceFor("some-local-llama", new Map())).toBeNull();
    // A variant that is not a dated snapshot is not priced as its family.
    expect(priceFor("gpt-4o-audio-preview", new Map())).toBeNull();
  });

  it("strips only snapshot suffixes", () => {
    expect(baseModel("claude-3-5-sonnet-latest")).toBe("claude-3-5-sonnet");
    expect(baseModel("o3-mini-2025-01-31")).toBe("o3-mini");
    expect(baseModel("gpt-4.1-mini")).toBe("gpt-4.1-mini");
  });
});

describe("cost arithmetic", () => {
  it("rounds up to whole micro-dollars and never loses precision on large counts", () => {
    expect(estimateMicros(price(150_000, 600_000), { inputTokens: 1, maxOutputTokens: 0 })).toBe(1);
    expect(estimateMicros(price(150_000, 600_000), { inputTokens: 10, maxOutputTokens: 10 })).toBe(8); // 7.5 → 8
    // 1e8 tokens at $1M per MTok: 1e14 µ$, far beyond float-safe products.
    expect(estimateMicros(price(1_000_000_000_000, 0), { inputTokens: 100_000_000, maxOutputTokens: 0 })).toBe(100_000_000_000_000);
  });

  it("bills cached tokens at the cached price and clamps them to the input", () => {
    expect(usageMicros(price(2_000_000, 8_000_000, 500_000), { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 400_000 })).toBe(1_400_000);
    expect(usageMicros(price(2_000_000, 0), { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 400_000 })).toBe(2_000_000);
    expect(usageMicros(price(1_000_000, 0, 0), { inputTokens: 10, outputTokens: 0, cachedTokens: 50 })).toBe(0);
  });
});

describe("windows", () => {
  it("uses UTC days and months", () => {
    expect(windowsAt(Date.UTC(2026, 0, 31, 23, 59, 59))).toEqual({ day: "2026-01-31", month: "2026-01", total: "total" });
    expect(windowsAt(Date.UTC(2026, 1, 1, 0, 0, 0))).toEqual({ day: "2026-02-01", month: "2026-02", total: "total" });
  });
});
