// Attack class: a sandbox's session token outliving the sandbox or the agent's credentials. The
// token a host receives for a sandbox must end when the agent's token is rotated or revoked (or its
// parent's), when the agent is deleted or the host revoked, and must lapse with the sandbox's idle
// timeout unless the host keeps renewing it through its tunnel (heartbeats, status reports).
import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../workers/identity/crypto.js";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const h of hosts.splice(0)) h.close();
});

async function setup(label: string) {
  const org = await seedOrg(label);
  const host = await connectFakeHost(org);
  hosts.push(host);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "worker" } });
  return { org, host, agentId: agent.json.id as string, agentToken: agent.json.token as string };
}

const me = (token: string) => call("/agent/v1/me", { token });

async function storedExpiry(token: string): Promise<number | null> {
  const row = await env.DB.prepare("SELECT expires_at FROM tokens WHERE sha256 = ?")
    .bind(await sha256Hex(token))
    .first<{ expires_at: number | null }>();
  return row?.expires_at ?? null;
}

/** Moves the token's stored expiry to `at`, as if the renewal window had nearly run out. */
async function rewindExpiry(token: string, at: number) {
  await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE sha256 = ?")
    .bind(at, await sha256Hex(token))
    .run();
}

async function waitFor(pred: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function subagentOf(org: SeededOrg, parentId: string) {
  const sub = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "sub", parentAgentId: parentId } });
  expect(sub.status).toBe(201);
  return sub.json.id as string;
}

describe("attack: sandbox session token survives the agent's credentials", () => {
  it("attack: keep using a sandbox's session token after the agent's token was rotated", async () => {
    const { org, host, agentId } = await setup("sbx-rotate");
    const { token } = await startSandbox(org, host, agentId);
    expect((await me(token)).status).toBe(200);
    const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "POST", token: org.apiKey });
    expect(rotated.status).toBe(201);
    expect((await me(token)).status).toBe(401);
    // The fresh agent token works; the sandbox that held the old session is told to end.
    expect((await me(rotated.json.token)).status).toBe(200);
    await host.until(() => host.commands.some((c) => c.op === "sandbox.kill"));
  });

  it("attack: keep using a sandbox's session token after the agent's token was revoked", async () => {
    const { org, host, agentId } = await setup("sbx-revoke");
    const { token } = await startSandbox(org, host, agentId);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it("attack: keep using a subagent sandbox's session token after the parent's token was rotated", async () => {
    const { org, host, agentId } = await setup("sbx-parent-rotate");
    const subId = await subagentOf(org, agentId);
    const { token } = await startSandbox(org, host, subId);
    expect((await me(token)).status).toBe(200);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "POST", token: org.apiKey })).status).toBe(201);
    expect((await me(token)).status).toBe(401);
  });

  it("attack: keep using a subagent sandbox's session token after the parent's token was revoked", async () => {
    const { org, host, agentId } = await setup("sbx-parent-revoke");
    const subId = await subagentOf(org, agentId);
    const { token } = await startSandbox(org, host, subId);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it("attack: keep using a sandbox's session token after the agent was deleted", async () => {
    const { org, host, agentId } = await setup("sbx-delete");
    const { token } = await startSandbox(org, host, agentId);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${agentId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it("attack: keep using a sandbox's session token after its host was revoked", async () => {
    const { org, host, agentId } = await setup("sbx-host-revoke");
    const { token } = await startSandbox(org, host, agentId);
    expect((await call(`/api/v1/orgs/${org.orgId}/hosts/${host.hostId}`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await me(token)).status).toBe(401);
  });

  it("attack: keep using a sandbox's session token after the sandbox ended (exit report, stop)", async () => {
    const { org, host, agentId } = await setup("sbx-ended");
    const exited = await startSandbox(org, host, agentId);
    host.report(exited.sandboxId, "running");
    host.report(exited.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
    await waitFor(async () => (await me(exited.token)).status === 401, "the exit report to revoke the token");
    const stopped = await startSandbox(org, host, agentId);
    const stop = await call(`/api/v1/orgs/${org.orgId}/sandboxes/${stopped.sandboxId}/stop`, { method: "POST", token: org.apiKey, body: {} });
    expect(stop.status).toBe(200);
    expect((await me(stopped.token)).status).toBe(401);
  });
});

describe("attack: sandbox session token never expires", () => {
  it("attack: use a sandbox's session token after its idle timeout passed with no renewal", async () => {
    const { org, host, agentId } = await setup("sbx-idle");
    const before = Date.now();
    const { token } = await startSandbox(org, host, agentId, "onprem", 1);
    const expiry = await storedExpiry(token);
    expect(expiry).not.toBeNull();
    // Bound by the idle timeout (one minute here) plus the renewal slack.
    expect(expiry as number).toBeLessThanOrEqual(Date.now() + 2 * 60_000);
    expect(expiry as number).toBeGreaterThan(before);
    expect((await me(token)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((expiry as number) + 1_000);
    expect((await me(token)).status).toBe(401);
  });

  it("the host's status reports renew the session while the sandbox runs", async () => {
    const { org, host, agentId } = await setup("sbx-renew-status");
    const { sandboxId, token } = await startSandbox(org, host, agentId, "onprem", 1);
    const nearlyOver = Date.now() + 1_000;
    await rewindExpiry(token, nearlyOver);
    host.report(sandboxId, "running");
    await waitFor(async () => ((await storedExpiry(token)) ?? 0) > nearlyOver + 30_000, "the status report to renew the session");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(nearlyOver + 5_000);
    expect((await me(token)).status).toBe(200);
  });

  it("the host's heartbeats renew the session; once the host is gone they stop and the session lapses", async () => {
    const { org, host, agentId } = await setup("sbx-renew-heartbeat");
    const { sandboxId, token } = await startSandbox(org, host, agentId, "onprem", 1);
    host.report(sandboxId, "running");
    const tunnel = env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName(host.hostId));
    host.send({ t: "ping" });
    const nearlyOver = Date.now() + 1_000;
    await rewindExpiry(token, nearlyOver);
    await runDurableObjectAlarm(tunnel);
    await waitFor(async () => ((await storedExpiry(token)) ?? 0) > nearlyOver + 30_000, "the heartbeat to renew the session");

    host.close();
    await waitFor(async () => !(await tunnel.status()).connected, "the tunnel to notice the host left");
    await rewindExpiry(token, nearlyOver);
    await runDurableObjectAlarm(tunnel);
    expect(await storedExpiry(token)).toBe(nearlyOver);
  });

  it("attack: another host of the org renews a sandbox it does not run", async () => {
    const { org, host, agentId } = await setup("sbx-foreign-host");
    const other = await connectFakeHost(org, "elsewhere");
    hosts.push(other);
    // Its own host stays quiet here, so only the other host could renew it.
    const { sandboxId, token } = await startSandbox(org, host, agentId, "onprem", 1);
    const nearlyOver = Date.now() + 1_000;
    await rewindExpiry(token, nearlyOver);
    other.report(sandboxId, "running");
    other.send({ t: "ping" });
    await runDurableObjectAlarm(env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName(other.hostId)));
    await new Promise((r) => setTimeout(r, 100));
    expect(await storedExpiry(token)).toBe(nearlyOver);
  });
});
