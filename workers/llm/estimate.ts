// Upper bounds of a call's cost inputs before it is made, for the spend hold. What a provider
// bills that the request cannot bound (stored context, per-use tools, files, audio) is refused.
import { AppError } from "../errors.js";
import { type LlmEndpoint, isObject } from "./types.js";

export type CallEndpoint = Exclude<LlmEndpoint, "models">;

/** What the request asks of the provider beyond its own bytes. */
export interface RequestShape {
  /** Completions generated (`n`, `best_of`); each may use the whole output budget. */
  choices: number;
  /** The request's own output limit, or null (the model's maximum then applies). */
  maxOutputTokens: number | null;
  /** Output billed beyond that limit (rejected tokens of a `prediction`). */
  extraOutputTokens: number;
  /** Image parts anywhere in the conversation; each is billed by its pixels, not its bytes. */
  images: number;
  /** The hidden prompt providers add for tool definitions. */
  toolPromptTokens: number;
  /**
   * What an input token can cost, in input prices: 2 when the request marks Anthropic cache
   * breakpoints (a cache write costs up to twice the input price), else 1.
   */
  inputPriceFactor: number;
}

/** The model-dependent bounds a shape is completed with (workers/spend/pricing.ts). */
export interface OutputAndImageLimits {
  maxOutputTokens: number;
  imageTokens: number;
}

/**
 * Providers add a hidden system prompt when tools are declared (Anthropic: at most 346 tokens,
 * OpenAI: the functions namespace), and Anthropic-defined client tools add their own definition
 * (computer use at most 735 tokens plus its system prompt, text editor 700, bash 245).
 */
export const TOOL_PROMPT_TOKENS = 1_000;
export const PROVIDER_TOOL_TOKENS = 1_000;
/** Larger than any context window by far; a worst case past it is refused, not held. */
export const MAX_BOUND_TOKENS = 100_000_000;
/** OpenAI's largest `n`. */
const MAX_CHOICES = 128;

const OUTPUT_FIELDS: Record<CallEndpoint, readonly string[]> = {
  chat: ["max_completion_tokens", "max_tokens"],
  responses: ["max_output_tokens"],
  messages: ["max_tokens"],
};

/** Request fields whose cost lives at the provider (stored context, per-use services). */
const UNBOUNDED_FIELDS: Record<CallEndpoint, Readonly<Record<string, string>>> = {
  chat: {
    web_search_options: "web search is billed per use",
    audio: "audio output is billed at audio rates",
  },
  responses: {
    previous_response_id: "the stored context of previous_response_id is billed but not visible here",
    conversation: "the stored context of a conversation is billed but not visible here",
    prompt: "a stored prompt template is billed but not visible here",
  },
  messages: {
    mcp_servers: "MCP connector calls are billed per use",
    container: "code execution containers are billed per use",
  },
};

/** Tool types whose definition is all the provider bills for (per-use server tools are refused). */
const FUNCTION_TOOLS = new Set(["function", "custom"]);
/** Anthropic-defined tools the client executes (versioned names such as `bash_20250124`). */
const ANTHROPIC_CLIENT_TOOL = /^(bash|text_editor|computer|memory)_\d{8}$/;
/** Service tiers at or below list price. */
const LIST_PRICE_TIERS = new Set(["auto", "default", "flex", "standard_only"]);

const IMAGE_PARTS = new Set(["image_url", "input_image", "image", "computer_screenshot"]);
/** Content parts billed by pages, duration or stored content that the request does not show. */
const UNBOUNDED_PARTS: Readonly<Record<string, string>> = {
  file: "file inputs are billed by their pages",
  input_file: "file inputs are billed by their pages",
  container_upload: "container uploads are billed per use",
  input_audio: "audio input is billed at audio rates",
  item_reference: "a referenced stored item is billed but not visible here",
};
/** Anthropic documents whose text is in the request (a PDF is billed by its pages too). */
const TEXT_DOCUMENT_SOURCES = new Set(["text", "content"]);

const refuse = (reason: string, field: string) =>
  new AppError("bad_request", `${reason}; Palisade cannot hold an upper bound of its cost, so the call is refused`, { details: { field } });

/** A positive integer field, null when absent; anything else is refused rather than guessed. */
function positiveInt(body: Record<string, unknown>, field: string, max: number): number | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max)
    throw new AppError("bad_request", `${field}: must be an integer from 1 to ${max}`, { details: { field } });
  return value;
}

/**
 * Reads what the request can cost beyond its bytes, refusing what cannot be bounded: stored
 * context, per-use tools and services, files and audio, tiers above list price, and limits that
 * are not plain integers (a lenient server would read "64" as 64).
 */
