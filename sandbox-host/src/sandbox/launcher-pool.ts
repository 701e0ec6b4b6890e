// Launchers started ahead of their sandboxes, each parked in cgroups of its own (PARKED_LAUNCHER).
//
// Moving a process into a cgroup makes the kernel wait for an RCU grace period on cgroup v1 (the
// write lock of cgroup_threadgroup_rwsem), and perl's own start costs a few ms: together most of
// what a bwrap start cost above bare bwrap. A parked launcher has paid both before a start is asked
// for. It holds nothing of any agent: no ids, no descriptor, no environment, no limits (its cgroups
// are named `_pool-<daemon pid>-<n>`, a name no sandbox id can have). A start renames its cgroups
// to the sandbox's and writes the limits (`SandboxCgroup.adopt`) before the launcher reads its
// orders, so the sandbox is limited from its first instruction as before.
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Socket } from "node:net";
import { type CgroupLayout, SandboxCgroup } from "./cgroups.js";
import { PERL, parkedLauncherArgs } from "./launcher.js";
import { spawnLauncher } from "./process.js";

export interface ParkedLauncher {
  child: ChildProcess;
  /** Its cgroups under their pool name; `adopt` them for the sandbox. */
  cgroup: SandboxCgroup;
}

const POOL_PREFIX = "_pool-";
/**
 * How long after a take the pool starts refilling. Parking a launcher writes `cgroup.procs`, which
 * holds the kernel's cgroup mutex through an RCU grace period: every cgroup rename and limit write
 * of the start that just took a launcher (and, through them, the daemon's four threadpool threads,
 * so its workspace chown too) waited behind it, and bwrap's own clones wait on the same lock. A
 * start's own work is over well within this (about 25 ms here: see docs/benchmarks.md); takes in
 * quicker succession push the refill back until they pause.
 */
const REFILL_AFTER_MS = 50;
/** Numbers pool cgroups across every pool of this process, so two drivers never share one. */
let poolSeq = 0;

/** Launchers handed to a start: their cgroups become the sandbox's, so their exit is the start's to handle. */
const taken = new WeakSet<object>();

/** Whether a child still runs: not exited as Node saw it, and not dead or a zombie as the kernel sees it. */
function alive(child: ChildProcess): boolean {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Streams and process handle of a parked launcher must not keep a one-off run of the daemon's code alive. */
function setRef(child: ChildProcess, ref: boolean): void {
  if (ref) child.ref();
  else child.unref();
  for (const s of child.stdio) {
    const sock = s as Partial<Socket> | null;
    if (ref) sock?.ref?.();
    else sock?.unref?.();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class LauncherPool {
  readonly #layout: CgroupLayout;
  readonly #size: number;
  readonly #pipes: number;
  readonly #parked: ParkedLauncher[] = [];
  #filling: Promise<void> | undefined;
  #refillTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** `size` launchers kept parked; each gets `pipes` pipes from fd 3 on, filled at its start. */
  constructor(layout: CgroupLayout, opts: { size: number; pipes: number }) {
    this.#layout = layout;
    this.#size = opts.size;
    this.#pipes = opts.pipes;
  }

  /**
   * Removes the pool cgroups a daemon that is gone left (its parked launchers exit when their stdin
   * closes with the daemon). Those of a live process (another daemon or host command beside this
   * one, which may be about to move a launcher in) and those still holding a process stay.
   */
  static async reapStale(layout: CgroupLayout): Promise<void> {
    const names = await readdir(path.join(layout.pids.ownDir, "palisade")).catch(() => [] as string[]);
    for (const name of names) {
      const owner = new RegExp(`^${POOL_PREFIX}(\\d+)-\\d+$`).exec(name)?.[1];
      if (owner === undefined || processAlive(Number(owner))) continue;
      const cg = SandboxCgroup.of(layout, name);
      if ((await cg.pids()).length === 0) await cg.destroy().catch(() => undefined);
    }
  }

  /** A parked launcher, started now if none is left; the pool refills once the start is under way. */
  async take(): Promise<ParkedLauncher> {
    let parked = this.#parked.shift();
    // One killed from outside whose exit Node has not seen yet (a zombie, or gone) is passed over;
    // its exit handler removes its cgroups once it is reaped.
    while (parked && !alive(parked.child)) parked = this.#parked.shift();
    parked ??= await this.#park();
    taken.add(parked);
    this.#refillLater();
    setRef(parked.child, true);
    return parked;
  }

  #refillLater(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#fill();
    }, REFILL_AFTER_MS);
    // A pending refill must not keep a one-off run of the daemon's code alive.
    this.#refillTimer.unref();
  }

  /** Starts filling the pool up to its size. */
  fill(): void {
    this.#fill();
  }

  #fill(): void {
    if (this.#closed || this.#filling || this.#parked.length >= this.#size) return;
    this.#filling = (async () => {
      while (this.#parked.length < this.#size) this.#parked.push(await this.#park());
    })()
      // A launcher that cannot be parked here fails the start that needs one, with the reason.
      .catch(() => undefined)
      .finally(() => {
        this.#filling = undefined;
      });
  }

  async #park(): Promise<ParkedLauncher> {
    const cgroup = await SandboxCgroup.create(this.#layout, `${POOL_PREFIX}${process.pid}-${poolSeq++}`);
    let child: ChildProcess;
    try {
      child = await spawnLauncher({
        file: PERL,
        args: parkedLauncherArgs(),
        env: { PATH: "/usr/bin:/bin" },
        extraFds: Array.from({ length: this.#pipes }, () => ({ data: Buffer.alloc(0) })),
        stdin: "pipe",
      });
    } catch (e) {
      await cgroup.destroy().catch(() => undefined);
      throw e;
    }
    // It waits on stdin, having run nothing of a sandbox yet; it is parked once it is in its cgroups.
    try {
      for (const f of cgroup.procsFiles) await writeFile(f, String(child.pid));
    } catch (e) {
      child.kill("SIGKILL");
      await cgroup.destroy().catch(() => undefined);
      throw e;
    }
    const parked = { child, cgroup };
    setRef(child, false);
    // One that ends while parked (killed from outside) leaves the pool, its cgroups go, and the
    // pool refills (else it would stay one short for good).
    child.once("exit", () => {
      if (taken.has(parked)) return;
      const i = this.#parked.indexOf(parked);
      if (i >= 0) this.#parked.splice(i, 1);
      void cgroup.destroy().catch(() => undefined);
      if (!this.#closed) this.#fill();
    });
    child.stdin?.on("error", () => undefined);
    return parked;
  }

  /** Ends every parked launcher and removes its cgroups (the daemon is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#refillTimer);
    await this.#filling;
    for (const p of this.#parked.splice(0)) {
      p.child.stdin?.end();
      p.child.kill("SIGKILL");
      await p.cgroup.destroy().catch(() => undefined);
    }
  }
}
