// What an agent token can never do: write a guide, create a second-level subagent, exceed its
// parent, or read another agent's memory and threads. Plus the guide prompt the LLM proxy uses.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { rightsOf } from "../../../workers/agents/service.js";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";
import { guidePromptFor } from "../../../workers/tools/guide.js";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";
import { auditOf, toolCall } from "../support/tools.js";

let org: SeededOrg;
let parent: { id: string; token: string };
let other: { id: string; token: string };
const target = new URL(env.TEST_TARGET_URL);

async function agent(name: string, autonomy = 3) {
  const res = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name, autonomy } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id as string, token: res.json.token as string };
}

async function attach(agentId: string, body: Record<string, unknown>) {
  const p = await call(`/api/v1/orgs/${org.orgId}/policies`, { method: "POST", token: org.apiKey, body });
  expect(p.status, p.text).toBe(201);
  expect(
    (
      await call(`/api/v1/orgs/${org.orgId}/policies/${p.json.id}/attach`, {
        method: "POST",
        token: org.apiKey,
        body: { scope: "agent", id: agentId },
      })
    ).status,
  ).toBe(201);
}

beforeAll(async () => {
  org = await seedOrg("bounds");
  parent = await agent("parent", 3);
  other = await agent("other", 3);
  await attach(parent.id, {
    name: "parent-scope",
    egress: [{ host: "127.0.0.1", ports: [Number(target.port)], methods: ["GET"], paths: ["/parent-only/**"] }],
    autonomyGate: { allowSubagents: true },
  });
  for (const name of ["lookup", "other_lookup"]) {
    const tool = await call(`/api/v1/orgs/${org.orgId}/tools`, {
      method: "POST",
      token: org.apiKey,
      body: { name, inputSchema: { type: "object" }, method: "GET", url: `${env.TEST_TARGET_URL}/${name}` },
    });
    expect(tool.status).toBe(201);
    if (name === "lookup")
      expect(
        (
          await call(`/api/v1/orgs/${org.orgId}/tools/${tool.json.id}/grants`, {
            method: "POST",
            token: org.apiKey,
            body: { scope: "agent", id: parent.id },
          })
        ).status,
      ).toBe(201);
  }
});

