// The settle's usage check: the fast path for plain counts agrees with SpendUsageSchema on every
// edge of its range and shape, so usage out of range is still charged as the whole hold.
import { describe, expect, it } from "vitest";
import { MAX_TOKENS, SpendUsageSchema } from "../../../schema/spend.js";
import { isSpendUsage } from "../../../workers/spend/client.js";

const counts = [0, -0, 1, 12_345, MAX_TOKENS, MAX_TOKENS + 1, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, "7", null, undefined];

describe("isSpendUsage", () => {
  it("agrees with SpendUsageSchema for every count in each field", () => {
    for (const field of ["inputTokens", "outputTokens", "cachedTokens"])
      for (const value of counts) {
        const usage = { inputTokens: 10, outputTokens: 20, cachedTokens: 0, [field]: value };
        expect(isSpendUsage(usage), `${field}: ${String(value)}`).toBe(SpendUsageSchema.safeParse(usage).success);
      }
  });

  it("agrees with SpendUsageSchema on shapes: extra, missing or renamed keys, arrays, non-objects", () => {
    const shapes: unknown[] = [
      { inputTokens: 1, outputTokens: 2, cachedTokens: 0 },
      { inputTokens: 1, outputTokens: 2, cachedTokens: 0, extra: 1 },
      { inputTokens: 1, outputTokens: 2 },
      { inputTokens: 1, outputTokens: 2, cached: 0 },
      { inputTokens: 1, outputTokens: 2, cachedTokens: 0, [Symbol("s")]: 1 },
      // zod walks keys with for…in: an inherited enumerable key is an unknown key to it.
      Object.assign(Object.create({ inherited: 1 }), { inputTokens: 1, outputTokens: 2, cachedTokens: 0 }),
      Object.assign(Object.create({ cachedTokens: 0 }), { inputTokens: 1, outputTokens: 2 }),
      Object.assign(Object.create(null), { inputTokens: 1, outputTokens: 2, cachedTokens: 0 }),
      [1, 2, 3],
      null,
      "usage",
      3,
    ];
    for (const usage of shapes) expect(isSpendUsage(usage), JSON.stringify(usage)).toBe(SpendUsageSchema.safeParse(usage).success);
    expect(isSpendUsage({ inputTokens: 1, outputTokens: 2, cachedTokens: 0 })).toBe(true);
    expect(isSpendUsage({ inputTokens: 1, outputTokens: 2, cachedTokens: 0, extra: 1 })).toBe(false);
  });
});
