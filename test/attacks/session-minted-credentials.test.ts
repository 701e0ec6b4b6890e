// Attack class: a credential minted from inside a sandbox outlives the sandbox. The agent in a
// sandbox holds only its session token; it mints a subagent and keeps that token for later. Each
// variant ends the sandbox another way (or lets its session lapse) and asserts the stashed token
// is dead with it.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { makeDb } from "../../workers/data/db.js";
import { OrgData } from "../../workers/data/org-data.js";
import { call, seedOrg } from "../workers/support/api.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";
import { ALLOW_SUBAGENTS, attachPolicy, createAgent } from "../workers/support/fixtures.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const me = (token: string) => call("/agent/v1/me", { token });

async function until(pred: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A running sandbox of an agent allowed to mint subagents, and a subagent token minted with its session. */
async function stashFromSandbox(label: string) {
  const org = await seedOrg(label);
  const host = await connectFakeHost(org);
  hosts.push(host);
  const agent = await createAgent(org, { name: "worker", autonomy: 3 });
  await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
  const sandbox = await startSandbox(org, host, agent.id);
  host.report(sandbox.sandboxId, "running");
  const minted = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "stash" } });
  expect(minted.status, minted.text).toBe(201);
  return { org, host, agent, sandbox, stash: minted.json.token as string, stashId: minted.json.id as string };
}

describe("attack: a subagent token minted with a sandbox session outlives the sandbox", () => {
  it("attack: the admin force-kills the sandbox; the stashed token stops working", async () => {
    const { org, sandbox, stash } = await stashFromSandbox("minted-kill");
    expect((await me(stash)).status).toBe(200);
    const killed = await call(`/api/v1/orgs/${org.orgId}/sandboxes/${sandbox.sandboxId}/stop`, {
      method: "POST",
      token: org.apiKey,
      body: { force: true },
    });
    expect(killed.status, killed.text).toBe(200);
    await until(async () => (await me(sandbox.token)).status === 401, "the session to end");
    expect((await me(stash)).status).toBe(401);
  });

  it("attack: the sandbox's agent is suspended and resumed; the stash, ended with the killed sandbox, stays dead", async () => {
    const { org, agent, sandbox, stash } = await stashFromSandbox("minted-suspend");
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason: "x" } })).status,
    ).toBe(200);
    await until(async () => (await me(sandbox.token)).status === 401, "the session to end");
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/resume`, { method: "POST", token: org.apiKey, body: {} })).status).toBe(200);
    expect((await me(stash)).status).toBe(401);
  });

  it("attack: the sandbox's host is revoked; the stashed token stops working", async () => {
    const { org, host, sandbox, stash } = await stashFromSandbox("minted-host");
    const revoked = await call(`/api/v1/orgs/${org.orgId}/hosts/${host.hostId}`, { method: "DELETE", token: org.apiKey });
    expect(revoked.status, revoked.text).toBeLessThan(300);
    await until(async () => (await me(sandbox.token)).status === 401, "the session to end");
    expect((await me(stash)).status).toBe(401);
  });

  it("attack: the minted token is kept past the session's expiry; it carries the session's name and expiry and lapses with it", async () => {
    const { org, sandbox, stash, stashId, agent } = await stashFromSandbox("minted-lapse");
    const data = new OrgData(makeDb(env.DB), org.orgId);
    const [session] = await data.activeTokens("agent", agent.id).then((t) => t.filter((x) => x.name === `sandbox:${sandbox.sandboxId}`));
    const [minted] = await data.activeTokens("agent", stashId);
    expect({ name: minted?.name, expiresAt: minted?.expiresAt }).toEqual({ name: session?.name, expiresAt: session?.expiresAt });
    // The host stopped renewing and the session's time ran out a minute ago: both lapse together.
    // (A minute, not a millisecond: a heartbeat renewal already under way read its clock before
    // this write, and may still extend a session that was live at that instant.)
    await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE org_id = ? AND name = ?")
      .bind(Date.now() - 60_000, org.orgId, `sandbox:${sandbox.sandboxId}`)
      .run();
    await new Promise((r) => setTimeout(r, 4_100)); // the token cache's bound (TOKEN_CACHE_TTL_MS)
    expect([(await me(sandbox.token)).status, (await me(stash)).status]).toEqual([401, 401]);
  });

  it("attack: an admin rotates the session-minted subagent's token while the sandbox runs; the new token keeps the session and dies with the sandbox", async () => {
    const { org, host, sandbox, stash, stashId, agent } = await stashFromSandbox("minted-rotate");
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${stashId}/token`, { method: "POST", token: org.apiKey });
    expect(rotated.status, rotated.text).toBe(201);
    const data = new OrgData(makeDb(env.DB), org.orgId);
    const [session] = (await data.activeTokens("agent", agent.id)).filter((x) => x.name === `sandbox:${sandbox.sandboxId}`);
    const [bound] = await data.activeTokens("agent", stashId);
    expect({ name: bound?.name, expiresAt: bound?.expiresAt }).toEqual({ name: session?.name, expiresAt: session?.expiresAt });
    expect([(await me(stash)).status, (await me(rotated.json.token)).status]).toEqual([401, 200]);
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    await until(async () => (await me(sandbox.token)).status === 401, "the session to end");
    expect((await me(rotated.json.token)).status).toBe(401);
  });

  it("attack: after its sandbox ended, rotating (or revoking then rotating) the session-minted subagent is refused with 409 and it stays dead", async () => {
    const { org, host, sandbox, stash, stashId } = await stashFromSandbox("minted-revive");
    host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    await until(async () => (await me(stash)).status === 401, "the session to end");
    for (const before of [null, "DELETE"] as const) {
      if (before) await call(`/api/v1/orgs/${org.orgId}/agents/${stashId}/token`, { method: before, token: org.apiKey });
      const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${stashId}/token`, { method: "POST", token: org.apiKey });
      expect(rotated.status, rotated.text).toBe(409);
      expect(rotated.json.error.message).toMatch(/sandbox session that has ended/);
    }
    const agentView = await call(`/api/v1/orgs/${org.orgId}/agents/${stashId}`, { token: org.apiKey });
    expect(agentView.json.status).toBe("revoked");
  });
});