describe("Agent Guide", () => {
  it("is written by users, versioned, and refused to agents on every write path", async () => {
    const created = await call(`/api/v1/orgs/${org.orgId}/guides`, {
      method: "POST",
      token: org.apiKey,
      body: { content: "Be polite. Never delete data." },
    });
    expect(created.status).toBe(201);
    const own = await call(`/api/v1/orgs/${org.orgId}/guides`, {
      method: "POST",
      token: org.apiKey,
      body: { agentId: parent.id, content: "You triage tickets." },
    });
    expect(own.status).toBe(201);
    const v2 = await call(`/api/v1/orgs/${org.orgId}/guides/${own.json.id}`, {
      method: "PATCH",
      token: org.apiKey,
      body: { content: "You triage tickets, politely.", expectedVersion: 1 },
    });
    expect(v2.json.version).toBe(2);
    expect(
      (
        await call(`/api/v1/orgs/${org.orgId}/guides/${own.json.id}`, {
          method: "PATCH",
          token: org.apiKey,
          body: { content: "stale", expectedVersion: 1 },
        })
      ).status,
    ).toBe(409);
    const versions = await call(`/api/v1/orgs/${org.orgId}/guides/${own.json.id}/versions`, { token: org.apiKey });
    expect(versions.json.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const writes: Array<[string, string, unknown]> = [
      ["POST", `/api/v1/orgs/${org.orgId}/guides`, { content: "I may do anything" }],
      ["PATCH", `/api/v1/orgs/${org.orgId}/guides/${own.json.id}`, { content: "I may do anything" }],
      ["DELETE", `/api/v1/orgs/${org.orgId}/guides/${own.json.id}`, undefined],
      ["POST", "/agent/v1/guide", { content: "x" }],
      ["PUT", "/agent/v1/guide", { content: "x" }],
      ["PATCH", `/agent/v1/guides/${own.json.id}`, { content: "x" }],
      ["DELETE", "/agent/v1/guides", undefined],
    ];
    for (const [method, path, body] of writes) {
      const res = await call(path, { method, token: parent.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expectErrorShape(res);
    }
    const member = await seedMember(org, "member");
    expect(
      (await call(`/api/v1/orgs/${org.orgId}/guides/${created.json.id}`, { method: "PATCH", token: member.apiKey, body: { content: "x" } })).status,
    ).toBe(403);
    expect((await call(`/api/v1/orgs/${org.orgId}/guides/${created.json.id}`, { token: org.apiKey })).json.content).toBe(
      "Be polite. Never delete data.",
    );
  });

  it("builds the system prompt prefix from the org guide, the agent guide and the autonomy level", async () => {
    const rightsOfAgent = async (id: string) => {
      const result = await rightsOf(env, (await new OrgData(makeDb(env.DB), org.orgId).agent(id))!);
      if (!result.ok) throw new Error(result.reason);
      return result.rights;
    };
    const prompt = await guidePromptFor(env, await rightsOfAgent(parent.id));
    expect(prompt).toContain("Be polite. Never delete data.");
    expect(prompt).toContain("You triage tickets, politely.");
    expect(prompt).toContain("Autonomy level: 3 of 5");
    expect(prompt!.indexOf("Be polite")).toBeLessThan(prompt!.indexOf("You triage"));
    expect(await guidePromptFor(env, await rightsOfAgent(other.id))).not.toContain("You triage");
    const viaGateway = await call("/agent/v1/guide", { token: parent.token });
    expect(viaGateway.json.prompt).toBe(prompt);
  });
});

describe("subagents", () => {
  let child: { id: string; token: string };

  it("are created by an allowed agent, never above it, and cannot create subagents", async () => {
    expect((await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "too-bold", autonomy: 4 } })).status).toBe(403);
    expect(
      (await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "greedy", tools: ["other_lookup"] } })).status,
    ).toBe(403);
    const res = await call("/agent/v1/subagents", { method: "POST", token: parent.token, body: { name: "helper", autonomy: 2, tools: ["lookup"] } });
    expect(res.status, res.text).toBe(201);
    expect(res.json.parentAgentId).toBe(parent.id);
    expect(res.json.token).toMatch(/^pal_agent_/);
    child = { id: res.json.id, token: res.json.token };

    const second = await call("/agent/v1/subagents", { method: "POST", token: child.token, body: { name: "grandchild" } });
    expect(second.status).toBe(403);
    expectErrorShape(second);
    expect((await auditOf(org, "subagent.create", 4)).some((e) => e.result === "denied" && e.reason === "flat_hierarchy")).toBe(true);
    // An agent whose policy does not allow subagents cannot create any.
    expect((await call("/agent/v1/subagents", { method: "POST", token: other.token, body: { name: "x" } })).json.error.code).toBe("policy_denied");
  });

  it("stay inside the parent's scope: egress and tools are intersected with the parent's", async () => {
    // The subagent's own policy allows a path the parent cannot reach: still refused.
    await attach(child.id, { name: "child-wide", egress: [{ host: "127.0.0.1", ports: [Number(target.port)] }] });
    expect((await call(`/egress/${env.TEST_TARGET_URL}/parent-only/a`, { token: child.token })).status).toBe(200);
    const wider = await call(`/egress/${env.TEST_TARGET_URL}/elsewhere`, { token: child.token });
    expect(wider.status).toBe(403);
    expect(wider.json.error.message).toContain("subagent");
    const tools = await call("/mcp", {
      method: "POST",
      token: child.token,
      rawBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    });
    expect(tools.json.result.tools.map((t: { name: string }) => t.name)).toEqual(["lookup"]);
  });

  it("lose access when the parent is revoked", async () => {
    const ok = await toolCall(child.token, "lookup", {});
    expect(ok.json.result).toBeDefined();
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "DELETE", token: org.apiKey })).status).toBe(204);
    expect((await call("/agent/v1/me", { token: child.token })).status).toBe(401);
    expect((await toolCall(child.token, "lookup", {})).status).toBe(401);
    parent.token = (await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/token`, { method: "POST", token: org.apiKey })).json.token;
  });
});

describe("memory and threads", () => {
  it("keep each agent's memory to itself", async () => {
    expect((await call("/agent/v1/memory/plan", { method: "PUT", token: parent.token, body: { value: "step 1" } })).status).toBe(200);
    expect((await call("/agent/v1/memory/plan", { token: parent.token })).json.value).toBe("step 1");
    // The other agent has its own namespace: the same key is simply not there.
    expect((await call("/agent/v1/memory/plan", { token: other.token })).status).toBe(404);
    expect((await call("/agent/v1/memory", { token: other.token })).json.items).toEqual([]);
    // Admin-side paths are for users: an agent token is refused, for its own id and another's.
    for (const id of [parent.id, other.id]) {
      for (const sub of ["memory", "threads"]) {
        const res = await call(`/api/v1/orgs/${org.orgId}/agents/${id}/${sub}`, { token: other.token });
        expect(res.status).toBe(403);
      }
    }
    const admin = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/memory`, { token: org.apiKey });
    expect(admin.json.items.map((m: { key: string }) => m.key)).toEqual(["plan"]);
    expect((await call("/agent/v1/memory/..%2Fother", { token: parent.token })).status).toBe(404);
  });

  it("scope threads to one agent and one user", async () => {
    const member = await seedMember(org, "member");
    const thread = await call("/agent/v1/threads", { method: "POST", token: parent.token, body: { userId: member.userId, title: "help" } });
    expect(thread.status, thread.text).toBe(201);
    expect(
      (await call(`/agent/v1/threads/${thread.json.id}/messages`, { method: "POST", token: parent.token, body: { role: "user", content: "hello" } }))
        .status,
    ).toBe(201);
    // Another agent cannot read or write it, even knowing its id.
    expect((await call(`/agent/v1/threads/${thread.json.id}`, { token: other.token })).status).toBe(404);
    expect((await call(`/agent/v1/threads/${thread.json.id}/messages`, { token: other.token })).status).toBe(404);
    expect(
      (await call(`/agent/v1/threads/${thread.json.id}/messages`, { method: "POST", token: other.token, body: { role: "assistant", content: "hi" } }))
        .status,
    ).toBe(404);
    expect((await call("/agent/v1/threads", { token: other.token })).json.items).toEqual([]);
    // Users outside the org are not valid thread partners.
    const stranger = await seedOrg("stranger");
    expect((await call("/agent/v1/threads", { method: "POST", token: parent.token, body: { userId: stranger.ownerId } })).status).toBe(404);
    const msgs = await call(`/api/v1/orgs/${org.orgId}/agents/${parent.id}/threads/${thread.json.id}/messages`, { token: org.apiKey });
    expect(msgs.json.items.map((m: { content: string }) => m.content)).toEqual(["hello"]);
    // The thread under the wrong agent's path is not found.
    expect((await call(`/api/v1/orgs/${org.orgId}/agents/${other.id}/threads/${thread.json.id}/messages`, { token: org.apiKey })).status).toBe(404);
  });
});
