// Per-agent workspaces with a disk quota: each one is an ext4 filesystem in a sparse image file,
// loop-mounted (nosuid, nodev) at workspaces/<agentId> while the agent has sandboxes running, and a
// while after (idleUnmountMs), so an agent's next sandbox does not pay the mount again. At most
// maxMounted are mounted at once: beyond that, the longest idle ones are unmounted first, and a
// start that finds none idle is refused rather than tying up another loop device.
//
// Why a loop image: it is a hard limit the kernel enforces whatever uid writes (ENOSPC at the
// quota), it needs nothing from the host's own filesystem (no prjquota mount option, any
// filesystem under the state dir), it keeps the workspace across daemon restarts (tmpfs would not,
// and would spend memory), and a workspace is a filesystem of its own, so no hard link can point
// from it at a host file. The image is sparse: it takes only what the agent wrote.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, open, readdir, rm, rmdir, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { SandboxStartError } from "../sandbox/types.js";

const run = promisify(execFile);
/** Host tools (util-linux `mount`, e2fsprogs), run with a fixed environment. */
const TOOL_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };
const MOUNT = "/usr/bin/mount";
const UMOUNT = "/usr/bin/umount";
const MKFS = "/usr/sbin/mkfs.ext4";
const FSCK = "/usr/sbin/e2fsck";

/** Agent ids name workspace directories and images, so they must be a plain path segment. */
export const AGENT_DIR = /^[A-Za-z0-9_-]{1,64}$/;
export const DEFAULT_WORKSPACE_QUOTA_BYTES = 1024 ** 3;
export const DEFAULT_MAX_MOUNTED_WORKSPACES = 256;
export const DEFAULT_IDLE_UNMOUNT_MS = 10 * 60_000;

export interface WorkspacesOptions {
  /** Where workspaces are mounted, one directory per agent (root-only). */
  dir: string;
  /** Where the image files live (root-only). */
  imagesDir: string;
  /** Size of each new workspace; null keeps plain directories without a quota (a daemon that is not root). */
  quotaBytes: number | null;
  /** Most workspaces mounted at once (default 256). */
  maxMounted?: number;
  /** How long a workspace no sandbox uses stays mounted (default 10 minutes). */
  idleUnmountMs?: number;
}

export class Workspaces {
  readonly #o: WorkspacesOptions;
  /** One mount or unmount at a time per agent: two sandboxes starting together mount once. */
  readonly #chain = new Map<string, Promise<unknown>>();
  /** Mounted workspaces by agent: its mount point, and since when no sandbox uses it (undefined: in use). */
  readonly #mounted = new Map<string, { dir: string; idleSince?: number; timer?: NodeJS.Timeout }>();
  /** Sandboxes of each agent that hold its workspace (prepare() to release()). */
  readonly #users = new Map<string, number>();
  /** Mounts under way, counted against maxMounted with the ones done. */
  #mounting = 0;

  constructor(opts: WorkspacesOptions) {
    this.#o = opts;
  }

  get quotaBytes(): number | null {
    return this.#o.quotaBytes;
  }

  /** What the host lacks for quotas, or undefined. */
  static missingTools(): string | undefined {
    const missing = [MOUNT, UMOUNT, MKFS].filter((t) => !existsSync(t));
    return missing.length ? `workspace quotas need ${missing.join(", ")} (apt-get install mount e2fsprogs)` : undefined;
  }

