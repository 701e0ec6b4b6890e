// Red team (issue 20): isolation downgrade and image confusion through the edge API and a host's tunnel.
// To run at this HEAD: workers/mcp/route.ts imports oauth/resource.ts before telemetry/middleware.ts and the
// cycle (route <-> resource) throws "Cannot access __vite_ssr_import_13__" for every workers test; these
// results were taken with the `traced` import moved above the resource import (not committed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilities } from "../../schema/sandbox.js";
import type { TunnelCommand } from "../../schema/tunnel.js";
import { call, type SeededOrg, seedOrg, unique } from "../workers/support/api.js";
import { type ConnectedHost, connectHost } from "./support/sandbox-host.js";

const DIGEST = `sha256:${"cd".repeat(32)}`;
const OTHER = `sha256:${"ef".repeat(32)}`;
const ALL: HostCapabilities = {
  drivers: [
    { name: "bwrap", isolation: "container", images: false },
    { name: "oci", isolation: "container", images: true },
    { name: "gvisor", isolation: "gvisor", images: true },
    { name: "microvm", isolation: "vm", images: true, accelerator: "tcg" },
  ],
  images: [{ digest: DIGEST, names: ["secret-image:1"] }],
};

let orgA: SeededOrg;
let orgB: SeededOrg;
let hostA: ConnectedHost;
let silent: ConnectedHost;
let swapper: ConnectedHost;
let agentB: string;
let agentA: string;

const apiOf =
  (org: SeededOrg) =>
  (p: string, method = "GET", body?: unknown) =>
    call(`/api/v1/orgs/${org.orgId}${p}`, { method, token: org.apiKey, ...(body === undefined ? {} : { body }) });
const starts = (h: ConnectedHost) => h.commands.filter((c): c is Extract<TunnelCommand, { op: "sandbox.start" }> => c.op === "sandbox.start");

async function requirePolicy(org: SeededOrg, scope: string, id: string | undefined, minIsolation: string) {
  const api = apiOf(org);
  const policy = await api("/policies", "POST", { name: unique("iso"), egress: [], sandbox: { minIsolation } });
  expect(policy.status, policy.text).toBe(201);
  const attached = await api(`/policies/${policy.json.id}/attach`, "POST", { scope, ...(id ? { id } : {}) });
  expect(attached.status, attached.text).toBe(201);
}

beforeAll(async () => {
  orgA = await seedOrg("redA");
  orgB = await seedOrg("redB");
  hostA = await connectHost(orgA, {
    capabilities: ALL,
    runtime: (cmd) =>
      cmd.op === "sandbox.start"
        ? {
            driver: cmd.isolation === "vm" ? "microvm" : cmd.isolation === "gvisor" ? "gvisor" : "oci",
            isolation: cmd.isolation ?? "container",
            ...(cmd.image ? { imageDigest: DIGEST } : {}),
          }
        : undefined,
  });
  // Advertises every driver, then acknowledges starts without saying what it ran them on.
  silent = await connectHost(orgA, { capabilities: ALL, runtime: () => undefined });
  // Runs (and says it runs) a different image than the one asked for by digest.
  swapper = await connectHost(orgA, {
    capabilities: ALL,
    runtime: (cmd) => (cmd.op === "sandbox.start" ? { driver: "gvisor", isolation: "gvisor", imageDigest: OTHER } : undefined),
  });
  agentA = (await apiOf(orgA)("/agents", "POST", { name: unique("a") })).json.id;
  agentB = (await apiOf(orgB)("/agents", "POST", { name: unique("b") })).json.id;
  await requirePolicy(orgA, "org", undefined, "gvisor");
});
afterAll(() => {
  hostA?.close();
  silent?.close();
  swapper?.close();
});

describe("isolation through the edge", () => {
  it("org-level policy, isolation omitted: the host is asked for gvisor", async () => {
    const res = await apiOf(orgA)("/sandboxes", "POST", { agentId: agentA, pool: hostA.pool, command: ["/bin/true"], image: "secret-image:1" });
    expect(res.status, res.text).toBe(201);
    expect(starts(hostA).at(-1)?.isolation).toBe("gvisor");
  });
  for (const isolation of [null, "", "Gvisor ", "container\u0000", "gvisor,container"]) {
    it(`isolation ${JSON.stringify(isolation)} is refused with 400, not defaulted`, async () => {
      const before = hostA.commands.length;
      const res = await apiOf(orgA)("/sandboxes", "POST", { agentId: agentA, pool: hostA.pool, command: ["/bin/true"], isolation });
      expect(res.status, res.text).toBe(400);
      expect(hostA.commands.length).toBe(before);
    });
  }
  it("a host that acknowledges a gvisor start without saying what it runs on is not trusted with it", async () => {
    const res = await apiOf(orgA)("/sandboxes", "POST", { agentId: agentA, pool: silent.pool, command: ["/bin/true"], isolation: "gvisor" });
    // Expected: the start fails (or at least the sandbox is not 'starting' with no driver on record).
    const ok = res.status === 201 && res.json.state !== "failed";
    expect(ok ? { status: res.status, state: res.json.state, driver: res.json.driver } : "refused").toBe("refused");
  });
  it("a host that runs another image than the digest asked for is not believed", async () => {
    const res = await apiOf(orgA)("/sandboxes", "POST", { agentId: agentA, pool: swapper.pool, command: ["/bin/true"], image: DIGEST });
    const ok = res.status === 201 && res.json.state !== "failed";
    expect(ok ? { status: res.status, state: res.json.state, imageDigest: res.json.imageDigest } : "refused").toBe("refused");
  });
});

describe("another org's pool and images", () => {
  it("org B cannot start a sandbox on org A's pool by its name, nor use A's image", async () => {
    const before = hostA.commands.length;
    for (const image of [undefined, "secret-image:1", DIGEST]) {
      const res = await apiOf(orgB)("/sandboxes", "POST", {
        agentId: agentB,
        pool: hostA.pool,
        command: ["/bin/true"],
        isolation: "gvisor",
        ...(image ? { image } : {}),
      });
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    }
    expect(hostA.commands.length).toBe(before);
  });
  it("org B cannot start org A's agent", async () => {
    const res = await apiOf(orgB)("/sandboxes", "POST", { agentId: agentA, pool: hostA.pool, command: ["/bin/true"], isolation: "gvisor" });
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  });
});
