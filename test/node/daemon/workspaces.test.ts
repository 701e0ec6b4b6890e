// Agent workspaces: an ext4 image per agent, loop-mounted with its quota, kept across daemon restarts.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Workspaces } from "../../../sandbox-host/src/daemon/workspaces.js";
import { SandboxStartError } from "../../../sandbox-host/src/sandbox/types.js";

const missing = process.getuid?.() !== 0 ? "not root" : Workspaces.missingTools();
if (missing) console.warn(`workspace quota tests skipped: ${missing}`);
const QUOTA = 32 << 20;

describe.skipIf(missing !== undefined)("workspaces with a quota", () => {
  let base: string;
  let opts: { dir: string; imagesDir: string; quotaBytes: number };
  beforeAll(async () => {
    base = await mkdtemp("/var/tmp/palisade-ws-test-");
    opts = { dir: path.join(base, "workspaces"), imagesDir: path.join(base, "images"), quotaBytes: QUOTA };
    await mkdir(opts.dir, { mode: 0o711 });
  });
  afterAll(async () => {
    // Anything a failed test left mounted goes first.
    for (const d of await readdir(opts.dir).catch(() => [])) {
      try {
        execFileSync("/usr/bin/umount", ["-l", path.join(opts.dir, d)], { stdio: "ignore" });
      } catch {
        // not mounted
      }
    }
    await rm(base, { recursive: true, force: true });
  });

  const mounted = async (dir: string) => (await stat(dir)).dev !== (await stat(path.dirname(dir))).dev;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const until = async (probe: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await probe()); i++) await sleep(20);
  };

  it("mounts a filesystem of the quota's size per agent, once, however many sandboxes start together", async () => {
    const ws = new Workspaces(opts);
    const dirs = await Promise.all([ws.prepare("agt_one"), ws.prepare("agt_one"), ws.prepare("agt_two")]);
    expect(dirs[0]).toBe(dirs[1]);
    expect(await mounted(dirs[0] ?? "")).toBe(true);
    expect(await mounted(dirs[2] ?? "")).toBe(true);
    // An empty workspace: mkfs's lost+found is gone.
    expect(await readdir(dirs[0] ?? "")).toEqual([]);
    const image = await stat(path.join(opts.imagesDir, "agt_one.ext4"));
    expect(image.size).toBe(QUOTA);
    expect(image.mode & 0o777).toBe(0o600);
    const mounts = await readFile("/proc/self/mountinfo", "utf8");
    const line = mounts.split("\n").find((l) => l.includes(` ${dirs[0]} `));
    expect(line).toMatch(/nosuid/);
    expect(line).toMatch(/nodev/);
    await ws.unmountAll();
    expect(await mounted(dirs[0] ?? "")).toBe(false);
  });

  it("keeps what the agent wrote across a restart of the daemon", async () => {
    const first = new Workspaces(opts);
    const dir = await first.prepare("agt_keep");
    await writeFile(path.join(dir, "notes.txt"), "still here");
    await first.unmountAll();
    expect(existsSync(path.join(dir, "notes.txt"))).toBe(false);
    const second = new Workspaces(opts);
    expect(await readFile(path.join(await second.prepare("agt_keep"), "notes.txt"), "utf8")).toBe("still here");
    await second.unmountAll();
  });

  it("takes over a workspace an earlier daemon left mounted, and unmounts it when stopping", async () => {
    const crashed = new Workspaces(opts);
    const dir = await crashed.prepare("agt_left");
    const next = new Workspaces(opts);
    expect(await next.prepare("agt_left")).toBe(dir);
    await next.unmountAll();
    expect(await mounted(dir)).toBe(false);
  });

  it("probes the whole round trip (image, mkfs, mount) and leaves nothing behind", async () => {
    const ws = new Workspaces(opts);
    expect(await ws.probe()).toBeUndefined();
    expect((await readdir(opts.imagesDir)).filter((f) => f.startsWith(".probe"))).toEqual([]);
    // Images in a place that cannot hold them: the probe says so instead of a later sandbox start.
    const file = path.join(base, "not-a-dir");
    await writeFile(file, "x");
    const broken = new Workspaces({ ...opts, imagesDir: path.join(file, "images") });
    expect(await broken.probe()).toMatch(/loop-mounted images/);
  });

  it("refuses an agent id that is not a plain directory name", async () => {
    const ws = new Workspaces(opts);
    for (const bad of ["../etc", "a/b", ".", "..", "", "x".repeat(65)]) await expect(ws.prepare(bad)).rejects.toThrow(SandboxStartError);
    expect(await readdir(opts.imagesDir)).not.toContain("...ext4");
  });

  it("unmounts a workspace once no sandbox has used it for idleUnmountMs, never while one holds it", async () => {
    const ws = new Workspaces({ ...opts, idleUnmountMs: 50 });
    const dir = await ws.prepare("agt_idle");
    await ws.prepare("agt_idle");
    await writeFile(path.join(dir, "kept.txt"), "x");
    // One of two sandboxes is done: the other still holds the workspace.
    ws.release("agt_idle");
    await sleep(200);
    expect(await mounted(dir)).toBe(true);
    ws.release("agt_idle");
    await until(async () => ws.mounted === 0);
    expect(await mounted(dir)).toBe(false);
    // The next sandbox of the agent mounts it again, with what it held.
    expect(await readFile(path.join(await ws.prepare("agt_idle"), "kept.txt"), "utf8")).toBe("x");
    await ws.unmountAll();
  });

  it("keeps at most maxMounted workspaces mounted: the longest idle goes first, and a start finding all in use is refused", async () => {
    const ws = new Workspaces({ ...opts, maxMounted: 2 });
    const [a, b] = [await ws.prepare("agt_cap_a"), await ws.prepare("agt_cap_b")];
    ws.release("agt_cap_b");
    await sleep(5);
    ws.release("agt_cap_a");
    // b has been idle longest: it makes room for c, a stays.
    const c = await ws.prepare("agt_cap_c");
    expect([await mounted(a), await mounted(b), await mounted(c)]).toEqual([true, false, true]);
    // a is idle again only after taking it back; with a and c in use nothing can go.
    await ws.prepare("agt_cap_a");
    await expect(ws.prepare("agt_cap_d")).rejects.toThrow(/2 agent workspaces mounted, all in use/);
    expect(ws.mounted).toBe(2);
    expect(existsSync(path.join(opts.imagesDir, "agt_cap_d.ext4"))).toBe(false);
    ws.release("agt_cap_c");
    expect(await mounted(await ws.prepare("agt_cap_d"))).toBe(true);
    expect(await mounted(c)).toBe(false);
    await ws.unmountAll();
  });

  it("counts mounts under way against maxMounted: two agents starting at once on the last place get one mount", async () => {
    const ws = new Workspaces({ ...opts, maxMounted: 1 });
    const results = await Promise.allSettled([ws.prepare("agt_race_a"), ws.prepare("agt_race_b")]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(ws.mounted).toBe(1);
    await ws.unmountAll();
  });

  it("keeps plain directories without a quota when asked to (a daemon that is not root)", async () => {
    const ws = new Workspaces({ ...opts, quotaBytes: null });
    const dir = await ws.prepare("agt_plain");
    expect(await mounted(dir)).toBe(false);
    expect(existsSync(path.join(opts.imagesDir, "agt_plain.ext4"))).toBe(false);
  });
});
