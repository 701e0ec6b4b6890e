// Attack class: make the gateway send a rule's credential where the rule did not mean it to go:
// over plain http, or to another port of the allowed host.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";

const SECRET = "transport-secret-0123456789abcdef";
const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);
let org: SeededOrg;

async function lastSeenAuth(): Promise<string | undefined> {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=1`)).json()) as Array<{ path: string; headers: Record<string, string> }>;
  return seen[0]?.headers.authorization;
}

async function agentWith(rule: Record<string, unknown>) {
  const agent = await createAgent(org, { name: `transport-${Math.random()}`, autonomy: 5 });
  await attachPolicy(org, { name: `transport-${agent.id}`, egress: [rule] }, { scope: "agent", id: agent.id });
  return agent;
}

beforeAll(async () => {
  org = await seedOrg("transport");
  await create(org, "credentials", { name: "t-cred", secret: SECRET, inject: { type: "bearer" } });
});

describe("a credential goes over https to the scheme's port, unless the rule says otherwise", () => {
  it("refuses to inject over plain http without the rule's explicit opt-in (nothing sent)", async () => {
    for (const rule of [
      { host: "127.0.0.1", credential: "t-cred" },
      { host: "127.0.0.1", ports: [port], credential: "t-cred" },
      { host: "127.0.0.1", ports: [port], paths: ["/**"], methods: ["GET"], credential: "t-cred" },
    ]) {
      const agent = await agentWith(rule);
      const marker = `plain-${Math.random().toString(36).slice(2)}`;
      const res = await call(`/egress/${env.TEST_TARGET_URL}/${marker}`, { token: agent.token });
      expect(res.status, res.text).toBe(403);
      const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=5`)).json()) as Array<{ path: string }>;
      expect(seen.some((r) => r.path.includes(marker))).toBe(false);
    }
  });

  it("refuses a port the rule does not list when it injects a credential (no ports: the scheme's port only)", async () => {
    const agent = await agentWith({ host: "127.0.0.1", credential: "t-cred", credentialOverHttp: true });
    const res = await call(`/egress/${env.TEST_TARGET_URL}/other-port`, { token: agent.token });
    expect(res.status, res.text).toBe(403);
    expect(res.json.error.message).toMatch(/port/);
  });

  it("injects over http to a listed port when the rule opts in (control)", async () => {
    const agent = await agentWith({ host: "127.0.0.1", ports: [port], credential: "t-cred", credentialOverHttp: true });
    const res = await call(`/egress/${env.TEST_TARGET_URL}/opted-in`, { token: agent.token });
    expect(res.status).toBe(200);
    expect(await lastSeenAuth()).toBe(`Bearer ${SECRET}`);
  });

  it("applies the same to an HTTP tool's credential", async () => {
    const agent = await createAgent(org, { name: "tool-user", autonomy: 5 });
    const tool = await create(org, "tools", {
      name: `plain-tool-${Math.random().toString(36).slice(2, 8)}`,
      description: "d",
      inputSchema: { type: "object" },
      method: "GET",
      url: `${env.TEST_TARGET_URL}/tool-plain`,
      credential: "t-cred",
    });
    await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
    const res = await call("/mcp", {
      method: "POST",
      token: agent.token,
      headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
      rawBody: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool.name, arguments: {} } }),
    });
    expect(res.text).not.toContain(SECRET);
    expect(res.json.error ?? res.json.result?.isError).toBeTruthy();
    const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=3`)).json()) as Array<{ path: string; headers: Record<string, string> }>;
    expect(seen.filter((r) => r.path.startsWith("/tool-plain")).every((r) => r.headers.authorization !== `Bearer ${SECRET}`)).toBe(true);
  });
});
