// A daemon killed with its sandboxes running (SIGKILL, OOM killer, a crash): the next daemon on the
// same state dir ends every one of them before it hands out any id, and tells the edge they are over,
// so revocation and spend limits are never left without a way to reach a sandbox.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { probeVariants, requireInCi } from "../escape/drivers.js";
import { HOST_CREDENTIAL, ORG_ID, startEdge } from "./fake-edge.js";

const exec = promisify(execFile);
const variants = await probeVariants();
const isRoot = process.getuid?.() === 0;

/**
 * Pids of the host processes of sandbox `id`, which run as an agent uid of the default range: the
 * command `sleep 311` of restart.child.ts (bwrap, oci), or runsc, its Sentry and Gofer, named with the
 * sandbox id in their argv (gvisor, where the command runs inside gVisor's kernel).
 */
async function sleepers(id: string): Promise<number[]> {
  const pids: number[] = [];
  for (const e of await readdir("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const uid = Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${e}/status`, "utf8").catch(() => ""))?.[1]);
    if (!(uid >= 1_000_000 && uid < 1_065_536)) continue;
    const cmdline = await readFile(`/proc/${e}/cmdline`, "utf8").catch(() => "");
    if (cmdline === "/bin/sleep\x00311\x00" || cmdline.includes(id)) pids.push(Number(e));
  }
  return pids;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

const usable = (name: string) => variants.find((v) => v.variant.name === name);
for (const v of variants) requireInCi(v.variant.name, v.ok, v.reason);
const bwrapOk = usable("bwrap")?.ok === true;
// The oci driver picks its runtime itself; reaping goes through the driver, whichever runtime it is.
const ociOk = usable("oci-runc")?.ok === true || usable("oci-crun")?.ok === true;
const ok = { bwrap: bwrapOk, oci: ociOk, gvisor: usable("gvisor")?.ok === true };
type Driver = keyof typeof ok;
/** The killed run's driver, then the next run's (a host may change --driver between runs). */
const CASES: [Driver, Driver][] = [
  ["bwrap", "bwrap"],
  ["oci", "oci"],
  ["oci", "bwrap"],
  // runsc, its Sentry and Gofer outlive a killed daemon like an OCI container; they run in the sandbox's cgroups.
  ["gvisor", "bwrap"],
];

for (const [driver, nextDriver] of CASES) {
  describe.skipIf(!ok[driver] || !ok[nextDriver] || !isRoot)(
    `${driver}, restarted as ${nextDriver}: a daemon restarted after it was killed`,
    { timeout: 180_000 },
    () => {
      it("ends the sandboxes the killed daemon left and reports them exited, before its first start", async () => {
        const stateDir = await mkdtemp("/var/tmp/palisade-restart-");
        await chmod(stateDir, 0o711);
        const leftId = `restart${driver}${nextDriver}${process.pid}`;
        const tsx = path.join(import.meta.dirname, "../../../node_modules/.bin/tsx");
        const child = spawn(tsx, [path.join(import.meta.dirname, "restart.child.ts"), stateDir, driver, leftId], {
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
        await until(async () => ((await sleepers(leftId)).length > 0 ? true : undefined));
        process.kill(-(child.pid ?? 0), "SIGKILL");
        await until(async () => (existsSync(`/proc/${child.pid}`) ? undefined : true));
        expect(existsSync(path.join(stateDir, "sandboxes", leftId))).toBe(true);

        const edge = await startEdge();
        await writeHostState(stateDir, {
          edgeUrl: edge.url,
          hostId: "host_1",
          orgId: ORG_ID,
          pool: "default",
          name: "restart",
          credential: HOST_CREDENTIAL,
          enrolledAt: new Date().toISOString(),
        });
        const daemon = await startHostDaemon({
          stateDir,
          driver,
          log: () => undefined,
          workspaceQuotaBytes: 32 << 20,
          backoff: { baseMs: 50, maxMs: 200 },
        });
        try {
          // Gone by the time the daemon is up, whatever the driver (an OCI container outlives its daemon).
          expect(await sleepers(leftId)).toEqual([]);
          expect(existsSync(path.join(stateDir, "sandboxes", leftId))).toBe(false);
          expect(existsSync(path.join(stateDir, "oci", "bundles", leftId))).toBe(false);
          expect(existsSync(path.join(stateDir, "gvisor", "bundles", leftId))).toBe(false);
          // No record of the container is left with its runtime either (`delete --force` in the driver's root).
          for (const rt of ["/usr/bin/crun", "/usr/sbin/runc", "/usr/bin/runc"].filter((p) => existsSync(p))) {
            const root = path.join(stateDir, "oci", "runtime", path.basename(rt));
            if (!existsSync(root)) continue;
            const { stdout } = await exec(rt, ["--root", root, "list", "-q"]);
            expect(stdout.split("\n")).not.toContain(leftId);
          }
          expect(await edge.waitStatus((s) => s.sandboxId === leftId)).toMatchObject({ state: "exited", reason: "host restarted" });
          // Its agent's workspace, left mounted by the killed daemon, is unmounted (it holds a loop device).
          const ws = path.join(stateDir, "workspaces", "agt_before_restart");
          expect((await stat(ws)).dev).toBe((await stat(path.dirname(ws))).dev);
        } finally {
          await daemon.stop();
          await edge.close();
          for (const pid of await sleepers(leftId)) process.kill(pid, "SIGKILL");
          for (const rt of ["/usr/bin/crun", "/usr/sbin/runc", "/usr/bin/runc"]) {
            await exec(rt, ["--root", path.join(stateDir, "oci", "runtime", path.basename(rt)), "delete", "--force", leftId]).catch(() => undefined);
          }
          await exec("/usr/bin/umount", ["-l", path.join(stateDir, "workspaces", "agt_before_restart")]).catch(() => undefined);
          await rm(stateDir, { recursive: true, force: true });
        }
      });
    },
  );
}
