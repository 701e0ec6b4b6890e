// Building the provider request from the agent's, fetching it with a deadline, and turning
// upstream failures into errors in the provider's own format without leaking the provider key.
import { scrubText } from "../egress/scrub.js";
import { AppError } from "../errors.js";
import { type LlmEndpoint, type ProviderKind, isObject } from "./types.js";

export interface UpstreamTarget {
  kind: ProviderKind;
  /** Provider origin, optionally with a path prefix; a trailing `/v1` is merged with the path's. */
  baseUrl: string;
  /** The org's provider key from the vault; never the agent's token. */
  apiKey: string;
}

/**
 * Headers an agent may send that the provider needs; everything else (credentials, cookies,
 * hop-by-hop) is dropped. Content-type is always set by us: every body sent is JSON.
 */
const PASS_HEADERS = ["accept", "anthropic-version", "anthropic-beta", "openai-beta"] as const;

export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

/** Joins base URL and path so `https://api.openai.com/v1` + `/v1/chat/completions` gives one `/v1`. */
export function upstreamUrl(baseUrl: string, path: string, search = ""): URL {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const rest = path.startsWith("/") ? path : `/${path}`;
  const joined = prefix.endsWith("/v1") && (rest === "/v1" || rest.startsWith("/v1/")) ? prefix + rest.slice(3) : prefix + rest;
  const url = new URL(base.origin);
  url.pathname = joined;
  url.search = search;
  return url;
}

/** Provider URLs without a query, by base URL and path: a pure function, so an isolate joins each pair once. */
const joinedUrls = new Map<string, string>();
const JOINED_URLS_MAX = 1_000;

/** upstreamUrl's text; without a query it is joined once per isolate and base URL and path. */
function upstreamHref(baseUrl: string, path: string, search: string): string {
  if (search) return upstreamUrl(baseUrl, path, search).href;
  const key = `${baseUrl}\u0000${path}`;
  let href = joinedUrls.get(key);
  if (href === undefined) {
    href = upstreamUrl(baseUrl, path).href;
    if (joinedUrls.size >= JOINED_URLS_MAX) joinedUrls.clear();
    joinedUrls.set(key, href);
  }
  return href;
}

/** A URL's query as `URL.search` gives it, parsing only a URL that has one. */
export function searchOf(url: string): string {
  return url.includes("?") ? new URL(url).search : "";
}

export interface BuildOptions {
  /** Path after `/llm/<kind>`, e.g. `/v1/chat/completions`. */
  path: string;
  /** The (masked) body to send; defaults to none. */
  body?: string | null;
  /** Query string to forward, e.g. from the agent URL (`?limit=…` on models). */
  search?: string;
  signal?: AbortSignal;
}

/** The request to send the provider: its key injected, the agent's credentials never forwarded. */
export function buildUpstreamRequest(agent: Request, target: UpstreamTarget, options: BuildOptions): Request {
  const headers = new Headers();
  for (const name of PASS_HEADERS) {
    const value = agent.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (target.kind === "openai") {
    headers.set("authorization", `Bearer ${target.apiKey}`);
  } else {
    headers.set("x-api-key", target.apiKey);
    if (!headers.has("anthropic-version")) headers.set("anthropic-version", DEFAULT_ANTHROPIC_VERSION);
  }
  const body = options.body ?? null;
  if (body !== null) headers.set("content-type", "application/json");
  headers.set("user-agent", "palisade-llm-proxy");
  return new Request(upstreamHref(target.baseUrl, options.path, options.search ?? ""), {
    method: agent.method,
    headers,
    body: agent.method === "GET" || agent.method === "HEAD" ? null : body,
    redirect: "manual",
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/**
 * The body with usage reporting on: an OpenAI chat stream reports usage only when asked
 * (`stream_options.include_usage`), and a call without usage is charged its whole hold, so the
 * proxy always asks. Other endpoints report usage in every answer.
 */
export function withStreamUsage<T extends Record<string, unknown>>(endpoint: LlmEndpoint, body: T): T {
  if (endpoint !== "chat" || body.stream !== true) return body;
  const options = isObject(body.stream_options) ? body.stream_options : {};
  if (options.include_usage === true) return body;
  return { ...body, stream_options: { ...options, include_usage: true } };
}

/**
 * One timer for a whole upstream exchange (headers, then the body): when it passes, the request
 * is aborted (ending a pending read) and whoever races `expired` gets `upstream_timeout`. Cheaper
 * than a timer per step; a stream clears it once headers are in (its idle watchdog takes over).
 */
export class UpstreamDeadline {
  readonly expired: Promise<never>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number, abort: AbortController) {
    this.expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        abort.abort();
        reject(new AppError("upstream_timeout", "the model provider did not answer in time"));
      }, timeoutMs);
    });
    // Raced by fetchUpstream and readTextWithin; a rejection after both finished is nobody's error.
    this.expired.catch(() => {});
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

export interface FetchOptions {
  /** Deadline for the response headers (a timer of this call's own), unless `deadline` is given. */
  timeoutMs?: number;
  /** A deadline shared with the body read (see UpstreamDeadline); the caller clears it. */
  deadline?: UpstreamDeadline;
  fetcher?: (request: Request) => Promise<Response>;
  /** The controller whose signal the request was built with (saves re-binding it). */
  abort?: AbortController;
}

/**
 * Sends the request, mapping a missed deadline to `upstream_timeout` and a connection failure to
 * `upstream_error`. A redirect is refused: following it could carry the key elsewhere.
 */
export async function fetchUpstream(request: Request, options: FetchOptions): Promise<Response> {
  const fetcher = options.fetcher ?? ((r: Request) => fetch(r));
  // Aborting on the deadline frees the connection instead of leaving the call running.
  const abort = options.abort ?? new AbortController();
  const own = options.deadline ? null : new UpstreamDeadline(options.timeoutMs ?? 120_000, abort);
  const deadline = (options.deadline ?? own)!.expired;
  try {
    // A request built with the controller's signal is sent as it is; any other is re-bound to it.
    const bound = options.abort ? request : new Request(request, { signal: abort.signal });
    const response = await Promise.race([fetcher(bound), deadline]);
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new AppError("upstream_error", "the model provider answered with a redirect");
    }
    return response;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("upstream_error", "could not reach the model provider", { cause: err });
  } finally {
    own?.clear();
  }
}

