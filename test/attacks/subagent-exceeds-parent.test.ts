// Attack class: a subagent does more than its parent may. Each test mints a subagent through the
// public agent API and tries one way to exceed the parent; every attempt must fail.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy, chat, createAgent, fakeProviderOrg, mintSubagent } from "../workers/support/fixtures.js";
import { pendingApproval } from "../workers/support/tools.js";

const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);
const egress = (token: string, path: string, method = "GET") =>
  call(`/egress/${env.TEST_TARGET_URL}${path}`, { method, token, ...(method === "GET" ? {} : { rawBody: "{}" }) });

/** A parent agent allowed to create subagents, with extra agent-level policy sections. */
async function parentWith(label: string, parentPolicy: Record<string, unknown>, autonomy = 3) {
  const org = await fakeProviderOrg(label);
  const parent = await createAgent(org, { name: `${label}-parent`, autonomy });
  await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: parent.id });
  await attachPolicy(org, { name: `${label}-parent-rules`, ...parentPolicy }, { scope: "agent", id: parent.id });
  const child = await mintSubagent(parent.token, { autonomy });
  return { org, parent, child };
}

describe("a subagent never exceeds its parent's agent-level policy", () => {
  it("cannot call a model its parent may not (the parent's models list applies to the child)", async () => {
    const { parent, child } = await parentWith("models", { models: ["gpt-allowed"] });
    expect((await chat(parent.token, "gpt-other", "hi")).status).toBe(403);
    expect((await chat(child.token, "gpt-other", "hi")).status).toBe(403);
    expect((await chat(child.token, "gpt-allowed", "hi")).status).toBe(200);
    const listed = await call("/llm/openai/v1/models", { token: child.token });
    expect(listed.json.data.map((m: { id: string }) => m.id)).not.toContain("gpt-other");
  });

  it("cannot send personal data its parent's PII policy blocks", async () => {
    const { parent, child } = await parentWith("pii", { pii: { email: "block" } });
    const prompt = "Write to jane.roe@example.org about the invoice";
    expect((await chat(parent.token, "gpt-x", prompt)).status).toBe(422);
    expect((await chat(child.token, "gpt-x", prompt)).status).toBe(422);
  });

  it("cannot relax the parent's PII action with a policy of its own", async () => {
    const { org, child } = await parentWith("pii-relax", { pii: { email: "block" } });
    await attachPolicy(org, { name: "child-allows-email", pii: { email: "allow" } }, { scope: "agent", id: child.id });
    expect((await chat(child.token, "gpt-x", "mail bob.stone@example.net now")).status).toBe(422);
  });

  it("is held by its parent's approval gate", async () => {
    const { org, child } = await parentWith("gate", {
      egress: [{ host: "127.0.0.1", ports: [port] }],
      autonomyGate: { approve: { methods: ["PUT"] } },
    });
    await attachPolicy(org, { name: "child-egress", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "agent", id: child.id });
    const held = egress(child.token, "/gated-put", "PUT");
    const approval = await pendingApproval(org, child.id);
    await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} });
    const res = await held;
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("approval_denied");
  });

  it("acts at its parent's lowered autonomy at once", async () => {
    const { org, parent, child } = await parentWith("autonomy", { egress: [{ host: "127.0.0.1", ports: [port] }] }, 5);
    await attachPolicy(org, { name: "child-egress", egress: [{ host: "127.0.0.1", ports: [port] }] }, { scope: "agent", id: child.id });
    expect((await egress(child.token, "/post-at-5", "POST")).status).toBe(200);
    const lowered = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}`, { method: "PATCH", token: org.apiKey, body: { autonomy: 1 } });
    expect(lowered.status).toBe(200);
    const guide = await call("/agent/v1/guide", { token: child.token });
    expect(guide.json.prompt).toContain("Autonomy level: 1 of 5");
    const held = egress(child.token, "/post-at-1", "POST");
    const approval = await pendingApproval(org, child.id);
    await call(`/api/v1/orgs/${org.orgId}/approvals/${approval.id}/deny`, { method: "POST", token: org.apiKey, body: {} });
    expect((await held).status).toBe(403);
  });

  it("loses its token when the parent's token is rotated or revoked", async () => {
    for (const method of ["POST", "DELETE"]) {
      const { org, parent, child } = await parentWith(`rotate-${method}`, {});
      expect((await call("/agent/v1/me", { token: child.token })).status).toBe(200);
      const res = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method, token: org.apiKey });
      expect(res.status).toBe(method === "POST" ? 201 : 204);
      expect((await call("/agent/v1/me", { token: child.token })).status).toBe(401);
      expect((await chat(child.token, "gpt-x", "hi")).status).toBe(401);
    }
  });

  it("injects the credential its parent's decision names, never a stronger one", async () => {
    const org = await seedOrg("cred");
    const t = org.apiKey;
    for (const [name, secret] of [
      ["strong", "strong-secret-0123456789"],
      ["weak", "weak-secret-9876543210"],
    ]) {
      expect(
        (await call(`/api/v1/orgs/${org.orgId}/credentials`, { method: "POST", token: t, body: { name, secret, inject: { type: "bearer" } } }))
          .status,
      ).toBe(201);
    }
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: t, body: { name: "cred-team" } });
    const parent = await createAgent(org, { name: "cred-parent", teamId: team.json.id });
    await attachPolicy(
      org,
      { name: "team-strong", egress: [{ host: "127.0.0.1", ports: [port], credential: "strong", credentialOverHttp: true }] },
      { scope: "team", id: team.json.id },
    );
    await attachPolicy(
      org,
      {
        ...ALLOW_SUBAGENTS,
        name: "parent-weak",
        egress: [{ host: "127.0.0.1", ports: [port], paths: ["/reflect"], credential: "weak", credentialOverHttp: true }],
      },
      { scope: "agent", id: parent.id },
    );
    const child = await mintSubagent(parent.token);
    const parentSees = await egress(parent.token, "/reflect");
    expect(parentSees.headers.get("x-seen-auth")).toBe("[REDACTED]");
    const childSees = await call(`/egress/${env.TEST_TARGET_URL}/reflect`, { token: child.token });
    expect(childSees.status).toBe(200);
    const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=1`)).json()) as Array<{ headers: Record<string, string> }>;
    expect(seen[0]?.headers.authorization).toBe("Bearer weak-secret-9876543210");
  });

  it("cannot get a higher autonomy than its parent, by the agent API or by a later PATCH", async () => {
    const { org, parent, child } = await parentWith("autonomy-cap", {}, 2);
    const over = await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "greedy", autonomy: 4 } });
    expect(over.status).toBe(403);
    const patched = await call(`/api/v1/orgs/${org.orgId}/agents/${child.id}`, { method: "PATCH", token: org.apiKey, body: { autonomy: 5 } });
    expect([400, 403]).toContain(patched.status);
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${child.id}`, { token: org.apiKey })).json.autonomy).toBeLessThanOrEqual(2);
  });

  it("cannot be created past the parent's live subagent limit (409, nothing created)", async () => {
    const { org, parent } = await parentWith("count", { autonomyGate: { allowSubagents: true, maxSubagents: 2 } });
    // parentWith already minted one.
    await mintSubagent(parent.token);
    const third = await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "one-too-many" } });
    expect(third.status).toBe(409);
    const admin = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "admin-too-many", parentAgentId: parent.id },
    });
    expect(admin.status).toBe(409);
    const subs = await call("/agent/v1/subagents", { token: parent.token });
    expect(subs.json.items).toHaveLength(2);
  });

  it("is refused a subagent of its own (flat hierarchy), through both APIs", async () => {
    const { org, child } = await parentWith("flat", {});
    expect((await call("/agent/v1/subagents", { method: "POST", token: child.token, body: { name: "grandchild" } })).status).toBe(403);
    const admin = await call(`/api/v1/orgs/${org.orgId}/agents`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "grandchild", parentAgentId: child.id },
    });
    expect([400, 403]).toContain(admin.status);
  });
});
