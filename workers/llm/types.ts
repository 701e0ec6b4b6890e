// Shared types of the LLM wire layer: provider kinds, endpoints, usage and the restorer hook.
export type ProviderKind = "openai" | "anthropic";

/** Which upstream API a request talks to; it decides where text and usage live in the payload. */
export type LlmEndpoint = "chat" | "responses" | "messages" | "models";

/** Token counts of one call, as the provider reported them (zero where it did not). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
}

/**
 * Hook the PII engine implements to put original values back into assistant text. It may hold
 * back the tail of a chunk that could be the start of a placeholder; `flush` releases it.
 * One restorer is used per choice (OpenAI) or content block (Anthropic, responses part).
 */
export interface TextRestorer {
  push(chunk: string): string;
  flush(): string;
}

/**
 * Makes a restorer; `json: true` for text that is itself JSON (tool-call arguments), where the
 * original values go in JSON-escaped. `rawJsonSafe`: no original needs escaping inside a JSON
 * string, so placeholders can be restored in a raw JSON text at any depth.
 */
export type RestorerFactory = ((options?: { json?: boolean }) => TextRestorer) & { rawJsonSafe?: boolean };

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A restorer that changes nothing, for policies without restoration. */
export const identityRestorer: RestorerFactory = () => ({ push: (chunk) => chunk, flush: () => "" });

/** Restores a whole text at once through a fresh restorer (non-streaming bodies, final events). */
export function restoreWhole(factory: RestorerFactory, text: string, options?: { json?: boolean }): string {
  const r = factory(options);
  return r.push(text) + r.flush();
}

/** Maps an agent-facing path (after /llm/<kind>) to the endpoint it names, or null. */
export function endpointOf(kind: ProviderKind, path: string): LlmEndpoint | null {
  const p = path.replace(/\/+$/, "").replace(/^\/v1(?=\/)/, "");
  if (p === "/models" || p.startsWith("/models/")) return "models";
  if (kind === "openai" && p === "/chat/completions") return "chat";
  if (kind === "openai" && p === "/responses") return "responses";
  if (kind === "anthropic" && p === "/messages") return "messages";
  return null;
}
