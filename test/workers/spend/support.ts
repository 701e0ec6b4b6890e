// Spend test helpers: an org with a team, agents and a flat test price, and the org's real OrgSpend stub.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { orgSpendStub } from "../../../workers/spend/client.js";
import { type SeededOrg, call, seedOrg } from "../support/api.js";

/** 1 µ$ per token in and out, so an estimate of N tokens reserves N micro-dollars. */
export const TEST_MODEL = "test-model";

export interface SpendAgent {
  id: string;
  orgId: string;
  teamId: string | null;
}

export interface SpendOrg extends SeededOrg {
  teamId: string;
  agents: SpendAgent[];
  stub: ReturnType<typeof orgSpendStub>;
}

export async function spendOrg(label = "spend", agentCount = 2): Promise<SpendOrg> {
  const org = await seedOrg(label);
  const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: `${label}-team` } });
  expect(team.status).toBe(201);
  const agents = [];
  for (let i = 0; i < agentCount; i++) {
    const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: `${label}-agent-${i}`, teamId: team.json.id },
    });
    expect(agent.status).toBe(201);
    agents.push({ id: agent.json.id as string, orgId: org.orgId, teamId: team.json.id as string });
  }
  await setPrice(org, TEST_MODEL, 1_000_000, 1_000_000, 500_000);
  return { ...org, teamId: team.json.id, agents, stub: orgSpendStub(env, org.orgId) };
}

export async function setPrice(org: SeededOrg, model: string, input: number, output: number, cached?: number) {
  const res = await call(`/api/v1/orgs/${org.orgId}/prices`, {
    method: "POST",
    token: org.apiKey,
    body: { model, inputMicrosPerMTok: input, outputMicrosPerMTok: output, ...(cached === undefined ? {} : { cachedMicrosPerMTok: cached }) },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

export async function setLimit(org: SeededOrg, body: Record<string, unknown>) {
  const res = await call(`/api/v1/orgs/${org.orgId}/limits`, { method: "POST", token: org.apiKey, body });
  expect(res.status, res.text).toBe(201);
  return res.json.id as string;
}

let keys = 0;
export const key = (label = "k") => `${label}-${Date.now()}-${keys++}`;

export function reserveReq(agent: { id: string; orgId: string; teamId: string | null }, tokens: number, idempotencyKey = key()) {
  return {
    orgId: agent.orgId,
    idempotencyKey,
    agentId: agent.id,
    teamId: agent.teamId,
    model: TEST_MODEL,
    estimate: { inputTokens: 0, maxOutputTokens: tokens },
  };
}
