// Attack: get an agent's code a weaker sandbox than its policies require: ask for less, spell the
// level oddly, name a driver, go through a subagent, start where no host offers the level, or run
// on a host that claims less than it was asked. Each is refused (403 with the reason, 400, 409 or a
// failed start), never quietly downgraded, and the host never gets a weaker command.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilities } from "../../schema/sandbox.js";
import type { TunnelCommand } from "../../schema/tunnel.js";
import { call, expectErrorShape, type SeededOrg, seedOrg, unique } from "../workers/support/api.js";
import { type ConnectedHost, connectHost } from "./support/sandbox-host.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const ALL: HostCapabilities = {
  drivers: [
    { name: "bwrap", isolation: "container", images: false },
    { name: "oci", isolation: "container", images: true },
    { name: "gvisor", isolation: "gvisor", images: true },
    { name: "microvm", isolation: "vm", images: true, accelerator: "tcg" },
  ],
  images: [{ digest: DIGEST, names: ["agent-image:1"] }],
};

let org: SeededOrg;
let host: ConnectedHost;
let containerOnly: ConnectedHost;
let liar: ConnectedHost;
let relabeller: ConnectedHost;
let teamId: string;
let agentId: string;

const api = (path: string, method = "GET", body?: unknown) =>
  call(`/api/v1/orgs/${org.orgId}${path}`, { method, token: org.apiKey, ...(body === undefined ? {} : { body }) });
const start = (body: Record<string, unknown>, pool = host.pool) => api("/sandboxes", "POST", { agentId, pool, command: ["/bin/true"], ...body });
const lastStart = (h: ConnectedHost) =>
  h.commands.filter((c): c is Extract<TunnelCommand, { op: "sandbox.start" }> => c.op === "sandbox.start").at(-1);

async function requirePolicy(scope: "org" | "team" | "project" | "agent", id: string | undefined, minIsolation: string) {
  const policy = await api("/policies", "POST", { name: unique("iso"), egress: [], sandbox: { minIsolation } });
  expect(policy.status, policy.text).toBe(201);
  const attached = await api(`/policies/${policy.json.id}/attach`, "POST", { scope, ...(id ? { id } : {}) });
  expect(attached.status, attached.text).toBe(201);
  return policy.json.id as string;
}

beforeAll(async () => {
  org = await seedOrg("isolation");
  host = await connectHost(org, { capabilities: ALL, runtime: (cmd) => (cmd.op === "sandbox.start" ? honest(cmd) : undefined) });
  containerOnly = await connectHost(org, { capabilities: { drivers: [ALL.drivers[0]!], images: [] } });
  liar = await connectHost(org, { capabilities: ALL, runtime: () => ({ driver: "bwrap", isolation: "container" }) });
  relabeller = await connectHost(org, { capabilities: ALL, runtime: () => ({ driver: "bwrap", isolation: "vm" }) });
  const team = await api("/teams", "POST", { name: unique("team") });
  teamId = team.json.id;
  const agent = await api("/agents", "POST", { name: unique("agent"), teamId });
  agentId = agent.json.id;
  await requirePolicy("team", teamId, "gvisor");
});
afterAll(() => {
  host?.close();
  containerOnly?.close();
  liar?.close();
  relabeller?.close();
});

function honest(cmd: Extract<TunnelCommand, { op: "sandbox.start" }>) {
  const isolation = cmd.isolation ?? "container";
  const driver = isolation === "vm" ? "microvm" : isolation === "gvisor" ? "gvisor" : cmd.image ? "oci" : "bwrap";
  return {
    driver,
    isolation,
    ...(cmd.image ? { imageDigest: DIGEST } : {}),
    ...(isolation === "vm" ? { accelerator: "tcg" as const } : {}),
  } as const;
}

