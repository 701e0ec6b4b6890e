// Upper bounds of a call's cost inputs before it is made, for the spend reservation.
import { z } from "zod";
import type { ProviderKind } from "./types.js";

/** Output budget assumed when the request sets none (generous, so reservations over-cover). */
export const DEFAULT_MAX_OUTPUT_TOKENS: Record<ProviderKind, number> = { openai: 16_384, anthropic: 8_192 };

/**
 * Prompt size in tokens: every character of the serialized body counts, four per token, rounded
 * up. Real tokenizers average about four characters per token on English, and counting the JSON
 * keys too keeps this an over-estimate.
 */
export function estimatePromptTokens(body: unknown): number {
  const text = typeof body === "string" ? body : (JSON.stringify(body) ?? "");
  return Math.ceil(text.length / 4);
}

const limits = z.object({
  max_completion_tokens: z.number().int().positive().nullish().catch(null),
  max_tokens: z.number().int().positive().nullish().catch(null),
  max_output_tokens: z.number().int().positive().nullish().catch(null),
});

/** The largest output the request allows: its own limit field, else the kind's default. */
export function estimateMaxOutputTokens(kind: ProviderKind, body: unknown): number {
  const parsed = limits.safeParse(body);
  const l = parsed.success ? parsed.data : null;
  return l?.max_completion_tokens ?? l?.max_tokens ?? l?.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS[kind];
}
