// Fixtures shared by gateway and attack tests: orgs whose providers point at the fake model
// provider, policies created and attached in one call, agents, teams and projects.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { type SeededOrg, call, seedOrg } from "./api.js";

/** POST under the org's admin API, expecting 201; returns the created object. */
export async function create(org: SeededOrg, what: string, body: Record<string, unknown>, token = org.apiKey): Promise<Record<string, any>> {
  const res = await call(`/api/v1/orgs/${org.orgId}/${what}`, { method: "POST", token, body });
  expect(res.status, `${what}: ${res.text}`).toBe(201);
  return res.json as Record<string, any>;
}

/** An org whose providers (OpenAI- and Anthropic-compatible) point at the fake, with a fallback price for every model. */
export async function fakeProviderOrg(label: string): Promise<SeededOrg> {
  const org = await seedOrg(label);
  await create(org, "credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await create(org, "providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  await create(org, "providers", { name: "anthropic-fake", kind: "anthropic", baseUrl: env.TEST_FAKE_LLM_URL, credential: "fake-key" });
  await create(org, "prices", { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 });
  return org;
}

export type Scope = { scope: "org" } | { scope: "team" | "project" | "agent"; id: string };

/** Creates a policy and attaches it; returns its id. */
export async function attachPolicy(org: SeededOrg, doc: Record<string, unknown>, scope: Scope): Promise<string> {
  const policy = await create(org, "policies", { egress: [], ...doc });
  await create(org, `policies/${policy.id}/attach`, scope);
  return policy.id as string;
}

export interface CreatedAgent {
  id: string;
  token: string;
  teamId: string | null;
  projectId: string | null;
}

export async function createAgent(org: SeededOrg, body: Record<string, unknown>, token = org.apiKey): Promise<CreatedAgent> {
  const agent = await create(org, "agents", body, token);
  return { id: agent.id, token: agent.token, teamId: agent.teamId ?? null, projectId: agent.projectId ?? null };
}

/** A subagent minted by the agent itself through the agent API. */
export async function mintSubagent(parentToken: string, body: Record<string, unknown> = {}): Promise<CreatedAgent> {
  const res = await call("/agent/v1/subagents", { method: "POST", token: parentToken, body: { name: `sub-${Date.now()}`, ...body } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id, token: res.json.token, teamId: res.json.teamId ?? null, projectId: res.json.projectId ?? null };
}

/** A chat completion through the OpenAI-compatible endpoint, as raw HTTP. */
export function chat(token: string, model: string, content: string, extra: Record<string, unknown> = {}) {
  return call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model, messages: [{ role: "user", content }], max_tokens: 16, ...extra },
  });
}

/** A policy document that lets the agent create subagents (the gate forbids it by default). */
export const ALLOW_SUBAGENTS = { name: "allow-subagents", autonomyGate: { allowSubagents: true } };
