// Usage extraction from the providers' JSON bodies and stream events, validated with zod.
import { z } from "zod";
import type { LlmEndpoint, Usage } from "./types.js";

const count = z.number().int().nonnegative().catch(0);

const chatUsage = z.object({
  prompt_tokens: count.default(0),
  completion_tokens: count.default(0),
  prompt_tokens_details: z
    .object({ cached_tokens: count.default(0) })
    .nullish()
    .catch(null),
});

const responsesUsage = z.object({
  input_tokens: count.default(0),
  output_tokens: count.default(0),
  input_tokens_details: z
    .object({ cached_tokens: count.default(0) })
    .nullish()
    .catch(null),
});

const anthropicUsage = z.object({
  input_tokens: count.nullish(),
  output_tokens: count.nullish(),
  cache_read_input_tokens: count.nullish(),
  cache_creation_input_tokens: count.nullish(),
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count.default(0), ephemeral_1h_input_tokens: count.default(0) })
    .nullish()
    .catch(null),
});

/**
 * Anthropic's counts as reported: `input_tokens` excludes cache reads and cache writes, which are
 * billed apart (reads at the cached price, writes above the input price).
 */
export interface AnthropicCounts {
  input: number;
  output: number;
  cacheRead: number;
  /** Cache writes by lifetime; `unknown` when only the total was reported. */
  cacheWrite: { fiveMinutes: number; oneHour: number; unknown: number };
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

/** A count as the schemas accept it as is (a safe non-negative integer). */
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Reads an OpenAI chat `usage` object; null when absent or not an object. The usual shape (plain
 * counts) is read directly, with the result the schema gives; anything else goes through it.
 */
export function chatUsageOf(value: unknown): Usage | null {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { prompt_tokens: input, completion_tokens: output, prompt_tokens_details: details } = value as Record<string, unknown>;
    if (isCount(input) && isCount(output)) {
      if (details == null) return { inputTokens: input, outputTokens: output, cachedTokens: 0 };
      if (typeof details === "object" && !Array.isArray(details)) {
        const cached = (details as Record<string, unknown>).cached_tokens;
        if (cached === undefined || isCount(cached)) return { inputTokens: input, outputTokens: output, cachedTokens: cached ?? 0 };
      }
    }
  }
  const u = chatUsage.safeParse(value);
  if (!u.success) return null;
  return {
    inputTokens: u.data.prompt_tokens,
    outputTokens: u.data.completion_tokens,
    cachedTokens: u.data.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/** Reads an OpenAI responses `usage` object. */
export function responsesUsageOf(value: unknown): Usage | null {
  const u = responsesUsage.safeParse(value);
  if (!u.success) return null;
  return { inputTokens: u.data.input_tokens, outputTokens: u.data.output_tokens, cachedTokens: u.data.input_tokens_details?.cached_tokens ?? 0 };
}

/**
 * Merges an Anthropic `usage` object into what is known so far: message_start carries the input
 * side, message_delta the (cumulative) output and, in recent versions, the input side again; a
 * field missing from a later event keeps its value.
 */
export function mergeAnthropicCounts(prev: AnthropicCounts | null, value: unknown): AnthropicCounts | null {
  const u = anthropicUsage.safeParse(value);
  if (!u.success) return prev;
  const base = prev ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: { fiveMinutes: 0, oneHour: 0, unknown: 0 } };
  const total = u.data.cache_creation_input_tokens;
  const split = u.data.cache_creation;
  const cacheWrite =
    split != null
      ? {
          fiveMinutes: split.ephemeral_5m_input_tokens,
          oneHour: split.ephemeral_1h_input_tokens,
          unknown: Math.max(0, (total ?? 0) - split.ephemeral_5m_input_tokens - split.ephemeral_1h_input_tokens),
        }
      : total != null
        ? { fiveMinutes: 0, oneHour: 0, unknown: total }
        : base.cacheWrite;
  return {
    input: u.data.input_tokens ?? base.input,
    output: u.data.output_tokens ?? base.output,
    cacheRead: u.data.cache_read_input_tokens ?? base.cacheRead,
    cacheWrite,
  };
}

/**
 * Anthropic's counts in the spend ledger's terms: cache reads are input at the cached price;
 * cache writes cost 1.25× the input price (5-minute lifetime) or 2× (1 hour), so they count as
 * that many uncached input tokens (2× when the lifetime was not reported), rounded up.
 */
export function anthropicUsageOf(c: AnthropicCounts): Usage {
  const w = c.cacheWrite;
  const writes = Math.ceil((w.fiveMinutes * 5) / 4) + 2 * (w.oneHour + w.unknown);
  return { inputTokens: c.input + c.cacheRead + writes, outputTokens: c.output, cachedTokens: c.cacheRead };
}

/** Usage of a non-streaming response body, or null when the provider reported none. */
export function extractUsage(endpoint: LlmEndpoint, body: unknown): Usage | null {
  // Only the usage field is read (and validated below); the rest of the body is not walked.
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const usage: unknown = (body as { usage?: unknown }).usage;
  if (usage == null) return null;
  if (endpoint === "chat") return chatUsageOf(usage);
  if (endpoint === "responses") return responsesUsageOf(usage);
  if (endpoint === "messages") {
    const counts = mergeAnthropicCounts(null, usage);
    return counts && anthropicUsageOf(counts);
  }
  return null;
}
