// Span attributes of the OpenTelemetry GenAI semantic conventions (gen_ai.*) and Palisade's own
// (palisade.*), and the only way content reaches a span: every PII category masked, whatever the
// org's policy lets through to the provider, and only when the org opted in.
import { PII_CATEGORIES, type PiiPolicy } from "../../schema/pii.js";
import type { ResponseMeta } from "../llm/response-meta.js";
import { type ProviderKind, type Usage, isObject } from "../llm/types.js";
import { detectSecrets } from "../pii/detectors/secrets.js";
import { PiiBudgetError, createMasker } from "../pii/index.js";
import type { RawFinding } from "../pii/types.js";
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

/**
 * A message list masked string by string, on the decoded text: in JSON text a line break is the
 * two characters `\n`, which would hide a card or SSN written across lines from the detectors.
 */
export function maskedJson(value: unknown): string | null {
  const masker = createMasker(MASK_ALL);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return masker.maskText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, inner]) => [masker.maskText(k), walk(inner)]));
    return v;
  };
  try {
    const masked = JSON.stringify(walk(value));
    return masked.length > CONTENT_LIMIT ? `${masked.slice(0, CONTENT_LIMIT)}…` : masked;
  } catch (error) {
    if (error instanceof PiiBudgetError) return null;
    throw error;
  }
}

function contentAttribute(key: string, value: unknown): Attributes {
  if (value === undefined || value === null) return {};
  const masked = typeof value === "string" ? maskedContent(value) : maskedJson(value);
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

/** What an agent-chosen name becomes in a span: the name when it is known and plain, else "unknown". */
export const UNKNOWN_NAME = "unknown";

/**
 * A model or tool name for a span name or attribute: only one the org knows (a model its policy
 * allows, a tool in its catalog), identifier-shaped and unchanged by the PII masker; anything
 * else is `unknown`, since the agent chose the text.
 */
export function exportedName(name: string, known: boolean): string {
  if (!known || !/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$/.test(name)) return UNKNOWN_NAME;
  return maskedContent(name) === name ? name : UNKNOWN_NAME;
}

/** What replaces a path segment that is not a plain identifier. */
export const MASKED_SEGMENT = "{…}";
const PLAIN_SEGMENT = /^(?:[A-Za-z][A-Za-z0-9_-]{0,31}|\{[A-Za-z_][A-Za-z0-9_]{0,63}\})$/;

/**
 * A URL path as exported: every segment that is not a short identifier (letters first; or a
 * template's `{name}`) or that the secret detector flags becomes `{…}`, and the PII masker runs
 * over what is left. Ids, e-mails, card numbers, tokens and free text in a path never leave.
 */
export function exportedPath(pathname: string): string {
  const segments = pathname.split("/").map((raw) => {
    if (raw === "") return raw;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return MASKED_SEGMENT;
    }
    if (!PLAIN_SEGMENT.test(segment)) return MASKED_SEGMENT;
    const findings: RawFinding[] = [];
    detectSecrets(segment, findings, { entropyThreshold: 3.5 });
    return findings.length > 0 ? MASKED_SEGMENT : segment;
  });
  return maskedContent(segments.join("/")) ?? "/{…}";
}

/**
 * HTTP client span attributes of an outbound call. url.full is the origin and the exported path
 * (`exportedPath`): no query, no fragment (an injected query credential or the agent's own lives
 * there), and for a tool the admin's URL template rather than the URL its arguments filled.
 */
export function httpClientAttributes(method: string, url: URL, kind: "egress" | "tool", template?: string | null): Attributes {
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  let shownPath = url.pathname;
  if (template) {
    // The template's path as written ({name} placeholders intact); new URL() would percent-encode the braces.
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(template);
    shownPath = match?.[1] || "/";
  }
  return {
    "http.request.method": method,
    "url.full": `${url.origin}${exportedPath(shownPath)}`,
    "url.scheme": url.protocol.replace(/:$/, ""),
    "server.address": url.hostname,
    "server.port": port,
    "palisade.egress.kind": kind,
  };
}
