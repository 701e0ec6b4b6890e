// Red team (fix16i): a spend limit lowered at team or org scope (or deleted and recreated lower)
// while a call drawn from this isolate's lease is streaming; the call must end with spend_limit
// and the next call must be refused.
import { describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, mintSubagent } from "../workers/support/fixtures.js";
import { LLM_PATHS, llmCall, llmOrg, marker, newAgent } from "./support.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const body = (text: string) => ({
  model: "gpt-4o-mini",
  max_tokens: 400,
  stream: true,
  messages: [{ role: "user", content: `${text} fake-fault:trickle ${"x".repeat(200)}` }],
});

for (const scope of ["team", "org"] as const) {
  describe(`red team fix16i: ${scope} limit lowered under a streaming call`, () => {
    it(`the ${scope} limit is lowered below what is spent and held: the stream ends with spend_limit and the next call is refused`, async () => {
      const org = await llmOrg(`rt-spend-${scope}`);
      const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "t" } });
      const agent = await newAgent(org, { teamId: team.json.id });
      const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
        method: "POST",
        token: org.apiKey,
        body: { scope, ...(scope === "team" ? { scopeId: team.json.id } : {}), period: "total", limitMicros: 10_000_000 },
      });
      expect(limit.status, limit.text).toBe(201);
      // Warm a lease with a short call.
      expect(
        (await llmCall(agent.token, LLM_PATHS.chat, { model: "gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })).status,
      ).toBe(200);
      const m = marker("spend");
      const started = Date.now();
      const streaming = llmCall(agent.token, LLM_PATHS.chat, body(m));
      await sleep(400);
      const patch = await call(`/api/v1/orgs/${org.orgId}/limits/${limit.json.id}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
      expect(patch.status, patch.text).toBe(200);
      const answer = await streaming;
      const tookMs = Date.now() - started;
      const next = await llmCall(agent.token, LLM_PATHS.chat, {
        model: "gpt-4o-mini",
        max_tokens: 8,
        messages: [{ role: "user", content: "again" }],
      });
      expect({ cut: answer.text.includes("spend_limit"), quick: tookMs < 3000, next: next.status }).toEqual({ cut: true, quick: true, next: 429 });
    });
  });
}

describe("red team fix16i: the parent's agent limit lowered under its subagent's stream", () => {
  it("the parent's limit is cut below what its subagent spent and holds: the subagent's stream ends and its next call is refused", async () => {
    const org = await llmOrg("rt-spend-parent");
    const parent = await newAgent(org);
    await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
    const sub = await mintSubagent(parent.token);
    const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
      method: "POST",
      token: org.apiKey,
      body: { scope: "agent", scopeId: parent.id, period: "total", limitMicros: 10_000_000 },
    });
    expect(limit.status, limit.text).toBe(201);
    expect(
      (await llmCall(sub.token, LLM_PATHS.chat, { model: "gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })).status,
    ).toBe(200);
    const started = Date.now();
    const streaming = llmCall(sub.token, LLM_PATHS.chat, body(marker("sub")));
    await sleep(400);
    const patch = await call(`/api/v1/orgs/${org.orgId}/limits/${limit.json.id}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
    expect(patch.status, patch.text).toBe(200);
    const answer = await streaming;
    const tookMs = Date.now() - started;
    const next = await llmCall(sub.token, LLM_PATHS.chat, { model: "gpt-4o-mini", max_tokens: 8, messages: [{ role: "user", content: "again" }] });
    expect({ cut: answer.text.includes("spend_limit"), quick: tookMs < 3000, next: next.status }).toEqual({ cut: true, quick: true, next: 429 });
  });
});
