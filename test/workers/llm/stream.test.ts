// The SSE rewriting runs inside workerd: framing, restoration of placeholders split across
// events, per-choice and per-block restorers, usage capture, and cut, idle and cancelled streams.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type StreamEndpoint, type StreamResult, SseRewriter, decodedExactly, formatSseEvent, restoreSseStream } from "../../../workers/llm/index.js";
import type { RestorerFactory } from "../../../workers/llm/types.js";
import { createRestorer } from "../../../workers/pii/index.js";
import { placeholderRestorer } from "../../support/llm-restorer.js";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { AppError } from "../../../workers/errors.js";

const restorers = placeholderRestorer({ "<EMAIL_1>": "bob@example.org", "<CARD_1>": "4242424242424242" });
const enc = new TextEncoder();

/** An upstream body that sends `text` in pieces of `size` bytes, then ends (or errors, or stalls). */
function upstream(text: string, size: number, end: "close" | "error" | "stall" = "close"): ReadableStream<Uint8Array> {
  const bytes = enc.encode(text);
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at < bytes.length) {
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
        return;
      }
      if (end === "close") controller.close();
      else if (end === "error") controller.error(new TypeError("network connection lost"));
      else return new Promise<void>(() => {});
    },
  });
}

async function run(
  endpoint: StreamEndpoint,
  text: string,
  size: number,
  end: "close" | "error" | "stall" = "close",
): Promise<{ out: string; result: StreamResult }> {
  const { body, result } = restoreSseStream(upstream(text, size, end), { endpoint, restorers, idleTimeoutMs: 50 });
  const out = await new Response(body).text();
  return { out, result: await result };
}

/** Splits agent-bound SSE text into events, checking each is `[event: x\n]data: …\n\n`. */
function events(out: string): Array<{ event: string | undefined; data: string }> {
  expect(out.endsWith("\n\n")).toBe(true);
  return out
    .slice(0, -2)
    .split("\n\n")
    .map((block) => {
      const m = /^(?:event: ([^\n]+)\n)?data: ([^\n]*)$/.exec(block);
      expect(m, `badly framed event: ${JSON.stringify(block)}`).not.toBeNull();
      return { event: m?.[1], data: m?.[2] ?? "" };
    });
}

