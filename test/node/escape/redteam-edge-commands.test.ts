// Red team (issue 17): hostile sandbox.start commands from the edge side. Each is sent raw over the
// tunnel (the edge's mux does not validate what it sends) and handed straight to the daemon's
// SandboxManager (as a caller that skipped the tunnel's check would); both must refuse it, nothing
// may appear on the host outside the state dir, and the daemon must go on running sandboxes.
import { existsSync } from "node:fs";
import os from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxStartCommand } from "../../../schema/tunnel.js";
import { AGENT_TOKEN } from "../daemon/fake-edge.js";
import { probeVariants } from "./drivers.js";
import { startTestHost, type TestHost } from "./host-daemon.js";

const variants = await probeVariants();
const bwrap = variants.find((v) => v.variant.name === "bwrap");
const isRoot = process.getuid?.() === 0;

let n = 0;
const base = (): SandboxStartCommand => ({
  op: "sandbox.start",
  sandboxId: `r17edge${process.pid}x${++n}`,
  agentId: "agt_r17edge",
  command: ["/bin/true"],
  env: {},
  agentToken: AGENT_TOKEN,
  limits: { memoryBytes: 64 << 20, pids: 32 },
});

/** name, and what it changes in an otherwise valid command. */
const HOSTILE: [string, (c: Record<string, unknown>) => void][] = [
  ...[
    "LD_PRELOAD",
    "ld_preload",
    "Ld_Audit",
    "LD_",
    "GLIBC_TUNABLES",
    "MALLOC_CHECK_",
    "malloc_perturb_",
    "GCONV_PATH",
    "LOCPATH",
    "HOSTALIASES",
    "NLSPATH",
  ].map(
    (k) => [`env ${k}`, (c: Record<string, unknown>) => (c.env = { [k]: "/workspace/evil.so" })] as [string, (c: Record<string, unknown>) => void],
  ),
  ["env value with NUL (a bwrap option smuggled through --args)", (c) => (c.env = { A: "x\0--bind\0/\0/host" })],
  ["env name with NUL", (c) => (c.env = { "A\0--bind": "x" })],
  ["env name with '='", (c) => (c.env = { "A=B": "x" })],
  ["env name with a space", (c) => (c.env = { "A B": "x" })],
  ["257 variables", (c) => (c.env = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`V${i}`, "x"])))],
  ["env value over 32 KiB", (c) => (c.env = { A: "x".repeat(32 * 1024 + 1) })],
  ["argv with NUL", (c) => (c.command = ["/bin/sh", "-c", "true\0--bind"])],
  ["empty argv", (c) => (c.command = [])],
  ["argv element over 16 KiB", (c) => (c.command = ["/bin/echo", "x".repeat(16 * 1024 + 1)])],
  ["1025 argv elements", (c) => (c.command = Array.from({ length: 1025 }, () => "x"))],
  ["cwd with NUL", (c) => (c.cwd = "/workspace\0x")],
  ["sandboxId ../../etc", (c) => (c.sandboxId = "../../etc")],
  ["sandboxId ..", (c) => (c.sandboxId = "..")],
  ["sandboxId with a slash", (c) => (c.sandboxId = "a/b")],
  ["sandboxId empty", (c) => (c.sandboxId = "")],
  ["sandboxId of 65 characters", (c) => (c.sandboxId = "a".repeat(65))],
  ["sandboxId with a newline", (c) => (c.sandboxId = "abc\n")],
  ["agentId ..", (c) => (c.agentId = "..")],
  ["agentId ../../x", (c) => (c.agentId = "../../x")],
  ["agentId with a slash", (c) => (c.agentId = "a/b")],
  ["agentId with a dot (image name .probe-…)", (c) => (c.agentId = ".probe-1")],
  ["agentId with a trailing newline", (c) => (c.agentId = "agt_x\n")],
  ["agentId palisade-probe (the uid of the drivers' own probe)", (c) => (c.agentId = "palisade-probe")],
  ["agentId PALISADE-PROBE", (c) => (c.agentId = "PALISADE-PROBE")],
  ["agentId palisade-daemon (any id of the host's own prefix)", (c) => (c.agentId = "palisade-daemon")],
  ["agentToken with CRLF (a header injected at the proxy)", (c) => (c.agentToken = "pal_agent_x\r\nX-Injected: 1")],
  ["agentToken with a space", (c) => (c.agentToken = "pal agent")],
  ["memory above the host's", (c) => (c.limits = { memoryBytes: os.totalmem() + (1 << 20) })],
  ["memory not a safe integer", (c) => (c.limits = { memoryBytes: 2 ** 80 })],
  ["memory below the minimum", (c) => (c.limits = { memoryBytes: 1 << 20 })],
  ["pids above 65536", (c) => (c.limits = { pids: 65_537 })],
  ["cpu above the host's cores", (c) => (c.limits = { cpuMillis: (os.availableParallelism() + 1) * 1000 })],
  ["negative cpu", (c) => (c.limits = { cpuMillis: -1000 })],
  ["driver microvm on a bwrap host", (c) => (c.driver = "microvm")],
  ["an image field", (c) => (c.image = "docker.io/library/alpine")],
  ["a mounts field", (c) => (c.mounts = [{ source: "/", destination: "/host" }])],
  ["a privileged flag", (c) => (c.privileged = true)],
  ["a workspaceDir", (c) => (c.workspaceDir = "/")],
  ["limits with an unknown key", (c) => (c.limits = { memoryBytes: 64 << 20, swapBytes: 1 })],
  ["idleTimeoutMs of 0", (c) => (c.idleTimeoutMs = 0)],
];

describe.skipIf(!bwrap?.ok || !isRoot)("red team: hostile sandbox.start commands from the edge", { timeout: 120_000 }, () => {
  let host: TestHost;
  beforeAll(async () => {
    if (!bwrap) return;
    host = await startTestHost(bwrap.variant.create(), { workspaceQuotaBytes: 32 << 20 });
  });
  afterAll(() => host?.stop());

  for (const [name, change] of HOSTILE) {
    it(`refused over the tunnel and by the manager: ${name}`, async () => {
      const cmd = base() as unknown as Record<string, unknown>;
      change(cmd);
      const ack = await (await host.edge.mux()).command(cmd as unknown as SandboxStartCommand);
      expect(ack, JSON.stringify(ack)).toMatchObject({ ok: false });
      const again = base() as unknown as Record<string, unknown>;
      change(again);
      await expect(host.daemon.manager.start(again as unknown as SandboxStartCommand)).rejects.toThrow();
      // Nothing was made for it outside the state dir.
      for (const p of ["/etc/r17", "/x", "/var/lib/palisade/x"]) expect(existsSync(p)).toBe(false);
    });
  }

  it("the daemon still runs a sandbox afterwards, and the refused ids left no directories", async () => {
    expect(await host.run("agt_r17edge", ["/bin/true"])).toMatchObject({ state: "exited", exitCode: 0 });
    expect(existsSync(`${host.stateDir}/workspaces/..probe-1`)).toBe(false);
    expect(existsSync(`${host.stateDir}/workspaces/.probe-1`)).toBe(false);
  });
});
