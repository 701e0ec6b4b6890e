// Span attributes of the OpenTelemetry GenAI semantic conventions (gen_ai.*) and Palisade's own
// (palisade.*), and the only way content reaches a span: every PII category masked, whatever the
// org's policy lets through to the provider, and only when the org opted in.
import { PII_CATEGORIES, type PiiPolicy } from "../../schema/pii.js";
import type { ResponseMeta } from "../llm/response-meta.js";
import { type ProviderKind, type Usage, isObject } from "../llm/types.js";
import { PiiBudgetError, createMasker } from "../pii/index.js";
import type { Attributes } from "./span.js";

/** Longest content attribute; longer text is cut (collectors commonly refuse large attributes). */
export const CONTENT_LIMIT = 16 * 1024;

export function requestAttributes(kind: ProviderKind, model: string, body: Record<string, unknown>): Attributes {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  return {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": kind,
    "gen_ai.system": kind,
    "gen_ai.request.model": model,
    "gen_ai.request.max_tokens": num(body.max_tokens) ?? num(body.max_completion_tokens) ?? num(body.max_output_tokens),
    "gen_ai.request.temperature": num(body.temperature),
    "gen_ai.request.top_p": num(body.top_p),
    "palisade.llm.stream": body.stream === true,
  };
}

export function serverAttributes(baseUrl: string): Attributes {
  const url = new URL(baseUrl);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { "server.address": url.hostname, "server.port": port };
}

export function responseAttributes(meta: ResponseMeta, usage: Usage | null): Attributes {
  return {
    "gen_ai.response.id": meta.id,
    "gen_ai.response.model": meta.model,
    "gen_ai.response.finish_reasons": meta.finishReasons.length ? [...new Set(meta.finishReasons)] : undefined,
    "gen_ai.usage.input_tokens": usage?.inputTokens,
    "gen_ai.usage.output_tokens": usage?.outputTokens,
    "palisade.usage.cached_tokens": usage?.cachedTokens,
  };
}

/** PII found in what left: the categories and a count per category, never a value. */
export function piiAttributes(counts: Partial<Record<string, number>>): Attributes {
  const found = Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === "number" && e[1] > 0);
  const out: Attributes = { "palisade.pii.categories": found.map(([c]) => c) };
  for (const [category, n] of found) out[`palisade.pii.${category}.count`] = n;
  return out;
}

/** Every category masked: content in a trace is never more than its placeholders. */
const MASK_ALL: PiiPolicy = Object.fromEntries(PII_CATEGORIES.map((c) => [c, "mask"]));

/** `text` with every PII category masked and cut to CONTENT_LIMIT; null when it cannot be checked (then nothing is exported). */
export function maskedContent(text: string): string | null {
  try {
    const masked = createMasker(MASK_ALL).maskText(text);
    return masked.length > CONTENT_LIMIT ? `${masked.slice(0, CONTENT_LIMIT)}…` : masked;
  } catch (error) {
    if (error instanceof PiiBudgetError) return null;
    throw error;
  }
}

function contentAttribute(key: string, value: unknown): Attributes {
  if (value === undefined || value === null) return {};
  const masked = maskedContent(typeof value === "string" ? value : JSON.stringify(value));
  return masked === null ? { "palisade.content.omitted": "pii_check_failed" } : { [key]: masked };
}

/** The prompt as the provider got it (its masking applied), masked again completely. */
export function inputContent(upstreamBody: string): Attributes {
  let body: unknown;
  try {
    body = JSON.parse(upstreamBody);
  } catch {
    return {};
  }
  if (!isObject(body)) return {};
  return {
    ...contentAttribute("gen_ai.system_instructions", body.system ?? body.instructions),
    ...contentAttribute("gen_ai.input.messages", body.messages ?? body.input),
  };
}

/** The provider's answer (a non-streamed body), masked completely. */
export function outputContent(body: unknown): Attributes {
  if (!isObject(body)) return {};
  return contentAttribute("gen_ai.output.messages", body.choices ?? body.content ?? body.output);
}

/** PII an exit check found (categories and counts as parallel lists). */
export function exitPiiAttributes(found: { categories: readonly string[]; counts: readonly number[] } | null): Attributes {
  if (!found) return {};
  return piiAttributes(Object.fromEntries(found.categories.map((c, i) => [c, found.counts[i] ?? 0])));
}

/**
 * HTTP client span attributes of an outbound call. url.full has no query and no fragment: an
 * injected query credential (or the agent's own) lives there.
 */
export function httpClientAttributes(method: string, url: URL, kind: "egress" | "tool"): Attributes {
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return {
    "http.request.method": method,
    "url.full": `${url.origin}${url.pathname}`,
    "url.scheme": url.protocol.replace(/:$/, ""),
    "server.address": url.hostname,
    "server.port": port,
    "palisade.egress.kind": kind,
  };
}