describe("asking for weaker isolation than the policy requires", () => {
  it("control: without a level the sandbox gets the policy's level, and says what it runs on", async () => {
    const res = await start({ image: "agent-image:1" });
    expect(res.status, res.text).toBe(201);
    expect(lastStart(host)).toMatchObject({ isolation: "gvisor", image: "agent-image:1" });
    expect(res.json).toMatchObject({ isolation: "gvisor", image: "agent-image:1", imageDigest: DIGEST, driver: "gvisor" });
    const audit = await api(`/audit?action=sandbox.start&resourceId=${res.json.id}`);
    expect(audit.json.items[0]?.details, JSON.stringify(audit.json.items[0])).toMatchObject({
      isolation: "gvisor",
      imageDigest: DIGEST,
      driver: "gvisor",
    });
  });

  it("a request for container isolation is refused with 403 and the reason, and nothing reaches a host", async () => {
    const before = host.commands.length;
    const res = await start({ isolation: "container" });
    expect(res.status, res.text).toBe(403);
    expectErrorShape(res);
    expect(res.json.error.code).toBe("policy_denied");
    expect(res.json.error.message).toMatch(/need isolation gvisor or stronger.*asked for container/);
    expect(host.commands.length).toBe(before);
  });

  const malformed: [string, Record<string, unknown>][] = [
    ["the level in capitals", { isolation: "CONTAINER" }],
    ["an unknown weaker level", { isolation: "none" }],
    ["a level as a list", { isolation: ["container"] }],
    ["a driver named directly", { driver: "bwrap" }],
    ["a driver beside the level", { isolation: "gvisor", driver: "bwrap" }],
    ["an image reference that climbs out", { image: "../../etc/passwd" }],
    ["an image digest of another algorithm", { image: `sha512:${"a".repeat(128)}` }],
  ];
  for (const [name, body] of malformed) {
    it(`refuses ${name} with 400`, async () => {
      const before = host.commands.length;
      const res = await start(body);
      expect(res.status, res.text).toBe(400);
      expectErrorShape(res);
      expect(host.commands.length).toBe(before);
    });
  }

  it("a subagent cannot get weaker isolation than its parent's policies require", async () => {
    const parent = await api("/agents", "POST", { name: unique("parent") });
    await requirePolicy("agent", parent.json.id, "vm");
    const sub = await api("/agents", "POST", { name: unique("sub"), parentAgentId: parent.json.id });
    expect(sub.status, sub.text).toBe(201);
    for (const isolation of ["container", "gvisor"]) {
      const res = await api("/sandboxes", "POST", {
        agentId: sub.json.id,
        pool: host.pool,
        command: ["/bin/true"],
        isolation,
        image: "agent-image:1",
      });
      expect(res.status, res.text).toBe(403);
      expect(res.json.error.message).toMatch(/vm or stronger/);
    }
    const ok = await api("/sandboxes", "POST", { agentId: sub.json.id, pool: host.pool, command: ["/bin/true"], image: "agent-image:1" });
    expect(ok.status, ok.text).toBe(201);
    expect(lastStart(host)).toMatchObject({ isolation: "vm" });
    expect(ok.json).toMatchObject({ isolation: "vm", accelerator: "tcg" });
  });

  it("the strictest of several policies wins (org container, project vm)", async () => {
    const project = await api("/projects", "POST", { name: unique("project"), teamId });
    await requirePolicy("org", undefined, "container");
    await requirePolicy("project", project.json.id, "vm");
    const agent = await api("/agents", "POST", { name: unique("agent"), teamId, projectId: project.json.id });
    const res = await api("/sandboxes", "POST", { agentId: agent.json.id, pool: host.pool, command: ["/bin/true"], isolation: "gvisor" });
    expect(res.status, res.text).toBe(403);
    expect(res.json.error.message).toMatch(/vm or stronger/);
    const effective = await api(`/agents/${agent.json.id}/effective-policy`);
    expect(effective.json.minIsolation).toBe("vm");
  });

  it("a vm without an image is refused with 400, before any host is asked", async () => {
    const res = await start({ isolation: "vm" });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error.message).toMatch(/runs an image/);
  });

  it("a pool whose hosts offer only containers answers 409, not a container", async () => {
    const before = containerOnly.commands.length;
    const res = await start({ isolation: "gvisor" }, containerOnly.pool);
    expect(res.status, res.text).toBe(409);
    expect(res.json.error.message).toMatch(/can run isolation gvisor/);
    expect(containerOnly.commands.length).toBe(before);
    const pools = await api("/host-pools");
    expect(pools.json.items.find((p: { name: string }) => p.name === containerOnly.pool)?.isolation).toEqual(["container"]);
    expect(pools.json.items.find((p: { name: string }) => p.name === host.pool)?.isolation).toEqual(["container", "gvisor", "vm"]);
  });

  it("an image no host of the pool holds answers 409", async () => {
    const res = await start({ image: "never-imported:1" });
    expect(res.status, res.text).toBe(409);
  });

  it("a host that reports running the sandbox at less than asked is not believed: the start fails and the sandbox is killed", async () => {
    const res = await start({ image: "agent-image:1" }, liar.pool);
    expect(res.status, res.text).toBe(503);
    expect(res.json.error.message).toMatch(/below gvisor/);
    expect(liar.commands.at(-1)).toMatchObject({ op: "sandbox.kill" });
    const list = await api(`/sandboxes?agentId=${agentId}`);
    const failed = list.json.items.find((s: { pool: string; state: string }) => s.pool === liar.pool);
    expect(failed?.state).toBe("failed");
  });

  it("a host that later reports running it at less than asked is not believed either: the sandbox is killed and fails", async () => {
    const res = await start({ image: "agent-image:1" });
    expect(res.status, res.text).toBe(201);
    const sandboxId = res.json.id as string;
    const before = host.commands.length;
    host.sendStatus({ sandboxId, state: "running", runtime: { driver: "oci", isolation: "container", imageDigest: DIGEST } });
    let sandbox: { state: string; reason: string | null } | undefined;
    for (let i = 0; i < 100 && sandbox?.state !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      sandbox = (await api(`/sandboxes/${sandboxId}`)).json;
    }
    expect(sandbox?.state).toBe("failed");
    expect(sandbox?.reason).toMatch(/isolation container, below gvisor/);
    expect(host.commands.slice(before)).toContainEqual({ op: "sandbox.kill", sandboxId });
    const audit = await api(`/audit?action=sandbox.failed&resourceId=${sandboxId}`);
    expect(audit.json.items[0]?.details).toMatchObject({ isolation: "gvisor", reportedIsolation: "container" });
  });

  it("a host that labels a container driver with a stronger level is judged by its driver", async () => {
    const res = await start({ image: "agent-image:1" }, relabeller.pool);
    expect(res.status, res.text).toBe(503);
    expect(res.json.error.message).toMatch(/isolation container, below gvisor/);
    expect(relabeller.commands.at(-1)).toMatchObject({ op: "sandbox.kill" });
  });
});
