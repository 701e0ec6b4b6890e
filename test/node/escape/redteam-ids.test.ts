// Red team (issue 17): the per-sandbox gid. ids.ts says "a process that escapes one sandbox has no id
// that opens ... any other sandbox's socket", and the escape suite checks that as the escaped
// sandbox's host ids while both sandboxes run. But a sandbox's slot (its gid, and for OCI the
// uid/gid container root maps to) goes back to the pool when the sandbox ends, with nothing that
// checks whether a process still holds that gid, and the next sandbox that takes the slot
// (round robin, any agent) gets the same gid on its proxy socket. An escaped process keeps its gid
// after its sandbox is gone: it then connects to another agent's proxy (that agent's token and
// policy at the edge). With the default range (16,384 slots) the gid comes round after 16,384
// sandbox starts; with a small --id-range (accepted from count 4) after a few.
//
// The escaped process is modelled as the escape suite does: a host process with the attacker
// sandbox's host uid and gid (setpriv), outside every namespace. The sandbox's host ids are read
// from a host process running as its agent's uid: the command itself (bwrap, oci), gVisor's runsc,
// Sentry and Gofer (the command runs inside gVisor's kernel), or the VMM (microvm).
import { execFile, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { HostIds } from "../../../sandbox-host/src/sandbox/ids.js";
import { hostOptionsFor, probeVariants } from "./drivers.js";
import { startTestHost } from "./host-daemon.js";

const exec = promisify(execFile);
const variants = await probeVariants();
const isRoot = process.getuid?.() === 0;

/** The agent uids of the range the test configures (3000000:8: uids 3000000-3000003, then 2 slots of 2 ids). */
const AGENT_UIDS = { first: 3_000_000, end: 3_000_004 };

/** uid and gid of a host process running as one of the range's agent uids (other than `notUid`). */
async function sandboxProcess(notUid?: number): Promise<{ pid: number; uid: number; gid: number } | undefined> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (uid >= AGENT_UIDS.first && uid < AGENT_UIDS.end && uid !== notUid && !/^State:\s+Z/m.test(status))
      return { pid: Number(entry), uid, gid: Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]) };
  }
  return undefined;
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("timed out");
}

for (const { variant, ok } of variants) {
  describe.skipIf(!ok || !isRoot)(
    `red team: per-sandbox gid reused while an escaped process holds it (${variant.name})`,
    { timeout: 120_000 },
    () => {
      it("an escaped process of an ended sandbox connects to the proxy socket of a later sandbox of another agent", async () => {
        // A configured range the daemon accepts (--id-range 3000000:8): 4 agent uids, 2 sandbox slots.
        const ids = new HostIds({ range: { first: 3_000_000, count: 8 } });
        const host = await startTestHost(variant.create({ ids }), { workspaceQuotaBytes: 32 << 20, ...(await hostOptionsFor(variant)) });
        const tag = `r17ids${process.pid}${Date.now()}`;
        let escaped: ReturnType<typeof spawn> | undefined;
        try {
          const attacker = await host.start("agt_attacker", ["/bin/sleep", "60"]);
          expect(attacker.ack).toMatchObject({ ok: true });
          const a = await until(() => sandboxProcess());
          // The escape: a process outside the sandbox with the sandbox's host ids, which outlives it.
          escaped = spawn(
            "/usr/bin/setpriv",
            [`--reuid=${a.uid}`, `--regid=${a.gid}`, "--clear-groups", "--", "/usr/bin/perl", "-e", "sleep 600", tag],
            { stdio: "ignore", env: { PATH: "/usr/bin:/bin" } },
          );
          // The attacker's sandbox ends; its slot goes back.
          const mux = await host.edge.mux();
          await mux.command({ op: "sandbox.kill", sandboxId: attacker.sandboxId });
          await host.daemon.manager.waitFor(attacker.sandboxId);
          // Other work on the host: one sandbox takes the next slot and ends.
          expect(await host.run("agt_other", ["/bin/true"])).toMatchObject({ state: "exited" });
          // The victim, another agent, starts and gets the freed slot.
          const victim = await host.start("agt_victim", ["/bin/sleep", "60"]);
          expect(victim.ack).toMatchObject({ ok: true });
          try {
            const socket = path.join(host.stateDir, "sandboxes", victim.sandboxId, "proxy.sock");
            const v = await until(() => sandboxProcess(a.uid));
            expect(v.uid).not.toBe(a.uid);
            // What the escaped process can do with the ids it kept.
            const out = await exec(
              "/usr/bin/setpriv",
              [
                `--reuid=${a.uid}`,
                `--regid=${a.gid}`,
                "--clear-groups",
                "--",
                "/usr/bin/perl",
                "-e",
                `use Socket; socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; print connect($s, pack_sockaddr_un("${socket}")) ? "connected" : "refused $!", "\\n";`,
              ],
              { env: { PATH: "/usr/bin:/bin" } },
            );
            expect(out.stdout, "the escaped process reaches the victim's proxy").toMatch(/^refused Permission denied/);
            expect(v.gid, "the victim's per-sandbox gid is the one the escaped process kept").not.toBe(a.gid);
          } finally {
            await mux.command({ op: "sandbox.kill", sandboxId: victim.sandboxId }).catch(() => undefined);
            await host.daemon.manager.waitFor(victim.sandboxId);
          }
        } finally {
          escaped?.kill("SIGKILL");
          await host.stop();
        }
      });
    },
  );
}

