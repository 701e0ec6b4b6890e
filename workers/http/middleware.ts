// Cross-cutting middleware: trace ids (see trace.ts), secure response headers and JSON body intake limits.
import type { MiddlewareHandler } from "hono";
import { AppError } from "../errors.js";
import type { AppEnv } from "./context.js";
import { TRACE_HEADER, newTrace, withTrace } from "./trace.js";

/**
 * Every request gets a trace id of the platform's own (answered in x-palisade-trace-id) that joins
 * the audit events of one request; a caller's header value is kept only as its client trace id.
 */
export const traceId: MiddlewareHandler<AppEnv> = async (c, next) => {
  const trace = newTrace(c.req.header(TRACE_HEADER));
  c.set("traceId", trace.traceId);
  await withTrace(trace, next);
  if (isUpgrade(c.res)) return;
  ensureMutable(c);
  c.res.headers.set(TRACE_HEADER, trace.traceId);
};

/** A WebSocket upgrade (101) carries its socket; its headers are not ours to touch. */
const isUpgrade = (res: Response) => res.status === 101;

/** Responses handed over from elsewhere (a Durable Object, fetch) may have immutable headers. */
function ensureMutable(c: Parameters<MiddlewareHandler<AppEnv>>[0]) {
  try {
    c.res.headers.set("x-palisade", "1");
    c.res.headers.delete("x-palisade");
  } catch {
    c.res = new Response(c.res.body, c.res);
  }
}

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (isUpgrade(c.res)) return;
  ensureMutable(c);
  const h = c.res.headers;
  h.set("x-content-type-options", "nosniff");
  h.set("referrer-policy", "no-referrer");
  if (!h.has("x-frame-options")) h.set("x-frame-options", "DENY");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
};

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Admin API body intake: bodies over `maxBytes` answer 413, non-JSON 415, malformed JSON 400,
 * before any handler runs. The parsed text stays cached on the request for the validators.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD" || method === "OPTIONS" || method === "DELETE") return next();
    const declared = Number(c.req.header("content-length") ?? "NaN");
    if (Number.isFinite(declared) && declared > maxBytes) throw new AppError("payload_too_large", `body exceeds ${maxBytes} bytes`);
    const text = await readLimited(c.req.raw, maxBytes);
    if (text.length === 0) {
      // Endpoints without a body (token rotation, logout) accept an empty one.
      return next();
    }
    if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new AppError("unsupported_media_type", "request body must be application/json");
    }
    try {
      JSON.parse(text);
    } catch {
      throw new AppError("invalid_json", "request body is not valid JSON");
    }
    // Hono's validators read the body through c.req; hand them the text we already consumed.
    // Hono stores body promises in this cache, whatever its declared type says.
    Object.assign(c.req.bodyCache, { text: Promise.resolve(text) });
    return next();
  };
}

/** Reads a request body as text, refusing (413) as soon as it passes maxBytes. */
export async function readLimited(request: Request, maxBytes: number): Promise<string> {
  const all = await readLimitedBytes(request, maxBytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(all);
  } catch {
    throw new AppError("invalid_json", "request body is not valid UTF-8");
  }
}

/** Reads a request body, refusing (413) as soon as it passes maxBytes. */
export async function readLimitedBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  // A declared length within the limit is read in one native call (the HTTP framing holds the
  // body to it); otherwise chunk by chunk, stopping at the limit.
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isInteger(declared) && declared >= 0 && declared <= maxBytes) {
    const all = new Uint8Array(await request.arrayBuffer());
    if (all.byteLength > maxBytes) throw new AppError("payload_too_large", `body exceeds ${maxBytes} bytes`);
    return all;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new AppError("payload_too_large", `body exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}
