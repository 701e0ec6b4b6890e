// The sandbox host against the real edge: `wrangler dev` (workerd), `palisade host enroll` and
// `palisade host run` as real processes, real bwrap sandboxes. An agent started from the API runs
// curl in a sandbox, reaches an internal service through the pool route, is refused elsewhere,
// and is killed when its token is revoked.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/index.js";
import { type TargetServer, startTargetServer } from "../../support/target-server.js";
import { type Edge, api, startEdge } from "../dashboard/edge.js";
import { missing } from "../../support/capabilities.js";

const root = path.resolve(import.meta.dirname, "../../..");
const palisade = path.join(root, "sandbox-host/bin/palisade.mjs");
const bwrap = await new BwrapDriver().available();
const hasCurl = spawnSync("sh", ["-c", "command -v curl"]).status === 0;

let edge: Edge;
let target: TargetServer;
let daemon: ChildProcess | undefined;
let stateDir: string;
let key: string;
let orgId: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(missing("bubblewrap", bwrap) || missing("curl", { ok: hasCurl }) || missing("root", { ok: process.getuid?.() === 0 }))(
  "sandbox host against the real edge",
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      edge = await startEdge();
      target = await startTargetServer();
      stateDir = mkdtempSync(path.join("/var/tmp", "pal-e2e-host-"));
      const boot = await api(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, {
        orgName: "E2E",
        email: "e2e@example.test",
        password: "e2e-password-123",
      });
      const b = boot.json as { orgId: string; apiKey: string };
      orgId = b.orgId;
      key = b.apiKey;
      const policy = await api(edge, "POST", `/api/v1/orgs/${orgId}/policies`, key, {
        name: "internal",
        egress: [{ host: "127.0.0.1", ports: [target.port], methods: ["GET"], paths: ["/internal/**"], route: "pool:e2e" }],
      });
      await api(edge, "POST", `/api/v1/orgs/${orgId}/policies/${(policy.json as { id: string }).id}/attach`, key, { scope: "org" });
      const enrollment = await api(edge, "POST", `/api/v1/orgs/${orgId}/hosts`, key, { pool: "e2e" });
      const token = (enrollment.json as { enrollmentToken: string }).enrollmentToken;
      const enrolled = spawnSync(
        process.execPath,
        [palisade, "host", "enroll", "--edge", edge.url, "--token", token, "--name", "e2e-host", "--state-dir", stateDir],
        { encoding: "utf8", timeout: 60_000 },
      );
      expect(enrolled.status, enrolled.stderr).toBe(0);
      expect(statSync(path.join(stateDir, "host.json")).mode & 0o777).toBe(0o600);
      daemon = spawn(process.execPath, [palisade, "host", "run", "--state-dir", stateDir, "--driver", "bwrap"], { stdio: "ignore" });
      await until("the host to connect", async () => {
        const hosts = await api(edge, "GET", `/api/v1/orgs/${orgId}/hosts`, key);
        return (hosts.json as { items: Array<{ connected: boolean }> }).items.some((h) => h.connected) ? true : undefined;
      });
      // Setup is wrangler's migrations and `wrangler dev` coming up (about 30 s alone, over 100 s beside
      // the rest of the suite on two cores), then enrolment: the same budget as the other edge suites.
    }, 240_000);

    afterAll(async () => {
      if (daemon && daemon.exitCode === null) {
        const exited = new Promise((r) => daemon?.once("exit", r));
        daemon.kill("SIGTERM");
        // A daemon that does not stop on SIGTERM fails its own tests; here it must not outlive the file.
        const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 20_000))]);
        if (!stopped) daemon.kill("SIGKILL");
      }
      await edge?.stop();
      await target?.close();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    });

    it("runs curl in a sandbox that reaches the internal service through the pool, and nothing else", async () => {
      const agent = await api(edge, "POST", `/api/v1/orgs/${orgId}/agents`, key, { name: "worker", autonomy: 5 });
      const agentId = (agent.json as { id: string }).id;
      const url = `http://127.0.0.1:${target.port}`;
      const script = [
        `curl -s -m 10 ${url}/internal/ok`,
        `echo; echo post=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST ${url}/internal/ok)`,
        `echo other=$(curl -s -m 10 -o /dev/null -w '%{http_code}' ${url}/elsewhere)`,
        `echo direct=$(curl -s -m 3 --noproxy '*' -o /dev/null -w '%{http_code}' ${url}/internal/ok || true)`,
      ].join("; ");
      const started = await api(edge, "POST", `/api/v1/orgs/${orgId}/sandboxes`, key, { agentId, pool: "e2e", command: ["/bin/sh", "-c", script] });
      expect(started.status, JSON.stringify(started.json)).toBe(201);
      const sandboxId = (started.json as { id: string }).id;
      const done = await until(
        "the sandbox to exit",
        async () => {
          const s = await api(edge, "GET", `/api/v1/orgs/${orgId}/sandboxes/${sandboxId}`, key);
          const state = (s.json as { state: string }).state;
          return state === "exited" || state === "failed" ? (s.json as { state: string; exitCode: number | null }) : undefined;
        },
        60_000,
      );
      expect(done.state).toBe("exited");
      const audit = await until("the exit in the audit", async () => {
        const a = await api(edge, "GET", `/api/v1/orgs/${orgId}/audit?action=sandbox.exited`, key);
        const items = (a.json as { items: Array<{ details: { output?: string } }> }).items;
        return items.length ? items[0] : undefined;
      });
      const output = audit.details.output ?? "";
      // The internal service answered through edge → tunnel → host.
      expect(output).toContain('"path":"/internal/ok"');
      expect(output).toContain("post=403");
      expect(output).toContain("other=403");
      // No route out of the sandbox's network namespace without the proxy.
      expect(output).toMatch(/direct=000/);
      expect(target.requests.some((r) => r.path === "/internal/ok" && r.method === "GET")).toBe(true);
      expect(target.requests.some((r) => r.method === "POST" || r.path === "/elsewhere")).toBe(false);
    });

    it("kills the agent's sandbox within seconds of revoking its token", async () => {
      const agent = await api(edge, "POST", `/api/v1/orgs/${orgId}/agents`, key, { name: "sleeper" });
      const agentId = (agent.json as { id: string }).id;
      // A duration no other process on the machine sleeps, so pgrep finds only this sandbox's command.
      const sleep = `600.${process.pid}${Date.now() % 1000}`;
      const started = await api(edge, "POST", `/api/v1/orgs/${orgId}/sandboxes`, key, { agentId, pool: "e2e", command: ["/bin/sleep", sleep] });
      const sandboxId = (started.json as { id: string }).id;
      await until("the sandbox to run", async () => {
        const s = await api(edge, "GET", `/api/v1/orgs/${orgId}/sandboxes/${sandboxId}`, key);
        return (s.json as { state: string }).state === "running" ? true : undefined;
      });
      expect((await api(edge, "DELETE", `/api/v1/orgs/${orgId}/agents/${agentId}/token`, key)).status).toBe(204);
      const ended = await until(
        "the sandbox to end",
        async () => {
          const s = await api(edge, "GET", `/api/v1/orgs/${orgId}/sandboxes/${sandboxId}`, key);
          const state = (s.json as { state: string }).state;
          return state === "exited" || state === "stopped" ? state : undefined;
        },
        10_000,
      );
      expect(["exited", "stopped"]).toContain(ended);
      const ps = spawnSync("pgrep", ["-f", `sleep ${sleep}`], { encoding: "utf8" });
      expect(ps.stdout.trim()).toBe("");
    });
  },
);
