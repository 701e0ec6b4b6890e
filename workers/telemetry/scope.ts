// One traced request: its server span (the caller's traceparent continued, or a new trace), the
// spans its operations open beneath it, and one export of them all once the last one ends — which
// for a stream is after the response, from the waitUntil that settles the stream.
import { exportSpans } from "./export.js";
import type { TelemetryConfig } from "./config.js";
import { type Attributes, type FinishedSpan, Span, SpanKind, type SpanSink } from "./span.js";
import { type SpanContext, newSpanId, newTraceId } from "./traceparent.js";

/** Spans one request may record; more (a long MCP batch, say) are not recorded. */
export const MAX_SPANS_PER_REQUEST = 64;

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Whether this request is traced. The org's ratio decides, whatever the caller's traceparent
 * flags say: an agent cannot switch its own calls out of the org's traces.
 */
export const sampled = (config: TelemetryConfig, random = Math.random()) => config.sampleRatio > 0 && random < config.sampleRatio;

export class TelemetryScope implements SpanSink {
  readonly #env: Env;
  readonly #config: TelemetryConfig;
  readonly #ctx: WaitUntil;
  #started = 0;
  #open = 0;
  #finished: FinishedSpan[] = [];

  constructor(env: Env, config: TelemetryConfig, ctx: WaitUntil) {
    this.#env = env;
    this.#config = config;
    this.#ctx = ctx;
  }

  get includeContent(): boolean {
    return this.#config.includeContent;
  }

  /** The request's server span: a child of the caller's span when it sent a valid traceparent. */
  serverSpan(parent: SpanContext | null, name: string, attributes: Attributes): Span {
    this.opened();
    const context = { traceId: parent?.traceId ?? newTraceId(), spanId: newSpanId(), parentSpanId: parent?.spanId ?? null };
    return new Span(this, context, name, SpanKind.server, attributes);
  }

  opened(): boolean {
    if (this.#started >= MAX_SPANS_PER_REQUEST) return false;
    this.#started++;
    this.#open++;
    return true;
  }

  ended(span: FinishedSpan): void {
    this.#finished.push(span);
    this.#open--;
    if (this.#open > 0) return;
    const batch = this.#finished;
    this.#finished = [];
    this.#ctx.waitUntil(exportSpans(this.#env, this.#config, batch));
  }
}
