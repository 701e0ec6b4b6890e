// Per-sandbox cgroups for memory, CPU and pids limits on cgroup v2, v1, or the hybrid of both, and
// the sandbox's CPU usage as the host kernel counts it (cpu.stat on v2, the cpuacct hierarchy on v1).
import { constants } from "node:fs";
import { access, mkdir, readFile, rename, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { SandboxLimits } from "./types.js";

export type Controller = "memory" | "cpu" | "pids";
const CONTROLLERS: readonly Controller[] = ["memory", "cpu", "pids"];

/** Where one controller lives: its hierarchy and the directory this process sits in there. */
export interface ControllerPlace {
  version: 1 | 2;
  /** Absolute directory of this process's own cgroup in that hierarchy. */
  ownDir: string;
}

export type CgroupLayout = Record<Controller, ControllerPlace> & {
  /** v1 only: the cpuacct hierarchy (its own mount or the cpu one), which counts the CPU the sandbox used. */
  cpuacct?: ControllerPlace;
};

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const fields = pre.split(" ");
    const [fsType, , superOpts] = post.split(" ");
    const root = fields[3];
    const mountPoint = fields[4];
    if (!root || !mountPoint || !fsType) continue;
    mounts.push({ root, mountPoint: unescapeMount(mountPoint), fsType, superOptions: (superOpts ?? "").split(",") });
  }
  return mounts;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Path of `cgroupPath` (as in /proc/self/cgroup) inside a mount whose root may be a subtree. */
function dirIn(mount: Mount, cgroupPath: string): string {
  const inside = mount.root === "/" || cgroupPath === mount.root || cgroupPath.startsWith(`${mount.root}/`);
  const rel = mount.root === "/" ? cgroupPath : inside ? cgroupPath.slice(mount.root.length) : "/";
  return path.join(mount.mountPoint, rel).replace(/(.)\/+$/, "$1");
}

/**
 * Finds, for each controller, the hierarchy that owns it: a v1 hierarchy if one is mounted with
 * it (this machine's hybrid layout), otherwise the unified v2 tree if it offers it.
 */
export async function detectCgroups(): Promise<CgroupLayout> {
  const [mountinfo, selfCgroup] = await Promise.all([readFile("/proc/self/mountinfo", "utf8"), readFile("/proc/self/cgroup", "utf8")]);
  return cgroupLayoutFrom(mountinfo, selfCgroup, (dir) => readFile(path.join(dir, "cgroup.controllers"), "utf8").catch(() => ""));
}

/** The layout from the texts of /proc/self/mountinfo and /proc/self/cgroup. */
export async function cgroupLayoutFrom(
  mountinfo: string,
  selfCgroup: string,
  readV2Controllers: (dir: string) => Promise<string>,
): Promise<CgroupLayout> {
  const mounts = parseMountinfo(mountinfo);
  const v1Paths = new Map<string, string>();
  let v2Path: string | undefined;
  for (const line of selfCgroup.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, hid, ctrls, p] = m;
    if (hid === "0" && ctrls === "") v2Path = p;
    else for (const c of (ctrls ?? "").split(",")) v1Paths.set(c, p ?? "/");
  }
  const v2Mount = mounts.find((m) => m.fsType === "cgroup2");
  const v2Dir = v2Mount && v2Path !== undefined ? dirIn(v2Mount, v2Path) : undefined;
  const v2Controllers = new Set(v2Dir ? (await readV2Controllers(v2Dir)).trim().split(/\s+/) : []);
  const place = (c: Controller): ControllerPlace | undefined => {
    const v1 = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes(c));
    const v1Path = v1Paths.get(c);
    if (v1 && v1Path !== undefined) return { version: 1, ownDir: dirIn(v1, v1Path) };
    if (v2Dir && v2Controllers.has(c)) return { version: 2, ownDir: v2Dir };
    return undefined;
  };
  const cpuacctMount = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.includes("cpuacct"));
  const cpuacctPath = v1Paths.get("cpuacct");
  const cpuacct = cpuacctMount && cpuacctPath !== undefined ? { version: 1 as const, ownDir: dirIn(cpuacctMount, cpuacctPath) } : undefined;
  const memory = place("memory");
  const cpu = place("cpu");
  const pids = place("pids");
  if (!memory || !cpu || !pids) {
    const missing = Object.entries({ memory, cpu, pids })
      .filter(([, v]) => !v)
      .map(([k]) => k);
    throw new Error(`cgroup controllers unavailable: ${missing.join(", ")}`);
  }
  return { memory, cpu, pids, ...(cpu.version === 1 && cpuacct ? { cpuacct } : {}) };
}

/**
 * On a hybrid host whose memory, cpu and pids controllers all sit on v1, the mount point of the
 * unified (v2) tree; undefined elsewhere. crun refuses such a host unless that tree is out of its sight.
 */
