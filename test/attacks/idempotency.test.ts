// Attack class: one Idempotency-Key buying many provider calls. A key whose call is open answers
// 409 in_progress, a key reused with another request 422, a completed key 409; only a key whose
// call failed before the provider billed it may be tried again. Keys are per agent.
import Anthropic from "@anthropic-ai/sdk";
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call } from "../workers/support/api.js";
import { LLM_PATHS, errorCode, limitLive, llmCall, llmOrg, marker, newAgent, providerCalls, providerLog } from "./support.js";

let org: SeededOrg;
let agent: { id: string; token: string };
let orgLimit: string;

beforeAll(async () => {
  org = await llmOrg("atk-idem");
  agent = await newAgent(org);
  const res = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "org", period: "total", limitMicros: 1_000_000_000 },
  });
  orgLimit = res.json.id;
});

/** Request bodies per endpoint; `fake-slow` keeps the first call open for 1.5 s. */
const bodies = {
  chat: (text: string, extra: Record<string, unknown> = {}) => ({
    model: "fake-slow",
    max_tokens: 32,
    messages: [{ role: "user", content: text }],
    ...extra,
  }),
  responses: (text: string, extra: Record<string, unknown> = {}) => ({ model: "fake-slow", max_output_tokens: 32, input: text, ...extra }),
  messages: (text: string, extra: Record<string, unknown> = {}) => ({
    model: "fake-slow",
    max_tokens: 32,
    messages: [{ role: "user", content: text }],
    ...extra,
  }),
};
type Endpoint = keyof typeof bodies;

