// The official SDKs through a proxy composed only of workers/llm: the provider sees
// placeholders and its own key, the agent gets its values back, usage and outcome settle.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlm, startFakeLlm } from "../../support/fake-llm.js";
import { type MiniProxy, startMiniProxy } from "./mini-proxy.js";

const PROVIDER_KEY = "sk-provider-secret-abcdef0123456789";
const AGENT_TOKEN = "pal_agent_test_token_0000";
const EMAIL = "alice.martin@example.com";
const CARD = "4111 1111 1111 1111";
let fake: FakeLlm;
let proxy: MiniProxy;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  fake = await startFakeLlm({ apiKey: PROVIDER_KEY, chunkSize: 3 });
  proxy = await startMiniProxy({
    upstreamUrl: fake.url,
    providerKey: PROVIDER_KEY,
    mask: { [EMAIL]: "<EMAIL_1>", [CARD]: "<CARD_1>" },
    timeoutMs: 300,
    idleTimeoutMs: 2000,
  });
  openai = new OpenAI({ apiKey: AGENT_TOKEN, baseURL: `${proxy.url}/llm/openai/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: AGENT_TOKEN, baseURL: `${proxy.url}/llm/anthropic`, maxRetries: 0 });
});
afterAll(async () => {
  await proxy.close();
  await fake.close();
});

const prompt = `Write to ${EMAIL} about card ${CARD}, thanks`;
const lastSeen = () => {
  const r = fake.requests.at(-1);
  if (!r) throw new Error("the fake received nothing");
  expect(r.body).not.toContain(EMAIL);
  expect(r.body).not.toContain(CARD);
  expect(JSON.stringify(r.headers)).not.toContain(AGENT_TOKEN);
  return r;
};
const lastSettlement = async () => {
  const s = proxy.settlements.at(-1);
  if (!s) throw new Error("nothing settled");
  return s;
};

describe("OpenAI SDK through the proxy", () => {
  it("streams chat with placeholders restored and usage settled", async () => {
    const stream = await openai.chat.completions.create({
      model: "fake-model",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: prompt }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe(prompt);
    const seen = lastSeen();
    expect(seen.body).toContain("<EMAIL_1>");
    expect(seen.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const s = await lastSettlement();
    expect(s.result.completed).toBe(true);
    expect(s.result.usage?.outputTokens).toBe(Math.ceil("Write to <EMAIL_1> about card <CARD_1>, thanks".length / 4));
    expect(s.estimate.promptTokens).toBeGreaterThanOrEqual(s.result.usage?.inputTokens ?? Infinity);
  });

  it("answers chat without streaming, restored", async () => {
    const res = await openai.chat.completions.create({ model: "fake-model", messages: [{ role: "user", content: prompt }] });
    expect(res.choices[0]?.message.content).toBe(prompt);
    lastSeen();
    expect((await lastSettlement()).result.usage?.inputTokens).toBeGreaterThan(0);
  });

  it("streams responses and restores deltas, done text and the completed response", async () => {
    const stream = await openai.responses.create({ model: "fake-model", stream: true, input: prompt });
    let deltas = "";
    let done = "";
    let completed = "";
    for await (const e of stream) {
      if (e.type === "response.output_text.delta") deltas += e.delta;
      if (e.type === "response.output_text.done") done = e.text;
      if (e.type === "response.completed") {
        const item = e.response.output[0];
        const part = item?.type === "message" ? item.content[0] : undefined;
        completed = part?.type === "output_text" ? part.text : "";
      }
    }
    expect([deltas, done, completed]).toEqual([prompt, prompt, prompt]);
    lastSeen();
    const s = await lastSettlement();
    expect(s.result).toMatchObject({ completed: true, outcome: "completed" });
    expect(s.result.usage?.inputTokens).toBeGreaterThan(0);
  });

  it("answers responses without streaming, restored", async () => {
    const res = await openai.responses.create({ model: "fake-model", input: [{ role: "user", content: prompt }] });
    expect(res.output_text).toBe(prompt);
  });

  it("lists models through the proxy", async () => {
    expect((await openai.models.list()).data.length).toBeGreaterThan(0);
  });

  it("ends a cut stream cleanly with an error the SDK raises, and settles as cut", async () => {
    const stream = await openai.chat.completions.create({ model: "fake-cut", stream: true, messages: [{ role: "user", content: prompt }] });
    let text = "";
    const consume = async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(prompt.startsWith(text)).toBe(true);
    expect((await lastSettlement()).result).toMatchObject({ completed: false, outcome: "cut" });
  });

  it("maps a hanging provider to 504 upstream_timeout", async () => {
    const err = await openai.chat.completions.create({ model: "fake-hang", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err instanceof OpenAI.APIError ? [err.status, err.code] : null).toEqual([504, "upstream_timeout"]);
  });

  it("maps a first byte slower than the deadline to 504", async () => {
    const res = await fetch(`${proxy.url}/llm/anthropic/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": AGENT_TOKEN, "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "fake-slow", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    });
    expect([res.status, await res.json()]).toEqual([
      504,
      { type: "error", error: { type: "timeout_error", code: "upstream_timeout", message: expect.any(String) } },
    ]);
  });

  it("maps provider failures and garbage to 502 upstream_error", async () => {
    for (const model of ["fake-error500", "fake-garbage"]) {
      const err = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
      expect(err instanceof OpenAI.APIError ? [err.status, err.code] : null).toEqual([502, "upstream_error"]);
    }
  });

  it("settles a garbage stream as invalid and ends it with an error", async () => {
    const stream = await openai.chat.completions.create({ model: "fake-garbage", stream: true, messages: [{ role: "user", content: "x" }] });
    const consume = async () => {
      for await (const _ of stream) void _;
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect((await lastSettlement()).result).toMatchObject({ completed: false, outcome: "invalid" });
  });
});

