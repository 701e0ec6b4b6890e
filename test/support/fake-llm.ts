// A local fake model provider speaking the OpenAI and Anthropic wire formats: it echoes the last
// user message, streams it in small chunks, records every request and has fault modes.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { z } from "zod";

/**
 * Fault modes, chosen by the model name (`fake-<mode>`), the `x-fake-fault` header, or a
 * `fake-fault:<mode>` marker in the body (for a client behind a policy that allows one model
 * and forwards no custom header). `max-usage`
 * answers normally but reports the most a real provider could bill for the request (see maxUsageOf).
 */
export const FAKE_FAULTS = ["hang", "slow", "trickle", "error500", "garbage", "cut", "no-usage", "max-usage"] as const;

/** Pause between stream events in the `trickle` mode: a slow provider whose stream lasts seconds. */
export const TRICKLE_MS = 100;

/** A body containing `fake-fail-once:<id>` fails with 500 the first time that id is seen, then succeeds. */
const FAIL_ONCE = /fake-fail-once:([A-Za-z0-9_-]{1,64})/;

/**
 * What the `max-usage` mode bills, from published provider figures: every UTF-8 byte of the body
 * a token, the largest per-image count of a listed model (gpt-4o-mini, high detail: 2,833 + 8 ×
 * 5,667), a tool-use system prompt, and the whole output budget for each of `n` choices (with no
 * budget set, the largest output a current model allows).
 */
export const MAX_USAGE = { imageTokens: 48_169, toolPromptTokens: 500, defaultOutputTokens: 131_072 } as const;
export type FakeFault = (typeof FAKE_FAULTS)[number];

export interface FakeLlmOptions {
  port?: number;
  host?: string;
  /** Key the fake expects (Bearer for OpenAI, x-api-key for Anthropic); any non-empty key when unset. */
  apiKey?: string;
  /** Characters per streamed text delta (default 3, so placeholders straddle events). */
  chunkSize?: number;
  /** Delay before the first byte in the `slow` mode (default 1500 ms). */
  slowMs?: number;
}

export interface FakeLlmRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The client went away before the answer was complete. */
  closedEarly?: boolean;
}

export interface FakeLlm {
  url: string;
  port: number;
  requests: FakeLlmRequest[];
  close(): Promise<void>;
}

const textPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const content = z.union([z.string(), z.array(textPart)]).optional();
const message = z.object({ role: z.string(), content: content.nullable() }).passthrough();
const chatBody = z
  .object({
    model: z.string(),
    messages: z.array(message),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).passthrough().nullish(),
    tools: z.array(z.object({ type: z.string(), function: z.object({ name: z.string() }).passthrough() }).passthrough()).optional(),
    tool_choice: z.unknown().optional(),
  })
  .passthrough();
const responsesBody = z
  .object({
    model: z.string(),
    input: z.union([z.string(), z.array(z.object({ role: z.string().optional(), content: content }).passthrough())]),
    instructions: z.string().nullish(),
    stream: z.boolean().optional(),
  })
  .passthrough();
const messagesBody = z
  .object({
    model: z.string(),
    max_tokens: z.number().int().positive(),
    messages: z.array(message),
    system: z.union([z.string(), z.array(textPart)]).optional(),
    stream: z.boolean().optional(),
  })
  .passthrough();

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

const IMAGE_TYPES = new Set(["image_url", "input_image", "image"]);

function countImages(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countImages(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  const own = IMAGE_TYPES.has(String((value as Record<string, unknown>).type)) ? 1 : 0;
  return own + Object.values(value).reduce<number>((n, v) => n + countImages(v), 0);
}

const positive = (v: unknown) => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : 0);

/** The most a provider could bill for this request (the `max-usage` mode): see MAX_USAGE. */
function maxUsageOf(raw: Record<string, unknown>, text: string, outputFields: string[]): { input: number; output: number } {
  const tools = Array.isArray(raw.tools) && raw.tools.length > 0 ? MAX_USAGE.toolPromptTokens : 0;
  const input = Buffer.byteLength(text) + countImages(raw) * MAX_USAGE.imageTokens + tools;
  const budget = Math.max(0, ...outputFields.map((f) => positive(raw[f])));
  const choices = Math.max(1, positive(raw.n), positive(raw.best_of));
  return { input, output: (budget || MAX_USAGE.defaultOutputTokens) * choices };
}

function textOf(c: z.infer<typeof content> | null): string {
  if (c == null) return "";
  if (typeof c === "string") return c;
  return c.map((p) => p.text ?? "").join("");
}

