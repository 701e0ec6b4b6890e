// Spend enforcement on real LLM calls: a small daily limit is reached, calls get 429
// spend_limit, usage is visible, and raising the limit lets the agent continue at once; a call
// whose provider timed out is charged, one that failed otherwise is released.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";
import { rightsOf } from "../../../workers/agents/service.js";
import { AppError } from "../../../workers/errors.js";
import { prepareLlmCall } from "../../../workers/llm/call.js";
import { FAKE_LLM_KEY } from "../../support/secrets.js";
import { call, seedOrg } from "../support/api.js";

async function rightsFor(agent: Parameters<typeof rightsOf>[1]) {
  const result = await rightsOf(env, agent);
  if (!result.ok) throw new Error(result.reason);
  return result.rights;
}

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

it("charges a call whose provider timed out its whole hold and spends its Idempotency-Key; any other failure releases it", async () => {
  const org = await seedOrg("spend-timeout");
  const t = org.apiKey;
  await call(`/api/v1/orgs/${org.orgId}/prices`, {
    method: "POST",
    token: t,
    body: { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 1_000_000 },
  });
  const created = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "slow" } });
  const agent = await new OrgData(makeDb(env.DB), org.orgId).agent(created.json.id);
  if (!agent) throw new Error("agent not found");
  const limit = await call(`/api/v1/orgs/${org.orgId}/limits`, {
    method: "POST",
    token: t,
    body: { scope: "org", period: "total", limitMicros: 1_000_000_000 },
  });
  const prepare = async (key: string) =>
    prepareLlmCall(env, {
      rights: await rightsFor(agent),
      kind: "openai",
      endpoint: "chat",
      model: "m",
      body: { model: "m", max_tokens: 1_000, messages: [{ role: "user", content: "hi" }] },
      traceId: "trace",
      idempotencyKey: key,
      waitUntil: () => {},
    });
  const live = async () => {
    const res = await call(`/api/v1/orgs/${org.orgId}/usage/limits`, { token: t });
    return (res.json.items as Array<{ id: string; spentMicros: number; reservedMicros: number }>).find((l) => l.id === limit.json.id);
  };

  const released = await prepare("k-error");
  await released.fail(new AppError("upstream_error", "could not reach the model provider"));
  expect(await live()).toMatchObject({ spentMicros: 0, reservedMicros: 0 });
  // Released: the same key may try again.
  await (await prepare("k-error")).fail(new AppError("upstream_error", "again"));

  const timedOut = await prepare("k-timeout");
  await timedOut.fail(new AppError("upstream_timeout", "the model provider did not answer in time"));
  const after = await live();
  // The whole hold: every byte of the body and the 1,000-token output budget.
  expect(after?.spentMicros).toBeGreaterThan(1_000);
  expect(after?.reservedMicros).toBe(0);
  await expect(prepare("k-timeout")).rejects.toMatchObject({ code: "conflict" });
});
