// Red team (issue 17): "a gid per sandbox" and the slot records. A slot file holds the pid of the
// daemon that leased it, and "a slot whose process is gone is taken over" (ids.ts). But an OCI
// sandbox does not die with the daemon: runc/crun containers live in their own cgroup
// (/palisade/<id>), outside the daemon's process tree and its service cgroup, so a daemon that is
// killed (OOM killer, crash, `systemctl restart` of a unit that kills only its own cgroup) leaves
// them running, untracked: no idle timeout, no stop or kill from the edge (revocation cannot reach
// them). The restarted daemon then takes their slots over and hands the same "per-sandbox" gid (and
// the uid container root maps to) to new sandboxes of other agents, while the orphans still hold
// them. The test: a daemon runs agent A's sandbox, is killed with SIGKILL, a new daemon on the same
// state dir starts agent B's sandbox; it passes when A's sandbox is gone, or B's gid is not A's.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { AGENT_TOKEN, HOST_CREDENTIAL, ORG_ID, startEdge } from "../daemon/fake-edge.js";
import { probeVariants } from "./drivers.js";

const exec = promisify(execFile);
const variants = await probeVariants();
const ociOk = variants.some((v) => v.variant.name.startsWith("oci") && v.ok);

/** The host process running `sleep <secs>` whose uid is in the default sandbox range. */
async function sleeper(secs: string, notPid?: number): Promise<{ pid: number; uid: number; gid: number } | undefined> {
  for (const e of await readdir("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === notPid) continue;
    const cmd = await readFile(`/proc/${e}/cmdline`, "utf8").catch(() => "");
    if (cmd !== `/bin/sleep\0${secs}\0`) continue;
    const st = await readFile(`/proc/${e}/status`, "utf8").catch(() => "");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(st)?.[1]);
    if (uid < 1_000_000 || uid >= 1_065_536) continue;
    return { pid: Number(e), uid, gid: Number(/^Gid:\s+(\d+)/m.exec(st)?.[1]) };
  }
  return undefined;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

describe.skipIf(!ociOk || process.getuid?.() !== 0)(
  "red team: OCI sandboxes outlive a killed daemon, and their slots are handed out again",
  { timeout: 180_000 },
  () => {
    it("after the daemon is killed, its sandbox is gone or at least its gid is not given to another agent's sandbox", async () => {
      const stateDir = await mkdtemp("/var/tmp/r17-orphan-");
      await chmod(stateDir, 0o711);
      const orphanId = `r17orphan${process.pid}`;
      const victimId = `r17victim${process.pid}`;
      const tsx = path.join(import.meta.dirname, "../../../node_modules/.bin/tsx");
      const child = spawn(tsx, [path.join(import.meta.dirname, "redteam-orphan.child.ts"), stateDir, "agt_orphan", orphanId], {
        stdio: ["ignore", "pipe", "inherit"],
        env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/root" },
        detached: true,
      });
      let line = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (b: Buffer) => {
          line += b.toString();
          if (line.includes("\n")) resolve();
        });
        child.once("exit", () => reject(new Error(`daemon child exited early: ${line}`)));
      });
      expect(JSON.parse(line)).toMatchObject({ ack: { ok: true } });
      const orphan = await until(() => sleeper("300"));
      // The daemon dies the hard way; everything in its process group with it.
      process.kill(-(child.pid ?? 0), "SIGKILL");
      // As after a real restart, the old daemon's pid is gone (reaped) when the new one starts.
      const { readdir: rd, readlink: rl } = await import("node:fs/promises");
      const slots = path.join(stateDir, "ids", "slots");
      const holders = new Set(await Promise.all((await rd(slots)).map((f) => rl(path.join(slots, f)))));
      await until(async () => ([...holders].some((pid) => existsSync(`/proc/${pid}`)) ? undefined : true));
      const edge = await startEdge();
      await writeHostState(stateDir, {
        edgeUrl: edge.url,
        hostId: "host_1",
        orgId: ORG_ID,
        pool: "default",
        name: "r17",
        credential: HOST_CREDENTIAL,
        enrolledAt: new Date().toISOString(),
      });
      const daemon = await startHostDaemon({
        stateDir,
        driver: "oci",
        log: () => undefined,
        workspaceQuotaBytes: 32 << 20,
        backoff: { baseMs: 50, maxMs: 200 },
      });
      try {
        const mux = await edge.mux();
        const ack = await mux.command({
          op: "sandbox.start",
          sandboxId: victimId,
          agentId: "agt_victim",
          command: ["/bin/sleep", "301"],
          env: {},
          agentToken: AGENT_TOKEN,
          limits: { memoryBytes: 64 << 20, pids: 16 },
        });
        expect(ack).toMatchObject({ ok: true });
        const victim = await until(() => sleeper("301"));
        const orphanAlive = await readFile(`/proc/${orphan.pid}/status`, "utf8").then(
          () => true,
          () => false,
        );
        // The new daemon cannot stop it either: it does not know the sandbox.
        const stop = await mux.command({ op: "sandbox.kill", sandboxId: orphanId });
        expect
          .soft({ orphanAlive, stop }, `agent A's sandbox still runs, unknown to the new daemon (A: gid ${orphan.gid}, B: gid ${victim.gid})`)
          .toMatchObject({ orphanAlive: false });
        expect.soft(victim.gid, `agent B's sandbox got gid ${victim.gid}, still held by agent A's running sandbox`).not.toBe(orphan.gid);
        await mux.command({ op: "sandbox.kill", sandboxId: victimId }).catch(() => undefined);
        await daemon.manager.waitFor(victimId);
      } finally {
        await daemon.stop();
        await edge.close();
        // The orphan: end it and its container with the runtimes' own tools.
        await readFile(`/proc/${orphan.pid}/status`).then(
          () => process.kill(orphan.pid, "SIGKILL"),
          () => undefined,
        );
        for (const rt of ["/usr/bin/crun", "/usr/sbin/runc", "/usr/bin/runc"]) await exec(rt, ["delete", "--force", orphanId]).catch(() => undefined);
        await exec("/usr/bin/umount", ["-l", path.join(stateDir, "workspaces", "agt_orphan")]).catch(() => undefined);
        await rm(stateDir, { recursive: true, force: true });
      }
    });
  },
);
