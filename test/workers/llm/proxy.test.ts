// The LLM proxy end to end with the official OpenAI and Anthropic SDKs (running inside workerd,
// fetching the Worker), against the local fake provider that records what it received.
import Anthropic from "@anthropic-ai/sdk";
import { env, exports } from "cloudflare:workers";
import OpenAI from "openai";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { BASE, type SeededOrg, auditEventsOf, call, seedOrg } from "../support/api.js";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";
/** Test models have no built-in price; every test org gets a fallback price ("*"). */
async function fallbackPrice(orgId: string, token: string) {
  const res = await call(`/api/v1/orgs/${orgId}/prices`, {
    method: "POST",
    token,
    body: { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 },
  });
  expect(res.status, res.text).toBe(201);
}
/** An org whose providers (OpenAI-compatible, and Anthropic if asked) point at the fake, with a fallback price. */
async function fakeProviderOrg(label: string, anthropic?: { models?: string[] }): Promise<SeededOrg> {
  const seeded = await seedOrg(label);
  const t = seeded.apiKey;
  const post = async (what: string, body: Record<string, unknown>) =>
    expect((await call(`/api/v1/orgs/${seeded.orgId}/${what}`, { method: "POST", token: t, body })).status).toBe(201);
  await post("credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await post("providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  if (anthropic)
    await post("providers", { name: "anthropic-fake", kind: "anthropic", baseUrl: env.TEST_FAKE_LLM_URL, credential: "fake-key", ...anthropic });
  await fallbackPrice(seeded.orgId, t);
  return seeded;
}
const workerFetch = (input: RequestInfo | URL, init?: RequestInit) => exports.default.fetch(new Request(input, init));

let org: SeededOrg;
let agentToken: string;

async function providerSaw(last = 1): Promise<Array<{ path: string; headers: Record<string, string>; body: string }>> {
  return (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=${last}`)).json()) as Array<{
    path: string;
    headers: Record<string, string>;
    body: string;
  }>;
}

beforeAll(async () => {
  org = await fakeProviderOrg("llm", { models: ["claude-test"] });
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "llm-bot" } });
  agentToken = agent.json.token;
});

const planted = `Contact ${EMAIL}, card ${CARD}, key ${AWS_KEY}.`;

describe("OpenAI SDK through the proxy", () => {
  const client = () => new OpenAI({ apiKey: agentToken, baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });

  it("masks planted values for the provider and restores them for the agent (non-streaming)", async () => {
    const completion = await client().chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: planted }] });
    const reply = completion.choices[0]?.message.content ?? "";
    expect(reply).toContain(EMAIL);
    expect(reply).toContain(AWS_KEY);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    const [seen] = await providerSaw(1);
    for (const value of [EMAIL, CARD, AWS_KEY, agentToken]) expect(JSON.stringify(seen)).not.toContain(value);
    expect(seen?.body).toMatch(/<EMAIL_1>/);
    expect(seen?.headers.authorization).toBe(`Bearer ${FAKE_LLM_KEY}`);
  });

  it("restores placeholders split across SSE chunks (streaming)", async () => {
    const stream = await client().chat.completions.create({
      model: "gpt-test",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: planted }],
    });
    let text = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toContain(EMAIL);
    expect(text).toContain(CARD);
    expect(text).not.toMatch(/<EMAIL_1>|<CARD_1>|<SECRET_1>/);
    expect(usage).not.toBeNull();
    const [seen] = await providerSaw(1);
    for (const value of [EMAIL, CARD, AWS_KEY]) expect(seen?.body).not.toContain(value);
  });

  it("serves the responses API and lists models", async () => {
    const response = await client().responses.create({ model: "gpt-test", input: `Say hi to ${EMAIL}` });
    expect(response.output_text).toContain(EMAIL);
    const models = await client().models.list();
    // The provider accepts any model, so the proxy lists what the provider itself lists.
    expect(models.data.map((m) => m.id)).toContain("fake-model");
  });

  it("surfaces errors through the SDK in the provider's format", async () => {
    const bad = new OpenAI({ apiKey: "pal_agent_wrong", baseURL: `${BASE}/llm/openai/v1`, fetch: workerFetch, maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({
      status: 401,
    });
    await expect(client().chat.completions.create({ model: "fake-error500", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({
      status: 502,
    });
  });
});

describe("spend under concurrent calls", () => {
  it("holds and charges each of many concurrent calls exactly once, with and without an Idempotency-Key", async () => {
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "busy-bot" } });
    const token = agent.json.token as string;
    const chat = (key?: string) =>
      workerFetch(`${BASE}/llm/openai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}) },
        body: JSON.stringify({ model: "gpt-test", max_tokens: 16, messages: [{ role: "user", content: "count me once" }] }),
      });
    // Separate requests to the Worker: reserves queue behind one in flight and are woken by it,
    // plain calls draw from the isolate's lease.
    const keyed = Array.from({ length: 12 }, (_, i) => chat(`concurrent-${Date.now()}-${i}`));
    const plain = Array.from({ length: 12 }, () => chat());
    const answers = await Promise.all([...keyed, ...plain]);
    expect(answers.map((r) => r.status)).toEqual(Array(24).fill(200));
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    // Usage reads wait for this isolate's queued settles; the lease closes after its drawing time.
    await new Promise((r) => setTimeout(r, 1_200));
    const usage = await call(`/api/v1/orgs/${org.orgId}/usage`, { token: org.apiKey });
    expect(usage.status).toBe(200);
    const mine = (usage.json.byAgent as Array<{ agentId: string; calls: number }>).find((a) => a.agentId === agent.json.id);
    expect(mine?.calls).toBe(24);
    const live = await call(`/api/v1/orgs/${org.orgId}/usage/limits`, { token: org.apiKey });
    for (const limit of live.json.items as Array<{ reservedMicros: number }>) expect(limit.reservedMicros).toBe(0);
  });
});

