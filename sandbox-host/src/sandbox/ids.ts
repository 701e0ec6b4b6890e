// Host uids and gids for sandboxes, from one configured range (like a container runtime's subuid range).
//
// The lower half of the range holds agent uids: an agent's uid owns its workspace and every sandbox
// of that agent runs as it (they share the workspace, so they share its owner). The upper half
// holds per-sandbox slots of two ids: the sandbox's own gid, the only group that may use its proxy
// socket, and the uid/gid that container root maps to for OCI runtimes (which set a container up as
// root inside). So a process that escapes one sandbox has no id that opens another agent's
// workspace or any other sandbox's socket.
//
// With a directory the assignments are symlinks whose target is the value, so one symlink() creates
// a whole record or fails with EEXIST, and the daemon and a `palisade sandbox run` on the same host
// never hand out the same id: agents/<agentId> -> the agent's uid, uids/<uid> -> the agent it is
// claimed for, slots/<n> -> the pid of the process that leased slot n (a slot whose process is gone
// is taken over). Without a directory they live in this process only.
import { readFileSync } from "node:fs";
import { mkdir, readdir, readlink, symlink, unlink } from "node:fs/promises";
import path from "node:path";

export interface IdRange {
  first: number;
  count: number;
}

/** 32,768 agents and 16,384 concurrent sandboxes, above the ids Debian gives to users and subuid ranges by default. */
export const DEFAULT_ID_RANGE: IdRange = { first: 1_000_000, count: 65_536 };

export interface SandboxIds {
  /** Host uid of the agent: owner of its workspace; the command runs as it. */
  uid: number;
  /** Host gid of this sandbox alone: the command runs with it, and only it may use the proxy socket. */
  gid: number;
  /** Host uid and gid that container root maps to (OCI runtimes only). */
  rootId: number;
  /** Gives the slot back; later sandboxes may get its ids. */
  release(): Promise<void>;
}

/** Why `range` cannot be used, or undefined. Ids of host accounts and groups must stay outside it. */
export function idRangeProblem(range: IdRange, files = { passwd: "/etc/passwd", group: "/etc/group" }): string | undefined {
  const { first, count } = range;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count)) return "the id range must be integers";
  if (first < 65_536) return "the id range must start at 65536 or above (below are the host's own users)";
  if (count < 4 || count % 2 !== 0) return "the id range needs an even count of at least 4";
  if (first + count > 4_294_967_294) return "the id range ends beyond the largest uid";
  for (const file of [files.passwd, files.group]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      const id = Number(line.split(":")[2]);
      if (Number.isInteger(id) && id >= first && id < first + count) return `${file} has id ${id}, inside the sandbox id range`;
    }
  }
  return undefined;
}

const AGENT_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/** The agent a driver's own availability probe runs as. */
export const PROBE_AGENT = "palisade-probe";

export class HostIds {
  readonly #range: IdRange;
  readonly #dir: string | undefined;
  readonly #agents = new Map<string, Promise<number>>();
  /** Agent uids of this process when there is no directory. */
  readonly #memoryUids = new Map<string, number>();
  /** Slots this process holds (the only record without a directory). */
  readonly #held = new Set<number>();
  #nextSlot = 0;
  #ready: Promise<void> | undefined;
  /** Slots claimed ahead (directory mode), so a start takes one without waiting on the disk. */
  readonly #spare: number[] = [];
  readonly #prefetch: number;
  #refilling: Promise<void> | undefined;

  /** `prefetch`: slots to keep claimed ahead in the directory (a long-running daemon; 0 for a one-off run). */
  constructor(opts: { range?: IdRange; dir?: string; prefetch?: number } = {}) {
    this.#range = opts.range ?? DEFAULT_ID_RANGE;
    const problem = idRangeProblem(this.#range, { passwd: "/nonexistent", group: "/nonexistent" });
    if (problem) throw new Error(problem);
    this.#dir = opts.dir;
    this.#prefetch = opts.dir ? (opts.prefetch ?? 0) : 0;
  }

  get range(): IdRange {
    return this.#range;
  }

  get #agentCount(): number {
    return this.#range.count / 2;
  }

  get #slotCount(): number {
    return Math.floor(this.#range.count / 4);
  }