describe("Anthropic SDK through the proxy", () => {
  it("streams messages with placeholders restored and usage from start and delta", async () => {
    const stream = anthropic.messages.stream({ model: "fake-model", max_tokens: 300, messages: [{ role: "user", content: prompt }] });
    const final = await stream.finalMessage();
    const block = final.content[0];
    expect(block?.type === "text" ? block.text : null).toBe(prompt);
    const seen = lastSeen();
    expect(seen.headers["x-api-key"]).toBe(PROVIDER_KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(typeof seen.headers["anthropic-version"]).toBe("string");
    const s = await lastSettlement();
    expect(s.estimate.maxOutputTokens).toBe(300);
    expect(s.result.usage).toEqual({
      inputTokens: expect.any(Number),
      outputTokens: Math.ceil("Write to <EMAIL_1> about card <CARD_1>, thanks".length / 4),
      cachedTokens: 0,
    });
  });

  it("answers messages without streaming, restored", async () => {
    const res = await anthropic.messages.create({ model: "fake-model", max_tokens: 50, messages: [{ role: "user", content: prompt }] });
    const block = res.content[0];
    expect(block?.type === "text" ? block.text : null).toBe(prompt);
  });

  it("ends a cut stream with an Anthropic error event", async () => {
    const stream = anthropic.messages.stream({ model: "fake-cut", max_tokens: 50, messages: [{ role: "user", content: prompt }] });
    await expect(stream.finalMessage()).rejects.toThrow(/stream was cut/);
    expect((await lastSettlement()).result).toMatchObject({ completed: false, outcome: "cut" });
  });

  it("reports a provider 500 as 502 in Anthropic's error format", async () => {
    const err = await anthropic.messages
      .create({ model: "fake-error500", max_tokens: 5, messages: [{ role: "user", content: "x" }] })
      .catch((e: unknown) => e);
    expect(err instanceof Anthropic.APIError ? [err.status, err.error] : null).toEqual([
      502,
      { type: "error", error: { type: "api_error", code: "upstream_error", message: expect.any(String) } },
    ]);
  });
});

describe("provider key handling", () => {
  it("turns a rejected provider key into 502 without echoing it", async () => {
    const wrong = await startMiniProxy({ upstreamUrl: fake.url, providerKey: "sk-wrong-provider-key-999", mask: {} });
    try {
      const res = await fetch(`${wrong.url}/llm/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${AGENT_TOKEN}` },
        body: JSON.stringify({ model: "fake-model", messages: [] }),
      });
      const text = await res.text();
      expect(res.status).toBe(502);
      expect(text).not.toContain("sk-wrong-provider-key-999");
      expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_error" } });
    } finally {
      await wrong.close();
    }
  });
});
