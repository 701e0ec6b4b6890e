// The fake provider speaks the real wire formats: the official openai and @anthropic-ai/sdk
// clients, streaming and not, talk to it directly; its fault modes surface as SDK errors.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlm, startFakeLlm } from "../../support/fake-llm.js";

const KEY = "sk-fake-test-key-0123456789";
let fake: FakeLlm;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm({ apiKey: KEY, chunkSize: 3 });
  openai = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: KEY, baseURL: fake.url, maxRetries: 0 });
});
afterAll(() => fake.close());

const last = () => {
  const r = fake.requests.at(-1);
  if (!r) throw new Error("no request recorded");
  return r;
};

describe("OpenAI chat completions", () => {
  it("answers non-streaming with the echoed text and usage", async () => {
    const res = await openai.chat.completions.create({
      model: "fake-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "Mail <EMAIL_1> today" },
      ],
    });
    expect(res.choices[0]?.message.content).toBe("Mail <EMAIL_1> today");
    expect(res.usage?.completion_tokens).toBe(Math.ceil("Mail <EMAIL_1> today".length / 4));
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(last().body).messages).toHaveLength(2);
  });

  it("streams the reply in 3-character deltas and ends with a usage chunk", async () => {
    const stream = await openai.chat.completions.create({
      model: "fake-model",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "hello <PHONE_12> bye" }],
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta.content;
      if (c) deltas.push(c);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.join("")).toBe("hello <PHONE_12> bye");
    expect(deltas.every((d) => d.length <= 3)).toBe(true);
    expect(deltas.some((d) => d.includes("<") && !d.includes(">"))).toBe(true);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it("returns a forced tool call, streaming and not", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: "function", function: { name: "lookup", parameters: { type: "object", properties: { input: { type: "string" } } } } },
    ];
    const res = await openai.chat.completions.create({
      model: "fake-model",
      tools,
      tool_choice: "required",
      messages: [{ role: "user", content: "find x" }],
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === "function" ? JSON.parse(call.function.arguments) : null).toEqual({ input: "find x" });
    const runner = openai.chat.completions.stream({
      model: "fake-model",
      tools,
      tool_choice: "required",
      messages: [{ role: "user", content: "find y" }],
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === "function" ? JSON.parse(streamed.function.arguments) : null).toEqual({ input: "find y" });
  });

  it("lists models", async () => {
    const page = await openai.models.list();
    expect(page.data.map((m) => m.id)).toContain("fake-model");
  });
});

describe("OpenAI responses", () => {
  it("answers non-streaming with output_text and usage", async () => {
    const res = await openai.responses.create({ model: "fake-model", input: "answer <CARD_1>" });
    expect(res.output_text).toBe("answer <CARD_1>");
    expect(res.usage?.output_tokens).toBe(Math.ceil("answer <CARD_1>".length / 4));
  });

  it("streams created, deltas and completed with usage", async () => {
    const stream = await openai.responses.create({ model: "fake-model", stream: true, input: [{ role: "user", content: "tell <EMAIL_2> now" }] });
    const types: string[] = [];
    let text = "";
    let outputTokens = -1;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") outputTokens = event.response.usage?.output_tokens ?? -1;
    }
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(text).toBe("tell <EMAIL_2> now");
    expect(outputTokens).toBe(Math.ceil(text.length / 4));
  });
});

describe("Anthropic messages", () => {
  it("answers non-streaming and checks the key and anthropic-version", async () => {
    const res = await anthropic.messages.create({
      model: "fake-model",
      max_tokens: 100,
      system: "sys",
      messages: [{ role: "user", content: "hi <PERSON_1>" }],
    });
    const block = res.content[0];
    expect(block?.type === "text" ? block.text : null).toBe("hi <PERSON_1>");
    expect(res.usage.output_tokens).toBe(Math.ceil("hi <PERSON_1>".length / 4));
    // SDK 1.x sends the key as a Bearer token; the proxy sends x-api-key (checked in its own tests).
    expect(last().headers["x-api-key"] ?? last().headers.authorization).toMatch(new RegExp(`^(Bearer )?${KEY}$`));
    expect(typeof last().headers["anthropic-version"]).toBe("string");
  });

  it("streams the full event sequence with usage", async () => {
    const stream = anthropic.messages.stream({
      model: "fake-model",
      max_tokens: 100,
      messages: [{ role: "user", content: [{ type: "text", text: "call <PHONE_3> please" }] }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (e) => types.push(e.type));
    const final = await stream.finalMessage();
    const block = final.content[0];
    expect(block?.type === "text" ? block.text : null).toBe("call <PHONE_3> please");
    expect(types.slice(0, 2)).toEqual(["message_start", "content_block_start"]);
    expect(types.filter((t) => t === "content_block_delta").length).toBe(Math.ceil("call <PHONE_3> please".length / 3));
    expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(final.usage.output_tokens).toBe(Math.ceil("call <PHONE_3> please".length / 4));
    expect(final.usage.input_tokens).toBeGreaterThan(0);
  });

  it("refuses a request without anthropic-version, and a wrong x-api-key", async () => {
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", max_tokens: 1, messages: [] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const wrong = await fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "nope", "anthropic-version": "2023-06-01" },
      body: "{}",
    });
    expect(wrong.status).toBe(401);
  });
});

describe("faults and keys", () => {
  it("rejects a wrong key in each provider's format", async () => {
    const bad = new OpenAI({ apiKey: "sk-wrong", baseURL: `${fake.url}/v1`, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    const badA = new Anthropic({ apiKey: "sk-wrong", baseURL: fake.url, maxRetries: 0 });
    await expect(badA.messages.create({ model: "fake-model", max_tokens: 5, messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(
      Anthropic.AuthenticationError,
    );
  });

  it("fails with a provider-format 500 when the model asks for it", async () => {
    await expect(openai.chat.completions.create({ model: "fake-error500", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    await expect(
      anthropic.messages.create({ model: "fake-error500", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(Anthropic.InternalServerError);
  });

  it("omits usage in the no-usage mode and selects faults by header too", async () => {
    const res = await openai.chat.completions.create({ model: "fake-no-usage", messages: [{ role: "user", content: "x" }] });
    expect(res.usage).toBeUndefined();
    const viaHeader = await fetch(`${fake.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "x-fake-fault": "error500" },
      body: JSON.stringify({ model: "fake-model", messages: [] }),
    });
    expect(viaHeader.status).toBe(500);
  });

  it("cuts a stream mid-way, which the SDK reports as an error", async () => {
    const stream = await openai.chat.completions.create({
      model: "fake-cut",
      stream: true,
      messages: [{ role: "user", content: "a fairly long reply that will be cut" }],
    });
    const consume = async () => {
      for await (const _ of stream) void _;
    };
    await expect(consume()).rejects.toThrow();
  });

  it("sends garbage that the SDK cannot parse", async () => {
    await expect(openai.chat.completions.create({ model: "fake-garbage", messages: [{ role: "user", content: "x" }] })).rejects.toThrow();
  });

  it("hangs until the client gives up", async () => {
    const quick = new OpenAI({ apiKey: KEY, baseURL: `${fake.url}/v1`, maxRetries: 0, timeout: 200 });
    await expect(quick.chat.completions.create({ model: "fake-hang", messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionTimeoutError,
    );
  });
});
