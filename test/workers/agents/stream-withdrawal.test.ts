// Live LLM streams end within a second when their agent is suspended, its token is revoked, or
// a spend limit they count against is lowered below what is held: the official SDKs surface an
// error (no hang, no half-written frame), the provider sees its request cancelled, and the audit
// trail holds one event per cut call with the reason.
import Anthropic from "@anthropic-ai/sdk";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { BASE, type SeededOrg, call } from "../support/api.js";
import { create, createAgent, fakeProviderOrg } from "../support/fixtures.js";
import { auditOf } from "../support/tools.js";

const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));
/** A prompt the fake provider echoes back slowly ("trickle"): a stream that lasts many seconds. */
const longPrompt = (marker: string) => `${marker} ${"the quick brown fox jumps over the lazy dog ".repeat(12)}`;

async function providerClosedEarly(marker: string): Promise<boolean> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?contains=${marker}`)).json()) as Array<{ closedEarly?: boolean }>;
  return seen.length > 0 && seen.every((r) => r.closedEarly === true);
}

type Trigger = (org: SeededOrg, agentId: string) => Promise<void>;

const suspend: Trigger = async (org, agentId) => {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/suspend`, {
    method: "POST",
    token: org.apiKey,
    body: { reason: "stream test" },
  });
  expect(res.status, res.text).toBe(200);
};
const revoke: Trigger = async (org, agentId) => {
  expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
};
/** Lowers the agent's limit below what its stream holds. */
const lowerLimit: Trigger = async (org, agentId) => {
  const limits = await call(`/api/v1/orgs/${org.orgId}/limits`, { token: org.apiKey });
  const mine = (limits.json.items as Array<{ id: string; scopeId: string | null }>).find((l) => l.scopeId === agentId);
  const res = await call(`/api/v1/orgs/${org.orgId}/limits/${mine?.id}`, { method: "PATCH", token: org.apiKey, body: { limitMicros: 1 } });
  expect(res.status, res.text).toBe(200);
};

const TRIGGERS: Array<[string, Trigger, string]> = [
  ["suspension", suspend, "agent_suspended"],
  ["token revocation", revoke, "unauthorized"],
  ["a lowered spend limit", lowerLimit, "spend_limit"],
];

async function streamingAgent(label: string) {
  const org = await fakeProviderOrg(label);
  const agent = await createAgent(org, { name: label, autonomy: 5 });
  await create(org, "limits", { scope: "agent", scopeId: agent.id, period: "day", limitMicros: 1_000_000_000 });
  return { org, agent };
}

/** Reads a stream until it ends; returns how long after `trigger` answered it ended, and whether the SDK raised. */
async function readAround<T>(stream: AsyncIterable<T>, trigger: () => Promise<void>) {
  let chunks = 0;
  let triggeredAt = 0;
  let raised: unknown = null;
  try {
    for await (const _ of stream) {
      chunks++;
      if (chunks === 3) {
        // Let the watch start (calls are watched once they have run 200 ms).
        await new Promise((r) => setTimeout(r, 400));
        await trigger();
        // From the trigger's answer, as "time to silence" in the benchmark counts it.
        triggeredAt = Date.now();
      }
    }
  } catch (error) {
    raised = error;
  }
  return { chunks, afterTriggerMs: Date.now() - triggeredAt, raised };
}

describe("live streams end within a second", () => {
  for (const [name, trigger, code] of TRIGGERS) {
    it(`OpenAI chat completions stream, ended by ${name}`, async () => {
      const { org, agent } = await streamingAgent(`chat-${code}`);
      const client = new OpenAI({ apiKey: agent.token, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const stream = await client.chat.completions.create({
        model: "fake-trickle",
        stream: true,
        max_tokens: 4000,
        messages: [{ role: "user", content: longPrompt(marker) }],
      });
      const { chunks, afterTriggerMs, raised } = await readAround(stream, () => trigger(org, agent.id));
      expect(chunks).toBeGreaterThanOrEqual(3);
      expect(raised, "the SDK surfaces the end as an error").toBeInstanceOf(OpenAI.APIError);
      expect(String((raised as Error).message)).toMatch(/suspended|revoked|spend limit/);
      expect(afterTriggerMs).toBeLessThan(1_000);
      await expect.poll(() => providerClosedEarly(marker), { timeout: 3_000 }).toBe(true);
      await expect.poll(async () => (await auditOf(org, "llm.request")).filter((e) => e.reason === code).length, { timeout: 5_000 }).toBe(1);
    });
  }

  it("OpenAI Responses stream, ended by suspension", async () => {
    const { org, agent } = await streamingAgent("responses");
    const client = new OpenAI({ apiKey: agent.token, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
    const marker = `m${Math.random().toString(36).slice(2)}`;
    const stream = await client.responses.create({ model: "fake-trickle", stream: true, max_output_tokens: 4000, input: longPrompt(marker) });
    const { afterTriggerMs, raised } = await readAround(stream, () => suspend(org, agent.id));
    expect(raised).toBeTruthy();
    expect(afterTriggerMs).toBeLessThan(1_000);
    await expect.poll(() => providerClosedEarly(marker), { timeout: 3_000 }).toBe(true);
  });

  for (const [name, trigger] of TRIGGERS) {
    it(`Anthropic messages stream, ended by ${name}`, async () => {
      const { org, agent } = await streamingAgent(`messages-${name.length}`);
      const client = new Anthropic({ apiKey: agent.token, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 0 });
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const stream = await client.messages.create({
        model: "fake-trickle",
        stream: true,
        max_tokens: 4000,
        messages: [{ role: "user", content: longPrompt(marker) }],
      });
      const { afterTriggerMs, raised } = await readAround(stream, () => trigger(org, agent.id));
      expect(raised, "the SDK surfaces the end as an error").toBeInstanceOf(Anthropic.APIError);
      expect(afterTriggerMs).toBeLessThan(1_000);
      await expect.poll(() => providerClosedEarly(marker), { timeout: 3_000 }).toBe(true);
    });
  }

  it("charges a stream ended early what it produced, not its whole hold", async () => {
    const { org, agent } = await streamingAgent("charge");
    const client = new OpenAI({ apiKey: agent.token, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "fake-trickle",
      stream: true,
      max_tokens: 100_000,
      messages: [{ role: "user", content: longPrompt("charge") }],
    });
    await readAround(stream, () => suspend(org, agent.id));
    await expect.poll(async () => (await auditOf(org, "llm.request")).some((e) => e.reason === "agent_suspended"), { timeout: 5_000 }).toBe(true);
    const events = await auditOf(org, "llm.request");
    const usage = events.find((e) => e.reason === "agent_suspended")?.details?.usage as { output: number } | undefined;
    expect(usage?.output).toBeGreaterThan(0);
    expect(usage?.output).toBeLessThan(100_000);
  });
});
