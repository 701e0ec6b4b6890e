// Streaming answers: re-frames the provider's SSE event by event, restores assistant text
// through per-block restorers, captures usage and turns a cut upstream into a clean end.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { utf8Length } from "./estimate.js";
import { restoreResponseItem, restoreResponseObject } from "./json.js";
import { isObject, restoreWhole, type LlmEndpoint, type RestorerFactory, type TextRestorer, type Usage } from "./types.js";
import { type AnthropicCounts, anthropicUsageOf, chatUsageOf, mergeAnthropicCounts, responsesUsageOf } from "./usage.js";
import { type ResponseMeta, emptyResponseMeta, noteResponse } from "./response-meta.js";

export type StreamEndpoint = Exclude<LlmEndpoint, "models">;

/** Ends the key of a restorer whose text is JSON (tool-call arguments): originals go in escaped. */
const JSON_KEY = "|json";

/**
 * How a stream ended: `completed` saw the provider's terminal event; the rest did not
 * (`cancelled`: the agent went away; `withdrawn`: the platform ended it, e.g. a suspension).
 */
export type StreamOutcome = "completed" | "cut" | "timeout" | "invalid" | "cancelled" | "withdrawn";

export interface StreamResult {
  usage: Usage | null;
  completed: boolean;
  outcome: StreamOutcome;
  /** UTF-8 bytes of the text and tool arguments the agent was sent: a bound on the output tokens produced. */
  producedBytes: number;
  /** What the events said of the response (id, model, finish reasons), for the call's span. */
  meta: ResponseMeta;
}

/** An error the stream ends with, in the shape of the platform's errors. */
export interface StreamError {
  code: string;
  message: string;
  status: number;
}

/** Anthropic's error types by HTTP status, as its SDK maps them. */
const ANTHROPIC_ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  504: "timeout_error",
};

