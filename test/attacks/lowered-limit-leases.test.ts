// Attack class: calls keep drawing on budget a limit no longer grants. An edge isolate holds a
// lease on the org's budget and draws calls from it without asking the org's Durable Object; an
// admin lowers a limit (agent, team or org) to what is spent, and the agent fires calls at once.
// Each variant asserts the new calls are refused without a provider call, and that a call drawn
// elsewhere from a lease granted before the cut is ended by the agent's watch.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { create } from "../workers/support/fixtures.js";
import { LLM_PATHS, limitLive, llmCall, llmOrg, marker, newAgent, providerCalls } from "./support.js";

const chatBody = (text: string) => ({ model: "fake-model", max_tokens: 16, messages: [{ role: "user", content: text }] });

describe("attack: a lowered limit outrun by the isolate's spend lease", () => {
  for (const scope of ["team", "org"] as const) {
    it(`attack: a ${scope} limit lowered to what is spent, then a burst of calls and a stream`, async () => {
      const org = await llmOrg(`lease-${scope}`);
      const team = await create(org, "teams", { name: "t" });
      const agent = await newAgent(org, { teamId: team.id });
      const limit = await create(org, "limits", {
        scope,
        ...(scope === "team" ? { scopeId: team.id } : {}),
        period: "total",
        limitMicros: 50_000_000,
      });
      expect((await llmCall(agent.token, LLM_PATHS.chat, chatBody(marker("warm")))).status).toBe(200);
      const lowered = await call(`/api/v1/orgs/${org.orgId}/limits/${limit.id}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
      expect(lowered.status, lowered.text).toBe(200);
      const before = await limitLive(org, limit.id);
      const text = marker(`after-${scope}`);
      const answers = await Promise.all([
        ...Array.from({ length: 8 }, (_, i) => llmCall(agent.token, LLM_PATHS.chat, chatBody(`${text} ${i}`))),
        llmCall(agent.token, LLM_PATHS.chat, { ...chatBody(`${text} stream`), stream: true }),
        llmCall(agent.token, LLM_PATHS.messages, chatBody(`${text} anthropic`)),
      ]);
      const after = await limitLive(org, limit.id);
      expect({
        statuses: answers.map((a) => a.status),
        providerCalls: await providerCalls(text),
        addedSpend: after.spentMicros - before.spentMicros,
      }).toEqual({ statuses: Array(10).fill(429), providerCalls: 0, addedSpend: 0 });
    });
  }

  it("attack: a call another isolate draws from a lease granted before the cut is ended when it starts watching", async () => {
    const agentId = `agt_lease${crypto.randomUUID().slice(0, 8)}`;
    const watch = env.AGENT_WATCH.get(env.AGENT_WATCH.idFromName(agentId));
    const grantedBefore = Date.now() - 10;
    await watch.withdraw({ reason: "spend_limit" });
    const grantedAfter = Date.now() + 1;
    const [old, fresh, own] = await Promise.all([
      watch.wait("tok_a", "call-old", grantedBefore, 100),
      watch.wait("tok_a", "call-new", grantedAfter, 100),
      watch.wait("tok_a", "call-own", null, 100),
    ]);
    expect([old, fresh, own]).toEqual([{ withdrawn: true, reason: "spend_limit" }, { withdrawn: false }, { withdrawn: false }]);
  });
});
