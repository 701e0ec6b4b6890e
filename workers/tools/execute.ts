// Runs an HTTP tool through the edge's egress safeguards: URL built from the template, SSRF
// refusal, the tool's credential injected server-side, a bounded time, secrets scrubbed from the answer.
import { makeDb } from "../data/db.js";
import { PolicyStore } from "../data/policy-store.js";
import type { ToolRow } from "../data/tool-store.js";
import { AppError } from "../errors.js";
import { secretForms } from "../egress/scrub.js";
import { assertPublicDestination } from "../egress/url-safety.js";
import { openCredential } from "../vault/credentials.js";
import { injectCredential } from "../vault/inject.js";

const UPSTREAM_TIMEOUT_MS = 30_000;
/** Tool results go into a model's context: anything longer is cut. */
export const MAX_RESULT_BYTES = 256 * 1024;
/** Credential secrets are at most 16 KiB; their encoded forms stay under this. */
const SCRUB_MARGIN = 64 * 1024;

export interface ToolRequest {
  method: string;
  url: URL;
  body: string | null;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const scalar = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** Fills `{name}` placeholders (URL-encoded, so an argument cannot add path segments); other arguments go to the query or a JSON body. */
export function buildToolRequest(tool: Pick<ToolRow, "method" | "url">, args: Record<string, unknown>): ToolRequest {
  const method = tool.method ?? "GET";
  const used = new Set<string>();
  const filled = (tool.url ?? "").replace(PLACEHOLDER, (_, name: string) => {
    used.add(name);
    const value = args[name];
    if (value === undefined || value === null) throw new AppError("validation_failed", `argument ${name} is required by the tool's URL`);
    return encodeURIComponent(scalar(value));
  });
  const url = new URL(filled);
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

/** Replaces every form of the secrets (raw, base64, URL-encoded…) in a text result. */
export function scrubText(text: string, secrets: string[]): string {
  let out = text;
  const decoder = new TextDecoder();
  for (const form of secrets.flatMap(secretForms)) {
    const needle = decoder.decode(form);
    if (needle.length > 0) out = out.split(needle).join("[REDACTED]");
  }
  return out;
}

/** Sends the request; redirects are not followed (the answer is returned as is). */
export async function executeHttpTool(env: Env, tool: ToolRow, request: ToolRequest): Promise<ToolResponse> {
  assertPublicDestination(request.url, { allowPrivate: env.ALLOW_PRIVATE_UPSTREAMS === "true" });
  let target = { headers: new Headers({ accept: "application/json, text/plain;q=0.9, */*;q=0.5" }), url: request.url };
  if (request.body !== null) target.headers.set("content-type", "application/json");
  const secrets: string[] = [];
  if (tool.credentialId) {
    const row = await new PolicyStore(makeDb(env.DB), tool.orgId).credential(tool.credentialId);
    if (!row) throw new AppError("policy_denied", "the tool's credential no longer exists");
    const opened = await openCredential(env, row);
    secrets.push(opened.secret);
    target = injectCredential(target, opened.inject, opened.secret);
  }
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: request.method,
      headers: target.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
    });
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new AppError("upstream_timeout", "the tool's upstream did not answer in time");
    }
    throw new AppError("upstream_error", "the tool's upstream could not be reached", { cause: error });
  }
  // Read past the cut by more than any secret's length, scrub, then cut: a secret straddling the cut never leaks a prefix.
  const read = await readCapped(response, MAX_RESULT_BYTES + SCRUB_MARGIN);
  const scrubbed = scrubText(read.text, secrets);
  const truncated = read.truncated || scrubbed.length > MAX_RESULT_BYTES;
  return { status: response.status, text: truncated ? scrubbed.slice(0, MAX_RESULT_BYTES) : scrubbed, truncated };
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
  return { text: new TextDecoder().decode(all), truncated };
}