/** One SSE event, framed: optional `event:` line, one `data:` line per data line, blank line. */
export function formatSseEvent(data: string, event?: string, id?: string): string {
  // Most events are one line with no name or id (every chat chunk): framed without splitting.
  if (!event && id === undefined && !data.includes("\n")) return `data: ${data}\n\n`;
  let out = event ? `event: ${event}\n` : "";
  if (id !== undefined) out += `id: ${id}\n`;
  for (const line of data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** The error event a provider would send, so SDKs raise it as an API error. */
export function streamErrorEvent(endpoint: StreamEndpoint, { code, message, status }: StreamError): string {
  if (endpoint === "messages") {
    const type = ANTHROPIC_ERROR_TYPES[status] ?? "api_error";
    return formatSseEvent(JSON.stringify({ type: "error", error: { type, code, message } }), "error");
  }
  const error = { message, type: code, code, param: null };
  if (endpoint === "responses") return formatSseEvent(JSON.stringify({ type: "error", code, message, param: null, error }), "error");
  return formatSseEvent(JSON.stringify({ error }));
}

/**
 * The synchronous core: feed it decoded upstream text, get back SSE text for the agent. It keeps
 * only the parser's partial line and the restorers' held-back tails between calls.
 */
export class SseRewriter {
  readonly endpoint: StreamEndpoint;
  usage: Usage | null = null;
  /** The provider's terminal event was seen ([DONE], response.completed, message_stop). */
  completed = false;
  /** An event's data was not the JSON it must be; the stream cannot be trusted past it. */
  invalid = false;
  /** UTF-8 bytes of text and tool arguments passed to the agent (each token is at least one byte). */
  producedBytes = 0;
  readonly meta = emptyResponseMeta();
  readonly #factory: RestorerFactory;
  readonly #open = new Map<string, TextRestorer>();
  readonly #parser = createParser({ onEvent: (e) => this.#onEvent(e), onComment: (c) => this.#emit(`:${c}\n\n`) });
  #out = "";
  /** Whether the event being handled was modified (and so must be re-serialised). */
  #changed = false;
  /** The last chat chunk: its id, object, created and model are reused for synthesized chunks. */
  #lastChat: Record<string, unknown> | null = null;
  /** Anthropic's usage as reported so far (its events each carry part of it). */
  #anthropic: AnthropicCounts | null = null;

  /** The agent did not ask for usage (the proxy did): the usage-only chat chunk is not passed on. */
  readonly #hideUsageChunk: boolean;

  constructor(endpoint: StreamEndpoint, restorers: RestorerFactory, options: { hideUsageChunk?: boolean } = {}) {
    this.endpoint = endpoint;
    this.#factory = restorers;
    this.#hideUsageChunk = options.hideUsageChunk === true;
  }

  feed(text: string): string {
    if (!this.invalid) this.#parser.feed(text);
    return this.#take();
  }

  /** Releases text still held by the restorers (end of stream, cut or not). */
  flushAll(): string {
    this.#flushOpen();
    return this.#take();
  }

  #flushOpen(): void {
    for (const key of [...this.#open.keys()]) this.#flushKey(key, null);
  }

  #take(): string {
    const out = this.#out;
    this.#out = "";
    return out;
  }

  #emit(text: string): void {
    this.#out += text;
  }

  /** The block's restorer; keys of JSON blocks (tool-call arguments) end in JSON_KEY. */
  #restorer(key: string): TextRestorer {
    let r = this.#open.get(key);
    if (!r) {
      r = this.#factory({ json: key.endsWith(JSON_KEY) });
      this.#open.set(key, r);
    }
    return r;
  }

  /**
   * Flushes one restorer; when `into` is null the held text goes out as its own delta event
   * (numbered after `source`, the event that ends the block, where the API numbers events).
   */
  #flushKey(key: string, into: ((text: string) => void) | null, source?: Record<string, unknown>): void {
    const r = this.#open.get(key);
    if (!r) return;
    this.#open.delete(key);
    const text = r.flush();
    if (!text) return;
    if (into) into(text);
    else this.#emitSyntheticDelta(key, text, source);
  }

  #emitSyntheticDelta(key: string, text: string, source: Record<string, unknown> | undefined): void {
    const json = key.endsWith(JSON_KEY);
    if (this.endpoint === "chat") {
      const [choice = "0", call = "0"] = key.split("|");
      const delta = json ? { tool_calls: [{ index: Number(call), function: { arguments: text } }] } : { content: text };
      const last = this.#lastChat;
      const base = last ? { id: last.id, object: last.object, created: last.created, model: last.model } : {};
      const chunk = { ...base, choices: [{ index: Number(choice), delta, finish_reason: null }] };
      this.#emit(formatSseEvent(JSON.stringify(chunk)));
    } else if (this.endpoint === "messages") {
      const index = Number(key.split("|")[0] ?? 0);
      const delta = json ? { type: "input_json_delta", partial_json: text } : { type: "text_delta", text };
      this.#emit(formatSseEvent(JSON.stringify({ type: "content_block_delta", index, delta }), "content_block_delta"));
    } else if (json) {
      const [itemId = "", outputIndex = "0"] = key.split("|");
      const event = {
        type: "response.function_call_arguments.delta",
        item_id: itemId,
        output_index: Number(outputIndex),
        delta: text,
        ...(source && typeof source.sequence_number === "number" ? { sequence_number: source.sequence_number } : {}),
      };
      this.#emit(formatSseEvent(JSON.stringify(event), "response.function_call_arguments.delta"));
    } else {
      const [itemId = "", outputIndex = "0", contentIndex = "0"] = key.split("|");
      const event = {
        type: "response.output_text.delta",
        item_id: itemId,
        output_index: Number(outputIndex),
        content_index: Number(contentIndex),
        delta: text,
        logprobs: [],
        ...(source && typeof source.sequence_number === "number" ? { sequence_number: source.sequence_number } : {}),
      };
      this.#emit(formatSseEvent(JSON.stringify(event), "response.output_text.delta"));
    }
  }

  #onEvent(event: EventSourceMessage): void {
    if (this.invalid) return;
    // "[DONE]", possibly with spaces around it (trimmed only when it holds the word at all).
    if (this.endpoint === "chat" && event.data.includes("[DONE]") && event.data.trim() === "[DONE]") {
      this.#flushOpen();
      this.completed = true;
      this.#emit(formatSseEvent("[DONE]", event.event, event.id));
      return;
    }
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.invalid = true;
      return;
    }
    if (!isObject(data)) {
      this.invalid = true;
      return;
    }
    noteResponse(this.meta, data);
    this.#changed = false;
    if (this.endpoint === "chat") {
      this.#chat(data);
      if (this.#hideUsageChunk && data.usage != null && Array.isArray(data.choices) && data.choices.length === 0) return;
    } else if (this.endpoint === "responses") this.#responses(data);
    else this.#messages(data);
    // Most events carry no placeholder: they go out as the provider wrote them (multi-line data
    // is still re-framed as one line), not re-serialised.
    const same = !this.#changed && !event.data.includes("\n");
    this.#emit(formatSseEvent(same ? event.data : JSON.stringify(data), event.event, event.id));
  }

  /** Restores a text through the block's restorer, noting whether the event changed. */
  #push(key: string, text: string): string {
    this.producedBytes += utf8Length(text);
    const out = this.#restorer(key).push(text);
    if (out !== text) this.#changed = true;
    return out;
  }

  #chat(chunk: Record<string, unknown>): void {
    this.#lastChat = chunk;
    if (chunk.usage != null) this.usage = chatUsageOf(chunk.usage) ?? this.usage;
    if (!Array.isArray(chunk.choices)) return;
    chunk.choices.forEach((choice: unknown, position: number) => {
      if (!isObject(choice)) return;
      const key = String(typeof choice.index === "number" ? choice.index : position);
      const delta = isObject(choice.delta) ? choice.delta : null;
      if (delta && typeof delta.content === "string") delta.content = this.#push(key, delta.content);
      if (delta && Array.isArray(delta.tool_calls)) {
        delta.tool_calls.forEach((call: unknown, at: number) => {
          if (!isObject(call) || !isObject(call.function) || typeof call.function.arguments !== "string") return;
          const callKey = `${key}|${typeof call.index === "number" ? call.index : at}${JSON_KEY}`;
          call.function.arguments = this.#push(callKey, call.function.arguments);
        });
      }
      if (choice.finish_reason != null) {
        // Held argument text of this choice's tool calls goes out before the finishing chunk.
        for (const callKey of [...this.#open.keys()].filter((k) => k.startsWith(`${key}|`))) this.#flushKey(callKey, null);
        this.#flushKey(key, (text) => {
          this.#changed = true;
          const target = delta ?? {};
          target.content = (typeof target.content === "string" ? target.content : "") + text;
          choice.delta = target;
        });
      }
    });
  }

  #responses(data: Record<string, unknown>): void {
    const key = `${String(data.item_id ?? "")}|${String(data.output_index ?? 0)}|${String(data.content_index ?? 0)}`;
    const restore = (t: string, json?: boolean) => {
      this.#changed = true;
      return restoreWhole(this.#factory, t, { json: json === true });
    };
    const argsKey = `${String(data.item_id ?? "")}|${String(data.output_index ?? 0)}${JSON_KEY}`;
    switch (data.type) {
      case "response.output_text.delta":
        if (typeof data.delta === "string") data.delta = this.#push(key, data.delta);
        break;
      case "response.function_call_arguments.delta":
        if (typeof data.delta === "string") data.delta = this.#push(argsKey, data.delta);
        break;
      case "response.function_call_arguments.done":
        this.#flushKey(argsKey, null, data);
        if (typeof data.arguments === "string") data.arguments = restore(data.arguments, true);
        break;
      case "response.output_text.done":
        this.#flushKey(key, null, data);
        if (typeof data.text === "string") data.text = restore(data.text);
        break;
      case "response.content_part.done":
        if (isObject(data.part) && data.part.type === "output_text" && typeof data.part.text === "string") data.part.text = restore(data.part.text);
        break;
      case "response.output_item.done":
        if (isObject(data.item)) restoreResponseItem(data.item, restore);
        break;
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        this.#flushOpen();
        if (isObject(data.response)) {
          restoreResponseObject(data.response, restore);
          this.usage = responsesUsageOf(data.response.usage) ?? this.usage;
        }
        this.completed = true;
        break;
      default:
        break;
    }
  }

  #anthropicUsage(value: unknown): void {
    this.#anthropic = mergeAnthropicCounts(this.#anthropic, value);
    if (this.#anthropic) this.usage = anthropicUsageOf(this.#anthropic);
  }

  #messages(data: Record<string, unknown>): void {
    const key = String(typeof data.index === "number" ? data.index : 0);
    switch (data.type) {
      case "message_start":
        if (isObject(data.message)) this.#anthropicUsage(data.message.usage);
        break;
      case "content_block_start":
        if (
          isObject(data.content_block) &&
          data.content_block.type === "text" &&
          typeof data.content_block.text === "string" &&
          data.content_block.text
        ) {
          data.content_block.text = this.#push(key, data.content_block.text);
        }
        break;
      case "content_block_delta":
        if (isObject(data.delta) && data.delta.type === "text_delta" && typeof data.delta.text === "string")
          data.delta.text = this.#push(key, data.delta.text);
        if (isObject(data.delta) && data.delta.type === "input_json_delta" && typeof data.delta.partial_json === "string") {
          data.delta.partial_json = this.#push(`${key}${JSON_KEY}`, data.delta.partial_json);
        }
        break;
      case "content_block_stop":
        this.#flushKey(key, null);
        this.#flushKey(`${key}${JSON_KEY}`, null);
        break;
      case "message_delta":
        this.#anthropicUsage(data.usage);
        break;
      case "message_stop":
        this.#flushOpen();
        this.completed = true;
        break;
      default:
        break;
    }
  }
}