  /**
   * A real round trip (image, mkfs, loop mount, unmount), so a host that cannot mount loop devices
   * (e.g. a container without /dev/loop-control) says so when the daemon starts. Undefined when fine.
   */
  async probe(): Promise<string | undefined> {
    if (this.#o.quotaBytes === null) return undefined;
    const missing = Workspaces.missingTools();
    if (missing) return missing;
    const image = path.join(this.#o.imagesDir, `.probe-${process.pid}.ext4`);
    const dir = path.join(this.#o.imagesDir, `.probe-${process.pid}`);
    try {
      await rm(image, { force: true });
      await this.#createImage(image, 16 << 20);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await this.#mount(image, dir);
      await run(UMOUNT, ["--", dir], { env: TOOL_ENV });
      return undefined;
    } catch (e) {
      return `workspace quotas need loop-mounted images, which failed here: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      await rm(image, { force: true }).catch(() => undefined);
    }
  }

  /** Workspaces mounted now. */
  get mounted(): number {
    return this.#mounted.size;
  }

  /**
   * The agent's workspace directory, created and mounted on first use, held for one sandbox until
   * release(agentId). Refused when maxMounted workspaces are mounted and none is idle.
   */
  async prepare(agentId: string): Promise<string> {
    if (!AGENT_DIR.test(agentId)) throw new SandboxStartError("agent id is not a valid directory name");
    // Counted at once, so an idle unmount that runs meanwhile leaves this workspace alone.
    this.#users.set(agentId, (this.#users.get(agentId) ?? 0) + 1);
    const held = this.#mounted.get(agentId);
    if (held) {
      clearTimeout(held.timer);
      delete held.idleSince;
    }
    try {
      return await this.#serial(agentId, () => this.#prepare(agentId));
    } catch (e) {
      this.release(agentId);
      throw e;
    }
  }

  /** One sandbox of the agent is done with its workspace; the last one starts the idle clock. */
  release(agentId: string): void {
    const users = (this.#users.get(agentId) ?? 0) - 1;
    if (users > 0) return void this.#users.set(agentId, users);
    this.#users.delete(agentId);
    const held = this.#mounted.get(agentId);
    if (!held || this.#o.quotaBytes === null) return;
    held.idleSince = Date.now();
    held.timer = setTimeout(() => void this.#unmountIdle(agentId), this.#o.idleUnmountMs ?? DEFAULT_IDLE_UNMOUNT_MS);
    held.timer.unref();
  }

  /** Runs `fn` after every earlier mount or unmount of the agent's workspace. */
  #serial<T>(agentId: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.#chain.get(agentId) ?? Promise.resolve()).then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#chain.set(agentId, tail);
    void tail.then(() => {
      if (this.#chain.get(agentId) === tail) this.#chain.delete(agentId);
    });
    return next;
  }

  /** Unmounts the agent's workspace if no sandbox has taken it again; false when it stays. */
  #unmountIdle(agentId: string): Promise<boolean> {
    return this.#serial(agentId, async () => {
      const held = this.#mounted.get(agentId);
      if (!held || (this.#users.get(agentId) ?? 0) > 0) return false;
      clearTimeout(held.timer);
      const ok = await run(UMOUNT, ["--", held.dir], { env: TOOL_ENV }).then(
        () => true,
        () => false,
      );
      if (ok) this.#mounted.delete(agentId);
      return ok;
    });
  }

  /**
   * Room for one more mount, reserved for the caller (who gives it back with `this.#mounting--`): the
   * longest idle workspaces are unmounted first; refused when none is idle.
   */
  async #makeRoom(): Promise<void> {
    const max = this.#o.maxMounted ?? DEFAULT_MAX_MOUNTED_WORKSPACES;
    while (this.#mounted.size + this.#mounting >= max) {
      const idle = [...this.#mounted.entries()]
        .filter(([, m]) => m.idleSince !== undefined)
        .sort(([, a], [, b]) => (a.idleSince ?? 0) - (b.idleSince ?? 0));
      let freed = false;
      for (const [agent] of idle) {
        freed = await this.#unmountIdle(agent);
        if (freed) break;
      }
      if (!freed) throw new SandboxStartError(`this host has ${max} agent workspaces mounted, all in use; try again when one is idle`);
    }
    // Taken in the same turn as the check above, so two agents mounting at once cannot both pass it.
    this.#mounting++;
  }

  async #prepare(agentId: string): Promise<string> {
    const known = this.#mounted.get(agentId);
    if (known) return known.dir;
    const dir = path.join(this.#o.dir, agentId);
    await mkdir(dir, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST") throw e;
    });
    // The parent is root's alone, so this is only ever a directory the daemon made; checked anyway.
    if (!(await lstat(dir)).isDirectory()) throw new SandboxStartError("workspace is not a directory");
    if (this.#o.quotaBytes === null) return dir;
    if (await this.#isMountPoint(dir)) {
      // Mounted by an earlier run of the daemon that did not stop cleanly: this run owns it now.
      this.#mounted.set(agentId, { dir });
      return dir;
    }
    await this.#makeRoom();
    try {
      const image = path.join(this.#o.imagesDir, `${agentId}.ext4`);
      if (!existsSync(image)) await this.#createImage(image, this.#o.quotaBytes);
      try {
        await this.#mount(image, dir);
      } catch {
        // A daemon that died mid-write can leave the filesystem unclean: repair once, then retry.
        await run(FSCK, ["-p", "-f", image], { env: TOOL_ENV }).catch(() => undefined);
        await this.#mount(image, dir).catch((e: unknown) => {
          throw new SandboxStartError(`workspace could not be mounted (${e instanceof Error ? e.message.split("\n")[0] : "error"})`);
        });
      }
      this.#mounted.set(agentId, { dir });
    } finally {
      this.#mounting--;
    }
    // mkfs leaves an empty lost+found; the agent's workspace starts empty.
    await rmdir(path.join(dir, "lost+found")).catch(() => undefined);
    return dir;
  }

  async #isMountPoint(dir: string): Promise<boolean> {
    const [self, parent] = await Promise.all([stat(dir), stat(path.dirname(dir))]);
    return self.dev !== parent.dev;
  }

  async #createImage(image: string, bytes: number): Promise<void> {
    await mkdir(this.#o.imagesDir, { recursive: true, mode: 0o700 });
    const fh = await open(image, "wx", 0o600);
    try {
      await fh.truncate(bytes);
    } finally {
      await fh.close();
    }
    try {
      await run(MKFS, ["-q", "-F", "-m", "0", "-L", "palisade-ws", "-E", "root_owner=0:0,lazy_itable_init=1,lazy_journal_init=1", image], {
        env: TOOL_ENV,
      });
    } catch (e) {
      await unlink(image).catch(() => undefined);
      throw new SandboxStartError(`workspace image could not be created (${e instanceof Error ? e.message.split("\n")[0] : "error"})`);
    }
  }

  async #mount(image: string, dir: string): Promise<void> {
    await run(MOUNT, ["-t", "ext4", "-o", "loop,nosuid,nodev,noatime", "--", image, dir], { env: TOOL_ENV });
  }

  /**
   * Unmounts the workspaces an earlier run of the daemon left mounted (it was killed; its sandboxes
   * have been reaped), so they count against nothing and hold no loop device. One still in use
   * stays mounted and is taken over by its agent's next sandbox.
   */
  async unmountLeftovers(): Promise<void> {
    if (this.#o.quotaBytes === null) return;
    for (const agentId of await readdir(this.#o.dir).catch(() => [])) {
      if (!AGENT_DIR.test(agentId) || this.#mounted.has(agentId)) continue;
      const dir = path.join(this.#o.dir, agentId);
      if (await this.#isMountPoint(dir).catch(() => false)) await run(UMOUNT, ["--", dir], { env: TOOL_ENV }).catch(() => undefined);
    }
  }

  /** Unmounts every workspace this process mounted (the host is stopping; its sandboxes are gone). */
  async unmountAll(): Promise<void> {
    for (const [agentId, { dir, timer }] of this.#mounted) {
      clearTimeout(timer);
      // A lazy unmount when something still holds it: the loop device goes once it is let go.
      await run(UMOUNT, ["--", dir], { env: TOOL_ENV }).catch(() => run(UMOUNT, ["-l", "--", dir], { env: TOOL_ENV }).catch(() => undefined));
      this.#mounted.delete(agentId);
    }
  }
}