describe("Anthropic SDK through the proxy", () => {
  const client = () => new Anthropic({ apiKey: agentToken, baseURL: `${BASE}/llm/anthropic`, fetch: workerFetch, maxRetries: 0 });

  it("masks and restores, streaming and not", async () => {
    const message = await client().messages.create({
      model: "claude-test",
      max_tokens: 64,
      system: `Operator: ${EMAIL}`,
      messages: [{ role: "user", content: planted }],
    });
    const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    expect(text).toContain(EMAIL);
    const [seen] = await providerSaw(1);
    for (const value of [EMAIL, CARD, AWS_KEY]) expect(seen?.body).not.toContain(value);
    expect(seen?.headers["x-api-key"]).toBe(FAKE_LLM_KEY);
    expect(seen?.headers["anthropic-version"]).toBeTruthy();

    const stream = client().messages.stream({ model: "claude-test", max_tokens: 64, messages: [{ role: "user", content: planted }] });
    const final = await stream.finalMessage();
    const streamed = final.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    expect(streamed).toContain(CARD);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe("Agent Guide", () => {
  it("leads the system prompt the provider sees, for chat and messages", async () => {
    const guideOrg = await fakeProviderOrg("guide", {});
    const t = guideOrg.apiKey;
    const guide = await call(`/api/v1/orgs/${guideOrg.orgId}/guides`, { method: "POST", token: t, body: { content: "Never deploy on Fridays." } });
    expect(guide.status).toBe(201);
    const agent = await call(`/api/v1/orgs/${guideOrg.orgId}/agents`, { method: "POST", token: t, body: { name: "a" } });

    await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.json.token,
      body: { model: "m", messages: [{ role: "user", content: "hi" }] },
    });
    const [chat] = await providerSaw(1);
    const sent = JSON.parse(chat?.body ?? "{}");
    expect(sent.messages[0].role).toBe("system");
    expect(sent.messages[0].content).toContain("Never deploy on Fridays.");

    await call("/llm/anthropic/v1/messages", {
      method: "POST",
      token: agent.json.token,
      headers: { "anthropic-version": "2023-06-01" },
      body: { model: "m", max_tokens: 16, system: "Be brief.", messages: [{ role: "user", content: "hi" }] },
    });
    const [messages] = await providerSaw(1);
    const system = JSON.parse(messages?.body ?? "{}").system as string;
    expect(system.indexOf("Never deploy on Fridays.")).toBeLessThan(system.indexOf("Be brief."));
  });

  it("masks personal data in a guide on every call, and a clean guide is sent as written while the rest is still masked", async () => {
    const org = await fakeProviderOrg("guide-pii");
    const t = org.apiKey;
    const dirty = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "dirty" } });
    const clean = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "clean" } });
    for (const [agentId, content] of [
      [dirty.json.id, "Escalate to oncall.lead@example.com."],
      [clean.json.id, "Keep answers short."],
    ]) {
      expect((await call(`/api/v1/orgs/${org.orgId}/guides`, { method: "POST", token: t, body: { agentId, content } })).status).toBe(201);
    }
    const ask = (token: string) =>
      call("/llm/openai/v1/chat/completions", {
        method: "POST",
        token,
        body: { model: "m", messages: [{ role: "user", content: "Mail jane.roe@example.com please." }] },
      });
    for (let i = 0; i < 3; i++) {
      expect((await ask(dirty.json.token)).status).toBe(200);
      const [sent] = await providerSaw(1);
      expect(sent?.body).not.toContain("oncall.lead@example.com");
      expect(sent?.body).not.toContain("jane.roe@example.com");
      expect(JSON.parse(sent?.body ?? "{}").messages[0].content).toContain("<EMAIL_");
    }
    for (let i = 0; i < 3; i++) {
      expect((await ask(clean.json.token)).status).toBe(200);
      const [sent] = await providerSaw(1);
      const body = JSON.parse(sent?.body ?? "{}");
      expect(body.messages[0].content).toContain("Keep answers short.");
      expect(body.messages[1].content).toBe("Mail <EMAIL_1> please.");
    }
  });
});

