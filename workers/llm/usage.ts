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
});

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };

/** Reads an OpenAI chat `usage` object; null when absent or not an object. */
export function chatUsageOf(value: unknown): Usage | null {
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
 * side, message_delta the (cumulative) output; a field missing from a later event keeps its value.
 */
export function mergeAnthropicUsage(prev: Usage | null, value: unknown): Usage | null {
  const u = anthropicUsage.safeParse(value);
  if (!u.success) return prev;
  const base = prev ?? ZERO_USAGE;
  return {
    inputTokens: u.data.input_tokens ?? base.inputTokens,
    outputTokens: u.data.output_tokens ?? base.outputTokens,
    cachedTokens: u.data.cache_read_input_tokens ?? base.cachedTokens,
  };
}

const withUsage = z.object({ usage: z.unknown() });

/** Usage of a non-streaming response body, or null when the provider reported none. */
export function extractUsage(endpoint: LlmEndpoint, body: unknown): Usage | null {
  const parsed = withUsage.safeParse(body);
  if (!parsed.success || parsed.data.usage == null) return null;
  const usage = parsed.data.usage;
  if (endpoint === "chat") return chatUsageOf(usage);
  if (endpoint === "responses") return responsesUsageOf(usage);
  if (endpoint === "messages") return mergeAnthropicUsage(null, usage);
  return null;
}
