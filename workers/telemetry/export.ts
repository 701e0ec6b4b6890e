// One request's spans to the org's collector: an OTLP/HTTP JSON POST from the request's
// waitUntil, retried a bounded number of times on 429, 5xx and no answer (Retry-After honoured
// within a bound), then counted as dropped. Never on the agent's path.
import { push } from "../audit/push.js";
import { makeDb } from "../data/db.js";
import { TelemetryStore } from "../data/telemetry-store.js";
import { type TelemetryConfig, openHeaders } from "./config.js";
import { type Redact, otlpBody } from "./otlp.js";
import type { FinishedSpan } from "./span.js";

export const EXPORT_ATTEMPTS = 3;
export const EXPORT_TIMEOUT_MS = 5_000;
const BACKOFF_BASE_MS = 250;
/** A collector asking for a longer pause than this is given up on (the request's waitUntil is short-lived). */
export const MAX_RETRY_WAIT_MS = 5_000;

/** Resource attributes of every batch. */
export const RESOURCE = { "service.name": "palisade-edge", "telemetry.sdk.name": "palisade", "telemetry.sdk.language": "webjs" } as const;

/** Milliseconds a Retry-After value asks for (delta seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

const backoffMs = (attempt: number) => BACKOFF_BASE_MS * 2 ** (attempt - 1) * (1 + Math.random() / 2);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Removes the export's own header values (and a bearer token alone) from span text, as written and
 * JSON-escaped (content attributes hold JSON): a collector key never travels in the spans, even
 * when a prompt carries it.
 */
export function redactor(values: string[]): Redact {
  const needles = new Set<string>();
  for (const value of values) {
    for (const form of [value, value.replace(/^(bearer|basic|token)\s+/i, "")]) {
      if (form.length < 8) continue;
      needles.add(form);
      needles.add(JSON.stringify(form).slice(1, -1));
    }
  }
  const list = [...needles].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => list.reduce((out, needle) => out.replaceAll(needle, "[REDACTED]"), text);
}

export async function exportSpans(env: Env, config: TelemetryConfig, spans: FinishedSpan[]): Promise<void> {
  if (spans.length === 0) return;
  const drop = (error: string) => {
    console.warn(`telemetry: ${spans.length} span(s) of org ${config.orgId} dropped: ${error}`);
    return new TelemetryStore(makeDb(env.DB), config.orgId).countDropped(spans.length, error.slice(0, 200)).then(
      () => {},
      () => {},
    );
  };
  let headers: Record<string, string>;
  try {
    headers = await openHeaders(env, config);
  } catch {
    return drop("the export headers could not be opened");
  }
  const body = otlpBody({ ...RESOURCE, "palisade.org.id": config.orgId }, spans, redactor(Object.values(headers)));
  const target = {
    url: config.endpoint,
    allowPrivate: env.ALLOW_PRIVATE_UPSTREAMS === "true",
    field: "endpoint",
    what: "the OTLP endpoint",
    who: "collector",
    timeoutMs: EXPORT_TIMEOUT_MS,
  };
  const sent = { ...headers, "content-type": "application/json", "user-agent": "palisade-otlp/1" };
  for (let attempt = 1; ; attempt++) {
    const result = await push(target, sent, body);
    if (result.ok) return;
    const retryable = !result.refused && (result.status === undefined || result.status === 429 || result.status >= 500);
    if (!retryable || attempt >= EXPORT_ATTEMPTS) return drop(result.error);
    const wait = retryAfterMs(result.retryAfter) ?? backoffMs(attempt);
    if (wait > MAX_RETRY_WAIT_MS) return drop(`${result.error} (Retry-After beyond ${MAX_RETRY_WAIT_MS / 1000} s)`);
    await sleep(wait);
  }
}
