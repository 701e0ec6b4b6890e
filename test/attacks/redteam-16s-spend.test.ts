// Red team (issues 16 and 18, spend): a lowered limit and the isolate's lease; subagent streams cut
// when the parent's limit is lowered; idempotency keys across a failure.
import { describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, mintSubagent } from "../workers/support/fixtures.js";
import { LLM_PATHS, agentLimit, limitLive, llmCall, llmOrg, marker, newAgent, providerCalls } from "./support.js";
import { BASE } from "../workers/support/api.js";
import { exports } from "cloudflare:workers";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chatBody = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "fake-model",
  max_tokens: 16,
  messages: [{ role: "user", content: text }],
  ...extra,
});

describe("redteam 16s: a lowered limit and calls already drawing on a lease", () => {
  it("once an admin lowers the agent's limit to what it has spent, new calls are refused at once (no provider call)", async () => {
    const org = await llmOrg("rt16s-lower");
    const agent = await newAgent(org);
    const limitId = await agentLimit(org, agent.id, 50_000_000);
    const warm = await llmCall(agent.token, LLM_PATHS.chat, chatBody(marker("warm")));
    expect(warm.status, warm.text).toBe(200);
    // The admin cuts the budget to (about) nothing: 1 µ$.
    const lowered = await call(`/api/v1/orgs/${org.orgId}/limits/${limitId}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
    expect(lowered.status, lowered.text).toBe(200);
    const text = marker("after-lowering");
    // What the warm call was charged before the limit was lowered is spent already; nothing may be added.
    const before = await limitLive(org, limitId);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => llmCall(agent.token, LLM_PATHS.chat, chatBody(`${text} ${i}`))));
    const live = await limitLive(org, limitId);
    expect({
      statuses: answers.map((a) => a.status),
      providerCalls: await providerCalls(text),
      spentAfterLowering: live.spentMicros - before.spentMicros,
    }).toEqual({ statuses: Array(10).fill(429), providerCalls: 0, spentAfterLowering: 0 });
  });

  it("a stream started right after the limit was lowered is neither refused nor cut (the spend_limit withdrawal is not remembered)", async () => {
    const org = await llmOrg("rt16s-lower-stream");
    const agent = await newAgent(org);
    const limitId = await agentLimit(org, agent.id, 50_000_000);
    const warm = await llmCall(agent.token, LLM_PATHS.chat, chatBody(marker("warm"), { model: "rt-model", max_tokens: 2000 }));
    expect(warm.status, warm.text).toBe(200);
    const lowered = await call(`/api/v1/orgs/${org.orgId}/limits/${limitId}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
    expect(lowered.status, lowered.text).toBe(200);
    const started = Date.now();
    // The same model (so the same lease); ~90 characters echoed 3 at a time, 100 ms apart: about 3 s.
    const answer = await llmCall(
      agent.token,
      LLM_PATHS.chat,
      chatBody(`fake-fault:trickle ${"y".repeat(72)}`, { model: "rt-model", stream: true, max_tokens: 64 }),
    );
    const ranMs = Date.now() - started;
    expect({
      status: answer.status,
      ranToTheEnd: answer.text.includes("[DONE]") && !answer.text.includes("spend_limit"),
      ranMoreThan1500ms: ranMs > 1500,
    }).toEqual({ status: 429, ranToTheEnd: false, ranMoreThan1500ms: false });
  });

  it("lowering the parent's limit below what is held ends its subagent's stream in flight", async () => {
    const org = await llmOrg("rt16s-sub-cut");
    const parent = await newAgent(org, { autonomy: 5 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const sub = await mintSubagent(parent.token);
    const limitId = await agentLimit(org, parent.id, 50_000_000);
    const res = await exports.default.fetch(
      new Request(BASE + LLM_PATHS.chat, {
        method: "POST",
        headers: { authorization: `Bearer ${sub.token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-trickle", stream: true, max_tokens: 4000, messages: [{ role: "user", content: "x".repeat(600) }] }),
      }),
    );
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await sleep(400);
    const lowered = await call(`/api/v1/orgs/${org.orgId}/limits/${limitId}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
    expect(lowered.status, lowered.text).toBe(200);
    const at = Date.now();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      text += new TextDecoder().decode(value);
      if (Date.now() - at > 5000) break;
    }
    const tookMs = Date.now() - at;
    expect({ endedWithin1500ms: tookMs < 1500, finishedNormally: text.includes("[DONE]") && !text.includes("spend_limit") }).toEqual({
      endedWithin1500ms: true,
      finishedNormally: false,
    });
    void limitLive;
  });
});

describe("redteam 16s: one Idempotency-Key, one provider call", () => {
  it("a key whose first call reached the provider and failed (500) does not buy a second provider call", async () => {
    const org = await llmOrg("rt16s-idem-fail");
    const agent = await newAgent(org);
    const text = marker("idem-500");
    const body = chatBody(`${text} fake-fail-once:${text.slice(-12)}`);
    const first = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": `k-${text}` });
    const second = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": `k-${text}` });
    // SPEC: "an Idempotency-Key buys at most one provider call".
    expect({ first: first.status, second: second.status, providerCalls: await providerCalls(text) }).toMatchObject({ providerCalls: 1 });
  });

  it("a key is not shared between a parent and its subagent, nor usable to probe the other's calls", async () => {
    const org = await llmOrg("rt16s-idem-sub");
    const parent = await newAgent(org, { autonomy: 5 });
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const sub = await mintSubagent(parent.token);
    const text = marker("idem-sub");
    const key = `k-${text}`;
    const a = await llmCall(parent.token, LLM_PATHS.chat, chatBody(text), { "idempotency-key": key });
    const b = await llmCall(sub.token, LLM_PATHS.chat, chatBody(`${text} other`), { "idempotency-key": key });
    expect([a.status, b.status]).toEqual([200, 200]);
  });
});
