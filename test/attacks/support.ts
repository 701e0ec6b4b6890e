// Helpers of the attack suite: an org whose OpenAI and Anthropic providers are the local fake, model
// calls through the Worker's real entry as an SDK makes them, and what the provider and spend saw.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { BASE, type SeededOrg, call, seedOrg } from "../workers/support/api.js";

/** 1 µ$ per token in and out (the "*" fallback price), so a charge in µ$ is a token count. */
export const MICROS_PER_TOKEN = 1;

/** An org with both providers on the fake and a fallback price of 1 µ$ per token. */
export async function llmOrg(label: string): Promise<SeededOrg> {
  const org = await seedOrg(label);
  const post = async (what: string, body: Record<string, unknown>) => {
    const res = await call(`/api/v1/orgs/${org.orgId}/${what}`, { method: "POST", token: org.apiKey, body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  await post("credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await post("providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  await post("providers", { name: "anthropic-fake", kind: "anthropic", baseUrl: env.TEST_FAKE_LLM_URL, credential: "fake-key" });
  await post("prices", { model: "*", inputMicrosPerMTok: 1_000_000 * MICROS_PER_TOKEN, outputMicrosPerMTok: 1_000_000 * MICROS_PER_TOKEN });
  return org;
}

export async function newAgent(org: SeededOrg, body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents`, {
    method: "POST",
    token: org.apiKey,
    body: { name: `agent-${crypto.randomUUID().slice(0, 8)}`, ...body },
  });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, token: res.json.token };
}

export async function agentLimit(org: SeededOrg, agentId: string, limitMicros: number, period = "total"): Promise<string> {
  const res = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: org.apiKey,
    body: { scope: "agent", scopeId: agentId, period, limitMicros },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

export const LLM_PATHS = {
  chat: "/llm/openai/v1/chat/completions",
  responses: "/llm/openai/v1/responses",
  messages: "/llm/anthropic/v1/messages",
} as const;

export interface LlmAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** One model call through the Worker's entry, body read to the end (streams included). */
export async function llmCall(token: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<LlmAnswer> {
  const response = await exports.default.fetch(
    new Request(BASE + path, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "anthropic-version": "2023-06-01", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** How many requests the fake provider received whose body holds this marker. */
export async function providerCalls(marker: string): Promise<number> {
  const res = await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(marker)}`);
  return ((await res.json()) as unknown[]).length;
}

/** The provider's last requests (path and the start of the body), for an assertion's message. */
export async function providerLog(last = 3): Promise<string> {
  const res = await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=${last}`);
  const seen = (await res.json()) as Array<{ path: string; body: string }>;
  return `the provider's last ${seen.length} requests: ${seen.map((r) => `${r.path} ${r.body.slice(0, 300)}`).join(" | ")}`;
}

/**
 * One chat message through the OpenAI-compatible proxy, tagged with a random marker, and the bodies
 * the provider received holding that marker. The marker ends on a digit so it reads as no word or
 * name, and is base 36, so no part of it is a machine id or a card.
 */
export async function chatSeen(token: string, content: string): Promise<{ res: Awaited<ReturnType<typeof call>>; seen: Array<{ body: string }> }> {
  const tag = `mk${Math.random().toString(36).slice(2, 10)}9`;
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", messages: [{ role: "user", content: `${content} (${tag})` }] },
  });
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?contains=${tag}`)).json()) as Array<{ body: string }>;
  return { res, seen };
}

export const marker = (label: string) => `${label}-${crypto.randomUUID()}`;

export interface LimitLive {
  id: string;
  scope: string;
  scopeId: string | null;
  limitMicros: number;
  spentMicros: number;
  reservedMicros: number;
}

/** Live counters of one limit, after this isolate's queued settles have reached the org's object. */
export async function limitLive(org: SeededOrg, limitId: string): Promise<LimitLive> {
  // Streams settle once their body is done; give those callbacks a moment to queue.
  await new Promise((r) => setTimeout(r, 50));
  const res = await call(`/api/v1/orgs/${org.orgId}/usage/limits`, { token: org.apiKey });
  expect(res.status, res.text).toBe(200);
  const item = (res.json.items as LimitLive[]).find((l) => l.id === limitId);
  if (!item) throw new Error(`limit ${limitId} not found`);
  return item;
}

/** Settled cost per agent from the usage ledger. */
export async function costByAgent(org: SeededOrg): Promise<Map<string, number>> {
  await new Promise((r) => setTimeout(r, 50));
  const res = await call(`/api/v1/orgs/${org.orgId}/usage`, { token: org.apiKey });
  expect(res.status, res.text).toBe(200);
  return new Map((res.json.byAgent as Array<{ agentId: string; costMicros: number }>).map((a) => [a.agentId, a.costMicros]));
}

/** The error code of an answer in either provider's format. */
export function errorCode(answer: LlmAnswer): string | undefined {
  return answer.json?.error?.code;
}