// The range check (idRangeProblem: "no host user or group may be in it") runs only for an
// --id-range given on the command line: host.ts calls it `range ? idRangeProblem(range) : undefined`,
// and HostIds checks the default against /nonexistent. So a host whose accounts sit in
// 1000000–1065535 (directory-service uids, or the subuid ranges useradd hands out from the 14th
// user on with Debian's login.defs: 100000 + 65536·13 = 951968…) starts, and gives those very
// uids to agents: that host user then owns the agent's workspace and its processes.
describe.skipIf(!isRoot || !variants.find((v) => v.variant.name === "bwrap")?.ok)(
  "red team: the default id range is never checked against host accounts",
  { timeout: 120_000 },
  () => {
    it("a daemon started without --id-range on a host with users at uid 1000000+ refuses to start, or never hands their uids to agents", async () => {
      const { mkdtemp, writeFile, rm } = await import("node:fs/promises");
      const dir = await mkdtemp("/var/tmp/r17-accounts-");
      try {
        const users = [0, 1, 2, 3].map((i) => `svc${i}:x:${1_000_000 + i}:${1_000_000 + i}::/nonexistent:/usr/sbin/nologin\n`).join("");
        const groups = [0, 1, 2, 3].map((i) => `svc${i}:x:${1_000_000 + i}:\n`).join("");
        await writeFile(path.join(dir, "passwd"), (await readFile("/etc/passwd", "utf8")) + users);
        await writeFile(path.join(dir, "group"), (await readFile("/etc/group", "utf8")) + groups);
        const child = path.join(import.meta.dirname, "redteam-default-range.child.ts");
        const tsx = path.join(import.meta.dirname, "../../../node_modules/.bin/tsx");
        const { stdout } = await exec(
          "/usr/bin/unshare",
          [
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/group && exec "$3" "$4"`,
            "sh",
            path.join(dir, "passwd"),
            path.join(dir, "group"),
            tsx,
            child,
          ],
          { env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/root" }, timeout: 90_000 },
        );
        const out = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { started: boolean; agentUid?: number; error?: string };
        const hostAccounts = [1_000_000, 1_000_001, 1_000_002, 1_000_003];
        if (out.started)
          expect(hostAccounts, `agt_a runs as host uid ${out.agentUid}, which /etc/passwd gives to a host account`).not.toContain(out.agentUid);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