export async function unifiedMountBesideV1(layout: CgroupLayout): Promise<string | undefined> {
  if (CONTROLLERS.some((c) => layout[c].version !== 1)) return undefined;
  return parseMountinfo(await readFile("/proc/self/mountinfo", "utf8")).find((m) => m.fsType === "cgroup2")?.mountPoint;
}

async function exists(p: string): Promise<boolean> {
  return access(p, constants.F_OK).then(
    () => true,
    () => false,
  );
}

const PARENT = "palisade";
const CFS_PERIOD_US = 100_000;

/**
 * On v2 a controller is usable in a child only when the parent enables it in subtree_control, and
 * a cgroup that holds processes cannot do that (unless it is the root). So this process moves
 * itself into a leaf `daemon` child first, the way container engines do in a delegated cgroup.
 */
async function prepareV2Parent(ownDir: string, controllers: Controller[]): Promise<string> {
  const parent = path.join(ownDir, PARENT);
  const want = controllers.map((c) => `+${c}`).join(" ");
  const enable = async () => {
    await writeFile(path.join(ownDir, "cgroup.subtree_control"), want);
    await mkdir(parent, { recursive: true });
    await writeFile(path.join(parent, "cgroup.subtree_control"), want);
  };
  try {
    await enable();
  } catch {
    const leaf = path.join(ownDir, "daemon");
    await mkdir(leaf, { recursive: true });
    await writeFile(path.join(leaf, "cgroup.procs"), String(process.pid));
    await enable();
  }
  return parent;
}

/** The cgroup directories of one sandbox; processes join by writing their pid to `procsFiles`. */
export class SandboxCgroup {
  readonly #dirs: Map<Controller | "cpuacct", string>;

  private constructor(dirs: Map<Controller | "cpuacct", string>) {
    this.#dirs = dirs;
  }

  /** The cgroups of sandbox `id` as create() names them, whether or not they exist (to destroy() leftovers). */
  static of(layout: CgroupLayout, id: string): SandboxCgroup {
    const dirs = new Map<Controller | "cpuacct", string>(CONTROLLERS.map((c) => [c, path.join(layout[c].ownDir, PARENT, id)]));
    if (layout.cpuacct) dirs.set("cpuacct", path.join(layout.cpuacct.ownDir, PARENT, id));
    return new SandboxCgroup(dirs);
  }

  /** Makes the cgroups of `id` with `limits`; without limits, ones to be given a sandbox later (adopt). */
  static async create(layout: CgroupLayout, id: string, limits?: SandboxLimits): Promise<SandboxCgroup> {
    const v2 = CONTROLLERS.filter((c) => layout[c].version === 2);
    let v2Parent: string | undefined;
    if (v2.length > 0) v2Parent = await prepareV2Parent(layout[v2[0]!].ownDir, v2);
    const dirs = new Map<Controller | "cpuacct", string>();
    for (const c of CONTROLLERS) {
      const place = layout[c];
      const dir = place.version === 2 ? path.join(v2Parent!, id) : path.join(place.ownDir, PARENT, id);
      dirs.set(c, dir);
    }
    if (layout.cpuacct) dirs.set("cpuacct", path.join(layout.cpuacct.ownDir, PARENT, id));
    const cg = new SandboxCgroup(dirs);
    try {
      for (const dir of new Set(dirs.values())) await mkdir(dir, { recursive: true });
      if (limits) await cg.#apply(layout, limits);
    } catch (err) {
      await cg.destroy();
      throw err;
    }
    return cg;
  }