export interface RestoreStreamOptions {
  endpoint: StreamEndpoint;
  restorers: RestorerFactory;
  /** Longest silence tolerated from the provider mid-stream (default 60 s). */
  idleTimeoutMs?: number;
  /** The proxy asked for chat usage the agent did not ask for: its chunk is read, not passed on. */
  hideUsageChunk?: boolean;
  /**
   * Aborted when the platform ends the call (its reason, a StreamError, is what the agent is
   * told): the upstream is cancelled and the stream ends with that error event at once.
   */
  withdrawn?: AbortSignal;
}

const IDLE = Symbol("idle");
const WITHDRAWN = Symbol("withdrawn");

/**
 * Wraps the provider's SSE body into the agent's. Pull-based, so the agent's pace drives the
 * upstream reads and nothing is buffered beyond one upstream chunk. `result` settles once the
 * stream ends, with the usage seen and whether the provider finished.
 */
export function restoreSseStream(
  upstream: ReadableStream<Uint8Array>,
  options: RestoreStreamOptions,
): { body: ReadableStream<Uint8Array>; result: Promise<StreamResult> } {
  const reader = upstream.getReader();
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const rewriter = new SseRewriter(options.endpoint, options.restorers, { hideUsageChunk: options.hideUsageChunk === true });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let settle: (r: StreamResult) => void = () => {};
  const result = new Promise<StreamResult>((resolve) => {
    settle = resolve;
  });
  let finished = false;
  let withdrawal: StreamError | null = null;
  options.withdrawn?.addEventListener(
    "abort",
    () => {
      withdrawal = errorOf(options.withdrawn?.reason);
      // Ends a pending read at once; a later read finds the reader cancelled.
      reader.cancel(WITHDRAWN).catch(() => {});
    },
    { once: true },
  );

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, tail: string, outcome: StreamOutcome) => {
    finished = true;
    clearTimeout(watchdog);
    let out = tail + rewriter.flushAll();
    if (outcome === "withdrawn" && withdrawal) out += streamErrorEvent(options.endpoint, withdrawal);
    else if (outcome !== "completed") {
      const message =
        outcome === "timeout"
          ? "the model provider stopped sending"
          : outcome === "invalid"
            ? "the model provider sent a malformed stream"
            : "the model provider's stream was cut";
      out += streamErrorEvent(
        options.endpoint,
        outcome === "timeout" ? { code: "upstream_timeout", message, status: 504 } : { code: "upstream_error", message, status: 502 },
      );
    }
    if (out) controller.enqueue(encoder.encode(out));
    controller.close();
    settle({ usage: rewriter.usage, completed: outcome === "completed", outcome, producedBytes: rewriter.producedBytes, meta: rewriter.meta });
  };

  // One watchdog per stream rather than a timer per read (a stream has hundreds of reads): it
  // wakes once per idle period and cancels the upstream if nothing arrived for idleMs, which
  // ends the pending read.
  let lastActivity = Date.now();
  let idled = false;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const watch = (ms: number) => {
    watchdog = setTimeout(() => {
      const quiet = Date.now() - lastActivity;
      if (quiet < idleMs) return watch(idleMs - quiet);
      idled = true;
      reader.cancel(IDLE).catch(() => {});
    }, ms);
  };
  watch(idleMs);
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          // Read in place (not through a helper of its own): one promise per upstream chunk.
          // Cancelling the reader ends a pending read: a JavaScript stream resolves it as done, a
          // body from the network (workerd's own stream) rejects it; either way the flag set says why.
          let chunk: ReadableStreamReadResult<Uint8Array> | null = null;
          let failure: unknown = null;
          try {
            chunk = await reader.read();
          } catch (error) {
            failure = error;
          }
          lastActivity = Date.now();
          if (withdrawal) failure = WITHDRAWN;
          else if (idled) failure = IDLE;
          if (failure !== null || chunk === null) {
            reader.cancel().catch(() => {});
            finish(controller, "", failure === WITHDRAWN ? "withdrawn" : rewriter.completed ? "completed" : failure === IDLE ? "timeout" : "cut");
            return;
          }
          if (chunk.done) {
            // A final event without its blank line still counts: end the parser's pending input.
            const tail = rewriter.feed(`${decoder.decode()}\n\n`);
            finish(controller, tail, rewriter.completed ? "completed" : rewriter.invalid ? "invalid" : "cut");
            return;
          }
          const text = decoder.decode(chunk.value, { stream: true });
          const out = rewriter.feed(text);
          if (rewriter.invalid && !rewriter.completed) {
            reader.cancel().catch(() => {});
            finish(controller, out, "invalid");
            return;
          }
          if (out) {
            // Most chunks go out as they came (whole events, nothing restored): the provider's
            // bytes are passed on instead of encoding the same text again.
            controller.enqueue(out === text && decodedExactly(text, chunk.value) ? chunk.value : encoder.encode(out));
            return;
          }
        }
      },
      cancel(reason) {
        clearTimeout(watchdog);
        reader.cancel(reason).catch(() => {});
        if (!finished)
          settle({
            usage: rewriter.usage,
            completed: rewriter.completed,
            outcome: rewriter.completed ? "completed" : "cancelled",
            producedBytes: rewriter.producedBytes,
            meta: rewriter.meta,
          });
        finished = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, result };
}

/**
 * Whether `text`, the streaming decoder's output for `bytes`, is exactly those bytes decoded:
 * nothing was carried in from the previous chunk (the first byte is not a continuation byte),
 * nothing was held back for the next one and nothing was replaced (no U+FFFD; a valid text
 * re-encodes to exactly as many bytes as it came from).
 */
export function decodedExactly(text: string, bytes: Uint8Array): boolean {
  const first = bytes[0];
  if (first === undefined || (first & 0xc0) === 0x80) return false;
  return !text.includes("\uFFFD") && utf8Length(text) === bytes.byteLength;
}

/** A withdrawal's reason as a stream error (an AppError carries code, message and status). */
function errorOf(reason: unknown): StreamError {
  if (reason !== null && typeof reason === "object" && "code" in reason && "message" in reason && "status" in reason) {
    const r = reason as { code: unknown; message: unknown; status: unknown };
    if (typeof r.code === "string" && typeof r.message === "string" && typeof r.status === "number")
      return { code: r.code, message: r.message, status: r.status };
  }
  return { code: "upstream_error", message: "the call was ended", status: 502 };
}

/** Response headers for a restored stream. */
export function sseHeaders(): Headers {
  return new Headers({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
}
