// Model prices: built-in defaults, per-org overrides and fallback, and exact integer cost arithmetic.
import { FALLBACK_MODEL, type SpendEstimate, type SpendUsage } from "../../schema/spend.js";

export interface Price {
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
  cachedMicrosPerMTok: number | null;
}

const p = (input: number, output: number, cached: number | null): Price => ({
  inputMicrosPerMTok: input,
  outputMicrosPerMTok: output,
  cachedMicrosPerMTok: cached,
});

/**
 * List prices in micro-dollars per million tokens, from the OpenAI and Anthropic public pricing
 * pages as published in November 2025 (cached = OpenAI cached input / Anthropic cache read).
 * Orgs override any of them, and should when their contract differs.
 */
export const DEFAULT_PRICES: Readonly<Record<string, Price>> = {
  "gpt-4o": p(2_500_000, 10_000_000, 1_250_000),
  "gpt-4o-mini": p(150_000, 600_000, 75_000),
  "gpt-4.1": p(2_000_000, 8_000_000, 500_000),
  "gpt-4.1-mini": p(400_000, 1_600_000, 100_000),
  "gpt-4.1-nano": p(100_000, 400_000, 25_000),
  o1: p(15_000_000, 60_000_000, 7_500_000),
  o3: p(2_000_000, 8_000_000, 500_000),
  "o3-mini": p(1_100_000, 4_400_000, 550_000),
  "o4-mini": p(1_100_000, 4_400_000, 275_000),
  "claude-3-haiku": p(250_000, 1_250_000, 30_000),
  "claude-3-5-haiku": p(800_000, 4_000_000, 80_000),
  "claude-haiku-4-5": p(1_000_000, 5_000_000, 100_000),
  "claude-3-5-sonnet": p(3_000_000, 15_000_000, 300_000),
  "claude-3-7-sonnet": p(3_000_000, 15_000_000, 300_000),
  "claude-sonnet-4": p(3_000_000, 15_000_000, 300_000),
  "claude-sonnet-4-5": p(3_000_000, 15_000_000, 300_000),
  "claude-3-opus": p(15_000_000, 75_000_000, 1_500_000),
  "claude-opus-4": p(15_000_000, 75_000_000, 1_500_000),
  "claude-opus-4-1": p(15_000_000, 75_000_000, 1_500_000),
  "claude-opus-4-5": p(5_000_000, 25_000_000, 500_000),
};

/** What a model can bill beyond the request's bytes: its largest output, and the most one image costs. */
export interface ModelLimits {
  maxOutputTokens: number;
  imageTokens: number;
}

const limits = (maxOutputTokens: number, imageTokens: number): ModelLimits => ({ maxOutputTokens, imageTokens });

/**
 * For a model not listed: the largest output a current model allows (128 Ki tokens), and the
 * largest per-image count of the listed ones (gpt-4o-mini). Both are upper bounds, not typical.
 */
export const DEFAULT_MODEL_LIMITS: ModelLimits = limits(131_072, 50_000);

/**
 * Largest output and per-image tokens, from the providers' model and vision pages (November
 * 2025). Tile models at high detail bill at most 8 tiles: 85 + 8 × 170 = 1,445 (o-series less);
 * gpt-4o-mini 2,833 + 8 × 5,667 = 48,169; patch models 1,536 patches × their multiplier
 * (4.1-mini 1.62, 4.1-nano 2.46, o4-mini 1.72); Claude scales an image to about 1,600 tokens
 * (2,000 here, with margin). Anthropic requires max_tokens, so its maxima only bound a call the
 * provider would refuse anyway.
 */
const MODEL_LIMITS: Readonly<Record<string, ModelLimits>> = {
  "gpt-4o": limits(16_384, 1_445),
  "gpt-4o-mini": limits(16_384, 48_169),
  "gpt-4.1": limits(32_768, 1_445),
  "gpt-4.1-mini": limits(32_768, 2_489),
  "gpt-4.1-nano": limits(32_768, 3_779),
  o1: limits(100_000, 1_445),
  o3: limits(100_000, 1_445),
  "o3-mini": limits(100_000, 1_445),
  "o4-mini": limits(100_000, 2_642),
  "claude-3-haiku": limits(4_096, 2_000),
  "claude-3-5-haiku": limits(8_192, 2_000),
  "claude-haiku-4-5": limits(64_000, 2_000),
  "claude-3-5-sonnet": limits(8_192, 2_000),
  // 128k with the output-128k beta header.
  "claude-3-7-sonnet": limits(128_000, 2_000),
  "claude-sonnet-4": limits(64_000, 2_000),
  "claude-sonnet-4-5": limits(64_000, 2_000),
  "claude-3-opus": limits(4_096, 2_000),
  "claude-opus-4": limits(32_000, 2_000),
  "claude-opus-4-1": limits(32_000, 2_000),
  "claude-opus-4-5": limits(64_000, 2_000),
};

/** Providers answer with dated snapshots ("gpt-4o-2024-08-06", "claude-sonnet-4-20250514", "…-latest"). */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

export function baseModel(model: string): string {
  return model.replace(SNAPSHOT_SUFFIX, "");
}

/**
 * The price of a model for an org: its override (exact, then without a snapshot suffix), the
 * built-in default, then the org's fallback; null means unpriced, and the call is refused.
 */
export function priceFor(model: string, overrides: ReadonlyMap<string, Price>): Price | null {
  const base = baseModel(model);
  return (
    overrides.get(model) ?? overrides.get(base) ?? own(DEFAULT_PRICES, model) ?? own(DEFAULT_PRICES, base) ?? overrides.get(FALLBACK_MODEL) ?? null
  );
}

/** A model's limits (exact name, then without its snapshot suffix), else the conservative default. */
export function modelLimitsFor(model: string): ModelLimits {
  return own(MODEL_LIMITS, model) ?? own(MODEL_LIMITS, baseModel(model)) ?? DEFAULT_MODEL_LIMITS;
}

/** A table's own entry: a model named "toString" or "constructor" must not find Object.prototype's functions. */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const MILLION = 1_000_000n;

/** ceil(sum of tokens × price / 1e6) in BigInt, so large counts never lose precision. */
function ceilMicros(terms: Array<[number, number]>): number {
  let total = 0n;
  for (const [tokens, price] of terms) total += BigInt(tokens) * BigInt(price);
  return Number((total + MILLION - 1n) / MILLION);
}

/** Upper bound of a call: the whole prompt at the uncached price plus every allowed output token. */
export function estimateMicros(price: Price, estimate: SpendEstimate): number {
  return ceilMicros([
    [estimate.inputTokens, price.inputMicrosPerMTok],
    [estimate.maxOutputTokens, price.outputMicrosPerMTok],
  ]);
}

/** Cost of reported usage; cached tokens are part of inputTokens and billed at the cached price. */
export function usageMicros(price: Price, usage: SpendUsage): number {
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  return ceilMicros([
    [usage.inputTokens - cached, price.inputMicrosPerMTok],
    [cached, price.cachedMicrosPerMTok ?? price.inputMicrosPerMTok],
    [usage.outputTokens, price.outputMicrosPerMTok],
  ]);
}

/** UTC windows a reservation counts in: its day, its month, and all time. */
export function windowsAt(ms: number): { day: string; month: string; total: string } {
  const iso = new Date(ms).toISOString();
  return { day: iso.slice(0, 10), month: iso.slice(0, 7), total: "total" };
}
