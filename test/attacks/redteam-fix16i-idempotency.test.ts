// Red team (fix16i): an Idempotency-Key that buys a second provider call after its first call was
// handed to the provider (provider 500, a cut stream, a withdrawal mid-call, a rotated token, a
// client that hung up), or across endpoints.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, call } from "../workers/support/api.js";
import { LLM_PATHS, llmCall, llmOrg, marker, newAgent, providerCalls } from "./support.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const chat = (text: string, model = "gpt-4o-mini", extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 32,
  messages: [{ role: "user", content: text }],
  ...extra,
});

describe("red team fix16i: idempotency keys after the provider had the call", () => {
  it("provider answers 500 once; the retry under the same key never reaches the provider again", async () => {
    const org = await llmOrg("rt-idem-500");
    const agent = await newAgent(org);
    const m = marker("idem500");
    const body = chat(`${m} fake-fail-once:${m.slice(-20)}`);
    const first = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    const retry = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    expect({ first: first.status, retry: retry.status, providerCalls: await providerCalls(m) }).toEqual({
      first: first.status >= 500 ? first.status : -1,
      retry: 409,
      providerCalls: 1,
    });
  });

  it("a stream the provider cuts halfway; the retry under the same key is refused", async () => {
    const org = await llmOrg("rt-idem-cut");
    const agent = await newAgent(org);
    const m = marker("idemcut");
    const body = chat(`${m} fake-fault:cut`, "gpt-4o-mini", { stream: true });
    await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    await sleep(200);
    const retry = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    expect({ retry: retry.status, providerCalls: await providerCalls(m) }).toEqual({ retry: 409, providerCalls: 1 });
  });

  it("the client hangs up a trickling stream; the retry under the same key is refused", async () => {
    const org = await llmOrg("rt-idem-hangup");
    const agent = await newAgent(org);
    const m = marker("idemhang");
    const body = chat(`${m} fake-fault:trickle`, "gpt-4o-mini", { stream: true, max_tokens: 200 });
    const res = await exports.default.fetch(
      new Request(BASE + LLM_PATHS.chat, {
        method: "POST",
        headers: { authorization: `Bearer ${agent.token}`, "content-type": "application/json", "idempotency-key": m },
        body: JSON.stringify(body),
      }),
    );
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await sleep(300);
    const retry = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    expect({ first: res.status, retry: retry.status, providerCalls: await providerCalls(m) }).toEqual({ first: 200, retry: 409, providerCalls: 1 });
  });

  it("the agent is suspended mid-call and resumed; the retry under the same key is refused", async () => {
    const org = await llmOrg("rt-idem-suspend");
    const agent = await newAgent(org);
    const m = marker("idemsusp");
    const body = chat(`${m} fake-fault:slow`);
    const first = llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    await sleep(600);
    const s = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "x" } });
    const firstAnswer = await first;
    await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/resume`, { method: "POST", token: org.apiKey, body: {} });
    await sleep(200);
    const retry = await llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    expect({ suspended: s.status < 300, first: firstAnswer.status, retry: retry.status, providerCalls: await providerCalls(m) }).toEqual({
      suspended: true,
      first: 403,
      retry: 409,
      providerCalls: 1,
    });
  });

  it("the token is rotated mid-call; the retry with the new token under the same key is refused", async () => {
    const org = await llmOrg("rt-idem-rotate");
    const agent = await newAgent(org);
    const m = marker("idemrot");
    const body = chat(`${m} fake-fault:slow`);
    const first = llmCall(agent.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    await sleep(600);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/token`, { method: "POST", token: org.apiKey });
    await first;
    await sleep(200);
    const retry = await llmCall(rotated.json.token, LLM_PATHS.chat, body, { "idempotency-key": m });
    expect({ retry: retry.status, providerCalls: await providerCalls(m) }).toEqual({ retry: 409, providerCalls: 1 });
  });

  it("the same key and body on chat, then responses, then messages: one provider call", async () => {
    const org = await llmOrg("rt-idem-endpoints");
    const agent = await newAgent(org);
    const m = marker("idemep");
    const a = await llmCall(agent.token, LLM_PATHS.chat, chat(m), { "idempotency-key": m });
    const b = await llmCall(agent.token, LLM_PATHS.responses, { model: "gpt-4o-mini", max_output_tokens: 32, input: m }, { "idempotency-key": m });
    const c = await llmCall(
      agent.token,
      LLM_PATHS.messages,
      { model: "claude-3-5-haiku-latest", max_tokens: 32, messages: [{ role: "user", content: m }] },
      { "idempotency-key": m },
    );
    expect({ a: a.status, b: b.status >= 400, c: c.status >= 400, providerCalls: await providerCalls(m) }).toEqual({
      a: 200,
      b: true,
      c: true,
      providerCalls: 1,
    });
  });
});
