// Spans of one request and the scope that collects them. The active span lives in
// AsyncLocalStorage so the operations (LLM call, egress pipeline, tool call) annotate it and open
// children without threading it through; outside a traced request every call is a no-op.
import { AsyncLocalStorage } from "node:async_hooks";
import { AppError } from "../errors.js";
import { type SpanContext, formatTraceparent, newSpanId } from "./traceparent.js";

export type AttributeValue = string | number | boolean | string[];
export type Attributes = Record<string, AttributeValue | null | undefined>;

/** OTLP SpanKind values. */
export const SpanKind = { internal: 1, server: 2, client: 3 } as const;
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];

export interface FinishedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: SpanKindValue;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttributeValue>;
  /** Set for a denial or failure: the reason code (status message and `error.type`). */
  error: string | null;
  /** Attributes costly to compute (masked content), computed at export, off the agent's path. */
  deferred: Array<() => Attributes>;
}

/** What the code that runs inside a span may do with it; the no-op span does nothing. */
export interface TraceSpan {
  readonly recording: boolean;
  /** The org opted in to (PII-masked) prompt and completion text. */
  readonly includeContent: boolean;
  /** The header to forward upstream so the receiver's work is this span's child; null when not recording. */
  readonly traceparent: string | null;
  set(attributes: Attributes): void;
  /** Attributes computed at export time, after the response (masking content is not free). */
  defer(attributes: () => Attributes): void;
  /** Marks the span failed with a reason code (a denial's or an error's). */
  fail(code: string): void;
  /** The span outlives the function it was opened for (a stream); whoever holds it calls end(). */
  keepOpen(): void;
  end(): void;
}

/** Where a request's finished spans go; TelemetryScope flushes them to the org's collector. */
export interface SpanSink {
  readonly includeContent: boolean;
  opened(): boolean;
  ended(span: FinishedSpan): void;
}

/** Reason codes that are the platform saying no (policy, PII, spend, autonomy, suspension), not a failure. */
const DENIALS = new Set([
  "policy_denied",
  "forbidden",
  "pii_blocked",
  "spend_limit",
  "approval_denied",
  "approval_expired",
  "agent_suspended",
  "unknown_tool",
  "not_granted",
]);

const NOOP: TraceSpan = {
  recording: false,
  includeContent: false,
  traceparent: null,
  set() {},
  defer() {},
  fail() {},
  keepOpen() {},
  end() {},
};

export class Span implements TraceSpan {
  readonly recording = true;
  readonly #sink: SpanSink;
  readonly #data: FinishedSpan;
  #kept = false;
  #ended = false;

  constructor(sink: SpanSink, context: SpanContext & { parentSpanId: string | null }, name: string, kind: SpanKindValue, attributes: Attributes) {
    this.#sink = sink;
    this.#data = { ...context, name, kind, startMs: Date.now(), endMs: 0, attributes: {}, error: null, deferred: [] };
    this.set(attributes);
  }

  get context(): SpanContext {
    return { traceId: this.#data.traceId, spanId: this.#data.spanId };
  }

  get traceparent(): string {
    return formatTraceparent(this.context);
  }

  get includeContent(): boolean {
    return this.#sink.includeContent;
  }

  get kept(): boolean {
    return this.#kept;
  }

  set(attributes: Attributes): void {
    if (this.#ended) return;
    assign(this.#data.attributes, attributes);
  }

  defer(attributes: () => Attributes): void {
    if (!this.#ended) this.#data.deferred.push(attributes);
  }

  fail(code: string): void {
    if (this.#ended) return;
    this.#data.error = code;
    this.#data.attributes["error.type"] = code;
    if (DENIALS.has(code)) this.#data.attributes["palisade.decision"] = "denied";
  }

  keepOpen(): void {
    this.#kept = true;
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#sink.ended({ ...this.#data, endMs: Math.max(Date.now(), this.#data.startMs) });
  }

  /** A child span, or the no-op span when the request's span budget is spent. */
  child(name: string, kind: SpanKindValue, attributes: Attributes): TraceSpan {
    if (!this.#sink.opened()) return NOOP;
    return new Span(this.#sink, { traceId: this.#data.traceId, spanId: newSpanId(), parentSpanId: this.#data.spanId }, name, kind, attributes);
  }
}

/** Copies the attributes that have a value (null, undefined and non-finite numbers are left out). */
export function assign(target: Record<string, AttributeValue>, attributes: Attributes): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || (typeof value === "number" && !Number.isFinite(value))) continue;
    target[key] = value;
  }
}

/** The span's attributes with its deferred ones computed; one that throws is left out. */
export function resolvedAttributes(span: FinishedSpan): Record<string, AttributeValue> {
  const out = { ...span.attributes };
  for (const compute of span.deferred) {
    try {
      assign(out, compute());
    } catch {
      out["palisade.content.omitted"] = "error";
    }
  }
  return out;
}

const active = new AsyncLocalStorage<Span>();

/** The span the running code belongs to (the no-op span outside a traced request). */
export function activeSpan(): TraceSpan {
  return active.getStore() ?? NOOP;
}

/** Runs `fn` with `span` as the active span. */
export function inSpan<T>(span: Span, fn: () => T): T {
  return active.run(span, fn);
}

/** The reason code of a thrown value: an AppError's code, a refusal's own, else "internal". */
export function reasonOf(error: unknown): string {
  if (error instanceof AppError) return error.code;
  const refusal = (error as { refusal?: unknown } | null)?.refusal;
  return typeof refusal === "string" ? refusal : "internal";
}

/** A span's name and attributes, computed only when the span is recorded (they may run the PII masker). */
export type SpanDescription = () => { name: string; attributes: Attributes };

/**
 * Runs `fn` inside a child of the active span: failed with the reason code when it throws, ended
 * when it returns unless it kept the span open. Without an active span `fn` runs as it is, and
 * `describe` is never called: an org without telemetry pays nothing per call.
 */
export async function withSpan<T>(kind: SpanKindValue, describe: SpanDescription, fn: (span: TraceSpan) => Promise<T>): Promise<T> {
  const parent = active.getStore();
  if (!parent) return fn(NOOP);
  const { name, attributes } = describe();
  const span = parent.child(name, kind, attributes);
  if (!(span instanceof Span)) return fn(span);
  try {
    const result = await active.run(span, () => fn(span));
    if (!span.kept) span.end();
    return result;
  } catch (error) {
    span.fail(reasonOf(error));
    span.end();
    throw error;
  }
}