describe("attack: concurrent calls sharing one Idempotency-Key", () => {
  it.each([
    ["chat", false],
    ["chat", true],
    ["responses", false],
    ["responses", true],
    ["messages", false],
    ["messages", true],
  ] as Array<[Endpoint, boolean]>)("ten concurrent %s calls (stream %s) with one key reach the provider once", async (endpoint, stream) => {
    const text = marker(`idem-burst-${endpoint}`);
    const key = `key-${text}`;
    const body = bodies[endpoint](text, stream ? { stream: true } : {});
    const answers = await Promise.all(Array.from({ length: 10 }, () => llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key })));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    // Once failed in a full run with 0 calls seen (not reproduced): the message says what the provider got.
    expect(await providerCalls(text), await providerLog()).toBe(1);
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(errorCode(refused)).toBe("in_progress");
      expect(refused.headers.get("retry-after")).toBe("1");
      // In the provider's own error format, so the SDKs surface it as an API error.
      if (endpoint === "messages") expect(refused.json.type).toBe("error");
      else expect(typeof refused.json.error.message).toBe("string");
    }
    // Done: a replay is told the key was used (in_progress until the charge, batched within
    // milliseconds, reaches the org's object), and still nothing reaches the provider.
    const replay = await llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key });
    expect(replay.status).toBe(409);
    expect(["in_progress", "conflict"]).toContain(errorCode(replay));
    // The charge reaches the org's object in a batch; on a loaded machine that can take longer
    // than a moment, and every answer until then is in_progress (still never a provider call).
    let later = await llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key });
    for (let i = 0; i < 50 && errorCode(later) === "in_progress"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      later = await llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key });
    }
    expect([later.status, errorCode(later)]).toEqual([409, "conflict"]);
    expect(later.headers.get("x-should-retry")).toBe("false");
    expect(await providerCalls(text)).toBe(1);
  });

  it("a burst mixing keyed duplicates with changed bodies still buys one provider call", async () => {
    const text = marker("idem-mixed");
    const key = `key-${text}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        llmCall(agent.token, LLM_PATHS.chat, bodies.chat(text, i % 2 ? { temperature: i / 10 } : {}), { "idempotency-key": key }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect([409, 422]).toContain(a.status);
    expect(await providerCalls(text)).toBe(1);
  });
});

describe("attack: the official SDKs, which retry 409s, sharing one Idempotency-Key", () => {
  const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

  it("ten concurrent OpenAI SDK calls with one key and retries on: one answer, nine 409s, one provider call", async () => {
    const text = marker("idem-sdk-openai");
    const client = new OpenAI({ apiKey: agent.token, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        client.chat.completions.create(
          { model: "fake-slow", max_tokens: 16, messages: [{ role: "user", content: text }] },
          { headers: { "Idempotency-Key": `key-${text}` } },
        ),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 409 });
    expect(await providerCalls(text)).toBe(1);
  });

  it("ten concurrent Anthropic SDK streams with one key: one stream, nine 409s, one provider call", async () => {
    const text = marker("idem-sdk-anthropic");
    const client = new Anthropic({ apiKey: agent.token, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 2 });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, async () => {
        const stream = client.messages.stream(
          { model: "fake-slow", max_tokens: 16, messages: [{ role: "user", content: text }] },
          { headers: { "Idempotency-Key": `key-${text}` } },
        );
        return stream.finalMessage();
      }),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ status: 409 });
    expect(await providerCalls(text)).toBe(1);
  });
});

describe("attack: one Idempotency-Key reused for a different request", () => {
  const base = (text: string) => ({ model: "fake-model", max_tokens: 32, messages: [{ role: "user", content: text }] });
  const variants: Array<[string, (text: string) => Record<string, unknown>]> = [
    ["another prompt", (text) => base(`${text} and then some more`)],
    ["another model", (text) => ({ ...base(text), model: "fake-max-usage" })],
    ["a larger output budget", (text) => ({ ...base(text), max_tokens: 4_096 })],
    ["more choices", (text) => ({ ...base(text), n: 4 })],
    ["streaming added", (text) => ({ ...base(text), stream: true })],
  ];
  it.each(variants)("a completed key reused with %s is refused 422 and the provider is not called", async (_name, changed) => {
    const text = marker("idem-reuse");
    const key = `key-${text}`;
    const first = await llmCall(agent.token, LLM_PATHS.chat, base(text), { "idempotency-key": key });
    expect(first.status, first.text).toBe(200);
    const reused = await llmCall(agent.token, LLM_PATHS.chat, changed(text), { "idempotency-key": key });
    expect(reused.status, reused.text).toBe(422);
    expect(errorCode(reused)).toBe("idempotency_key_reused");
    expect(await providerCalls(text)).toBe(1);
  });

  it("an open key reused with another body is refused 422 while the first call runs", async () => {
    const text = marker("idem-open-reuse");
    const key = `key-${text}`;
    const first = llmCall(agent.token, LLM_PATHS.messages, bodies.messages(text), { "idempotency-key": key });
    await new Promise((r) => setTimeout(r, 300));
    const reused = await llmCall(agent.token, LLM_PATHS.messages, bodies.messages(`${text} changed`), { "idempotency-key": key });
    expect(reused.status, reused.text).toBe(422);
    expect(reused.json.type).toBe("error");
    expect((await first).status).toBe(200);
    expect(await providerCalls(text)).toBe(1);
  });

  it("the same request with its JSON keys in another order is the same request (409, not a second call)", async () => {
    const text = marker("idem-order");
    const key = `key-${text}`;
    const body = { ...bodies.chat(text), model: "fake-model" };
    const first = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": key });
    expect(first.status).toBe(200);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await llmCall(agent.token, LLM_PATHS.chat, JSON.stringify(reordered, null, 2), { "idempotency-key": key });
    expect(again.status).toBe(409);
    expect(["in_progress", "conflict"]).toContain(errorCode(again));
    expect(await providerCalls(text)).toBe(1);
  });
});

describe("attack: retries of a key after a failure", () => {
  it("a key whose call reached the provider and failed (500) is spent: retries answer 409, never a second provider call", async () => {
    const text = marker("idem-retry");
    const key = `key-${text}`;
    // The fake fails the first request carrying this marker with a 500, then would answer.
    const body = { model: "fake-model", max_tokens: 16, messages: [{ role: "user", content: `${text} fake-fail-once:${text.slice(-36)}` }] };
    const failed = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": key });
    expect(failed.status).toBe(502);
    const again = await Promise.all([1, 2, 3].map(() => llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": key })));
    expect(again.map((a) => a.status)).toEqual([409, 409, 409]);
    expect(again[0]?.json?.error?.code).toBe("conflict");
    expect(again[0]?.json?.error?.message).toContain("reached the provider");
    expect(await providerCalls(text)).toBe(1);
    // Nothing stays held (or charged) for the key once it is done.
    expect((await limitLive(org, orgLimit)).reservedMicros).toBe(0);
  });

  for (const endpoint of ["responses", "messages"] as const)
    for (const stream of [false, true])
      it(`a key whose ${endpoint}${stream ? " stream" : ""} call reached the provider and failed buys no second provider call`, async () => {
        const text = marker(`idem-spent-${endpoint}`);
        const key = `key-${text}`;
        const content = `${text} fake-fail-once:${text.slice(-36)}`;
        const body = { ...bodies[endpoint](content, stream ? { stream: true } : {}), model: "fake-model" };
        const failed = await llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key });
        expect(failed.status).toBe(502);
        const retried = await llmCall(agent.token, LLM_PATHS[endpoint], body, { "idempotency-key": key });
        expect({ retried: retried.status, providerCalls: await providerCalls(text) }).toEqual({ retried: 409, providerCalls: 1 });
      });

  it("keys are per agent: another agent's identical key is its own call, and cannot block or replay the first", async () => {
    const text = marker("idem-agents");
    const key = `key-${text}`;
    const other = await newAgent(org);
    const body = bodies.chat(text);
    const [mine, theirs] = await Promise.all([
      llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": key }),
      llmCall(other.token, LLM_PATHS.chat, body, { "idempotency-key": key }),
    ]);
    expect([mine.status, theirs.status]).toEqual([200, 200]);
    expect(await providerCalls(text)).toBe(2);
  });
});
