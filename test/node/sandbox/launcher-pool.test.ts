// Launchers started ahead (launcher-pool.ts): they hold nothing of an agent, a sandbox gets cgroups
// of its own name and never shares one, and what a killed daemon or launcher left is cleaned up.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, readlink, rmdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { type CgroupLayout, detectCgroups } from "../../../sandbox-host/src/sandbox/cgroups.js";
import { SandboxStartError } from "../../../sandbox-host/src/sandbox/types.js";
import { missing } from "../../support/capabilities.js";
import { sh, specFor, workspaces } from "./helpers.js";

const driver = new BwrapDriver({ prestart: 2 });
const availability = await driver.available();

/** Pool cgroups of this process in the pids hierarchy, with the processes each holds. */
async function poolCgroups(layout: CgroupLayout): Promise<{ name: string; pids: number[] }[]> {
  const dir = path.join(layout.pids.ownDir, "palisade");
  const names = (await readdir(dir)).filter((n) => n.startsWith(`_pool-${process.pid}-`));
  return Promise.all(
    names.map(async (name) => ({
      name,
      pids: (await readFile(path.join(dir, name, "cgroup.procs"), "utf8").catch(() => "")).split("\n").filter(Boolean).map(Number),
    })),
  );
}

function deadOrZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return true;
  }
}