const chatChunk = (content: string | null, finish: string | null = null, index = 0) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index, delta: content === null ? {} : { content }, finish_reason: finish }] })}\n\n`;
const chatUsage = `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 3 } } })}\n\n`;

function chatText(out: string, index = 0): string {
  let text = "";
  for (const e of events(out)) {
    if (e.data === "[DONE]") continue;
    const chunk: unknown = JSON.parse(e.data);
    const choices = typeof chunk === "object" && chunk !== null && "choices" in chunk && Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const c of choices) if (c.index === index && typeof c.delta?.content === "string") text += c.delta.content;
  }
  return text;
}

describe("OpenAI chat streams", () => {
  const source =
    ["Mail <EM", "AIL", "_1> now", " and <CA", "RD_1>", " a < b"].map((c) => chatChunk(c, null)).join("") +
    chatChunk(null, "stop") +
    chatUsage +
    "data: [DONE]\n\n";

  it("restores placeholders split across events, whatever the byte split", async () => {
    for (const size of [1, 7, 64, 4096]) {
      const { out, result } = await run("chat", source, size);
      expect(chatText(out)).toBe("Mail bob@example.org now and 4242424242424242 a < b");
      expect(out).not.toContain("EMAIL");
      expect(result).toEqual({
        usage: { inputTokens: 11, outputTokens: 7, cachedTokens: 3 },
        completed: true,
        outcome: "completed",
        producedBytes: 37,
        meta: { id: "c1", model: "m", finishReasons: ["stop"] },
      });
    }
  });

  it("flushes held-back text into the finishing chunk, before [DONE]", async () => {
    const { out } = await run("chat", source, 4096);
    const evs = events(out);
    expect(evs.at(-1)?.data).toBe("[DONE]");
    const finishing = evs.find((e) => e.data.includes('"finish_reason":"stop"'));
    expect(finishing?.data).toContain('"content":"< b"');
  });

  it("keeps one restorer per choice", async () => {
    const two =
      chatChunk("x <EMA", null, 0) +
      chatChunk("y <CAR", null, 1) +
      chatChunk("IL_1>", null, 0) +
      chatChunk("D_1>", null, 1) +
      chatChunk(null, "stop", 0) +
      chatChunk(null, "stop", 1) +
      "data: [DONE]\n\n";
    const { out } = await run("chat", two, 5);
    expect(chatText(out, 0)).toBe("x bob@example.org");
    expect(chatText(out, 1)).toBe("y 4242424242424242");
  });

  it("ends a cut stream cleanly with held text and an error event", async () => {
    const { out, result } = await run("chat", chatChunk("one <EMAIL_1> two <EM"), 9, "error");
    const evs = events(out);
    expect(chatText(out.slice(0, out.lastIndexOf('data: {"error"')))).toBe("one bob@example.org two <EM");
    expect(JSON.parse(evs.at(-1)?.data ?? "")).toMatchObject({ error: { code: "upstream_error" } });
    expect(result).toMatchObject({ completed: false, outcome: "cut", usage: null });
  });

  it("sends held text of a cut stream in a chunk with the last chunk's id, object, created and model", async () => {
    const { out } = await run("chat", chatChunk("first") + chatChunk("then <EM").replace('"id":"c1"', '"id":"c2"'), 4096, "error");
    const synthesized = events(out).at(-2)?.data ?? "";
    expect(JSON.parse(synthesized)).toEqual({
      id: "c2",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      choices: [{ index: 0, delta: { content: "<EM" }, finish_reason: null }],
    });
  });

  it("ends on [DONE] with spaces around it, and on no other data that holds the word", async () => {
    expect((await run("chat", `${chatChunk("a")}data:  [DONE] \n\n`, 4096)).result.outcome).toBe("completed");
    const quoted = await run("chat", `${chatChunk("[DONE]")}data: "[DONE]"\n\n`, 4096);
    expect(quoted.result.outcome).toBe("invalid");
  });

  it("treats an upstream that ends without [DONE] as cut", async () => {
    const { result } = await run("chat", chatChunk("partial"), 100);
    expect(result.outcome).toBe("cut");
  });

  it("stops a stalled upstream with an upstream_timeout event", async () => {
    const { out, result } = await run("chat", chatChunk("hello"), 100, "stall");
    expect(out).toContain('"code":"upstream_timeout"');
    expect(result.outcome).toBe("timeout");
  });

  it("refuses data that is not JSON", async () => {
    const { out, result } = await run("chat", `${chatChunk("fine")}data: {broken\n\n${chatChunk("never shown")}`, 1000);
    expect(out).not.toContain("never shown");
    expect(result.outcome).toBe("invalid");
  });

  it("settles as cancelled when the agent goes away, and cancels the upstream", async () => {
    let upstreamCancelled = false;
    const src = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(enc.encode(chatChunk("more "))),
      cancel: () => void (upstreamCancelled = true),
    });
    const { body, result } = restoreSseStream(src, { endpoint: "chat", restorers });
    const reader = body.getReader();
    await reader.read();
    await reader.cancel();
    expect((await result).outcome).toBe("cancelled");
    expect(upstreamCancelled).toBe(true);
  });
});

describe("Anthropic message streams", () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const delta = (text: string, index = 0) => ev("content_block_delta", { index, delta: { type: "text_delta", text } });
  const source =
    ev("message_start", { message: { id: "m", usage: { input_tokens: 20, output_tokens: 1, cache_read_input_tokens: 5 } } }) +
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) +
    ev("ping", {}) +
    delta("to <EMA") +
    delta("IL_1> and <unfinished") +
    ev("content_block_stop", { index: 0 }) +
    ev("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }) +
    ev("message_stop", {});

  it("keeps event lines, restores text and flushes held text before content_block_stop", async () => {
    const whole = await run("messages", source, 1 << 20);
    expect(whole.out).toBe((await run("messages", source, 11)).out);
    const { out, result } = whole;
    const evs = events(out);
    expect(evs.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    const texts = evs.filter((e) => e.event === "content_block_delta").map((e) => JSON.parse(e.data).delta.text);
    expect(texts).toEqual(["to ", "bob@example.org and ", "<unfinished"]);
    expect(result).toEqual({
      usage: { inputTokens: 25, outputTokens: 9, cachedTokens: 5 },
      completed: true,
      outcome: "completed",
      producedBytes: 28,
      meta: { id: "m", model: null, finishReasons: ["end_turn"] },
    });
  });

  it("ends a cut stream with an Anthropic error event and partial usage", async () => {
    const { out, result } = await run("messages", source.slice(0, source.indexOf("event: content_block_stop")), 50, "error");
    const last = events(out).at(-1);
    expect(last?.event).toBe("error");
    expect(JSON.parse(last?.data ?? "")).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(out).toContain('"text":"<unfinished"');
    expect(result).toMatchObject({ completed: false, outcome: "cut", usage: { inputTokens: 25, outputTokens: 1 } });
  });
});

describe("OpenAI responses streams", () => {
  const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const at = { item_id: "i1", output_index: 0, content_index: 0 };
  const full = "hi <EMAIL_1>";
  const done = {
    id: "r",
    output: [{ id: "i1", type: "message", content: [{ type: "output_text", text: full }] }],
    usage: { input_tokens: 4, output_tokens: 3, input_tokens_details: { cached_tokens: 1 } },
  };
  const source =
    ev("response.created", { sequence_number: 0, response: { id: "r", output: [], usage: null } }) +
    ev("response.output_text.delta", { ...at, sequence_number: 1, delta: "hi <EM" }) +
    ev("response.output_text.delta", { ...at, sequence_number: 2, delta: "AIL_1>" }) +
    ev("response.output_text.done", { ...at, sequence_number: 3, text: full }) +
    ev("response.completed", { sequence_number: 4, response: done });

  it("restores deltas, the done text and the completed response, with usage", async () => {
    const { out, result } = await run("responses", source, 13);
    const evs = events(out);
    expect(evs.every((e) => e.event !== undefined)).toBe(true);
    const deltas = evs
      .filter((e) => e.event === "response.output_text.delta")
      .map((e) => JSON.parse(e.data).delta)
      .join("");
    expect(deltas).toBe("hi bob@example.org");
    expect(out).not.toContain("EMAIL_1");
    expect(result).toEqual({
      usage: { inputTokens: 4, outputTokens: 3, cachedTokens: 1 },
      completed: true,
      outcome: "completed",
      producedBytes: 12,
      meta: { id: "r", model: null, finishReasons: [] },
    });
  });
});

describe("chunks passed through as the provider sent them", () => {
  /** Each chunk the agent reads, from an upstream that sends exactly `chunks`. */
  async function agentChunks(chunks: Uint8Array[]): Promise<Uint8Array[]> {
    const queue = [...chunks];
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = queue.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const { body } = restoreSseStream(source, { endpoint: "chat", restorers, idleTimeoutMs: 1_000 });
    const read: Uint8Array[] = [];
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return read;
      read.push(value);
    }
  }
  const decode = (chunks: Uint8Array[]) => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));

  it("sends a chunk of whole events with nothing to restore as the same bytes, not encoded again", async () => {
    const first = enc.encode(chatChunk("Grüße, 漢字 😀"));
    const read = await agentChunks([first, enc.encode(`${chatChunk("a < b", "stop")}data: [DONE]\n\n`)]);
    expect(read[0]).toBe(first);
    expect(decode(read)).toBe(`${chatChunk("Grüße, 漢字 😀") + chatChunk("a < b", "stop")}data: [DONE]\n\n`);
  });

  it("encodes what it changed, and chunks whose characters or events are split", async () => {
    const whole = enc.encode(`${chatChunk("to <EMAIL_1> from 漢字😀") + chatChunk("x", "stop")}data: [DONE]\n\n`);
    const expected = `${chatChunk("to bob@example.org from 漢字😀") + chatChunk("x", "stop")}data: [DONE]\n\n`;
    // Every split, including inside the multi-byte characters and inside the events.
    for (let at = 1; at < whole.length; at++) {
      const chunks = [whole.slice(0, at), whole.slice(at)];
      const read = await agentChunks(chunks);
      expect(decode(read), `split at ${at}`).toBe(expected);
      // Only a chunk of whole events with nothing restored goes out as it came: here, the rest after an event's end.
      const passed = read.filter((chunk) => chunks.some((c) => c === chunk));
      const atEventEnd = whole[at - 1] === 0x0a && whole[at - 2] === 0x0a;
      expect(passed, `split at ${at}`).toEqual(atEventEnd ? [chunks[1]] : []);
    }
  });

  it("tells a chunk decoded exactly from one with carried, held or replaced bytes", () => {
    const text = "data: 漢😀\n\n";
    const bytes = enc.encode(text);
    expect(decodedExactly(text, bytes)).toBe(true);
    // Bytes of a character begun in the previous chunk, and a character held for the next.
    expect(decodedExactly("😀data", new Uint8Array([0x98, 0x80, ...enc.encode("data")]))).toBe(false);
    expect(decodedExactly("data", enc.encode("data漢").slice(0, 6))).toBe(false);
    // Invalid bytes become U+FFFD: three bytes in, three bytes of U+FFFD out, yet not the same bytes.
    expect(decodedExactly("\uFFFDx", new Uint8Array([0xf0, 0x90, 0x80, 0x78]))).toBe(false);
    // A byte-order mark the decoder drops.
    expect(decodedExactly("x", new Uint8Array([0xef, 0xbb, 0xbf, 0x78]))).toBe(false);
    expect(decodedExactly("", new Uint8Array())).toBe(false);
  });
});

describe("formatSseEvent", () => {
  it("frames one-line data alone, and names, ids and multi-line data line by line", () => {
    expect(formatSseEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent("")).toBe("data: \n\n");
    expect(formatSseEvent('{"a":1}', "ping")).toBe('event: ping\ndata: {"a":1}\n\n');
    expect(formatSseEvent("x", undefined, "7")).toBe("id: 7\ndata: x\n\n");
    expect(formatSseEvent("x", undefined, "")).toBe("id: \ndata: x\n\n");
    expect(formatSseEvent("one\ntwo")).toBe("data: one\ndata: two\n\n");
  });
});

describe("SseRewriter", () => {
  it("re-frames multi-line data and passes comments as keep-alives", () => {
    const rw = new SseRewriter("messages", restorers);
    const out = rw.feed(': keep-alive\n\nevent: ping\ndata: {"type":\n');
    expect(out).toBe(":keep-alive\n\n");
    expect(rw.feed('data: "ping"}\n\n')).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});

describe("tool-call arguments in streams", () => {
  const original = 'Eve "the auditor" <eve@example.net>';
  const real: RestorerFactory = (o) => createRestorer({ "<PERSON_1>": original }, { jsonEscape: o?.json === true });
  const expected = { to: original, cc: "x" };
  const args = JSON.stringify({ to: "<PERSON_1>", cc: "x" });
  // Split inside the placeholder, so the restorer must hold a prefix across events.
  const cut = args.indexOf("<PERSON_1>") + 4;
  const pieces = [args.slice(0, cut), args.slice(cut)];

  async function stream(endpoint: StreamEndpoint, text: string) {
    const { body, result } = restoreSseStream(upstream(text, 7), { endpoint, restorers: real, idleTimeoutMs: 1_000 });
    const out = await new Response(body).text();
    return {
      out,
      result: await result,
      parsed: events(out)
        .filter((e) => e.data !== "[DONE]")
        .map((e) => JSON.parse(e.data) as any),
    };
  }

  it("chat: tool_calls arguments split across chunks come back restored and JSON-escaped", async () => {
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text =
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } }],
      }) +
      pieces.map((p) => chunk({ tool_calls: [{ index: 0, function: { arguments: p } }] })).join("") +
      chunk({}, "tool_calls") +
      "data: [DONE]\n\n";
    const { parsed, result } = await stream("chat", text);
    const joined = parsed
      .flatMap((c) => c.choices)
      .flatMap((ch: any) => ch.delta?.tool_calls ?? [])
      .map((t: any) => t.function?.arguments ?? "")
      .join("");
    expect(JSON.parse(joined)).toEqual(expected);
    expect(result.outcome).toBe("completed");
  });

  it("messages: input_json_delta split across events is restored", async () => {
    const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const text =
      ev("message_start", { message: { id: "m", usage: { input_tokens: 3, output_tokens: 0 } } }) +
      ev("content_block_start", { index: 0, content_block: { type: "tool_use", id: "t", name: "send", input: {} } }) +
      pieces.map((p) => ev("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: p } })).join("") +
      ev("content_block_stop", { index: 0 }) +
      ev("message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } }) +
      ev("message_stop", {});
    const { parsed } = await stream("messages", text);
    const joined = parsed
      .filter((e) => e.type === "content_block_delta")
      .map((e) => e.delta.partial_json)
      .join("");
    expect(JSON.parse(joined)).toEqual(expected);
  });

  it("responses: function_call_arguments deltas and the done event are restored", async () => {
    const ev = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const text =
      pieces.map((p) => ev("response.function_call_arguments.delta", { item_id: "fc_1", output_index: 0, delta: p })).join("") +
      ev("response.function_call_arguments.done", { item_id: "fc_1", output_index: 0, arguments: args }) +
      ev("response.completed", {
        response: { id: "r", output: [{ type: "function_call", id: "fc_1", arguments: args }], usage: { input_tokens: 1, output_tokens: 1 } },
      });
    const { parsed } = await stream("responses", text);
    const joined = parsed
      .filter((e) => e.type === "response.function_call_arguments.delta")
      .map((e) => e.delta)
      .join("");
    expect(JSON.parse(joined)).toEqual(expected);
    expect(JSON.parse(parsed.find((e) => e.type === "response.function_call_arguments.done").arguments)).toEqual(expected);
    expect(JSON.parse(parsed.find((e) => e.type === "response.completed").response.output[0].arguments)).toEqual(expected);
  });
});

// A provider's body from the network is workerd's own stream, whose pending read rejects when
// the stream is cancelled (a JavaScript ReadableStream resolves it as done instead).
describe("a provider stream from the network", () => {
  async function trickle(): Promise<ReadableStream<Uint8Array>> {
    const res = await fetch(`${env.TEST_FAKE_LLM_URL}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${FAKE_LLM_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "fake-trickle", stream: true, messages: [{ role: "user", content: "a slow answer ".repeat(40) }] }),
    });
    expect(res.status).toBe(200);
    if (!res.body) throw new Error("no body");
    return res.body;
  }

  it("ends with the withdrawal's own error event when the call is withdrawn during a pending read", async () => {
    const withdrawn = new AbortController();
    const { body, result } = restoreSseStream(await trickle(), { endpoint: "chat", restorers, withdrawn: withdrawn.signal });
    const reader = body.getReader();
    await reader.read();
    // The next upstream event is 100 ms away: this read is pending on the provider when the call is withdrawn.
    const pending = reader.read();
    await new Promise((r) => setTimeout(r, 20));
    withdrawn.abort(new AppError("agent_suspended", "the agent was suspended; its calls in flight were ended"));
    let out = "";
    const dec = new TextDecoder();
    for (let next = await pending; !next.done; next = await reader.read()) out += dec.decode(next.value, { stream: true });
    expect(out).toContain('"code":"agent_suspended"');
    expect(out).not.toContain("upstream_error");
    expect((await result).outcome).toBe("withdrawn");
  });

  it("ends with upstream_timeout when the provider goes quiet during a pending read", async () => {
    const { body, result } = restoreSseStream(await trickle(), { endpoint: "chat", restorers, idleTimeoutMs: 30 });
    const out = await new Response(body).text();
    expect(out).toContain('"code":"upstream_timeout"');
    expect((await result).outcome).toBe("timeout");
  });
});
