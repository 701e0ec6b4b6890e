// Spend enforcement on real LLM calls: a small daily limit is reached, calls get 429
// spend_limit, usage is visible, and raising the limit lets the agent continue at once.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { call, seedOrg } from "../support/api.js";

it("refuses calls once the agent's daily limit is spent, and resumes when it is raised", async () => {
  const org = await seedOrg("spend-llm");
  const t = org.apiKey;
  await call(`/api/v1/orgs/${org.orgId}/credentials`, {
    method: "POST",
    token: t,
    body: { name: "k", secret: FAKE_LLM_KEY, inject: { type: "bearer" } },
  });
  await call(`/api/v1/orgs/${org.orgId}/providers`, {
    method: "POST",
    token: t,
    body: { name: "p", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "k" },
  });
  // The fallback price ("*") applies to models without a built-in price: $10 per million tokens,
  // so a call holds ~$0.007 (every byte of its body, Agent Guide included, and 64 max output) and
  // is charged far less (the fake bills a quarter token per character).
  await call(`/api/v1/orgs/${org.orgId}/prices`, {
    method: "POST",
    token: t,
    body: { model: "*", inputMicrosPerMTok: 10_000_000, outputMicrosPerMTok: 10_000_000 },
  });
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "spender" } });
  const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: t,
    body: { scope: "agent", scopeId: agent.json.id, period: "day", limitMicros: 20_000 },
  });
  expect(limit.status, limit.text).toBe(201);

  const ask = () =>
    call("/llm/openai/v1/chat/completions", {
      method: "POST",
      token: agent.json.token,
      body: { model: "acme-internal-model", max_tokens: 64, messages: [{ role: "user", content: "Summarise the deploy log in one line please." }] },
    });
  let ok = 0;
  let refused: Awaited<ReturnType<typeof ask>> | undefined;
  for (let i = 0; i < 40 && !refused; i++) {
    const res = await ask();
    if (res.status === 200) ok++;
    else refused = res;
  }
  expect(ok).toBeGreaterThan(0);
  expect(refused?.status).toBe(429);
  expect(refused?.json.error.code).toBe("spend_limit");

  const usage = await call(`/api/v1/orgs/${org.orgId}/usage/limits`, { token: t });
  expect(usage.status).toBe(200);
  expect(JSON.stringify(usage.json)).toContain(agent.json.id);

  const raised = await call(`/api/v1/orgs/${org.orgId}/limits/${limit.json.id}`, { method: "PATCH", token: t, body: { limitMicros: 1_000_000 } });
  expect(raised.status, raised.text).toBe(200);
  expect((await ask()).status).toBe(200);
});