/** Polls until `check` holds (the pool refills in the background); no timing is asserted. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

describe.skipIf(missing("bubblewrap", availability))("bwrap launchers started ahead", { timeout: 60_000 }, () => {
  let ws: Awaited<ReturnType<typeof workspaces>>;
  let a: string;
  let layout: CgroupLayout;

  beforeAll(async () => {
    ws = await workspaces();
    a = await ws.make("agent-a");
    layout = await detectCgroups();
  });
  afterAll(async () => {
    await ws.remove();
  });

  it("parks launchers that hold no agent's ids, descriptors or environment", async () => {
    await until(async () => (await poolCgroups(layout)).filter((p) => p.pids.length === 1).length >= 2, "two parked launchers");
    for (const p of await poolCgroups(layout)) {
      for (const pid of p.pids) {
        const environ = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").filter(Boolean);
        expect(environ).toEqual(["PATH=/usr/bin:/bin"]);
        const links = await Promise.all((await readdir(`/proc/${pid}/fd`)).map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")));
        // Only its pipes (and perl's /dev/null or program): no workspace, socket file or certificate.
        for (const l of links) expect(l).toMatch(/^(pipe:|socket:|\/dev\/null$|$)/);
        const status = await readFile(`/proc/${pid}/status`, "utf8");
        expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(process.getuid?.()));
      }
    }
  });

  it("runs each sandbox in cgroups named after it, and parks a new launcher behind it", async () => {
    const spec = specFor(a, ["/bin/sh", "-c", "echo ready; exec sleep 30"], { limits: { memoryBytes: 96 << 20, cpuQuota: 0.5, pids: 40 } });
    const h = await driver.start(spec);
    await new Promise((r) => h.stdout.once("data", r));
    const dir = path.join(layout.pids.ownDir, "palisade", spec.id);
    expect((await readFile(path.join(dir, "cgroup.procs"), "utf8")).split("\n").map(Number)).toContain(h.pid);
    expect((await readFile(path.join(dir, "pids.max"), "utf8")).trim()).toBe("40");
    // The sandbox's launcher left the pool: no pool cgroup holds it.
    for (const p of await poolCgroups(layout)) expect(p.pids).not.toContain(h.pid);
    await until(async () => (await poolCgroups(layout)).filter((p) => p.pids.length === 1).length >= 2, "the pool refilled");
    h.kill("SIGKILL");
    await h.wait();
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses a sandbox whose id already has a cgroup instead of sharing it, and leaves nothing behind", async () => {
    const spec = specFor(a, ["/bin/true"]);
    const taken = path.join(layout.pids.ownDir, "palisade", spec.id);
    await mkdir(taken, { recursive: true });
    try {
      await expect(driver.start(spec)).rejects.toThrow(SandboxStartError);
      // Nothing of the failed start joined the existing cgroup.
      expect((await readFile(path.join(taken, "cgroup.procs"), "utf8")).trim()).toBe("");
      // And the next start works.
      const r = await sh(driver, a, "echo ok");
      expect(r.stdout.trim()).toBe("ok");
    } finally {
      await rmdir(taken);
    }
  });

  it("replaces a parked launcher killed from outside, and starts still work", async () => {
    await until(async () => (await poolCgroups(layout)).filter((p) => p.pids.length === 1).length >= 2, "two parked launchers");
    const before = await poolCgroups(layout);
    for (const p of before) for (const pid of p.pids) process.kill(pid, "SIGKILL");
    // Killed as the kernel sees it (a zombie or gone): a kill landing during a start fails that start, rightly.
    await until(async () => before.every((p) => p.pids.every((pid) => deadOrZombie(pid))), "the killed launchers dead");
    const r = await sh(driver, a, "echo ok; id -u");
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("ok");
    expect(Number(r.stdout.split("\n")[1])).not.toBe(0);
    // The killed ones' cgroups are removed.
    await until(async () => (await poolCgroups(layout)).every((p) => !before.some((b) => b.name === p.name)), "killed launchers' cgroups removed");
  });

  it("refills the pool after a parked launcher is killed from outside, without a start asking", async () => {
    await until(async () => (await poolCgroups(layout)).filter((p) => p.pids.length === 1).length >= 2, "two parked launchers");
    const [victim] = (await poolCgroups(layout)).filter((p) => p.pids.length === 1);
    for (const pid of victim?.pids ?? []) process.kill(pid, "SIGKILL");
    await until(
      async () => (await poolCgroups(layout)).filter((p) => p.name !== victim?.name && p.pids.length === 1).length >= 2,
      "the pool refilled to two",
    );
  });

  it("gives two drivers of one process pools of their own, and close() ends one's parked launchers and cgroups", async () => {
    await until(async () => (await poolCgroups(layout)).filter((p) => p.pids.length === 1).length >= 2, "the first driver's pool");
    const before = new Set((await poolCgroups(layout)).map((p) => p.name));
    const second = new BwrapDriver({ prestart: 2 });
    expect((await second.available()).ok).toBe(true);
    await until(
      async () => (await poolCgroups(layout)).filter((p) => !before.has(p.name) && p.pids.length === 1).length >= 2,
      "the second driver's pool",
    );
    // No pool cgroup holds two launchers: each driver's are its own.
    for (const p of await poolCgroups(layout)) expect(p.pids.length).toBeLessThanOrEqual(1);
    const seconds = (await poolCgroups(layout)).filter((p) => !before.has(p.name));
    await second.close();
    for (const p of seconds) {
      expect(existsSync(path.join(layout.pids.ownDir, "palisade", p.name))).toBe(false);
      for (const pid of p.pids)
        expect(existsSync(`/proc/${pid}/status`) && !(await readFile(`/proc/${pid}/status`, "utf8")).includes("State:\tZ")).toBe(false);
    }
    // The first driver's launchers are untouched and still start sandboxes.
    for (const name of before) expect(existsSync(path.join(layout.pids.ownDir, "palisade", name))).toBe(true);
    expect((await sh(driver, a, "echo ok")).stdout.trim()).toBe("ok");
  });

  it("removes the pool cgroups a daemon that is gone left behind", async () => {
    const stale = "_pool-999999999-0";
    const dirs = [...new Set([layout.memory.ownDir, layout.cpu.ownDir, layout.pids.ownDir, ...(layout.cpuacct ? [layout.cpuacct.ownDir] : [])])].map(
      (d) => path.join(d, "palisade", stale),
    );
    for (const d of dirs) await mkdir(d, { recursive: true });
    const other = new BwrapDriver({ prestart: 0 });
    expect((await other.available()).ok).toBe(true);
    for (const d of dirs) expect(existsSync(d)).toBe(false);
  });
});