  /**
   * These cgroups (made ahead with no sandbox's name, see launcher-pool.ts) renamed to sandbox `id`'s
   * and given its limits. A cgroup of `id` that still exists makes the rename fail (EEXIST): two
   * sandboxes never share one. On failure the names are put back.
   */
  async adopt(layout: CgroupLayout, id: string, limits: SandboxLimits): Promise<SandboxCgroup> {
    const moves = [...new Set(this.#dirs.values())].map((from) => ({ from, to: path.join(path.dirname(from), id) }));
    const renamed = await Promise.allSettled(moves.map((m) => rename(m.from, m.to)));
    const failed = renamed.find((r) => r.status === "rejected");
    if (failed) {
      await Promise.all(moves.map((m, i) => (renamed[i]?.status === "fulfilled" ? rename(m.to, m.from).catch(() => undefined) : undefined)));
      throw failed.reason;
    }
    const to = new Map(moves.map((m) => [m.from, m.to]));
    const cg = new SandboxCgroup(new Map([...this.#dirs].map(([c, d]) => [c, to.get(d) ?? d])));
    try {
      await cg.#apply(layout, limits);
    } catch (err) {
      await cg.destroy();
      throw err;
    }
    return cg;
  }

  async #apply(layout: CgroupLayout, limits: SandboxLimits): Promise<void> {
    const dir = (c: Controller) => this.#dirs.get(c)!;
    const mem = String(limits.memoryBytes);
    const quota = Math.max(1000, Math.round(limits.cpuQuota * CFS_PERIOD_US));
    // The three controllers are independent: their files are written side by side.
    await Promise.all([
      (async () => {
        if (layout.memory.version === 1) {
          await writeFile(path.join(dir("memory"), "memory.limit_in_bytes"), mem);
          // Without this a hog would spill into swap instead of being stopped.
          const memsw = path.join(dir("memory"), "memory.memsw.limit_in_bytes");
          if (await exists(memsw)) await writeFile(memsw, mem);
        } else {
          await writeFile(path.join(dir("memory"), "memory.max"), mem);
          const swap = path.join(dir("memory"), "memory.swap.max");
          if (await exists(swap)) await writeFile(swap, "0");
        }
      })(),
      (async () => {
        if (layout.cpu.version === 1) {
          await writeFile(path.join(dir("cpu"), "cpu.cfs_period_us"), String(CFS_PERIOD_US));
          await writeFile(path.join(dir("cpu"), "cpu.cfs_quota_us"), String(quota));
        } else {
          await writeFile(path.join(dir("cpu"), "cpu.max"), `${quota} ${CFS_PERIOD_US}`);
        }
      })(),
      writeFile(path.join(dir("pids"), "pids.max"), String(limits.pids)),
    ]);
  }

  /** One cgroup.procs file per distinct directory (one on v2, one per controller and cpuacct on v1). */
  get procsFiles(): string[] {
    return [...new Set(this.#dirs.values())].map((d) => path.join(d, "cgroup.procs"));
  }

  /** Directory of one controller, e.g. to point an OCI runtime at it. */
  dir(c: Controller): string {
    return this.#dirs.get(c)!;
  }

  async pids(): Promise<number[]> {
    const text = await readFile(path.join(this.#dirs.get("pids")!, "cgroup.procs"), "utf8").catch(() => "");
    return text.split("\n").filter(Boolean).map(Number);
  }

  /** Sends a signal to every process of the sandbox; returns how many were signalled. */
  async signalAll(signal: NodeJS.Signals, spare?: ReadonlySet<string>): Promise<number> {
    let n = 0;
    for (const pid of await this.pids()) {
      // Processes named in `spare` (by /proc/<pid>/comm) are the sandbox's own machinery.
      if (spare?.has((await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "")).trim())) continue;
      try {
        process.kill(pid, signal);
        n++;
      } catch {
        // already gone
      }
    }
    return n;
  }

  /**
   * CPU time (µs) every process of the sandbox has used so far, as the host kernel counts it: what the
   * CPU quota limits, whatever a guest kernel (gVisor's Sentry, a VM's) reports inside. Undefined
   * when the cgroup is gone or the host does not count it (v1 without a cpuacct hierarchy).
   */
  async cpuUsageUs(): Promise<number | undefined> {
    const acct = this.#dirs.get("cpuacct");
    if (acct) {
      const ns = Number((await readFile(path.join(acct, "cpuacct.usage"), "utf8").catch(() => "")).trim() || Number.NaN);
      return Number.isFinite(ns) ? Math.round(ns / 1000) : undefined;
    }
    const m = /^usage_usec (\d+)$/m.exec(await readFile(path.join(this.#dirs.get("cpu")!, "cpu.stat"), "utf8").catch(() => ""));
    return m ? Number(m[1]) : undefined;
  }

  /** Whether the kernel OOM-killed a process of this sandbox (v1 memory.oom_control, v2 memory.events). */
  async oomKilled(): Promise<boolean> {
    const dir = this.#dirs.get("memory")!;
    for (const file of ["memory.events", "memory.oom_control"]) {
      const text = await readFile(path.join(dir, file), "utf8").catch(() => "");
      const m = /^oom_kill (\d+)$/m.exec(text);
      if (m) return Number(m[1]) > 0;
    }
    return false;
  }

  /** Kills whatever is left in the sandbox and removes its cgroups; bounded in time. */
  async destroy(): Promise<void> {
    const dirs = [...new Set(this.#dirs.values())];
    for (const dir of dirs) {
      const kill = path.join(dir, "cgroup.kill");
      if (await exists(kill)) await writeFile(kill, "1").catch(() => undefined);
    }
    for (let attempt = 0; attempt < 100; attempt++) {
      let left = 0;
      for (const dir of dirs) {
        const text = await readFile(path.join(dir, "cgroup.procs"), "utf8").catch(() => "");
        for (const pid of text.split("\n").filter(Boolean).map(Number)) {
          left++;
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      const removed = await Promise.all(
        dirs.map((d) =>
          rmdir(d).then(
            () => true,
            (e: NodeJS.ErrnoException) => e.code === "ENOENT",
          ),
        ),
      );
      if (left === 0 && removed.every(Boolean)) return;
      await sleep(20);
    }
    throw new Error("sandbox cgroup could not be removed");
  }
}
