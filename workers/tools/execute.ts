// Runs an HTTP tool: the URL built from the tool's template, then the one outbound pipeline
// (workers/egress/pipeline.ts) with the tool's credential, and a bounded, scrubbed text result.
import type { ToolRow } from "../data/tool-store.js";
import { type OutboundContext, sendOutbound } from "../egress/pipeline.js";
import { AppError } from "../errors.js";
import { readsAsStep } from "../policy/match.js";

/** Tool results go into a model's context: anything longer is cut. */
export const MAX_RESULT_BYTES = 256 * 1024;

export interface ToolRequest {
  method: string;
  url: URL;
  body: string | null;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const scalar = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** The template's literal text before its first placeholder, as the URL parser writes it (null when that is no URL). */
function literalPrefix(template: string): string | null {
  const literal = template.split("{", 1)[0] ?? "";
  try {
    return new URL(literal).href;
  } catch {
    return null;
  }
}

/**
 * Fills `{name}` placeholders (URL-encoded, so an argument cannot add path segments); other
 * arguments go to the query or a JSON body. In the path, values servers read as empty, `.` or
 * `..` are refused, and the filled URL must keep the template's literal text before its first
 * placeholder.
 */
export function buildToolRequest(tool: Pick<ToolRow, "method" | "url">, args: Record<string, unknown>): ToolRequest {
  const method = tool.method ?? "GET";
  const template = tool.url ?? "";
  const used = new Set<string>();
  const queryStart = template.search(/[?#]/);
  const filled = template.replace(PLACEHOLDER, (_, name: string, offset: number) => {
    used.add(name);
    const value = args[name];
    if (value === undefined || value === null) throw new AppError("validation_failed", `argument ${name} is required by the tool's URL`);
    const text = scalar(value);
    // In the path, also values servers read as a step or as nothing (`.. `, `...`, full-width dots).
    const inPath = queryStart === -1 || offset < queryStart;
    if (inPath && readsAsStep(text)) throw new AppError("validation_failed", `argument ${name} must not be empty, '.' or '..'`);
    return encodeURIComponent(text);
  });
  const url = new URL(filled);
  const prefix = literalPrefix(template);
  if (prefix !== null && !url.href.startsWith(prefix))
    throw new AppError("validation_failed", "arguments would move the tool's URL outside its template");
  const rest = Object.fromEntries(Object.entries(args).filter(([k]) => !used.has(k)));
  if (method === "GET" || method === "HEAD") {
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null) url.searchParams.set(k, scalar(v));
    return { method, url, body: null };
  }
  return { method, url, body: JSON.stringify(rest) };
}

export interface ToolResponse {
  status: number;
  text: string;
  truncated: boolean;
}

/** Sends the tool's request through the outbound pipeline; redirects are returned as they are. */
export async function executeHttpTool(ctx: OutboundContext, tool: ToolRow, request: ToolRequest): Promise<ToolResponse> {
  const headers = new Headers({ accept: "application/json, text/plain;q=0.9, */*;q=0.5" });
  if (request.body !== null) headers.set("content-type", "application/json");
  const response = await sendOutbound(ctx, { method: request.method, url: request.url, headers, body: request.body }, { kind: "tool", tool });
  const read = await readCapped(response, MAX_RESULT_BYTES);
  return { status: response.status, text: read.text, truncated: read.truncated };
}

async function readCapped(response: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: "", truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  // A cut may split a UTF-8 sequence: decode leniently.
  return { text: new TextDecoder().decode(all), truncated };
}
