// Image sandboxes against the real edge: `wrangler dev` (workerd), `palisade host image import` of
// a busybox image built here (no download), `palisade host run` as a real process. Through the
// public API a sandbox of each stronger isolation level starts from the imported image, sees a
// kernel that is not the host's and no network interface but loopback, reaches an allowed URL only
// through the edge, and ends when the agent's token is revoked. Status and audit name the image
// digest, the driver and (for a vm) the accelerator.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GvisorDriver } from "../../../sandbox-host/src/sandbox/gvisor.js";
import { MicrovmDriver } from "../../../sandbox-host/src/sandbox/microvm.js";
import type { SandboxDriver } from "../../../sandbox-host/src/sandbox/types.js";
import { missing } from "../../support/capabilities.js";
import { busyboxLayer, busyboxStatic, writeOciLayout } from "../../support/images.js";
import { type TargetServer, startTargetServer } from "../../support/target-server.js";
import { type Edge, api, startEdge } from "../dashboard/edge.js";

const root = path.resolve(import.meta.dirname, "../../..");
const palisade = path.join(root, "sandbox-host/bin/palisade.mjs");
const isRoot = process.getuid?.() === 0;

interface Level {
  isolation: "gvisor" | "vm";
  driver: string;
  probe: () => SandboxDriver;
}
const LEVELS: Level[] = [
  { isolation: "gvisor", driver: "gvisor", probe: () => new GvisorDriver() },
  { isolation: "vm", driver: "microvm", probe: () => new MicrovmDriver() },
];
const available = new Map<string, { ok: boolean; reason?: string }>();
for (const l of LEVELS)
  available.set(l.driver, isRoot && busyboxStatic() ? await l.probe().available() : { ok: false, reason: "needs root and busybox-static" });
const drivers = LEVELS.filter((l) => available.get(l.driver)?.ok).map((l) => l.driver);

let edge: Edge;
let target: TargetServer;
let daemon: ChildProcess | undefined;
let stateDir: string;
let key: string;
let orgId: string;
let digest: string;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// API calls may wait on a loaded host (a VM image built on its first start); a hang guard, not a speed check.
const orgApi = (method: string, p: string, body?: unknown) => api(edge, method, `/api/v1/orgs/${orgId}${p}`, key, body, 90_000);