describe("policy and PII actions", () => {
  it("blocks with 422 and the categories, never the values", async () => {
    const blockOrg = await fakeProviderOrg("block");
    const t = blockOrg.apiKey;
    const policy = await call(`/api/v1/orgs/${blockOrg.orgId}/policies`, {
      method: "POST",
      token: t,
      body: { name: "no-cards", egress: [], pii: { credit_card: "block" }, models: ["gpt-allowed"] },
    });
    await call(`/api/v1/orgs/${blockOrg.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
    const agent = await call(`/api/v1/orgs/${blockOrg.orgId}/agents`, { method: "POST", token: t, body: { name: "a" } });
    const before = (await providerSaw(50)).length;

    const res = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.json.token,
      body: { model: "gpt-allowed", messages: [{ role: "user", content: planted }] },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("pii_blocked");
    expect(res.text).toContain("credit_card");
    expect(res.text).not.toContain(CARD.replaceAll(" ", ""));
    expect(res.text).not.toContain(CARD);

    const denied = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.json.token,
      body: { model: "gpt-other", messages: [{ role: "user", content: "hi" }] },
    });
    expect(denied.status).toBe(403);
    expect((await providerSaw(50)).length).toBe(before);
  });

  it("answers bad input in the provider's error format", async () => {
    const cases: Array<[string, BodyInit]> = [
      ["malformed", "{nope"],
      ["no model", JSON.stringify({ messages: [] })],
      ["array", "[]"],
      ["huge", JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] })],
    ];
    for (const [label, rawBody] of cases) {
      const res = await call("/llm/openai/v1/chat/completions", {
        method: "POST",
        token: agentToken,
        rawBody,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(typeof res.json?.error?.message, label).toBe("string");
    }
    const hang = await call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agentToken,
      body: { model: "fake-garbage", messages: [{ role: "user", content: "hi" }] },
    });
    expect(hang.status).toBe(502);
  });

  it("audits the categories found, never the values", async () => {
    const events = await auditEventsOf(org, "llm.request");
    expect(events.length).toBeGreaterThan(0);
    // The audit shows the categories found and how often, never the values.
    const withPii = events.find((e) => (e.details?.pii?.categories ?? []).includes("email"));
    expect(withPii?.details.pii.counts[withPii.details.pii.categories.indexOf("email")]).toBeGreaterThanOrEqual(1);
    const categories = new Set(events.flatMap((e) => (e.details?.pii?.categories ?? []) as string[]));
    for (const c of ["email", "credit_card", "secret"]) expect(categories.has(c), c).toBe(true);
    const dump = JSON.stringify(events);
    for (const value of [EMAIL, CARD, AWS_KEY, agentToken, FAKE_LLM_KEY]) expect(dump).not.toContain(value);
    // Completed calls carry their token counts and charge, readable (not taken for secrets).
    const completed = events.find((e) => e.result === "success" && e.details?.usage);
    expect(completed?.details.usage).toEqual({ input: expect.any(Number), output: expect.any(Number), cached: expect.any(Number) });
    expect(completed?.details.costMicros).toEqual(expect.any(Number));
  });
});