export function requestShape(endpoint: CallEndpoint, body: Record<string, unknown>): RequestShape {
  for (const [field, reason] of Object.entries(UNBOUNDED_FIELDS[endpoint])) if (body[field] != null) throw refuse(reason, field);
  if (endpoint === "chat" && Array.isArray(body.modalities) && body.modalities.includes("audio"))
    throw refuse("audio output is billed at audio rates", "modalities");
  const tier = body.service_tier;
  if (tier != null && (typeof tier !== "string" || !LIST_PRICE_TIERS.has(tier)))
    throw refuse("this service tier is billed above list price", "service_tier");

  let maxOutputTokens: number | null = null;
  for (const field of OUTPUT_FIELDS[endpoint]) {
    const value = positiveInt(body, field, MAX_BOUND_TOKENS);
    if (value !== null) maxOutputTokens = Math.max(maxOutputTokens ?? 0, value);
  }
  const choices = Math.max(1, positiveInt(body, "n", MAX_CHOICES) ?? 1, positiveInt(body, "best_of", MAX_CHOICES) ?? 1);
  const prediction = body.prediction == null ? 0 : utf8Length(JSON.stringify(body.prediction));

  const content = endpoint === "chat" ? [body.messages] : endpoint === "responses" ? [body.input] : [body.messages, body.system];
  const walked = walkContent(content);
  const cacheWrites =
    endpoint === "messages" &&
    (walked.cacheControl ||
      body.cache_control != null ||
      (Array.isArray(body.tools) && body.tools.some((t) => isObject(t) && t.cache_control != null)));
  return {
    choices,
    maxOutputTokens,
    extraOutputTokens: prediction,
    images: walked.images,
    toolPromptTokens: toolPromptTokens(endpoint, body),
    inputPriceFactor: cacheWrites ? 2 : 1,
  };
}

function toolPromptTokens(endpoint: CallEndpoint, body: Record<string, unknown>): number {
  const declared: unknown[] = [];
  for (const field of ["tools", "functions"]) {
    const list = body[field];
    if (list == null) continue;
    if (!Array.isArray(list)) throw new AppError("bad_request", `${field}: must be an array`, { details: { field } });
    declared.push(...list);
  }
  if (declared.length === 0) return 0;
  let tokens = TOOL_PROMPT_TOKENS;
  for (const tool of declared) {
    const type = isObject(tool) ? tool.type : undefined;
    if (type === undefined || (typeof type === "string" && FUNCTION_TOOLS.has(type))) continue;
    if (endpoint === "messages" && typeof type === "string" && ANTHROPIC_CLIENT_TOOL.test(type)) {
      tokens += PROVIDER_TOOL_TOKENS;
      continue;
    }
    throw refuse(`tools of type ${JSON.stringify(String(type)).slice(0, 80)} are billed per use`, "tools");
  }
  return tokens;
}

/**
 * Counts image parts and cache breakpoints and refuses unbounded parts, walking the conversation
 * without recursion (a deeply nested body must not overflow the stack). The arbitrary JSON a
 * model gave a tool (`tool_use.input`) is not content and is skipped.
 */
function walkContent(roots: unknown[]): { images: number; cacheControl: boolean } {
  let images = 0;
  let cacheControl = false;
  const stack = [...roots];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" && item !== null) stack.push(item);
      continue;
    }
    if (!isObject(value)) continue;
    const type = typeof value.type === "string" ? value.type : null;
    if (type !== null) {
      if (IMAGE_PARTS.has(type)) images++;
      // Own keys only: a part typed "toString" or "constructor" names no unbounded part.
      const reason = Object.hasOwn(UNBOUNDED_PARTS, type) ? UNBOUNDED_PARTS[type] : undefined;
      if (reason) throw refuse(reason, type);
      if (type === "document" && !(isObject(value.source) && TEXT_DOCUMENT_SOURCES.has(String(value.source.type))))
        throw refuse("PDF and file documents are billed by their pages", "document");
    }
    // A chat message may replay an earlier audio answer by id, billed as audio input.
    if (isObject(value.audio) && typeof value.role === "string") throw refuse("audio input is billed at audio rates", "audio");
    if (value.cache_control != null) cacheControl = true;
    for (const [key, child] of Object.entries(value)) {
      if (key === "input" && (type === "tool_use" || type === "server_tool_use")) continue;
      if (typeof child === "object" && child !== null) stack.push(child);
    }
  }
  return { images, cacheControl };
}

/**
 * The hold's token counts: every UTF-8 byte of the body the provider receives is at most one
 * token (tokenizers never put less than a byte in a token; JSON syntax more than covers the
 * per-message overhead), plus the images and the tool prompt, times the input price factor
 * (cache writes); the output budget is the request's limit or the model's maximum; all of it
 * once per choice. Refused (400) past MAX_BOUND_TOKENS.
 */
export function spendEstimate(
  shape: RequestShape,
  upstreamBytes: number,
  limits: OutputAndImageLimits,
): { inputTokens: number; maxOutputTokens: number } {
  const input = (upstreamBytes + shape.images * limits.imageTokens + shape.toolPromptTokens) * shape.inputPriceFactor * shape.choices;
  const output = ((shape.maxOutputTokens ?? limits.maxOutputTokens) + shape.extraOutputTokens) * shape.choices;
  if (input > MAX_BOUND_TOKENS || output > MAX_BOUND_TOKENS)
    throw new AppError("bad_request", `the request could use more than ${MAX_BOUND_TOKENS} tokens; lower n, its output limit or its size`);
  return { inputTokens: input, maxOutputTokens: output };
}

const encoder = new TextEncoder();
/**
 * Where utf8Length encodes into, reused: counting bytes needs no new buffer per call (every call
 * and every streamed delta is counted), and a text longer than this is encoded in pieces.
 */
const scratch = new Uint8Array(64 * 1024);

/** UTF-8 length of a text (what a tokenizer reads), as TextEncoder would encode it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let at = 0; at < text.length; ) {
    // encodeInto never splits a surrogate pair, so each piece encodes as it would in the whole.
    const { read, written } = encoder.encodeInto(at === 0 ? text : text.slice(at), scratch);
    bytes += written;
    at += read;
  }
  return bytes;
}