describe.skipIf(missing("root", { ok: isRoot }) || missing("busybox-static", { ok: busyboxStatic() }) || drivers.length === 0)(
  "image sandboxes against the real edge",
  { timeout: 180_000 },
  () => {
    beforeAll(async () => {
      edge = await startEdge();
      target = await startTargetServer();
      stateDir = mkdtempSync(path.join("/var/tmp", "pal-e2e-images-"));
      const boot = await api(edge, "POST", "/api/v1/bootstrap", edge.bootstrapToken, {
        orgName: "E2E images",
        email: "e2e-images@example.test",
        password: "e2e-password-123",
      });
      ({ orgId, apiKey: key } = boot.json as { orgId: string; apiKey: string });
      const policy = await orgApi("POST", "/policies", {
        name: "internal",
        egress: [{ host: "127.0.0.1", ports: [target.port], methods: ["GET"], paths: ["/internal/**"], route: "pool:img" }],
      });
      await orgApi("POST", `/policies/${(policy.json as { id: string }).id}/attach`, { scope: "org" });
      const enrollment = await orgApi("POST", "/hosts", { pool: "img" });
      const token = (enrollment.json as { enrollmentToken: string }).enrollmentToken;
      const enrolled = spawnSync(process.execPath, [palisade, "host", "enroll", "--edge", edge.url, "--token", token, "--state-dir", stateDir], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(enrolled.status, enrolled.stderr).toBe(0);
      // The image, built here from Debian's static busybox, imported with the CLI.
      const layout = path.join(stateDir, "layout");
      await writeOciLayout(layout, [await busyboxLayer()], { name: "busybox:e2e", env: ["PATH=/bin"] });
      const imported = spawnSync(
        process.execPath,
        [palisade, "host", "image", "import", layout, "--name", "agent-image:1", "--state-dir", stateDir],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(imported.status, imported.stderr).toBe(0);
      digest = (JSON.parse(imported.stdout) as { digest: string }).digest;
      daemon = spawn(process.execPath, [palisade, "host", "run", "--state-dir", stateDir, "--driver", ["bwrap", ...drivers].join(",")], {
        stdio: "ignore",
      });
      await until(
        "the host to connect and advertise its drivers",
        async () => {
          const pools = await orgApi("GET", "/host-pools");
          const pool = (pools.json as { items: Array<{ name: string; isolation: string[] }> }).items.find((p) => p.name === "img");
          return LEVELS.filter((l) => drivers.includes(l.driver)).every((l) => pool?.isolation.includes(l.isolation)) ? true : undefined;
        },
        120_000,
      );
    }, 240_000);

    afterAll(async () => {
      if (daemon && daemon.exitCode === null) {
        const exited = new Promise((r) => daemon?.once("exit", r));
        daemon.kill("SIGTERM");
        await exited;
      }
      await edge?.stop();
      await target?.close();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    });

    for (const level of LEVELS) {
      describe.skipIf(missing(`the ${level.driver} driver`, available.get(level.driver) ?? { ok: false }))(`isolation ${level.isolation}`, () => {
        it("runs the imported image under its own kernel, with loopback only, reaching the allowed URL only through the edge", async () => {
          const agent = await orgApi("POST", "/agents", { name: `worker-${level.isolation}`, autonomy: 5 });
          const agentId = (agent.json as { id: string }).id;
          const url = `http://127.0.0.1:${target.port}`;
          // No -T: busybox 1.35's wget crashes on a chunked answer when given a timeout.
          const script = [
            "echo kernel $(uname -r)",
            "echo ifaces $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')",
            `wget -q -O- ${url}/internal/ok; echo`,
            `wget -q -O- ${url}/elsewhere >/dev/null 2>&1 || echo other=refused`,
            `wget -q -Y off -O- ${url}/internal/direct >/dev/null 2>&1 || echo direct=refused`,
          ].join("; ");
          const started = await orgApi("POST", "/sandboxes", {
            agentId,
            pool: "img",
            command: ["/bin/sh", "-c", script],
            image: "agent-image:1",
            isolation: level.isolation,
          });
          expect(started.status, JSON.stringify(started.json)).toBe(201);
          expect(started.json).toMatchObject({ isolation: level.isolation, imageDigest: digest, driver: level.driver });
          // A VM names its accelerator (kvm, or tcg: emulated and far slower); other levels have none.
          if (level.isolation === "vm") expect(["kvm", "tcg"]).toContain((started.json as { accelerator: string }).accelerator);
          // A VM's start returns once its VMM runs; `running` follows when the guest has booted.
          if (level.isolation === "vm") expect((started.json as { state: string }).state).toBe("starting");
          else expect((started.json as { accelerator: string | null }).accelerator).toBeNull();
          const sandboxId = (started.json as { id: string }).id;
          const done = await until(
            "the sandbox to exit",
            async () => {
              const s = await orgApi("GET", `/sandboxes/${sandboxId}`);
              const state = (s.json as { state: string }).state;
              return state === "exited" || state === "failed" ? (s.json as { state: string; reason: string | null }) : undefined;
            },
            120_000,
          );
          expect(done.state, done.reason ?? "").toBe("exited");
          const audit = await until("the exit in the audit", async () => {
            const a = await orgApi("GET", `/audit?action=sandbox.exited&resourceId=${sandboxId}`);
            return (a.json as { items: Array<{ details: Record<string, string> }> }).items[0];
          });
          expect(audit.details).toMatchObject({ isolation: level.isolation, imageDigest: digest, driver: level.driver });
          if (level.isolation === "vm") expect(audit.details.accelerator).toMatch(/^(kvm|tcg)$/);
          const output = audit.details.output ?? "";
          const kernel = /^kernel (.*)$/m.exec(output)?.[1];
          expect(kernel, output).toBeDefined();
          expect(kernel).not.toBe(os.release());
          expect(/^ifaces (.*)$/m.exec(output)?.[1]?.trim(), output).toBe("lo");
          expect(output).toContain('"path":"/internal/ok"');
          expect(output).toContain("other=refused");
          expect(output).toContain("direct=refused");
          expect(target.requests.some((r) => r.path === "/internal/ok")).toBe(true);
          expect(target.requests.some((r) => r.path === "/elsewhere" || r.path === "/internal/direct")).toBe(false);
        });

        it("ends the sandbox when the agent's token is revoked", async () => {
          const agent = await orgApi("POST", "/agents", { name: `sleeper-${level.isolation}` });
          const agentId = (agent.json as { id: string }).id;
          const started = await orgApi("POST", "/sandboxes", {
            agentId,
            pool: "img",
            command: ["/bin/sleep", "600"],
            image: "agent-image:1",
            isolation: level.isolation,
          });
          expect(started.status, JSON.stringify(started.json)).toBe(201);
          const sandboxId = (started.json as { id: string }).id;
          await until("the sandbox to run", async () => {
            const s = await orgApi("GET", `/sandboxes/${sandboxId}`);
            return (s.json as { state: string }).state === "running" ? true : undefined;
          });
          expect((await orgApi("DELETE", `/agents/${agentId}/token`)).status).toBe(204);
          const ended = await until("the sandbox to end", async () => {
            const s = await orgApi("GET", `/sandboxes/${sandboxId}`);
            const state = (s.json as { state: string }).state;
            return state === "exited" || state === "stopped" ? state : undefined;
          });
          expect(["exited", "stopped"]).toContain(ended);
          // Nothing of it is left on the host (runsc or the VMM is named by the sandbox id).
          await until("its processes to be gone", async () => (spawnSync("pgrep", ["-f", sandboxId]).status === 1 ? true : undefined), 10_000);
        });
      });
    }
  },
);