/** Reads a body as text within a deadline (milliseconds, or a shared one), cancelling it when the deadline passes. */
export async function readTextWithin(response: Response, within: number | UpstreamDeadline, maxBytes = 32 * 1024 * 1024): Promise<string> {
  const body = response.body;
  if (!body) return "";
  // A declared length within the limit is read in one native call (the HTTP framing holds the
  // body to it); otherwise chunk by chunk, stopping at the limit.
  const declared = Number(response.headers.get("content-length") ?? NaN);
  const reader = Number.isInteger(declared) && declared >= 0 && declared <= maxBytes ? null : body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline =
    typeof within === "number"
      ? new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AppError("upstream_timeout", "the model provider did not finish its answer in time")), within);
        })
      : within.expired;
  try {
    if (!reader) return await Promise.race([response.text(), deadline]);
    const decoder = new TextDecoder();
    let text = "";
    let size = 0;
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw new AppError("upstream_error", "the model provider's answer is too large");
      text += decoder.decode(value, { stream: true });
    }
    return text + decoder.decode();
  } catch (err) {
    (reader ?? body).cancel().catch(() => {});
    if (err instanceof AppError) throw err;
    throw new AppError("upstream_error", "the model provider's answer was cut", { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** A JSON error body in the provider's own format that also carries the contract's `code`. */
export function providerErrorBody(kind: ProviderKind, code: string, message: string, type = code): Record<string, unknown> {
  if (kind === "anthropic") return { type: "error", error: { type, code, message } };
  return { error: { message, type, code, param: null } };
}

/**
 * Renders an AppError in the provider's format, so SDKs surface it as their own API error. The
 * official SDKs retry 409s and honour `retry-after` and `x-should-retry`: a key still in
 * progress is worth retrying shortly; a key already used never is.
 */
export function llmErrorResponse(kind: ProviderKind, error: AppError): Response {
  const type = kind === "anthropic" ? anthropicErrorType(error.status) : error.code;
  const headers: Record<string, string> =
    error.code === "in_progress" ? { "retry-after": "1" } : error.code === "conflict" ? { "x-should-retry": "false" } : {};
  return Response.json(providerErrorBody(kind, error.code, error.message, type), { status: error.status, headers });
}

function anthropicErrorType(status: number): string {
  if (status === 400 || status === 409 || status === 422) return "invalid_request_error";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 413) return "request_too_large";
  if (status === 429) return "rate_limit_error";
  if (status === 504) return "timeout_error";
  return "api_error";
}

const PASS_STATUSES = new Set([400, 404, 409, 413, 422, 429]);

function pick(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && key in value ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Turns a non-2xx provider answer into the agent's answer. Request errors the agent can fix
 * (400, 404, 413, 422, 429…) keep their status and the provider's message, scrubbed; a rejected
 * provider key (401/403) and provider failures (5xx) become 502 `upstream_error`, since the
 * agent's own credentials were not involved.
 */
export async function mapUpstreamError(kind: ProviderKind, response: Response, secrets: readonly string[], timeoutMs = 10_000): Promise<Response> {
  let text = "";
  try {
    text = await readTextWithin(response, timeoutMs, 64 * 1024);
  } catch {
    text = "";
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  // Both providers nest the error under `error` ({error:{message,type}} and {type,error:{type,message}}).
  const err = pick(parsed, "error");
  const rawMessage = pick(err, "message");
  const rawType = pick(err, "type");
  const message = typeof rawMessage === "string" ? scrubText(rawMessage, secrets).slice(0, 2000) : `the model provider answered ${response.status}`;
  const headers = new Headers();
  const retryAfter = response.headers.get("retry-after");
  if (!PASS_STATUSES.has(response.status)) {
    const publicMessage =
      response.status === 401 || response.status === 403
        ? "the model provider rejected the organisation's credentials"
        : `the model provider failed (${response.status})`;
    return llmErrorResponse(kind, new AppError("upstream_error", publicMessage));
  }
  if (retryAfter !== null && /^\d{1,6}$/.test(retryAfter)) headers.set("retry-after", retryAfter);
  const type =
    typeof rawType === "string" && /^[a-z_]{1,64}$/.test(rawType)
      ? rawType
      : kind === "anthropic"
        ? anthropicErrorType(response.status)
        : "invalid_request_error";
  const rawCode = pick(err, "code");
  const code = typeof rawCode === "string" && /^[a-z_0-9]{1,64}$/.test(rawCode) ? rawCode : type;
  const body = providerErrorBody(kind, code, message, type);
  return Response.json(body, { status: response.status, headers });
}

/** Maps anything thrown while calling the provider to an AppError (timeout 504, else 502). */
export function toUpstreamAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("upstream_error", "the model provider call failed", { cause: err });
}
