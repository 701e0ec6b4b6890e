// "A desktop MCP client configured with an agent token": the official SDK client over real HTTP
// against `wrangler dev` (loopback, ephemeral port, temporary state), seeing exactly the approved
// tools; a mutating call waits until an admin approves it, and the audit shows the whole story.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSecrets } from "../../support/secrets.js";
import { type TargetServer, startTargetServer } from "../../support/target-server.js";

const root = path.resolve(import.meta.dirname, "../../..");
const wrangler = path.join(root, "scripts/wrangler.mjs");
let state: string;
let child: ChildProcess | undefined;
let edge: string;
let target: TargetServer;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function api(method: string, p: string, token: string, body?: unknown) {
  const res = await fetch(edge + p, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  target = await startTargetServer();
  state = mkdtempSync(path.join(tmpdir(), "palisade-mcp-"));
  const envFile = path.join(state, "test.env");
  writeFileSync(
    envFile,
    Object.entries({ ...testSecrets, ALLOW_PRIVATE_UPSTREAMS: "true" })
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
    { mode: 0o600 },
  );
  const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], {
    cwd: root,
    env: { ...process.env, CI: "true" },
    encoding: "utf8",
  });
  expect(migrate.status, migrate.stderr).toBe(0);
  const port = await freePort();
  edge = `http://127.0.0.1:${port}`;
  child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      state,
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: root, env: { ...process.env, CI: "true" }, stdio: ["ignore", "ignore", "pipe"] },
  );
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error("wrangler dev exited early");
    const up = await fetch(`${edge}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("wrangler dev did not come up");
}, 120_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await target?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe("desktop MCP client against wrangler dev", () => {
  it("sees the approved tools, waits for approval on a mutating call, and leaves an audit trail", async () => {
    const boot = await api("POST", "/api/v1/bootstrap", testSecrets.BOOTSTRAP_TOKEN, {
      orgName: "Desk Org",
      email: "admin@desk.test",
      password: "a-long-enough-password",
    });
    expect(boot.status).toBe(201);
    const { orgId, apiKey } = boot.json as { orgId: string; apiKey: string };
    const agent = await api("POST", `/api/v1/orgs/${orgId}/agents`, apiKey, { name: "claude-desktop", autonomy: 2 });
    const tool = (name: string, method: string) =>
      api("POST", `/api/v1/orgs/${orgId}/tools`, apiKey, {
        name,
        inputSchema: { type: "object", properties: { title: { type: "string" } } },
        method,
        url: `${target.url}/${name}`,
      });
    const list = await tool("list_tickets", "GET");
    const create = await tool("create_ticket", "POST");
    await tool("hidden_admin_tool", "DELETE");
    for (const t of [list, create])
      expect((await api("POST", `/api/v1/orgs/${orgId}/tools/${t.json.id}/grants`, apiKey, { scope: "agent", id: agent.json.id })).status).toBe(201);

    const client = new Client({ name: "desktop", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${edge}/mcp`), { requestInit: { headers: { authorization: `Bearer ${agent.json.token}` } } }),
    );
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["create_ticket", "list_tickets"]);
      expect((await client.callTool({ name: "list_tickets", arguments: {} })).isError).toBe(false);

      const waiting = client.callTool({ name: "create_ticket", arguments: { title: "printer on fire" } });
      let approvalId: string | undefined;
      for (let i = 0; i < 200 && !approvalId; i++) {
        const pending = await api("GET", `/api/v1/orgs/${orgId}/approvals?status=pending`, apiKey);
        approvalId = pending.json.items[0]?.id;
        if (!approvalId) await new Promise((r) => setTimeout(r, 25));
      }
      expect(approvalId).toBeDefined();
      expect(target.requests.some((r) => r.path.startsWith("/create_ticket"))).toBe(false);
      expect((await api("POST", `/api/v1/orgs/${orgId}/approvals/${approvalId}/approve`, apiKey, {})).status).toBe(200);
      expect((await waiting).isError).toBe(false);
      expect(target.requests.filter((r) => r.path.startsWith("/create_ticket")).length).toBe(1);
    } finally {
      await client.close();
    }

    const audit = await api("GET", `/api/v1/orgs/${orgId}/audit?limit=200`, apiKey);
    const actions = (audit.json.items as Array<{ action: string }>).map((e) => e.action);
    for (const a of ["tool.create", "tool.grant", "approval.request", "approval.approve", "tool.call"]) expect(actions).toContain(a);
  }, 60_000);
});