function lastUserText(messages: Array<z.infer<typeof message>>): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === "user") return textOf(m.content);
  }
  return "";
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [""];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(String(part)));
  return Buffer.concat(parts).toString("utf8");
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Kind = "openai" | "anthropic";

function errorJson(kind: Kind, _status: number, type: string, messageText: string): string {
  if (kind === "anthropic") return JSON.stringify({ type: "error", error: { type, message: messageText } });
  return JSON.stringify({ error: { message: messageText, type, param: null, code: type } });
}

export async function startFakeLlm(options: FakeLlmOptions = {}): Promise<FakeLlm> {
  const requests: FakeLlmRequest[] = [];
  const sockets = new Set<Socket>();
  const chunkSize = options.chunkSize ?? 3;
  const slowMs = options.slowMs ?? 1500;
  const failedOnce = new Set<string>();
  let counter = 0;

  const send = (res: ServerResponse, status: number, body: string, type = "application/json") => {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
    res.end(body);
  };

  const faultOf = (req: IncomingMessage, model: string | undefined, text: string): FakeFault | null => {
    const header = req.headers["x-fake-fault"];
    const name =
      typeof header === "string" ? header : model?.startsWith("fake-") ? model.slice(5) : (/fake-fault:([a-z0-9-]{1,32})/.exec(text)?.[1] ?? "");
    return FAKE_FAULTS.find((f) => f === name) ?? null;
  };

  /** Streams SSE events; the `cut` fault destroys the socket halfway through. */
  const stream = async (res: ServerResponse, events: Array<{ event?: string; data: string }>, fault: FakeFault | null) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if (fault === "garbage") {
      res.write('data: {"id": broken json\n\nthis is not sse at all\n\n');
      res.end();
      return;
    }
    const cutAt = fault === "cut" ? Math.max(2, Math.floor(events.length / 2)) : -1;
    for (const [i, e] of events.entries()) {
      if (i === cutAt) {
        res.socket?.destroy();
        return;
      }
      if (res.destroyed) return;
      res.write(`${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`);
      // Yield so events leave in separate TCP writes, as a real provider's would.
      if (fault === "trickle") await sleep(TRICKLE_MS);
      else await new Promise<void>((r) => setImmediate(r));
    }
    res.end();
  };

  const authorize = (req: IncomingMessage, kind: Kind): boolean => {
    // Anthropic takes x-api-key; recent SDKs send the key as a Bearer token instead, so both count.
    const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ""))?.[1];
    const given = kind === "openai" ? bearer : (req.headers["x-api-key"] ?? bearer);
    if (typeof given !== "string" || given === "") return false;
    return options.apiKey === undefined || given === options.apiKey;
  };

  const chat = async (res: ServerResponse, raw: unknown, fault: FakeFault | null, text: string) => {
    const body = chatBody.parse(raw);
    const reply = lastUserText(body.messages) || "ok";
    const id = `chatcmpl-fake${++counter}`;
    const created = Math.floor(Date.now() / 1000);
    const max = fault === "max-usage" ? maxUsageOf(body, text, ["max_tokens", "max_completion_tokens"]) : null;
    const promptTokens = max?.input ?? tokens(body.messages.map((m) => textOf(m.content)).join("\n"));
    const completionTokens = max?.output ?? tokens(reply);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    };
    const forceTool = body.tools?.length && body.tool_choice !== undefined && body.tool_choice !== "none" && body.tool_choice !== "auto";
    const tool = forceTool ? body.tools?.[0] : undefined;
    const args = JSON.stringify({ input: reply });
    if (!body.stream) {
      const msg = tool
        ? {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: `call_${counter}`, type: "function", function: { name: tool.function.name, arguments: args } }],
          }
        : { role: "assistant", content: reply, refusal: null };
      const out = {
        id,
        object: "chat.completion",
        created,
        model: body.model,
        choices: [{ index: 0, message: msg, logprobs: null, finish_reason: tool ? "tool_calls" : "stop" }],
        ...(fault === "no-usage" ? {} : { usage }),
      };
      send(res, 200, JSON.stringify(out));
      return;
    }
    const base = { id, object: "chat.completion.chunk", created, model: body.model };
    const events: Array<{ data: string }> = [];
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      data: JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }),
    });
    if (tool) {
      events.push(
        chunk(
          {
            role: "assistant",
            content: null,
            tool_calls: [{ index: 0, id: `call_${counter}`, type: "function", function: { name: tool.function.name, arguments: "" } }],
          },
          null,
        ),
      );
      for (const part of chunks(args, chunkSize)) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }, null));
      events.push(chunk({}, "tool_calls"));
    } else {
      events.push(chunk({ role: "assistant", content: "" }, null));
      for (const part of chunks(reply, chunkSize)) events.push(chunk({ content: part }, null));
      events.push(chunk({}, "stop"));
    }
    if (body.stream_options?.include_usage && fault !== "no-usage") events.push({ data: JSON.stringify({ ...base, choices: [], usage }) });
    events.push({ data: "[DONE]" });
    await stream(res, events, fault);
  };

  const responses = async (res: ServerResponse, raw: unknown, fault: FakeFault | null, text: string) => {
    const body = responsesBody.parse(raw);
    const input = body.input;
    const reply =
      (typeof input === "string" ? input : textOf([...input].reverse().find((i) => (i.role ?? "user") === "user")?.content ?? "")) || "ok";
    const id = `resp_fake${++counter}`;
    const itemId = `msg_fake${counter}`;
    const max = fault === "max-usage" ? maxUsageOf(body, text, ["max_output_tokens"]) : null;
    const inputTokens = max?.input ?? tokens(JSON.stringify(input) + (body.instructions ?? ""));
    const outputTokens = max?.output ?? tokens(reply);
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + outputTokens,
    };
    const response = (status: string, text: string | null, withUsage: boolean) => ({
      id,
      object: "response",
      created_at: Math.floor(Date.now() / 1000),
      status,
      model: body.model,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      output:
        text === null
          ? []
          : [
              {
                id: itemId,
                type: "message",
                role: "assistant",
                status: "completed",
                content: [{ type: "output_text", text, annotations: [], logprobs: [] }],
              },
            ],
      parallel_tool_calls: true,
      tool_choice: "auto",
      tools: [],
      usage: withUsage && fault !== "no-usage" ? usage : null,
    });
    if (!body.stream) {
      send(res, 200, JSON.stringify(response("completed", reply, true)));
      return;
    }
    let seq = 0;
    const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, sequence_number: seq++, ...data }) });
    const part = { type: "output_text", text: "", annotations: [], logprobs: [] };
    const events = [
      ev("response.created", { response: response("in_progress", null, false) }),
      ev("response.in_progress", { response: response("in_progress", null, false) }),
      ev("response.output_item.added", {
        output_index: 0,
        item: { id: itemId, type: "message", role: "assistant", status: "in_progress", content: [] },
      }),
      ev("response.content_part.added", { item_id: itemId, output_index: 0, content_index: 0, part }),
      ...chunks(reply, chunkSize).map((delta) =>
        ev("response.output_text.delta", { item_id: itemId, output_index: 0, content_index: 0, delta, logprobs: [] }),
      ),
      ev("response.output_text.done", { item_id: itemId, output_index: 0, content_index: 0, text: reply, logprobs: [] }),
      ev("response.content_part.done", { item_id: itemId, output_index: 0, content_index: 0, part: { ...part, text: reply } }),
      ev("response.output_item.done", {
        output_index: 0,
        item: { id: itemId, type: "message", role: "assistant", status: "completed", content: [{ ...part, text: reply }] },
      }),
      ev("response.completed", { response: response("completed", reply, true) }),
    ];
    await stream(res, events, fault);
  };

  const messages = async (res: ServerResponse, raw: unknown, fault: FakeFault | null, text: string) => {
    const body = messagesBody.parse(raw);
    const reply = lastUserText(body.messages) || "ok";
    const id = `msg_fake${++counter}`;
    const system = typeof body.system === "string" ? body.system : textOf(body.system);
    const max = fault === "max-usage" ? maxUsageOf(body, text, ["max_tokens"]) : null;
    // With cache breakpoints, `max-usage` writes the whole prompt to the 1-hour cache (twice the input price).
    const cacheAll = max !== null && text.includes('"cache_control"');
    const usageIn = {
      input_tokens: cacheAll ? 0 : (max?.input ?? tokens(system + body.messages.map((m) => textOf(m.content)).join("\n"))),
      cache_creation_input_tokens: cacheAll ? max.input : 0,
      cache_read_input_tokens: 0,
      ...(cacheAll ? { cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: max.input } } : {}),
    };
    const outTokens = max?.output ?? tokens(reply);
    const base = { id, type: "message", role: "assistant", model: body.model, stop_sequence: null };
    if (!body.stream) {
      const usage = fault === "no-usage" ? undefined : { ...usageIn, output_tokens: outTokens };
      send(res, 200, JSON.stringify({ ...base, content: [{ type: "text", text: reply }], stop_reason: "end_turn", ...(usage ? { usage } : {}) }));
      return;
    }
    const ev = (type: string, data: Record<string, unknown>) => ({ event: type, data: JSON.stringify({ type, ...data }) });
    const noUsage = fault === "no-usage";
    const events = [
      ev("message_start", { message: { ...base, content: [], stop_reason: null, ...(noUsage ? {} : { usage: { ...usageIn, output_tokens: 1 } }) } }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("ping", {}),
      ...chunks(reply, chunkSize).map((text) => ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } })),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, ...(noUsage ? {} : { usage: { output_tokens: outTokens } }) }),
      ev("message_stop", {}),
    ];
    await stream(res, events, fault);
  };

  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake.local");
    // Tests running inside workerd cannot see this process's memory; they read the log here.
    // `?contains=<text>` picks the requests whose body holds the text (a test's own marker).
    if (url.pathname === "/__reset") {
      requests.length = 0;
      send(res, 204, "");
      return;
    }
    if (url.pathname === "/__requests") {
      const contains = url.searchParams.get("contains");
      const picked = contains === null ? requests : requests.filter((r) => r.body.includes(contains));
      send(res, 200, JSON.stringify(picked.slice(-Number(url.searchParams.get("last") ?? "20"))));
      return;
    }
    const entry: FakeLlmRequest = { method: req.method ?? "GET", path: url.pathname + url.search, headers: req.headers, body: text };
    requests.push(entry);
    // A client that hangs up before the answer is complete (a cancelled upstream request) is recorded.
    res.on("close", () => {
      if (!res.writableEnded) entry.closedEarly = true;
    });
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    const kind: Kind = route === "POST /v1/messages" ? "anthropic" : "openai";
    try {
      if (route === "GET /v1/models") {
        if (!authorize(req, "openai") && !authorize(req, "anthropic"))
          return send(res, 401, errorJson("openai", 401, "invalid_api_key", "Incorrect API key provided"));
        const data = ["fake-model", ...FAKE_FAULTS.map((f) => `fake-${f}`)].map((id) => ({
          id,
          object: "model",
          created: 1_700_000_000,
          owned_by: "palisade-fake",
          type: "model",
          display_name: id,
          created_at: "2024-01-01T00:00:00Z",
        }));
        return send(res, 200, JSON.stringify({ object: "list", data, has_more: false, first_id: data[0]?.id, last_id: data.at(-1)?.id }));
      }
      if (route !== "POST /v1/chat/completions" && route !== "POST /v1/responses" && route !== "POST /v1/messages") {
        return send(res, 404, errorJson(kind, 404, kind === "anthropic" ? "not_found_error" : "not_found", `no route ${route}`));
      }
      if (!authorize(req, kind)) {
        return send(
          res,
          401,
          errorJson(kind, 401, kind === "anthropic" ? "authentication_error" : "invalid_api_key", "invalid x-api-key or Authorization"),
        );
      }
      if (kind === "anthropic" && typeof req.headers["anthropic-version"] !== "string") {
        return send(res, 400, errorJson(kind, 400, "invalid_request_error", "anthropic-version: header is required"));
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return send(res, 400, errorJson(kind, 400, "invalid_request_error", "body is not valid JSON"));
      }
      const model = z.object({ model: z.string() }).safeParse(raw);
      const fault = faultOf(req, model.success ? model.data.model : undefined, text);
      if (fault === "hang") return; // never answers; close() destroys the socket
      if (fault === "slow") await sleep(slowMs);
      const failOnce = FAIL_ONCE.exec(text)?.[1];
      const firstFailure = failOnce !== undefined && !failedOnce.has(failOnce);
      if (failOnce !== undefined) failedOnce.add(failOnce);
      if (fault === "error500" || firstFailure)
        return send(res, 500, errorJson(kind, 500, kind === "anthropic" ? "api_error" : "server_error", "the fake provider failed on purpose"));
      const streaming = z.object({ stream: z.literal(true) }).safeParse(raw).success;
      if (fault === "garbage" && !streaming) return send(res, 200, "<html>502 Bad Gateway</html>{not json", "application/json");
      if (route === "POST /v1/chat/completions") await chat(res, raw, fault, text);
      else if (route === "POST /v1/responses") await responses(res, raw, fault, text);
      else await messages(res, raw, fault, text);
      if (fault === "cut" && !streaming) res.socket?.destroy();
    } catch (err) {
      if (err instanceof z.ZodError)
        return send(
          res,
          400,
          errorJson(kind, 400, "invalid_request_error", `invalid request: ${err.issues.map((i) => i.path.join(".")).join(", ")}`),
        );
      if (!res.headersSent) send(res, 500, errorJson(kind, 500, "api_error", "fake provider bug"));
      else res.destroy();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