  #mkdirs(): Promise<void> {
    const dir = this.#dir;
    if (!dir) return Promise.resolve();
    this.#ready ??= (async () => {
      for (const d of [dir, path.join(dir, "agents"), path.join(dir, "uids"), path.join(dir, "slots")])
        await mkdir(d, { recursive: true, mode: 0o700 });
    })();
    return this.#ready;
  }

  /** The agent's host uid, assigned on first use and kept (in the directory, if any). */
  agentUid(agentId: string): Promise<number> {
    if (!AGENT_KEY.test(agentId)) return Promise.reject(new Error("agent id is not a valid key"));
    let uid = this.#agents.get(agentId);
    if (!uid) {
      uid = this.#assign(agentId);
      this.#agents.set(agentId, uid);
      uid.catch(() => this.#agents.delete(agentId));
    }
    return uid;
  }

  async #assign(agentId: string): Promise<number> {
    const dir = this.#dir;
    if (!dir) {
      const uid = this.#range.first + this.#memoryUids.size;
      if (this.#memoryUids.size >= this.#agentCount) throw new Error("no free agent uid left in the id range");
      this.#memoryUids.set(agentId, uid);
      return uid;
    }
    await this.#mkdirs();
    const agentFile = path.join(dir, "agents", agentId);
    const known = await readId(agentFile);
    if (known !== undefined) return known;
    const used = new Set((await readdir(path.join(dir, "uids"))).map(Number));
    for (let i = 0; i < this.#agentCount; i++) {
      const uid = this.#range.first + i;
      if (used.has(uid)) continue;
      const claim = path.join(dir, "uids", String(uid));
      if (!(await createExclusive(claim, agentId))) continue;
      if (await createExclusive(agentFile, String(uid))) return uid;
      // Another process assigned this agent meanwhile: its uid wins, this claim goes back.
      await unlink(claim).catch(() => undefined);
      const theirs = await readId(agentFile);
      if (theirs !== undefined) return theirs;
      throw new Error("agent uid assignment is inconsistent");
    }
    throw new Error("no free agent uid left in the id range");
  }

  /** The ids of one new sandbox of the agent; release() them when it has ended. */
  async lease(agentId: string): Promise<SandboxIds> {
    const uid = await this.agentUid(agentId);
    const slot = this.#spare.pop() ?? (await this.#takeSlot());
    this.#refill();
    const base = this.#range.first + this.#agentCount + 2 * slot;
    let released = false;
    return {
      uid,
      gid: base,
      rootId: base + 1,
      release: async () => {
        if (released) return;
        released = true;
        this.#held.delete(slot);
        if (this.#dir) await unlink(path.join(this.#dir, "slots", String(slot))).catch(() => undefined);
      },
    };
  }

  #refill(): void {
    if (this.#refilling || this.#spare.length >= this.#prefetch) return;
    this.#refilling = (async () => {
      while (this.#spare.length < this.#prefetch) this.#spare.push(await this.#takeSlot());
    })()
      // A full range is reported by the lease that needs a slot, not here.
      .catch(() => undefined)
      .finally(() => {
        this.#refilling = undefined;
      });
  }

  /** Gives back the slots claimed ahead (the daemon is stopping). */
  async close(): Promise<void> {
    await this.#refilling;
    for (const slot of this.#spare.splice(0)) {
      this.#held.delete(slot);
      if (this.#dir) await unlink(path.join(this.#dir, "slots", String(slot))).catch(() => undefined);
    }
  }

  async #takeSlot(): Promise<number> {
    await this.#mkdirs();
    const n = this.#slotCount;
    for (let tries = 0; tries < n; tries++) {
      const slot = (this.#nextSlot + tries) % n;
      if (this.#held.has(slot)) continue;
      if (this.#dir && !(await this.#claimSlotFile(slot))) continue;
      this.#held.add(slot);
      this.#nextSlot = (slot + 1) % n;
      return slot;
    }
    throw new Error("no free sandbox slot left in the id range");
  }

  async #claimSlotFile(slot: number): Promise<boolean> {
    const file = path.join(this.#dir ?? "", "slots", String(slot));
    if (await createExclusive(file, String(process.pid))) return true;
    const owner = await readId(file);
    if (owner === undefined || owner === process.pid || alive(owner)) return false;
    // The process that held it is gone (a crash): the slot is free again.
    await unlink(file).catch(() => undefined);
    return createExclusive(file, String(process.pid));
  }
}

/** Creates the record `file` -> `content` unless it exists; false when another process got there first. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  try {
    await symlink(content, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

async function readId(file: string): Promise<number | undefined> {
  const text = await readlink(file).catch(() => undefined);
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isSafeInteger(n) ? n : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
