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
// claimed for, slots/<n> -> the process that leased slot n (a holder record of ../owner-records.ts:
// pid, start time and a nonce; one process alone takes over a gone holder's). Without a directory
// they live in this process only.
//
// A slot's ids go to another sandbox only once no process holds them. A process that escaped its
// sandbox keeps the sandbox's gid after the sandbox has ended (and an OCI container can outlive a
// daemon that was killed); handed to a new sandbox, that gid would open the new sandbox's proxy
// socket. So a released slot is quarantined until a scan of /proc finds no process with its gid or
// root id (real, effective, saved, filesystem or supplementary), and a slot whose process is gone is
// taken over only after the same scan, and only when no slot without a record is left, so the ids of
// a sandbox that just ended come round as late as possible.
import { readFileSync } from "node:fs";
import { readdir, readFile, readlink, unlink } from "node:fs/promises";
import path from "node:path";
import { HOST_AGENT_PREFIX } from "../../../schema/sandbox.js";
import { ensurePrivateDir } from "./state-dirs.js";
import { createRecord, heldByThisProcess, holderAlive, newHolderTarget, readRecord, releaseRecord, removeStaleRecord } from "../owner-records.js";

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
  /**
   * Gives the slot back once the sandbox has ended (its cgroup emptied): later sandboxes get its
   * ids when no process holds them any more.
   */
  release(): Promise<void>;
}

/** The host's account databases; every id they name must stay outside the sandbox range. */
export interface HostIdFiles {
  passwd?: string;
  group?: string;
  /** Subordinate ids (`name:first:count`), which their owner can map into a user namespace of its own. */
  subuid?: string;
  subgid?: string;
}

export const HOST_ID_FILES: Required<HostIdFiles> = {
  passwd: "/etc/passwd",
  group: "/etc/group",
  subuid: "/etc/subuid",
  subgid: "/etc/subgid",
};

/** Why `range` is malformed, or undefined (the part of idRangeProblem that reads no file). */
export function rangeShapeProblem({ first, count }: IdRange): string | undefined {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count)) return "the id range must be integers";
  if (first < 65_536) return "the id range must start at 65536 or above (below are the host's own users)";
  if (count < 4 || count % 2 !== 0) return "the id range needs an even count of at least 4";
  if (first + count > 4_294_967_294) return "the id range ends beyond the largest uid";
  return undefined;
}

/**
 * Why `range` cannot be used, or undefined: malformed, or overlapping an id the host gives to one of
 * its users or groups (passwd uid and gid, group gid) or a subordinate range (subuid, subgid), whose
 * owner could otherwise own an agent's workspace or enter a sandbox's ids.
 */
export function idRangeProblem(range: IdRange, files: HostIdFiles = HOST_ID_FILES): string | undefined {
  const shape = rangeShapeProblem(range);
  if (shape) return shape;
  const end = range.first + range.count;
  const overlaps = (lo: number, n: number) => Number.isSafeInteger(lo) && Number.isSafeInteger(n) && n > 0 && lo < end && lo + n > range.first;
  const read = (file: string | undefined) => {
    try {
      return file ? readFileSync(file, "utf8").split("\n") : [];
    } catch {
      return [];
    }
  };
  for (const [file, fields] of [
    [files.passwd, [2, 3]],
    [files.group, [2]],
  ] as const) {
    for (const line of read(file)) {
      const parts = line.split(":");
      for (const f of fields) {
        const id = parts[f] === "" ? Number.NaN : Number(parts[f]);
        if (overlaps(id, 1)) return `${file} has id ${id}, inside the sandbox id range`;
      }
    }
  }
  for (const file of [files.subuid, files.subgid]) {
    for (const line of read(file)) {
      const [, lo, n] = line.split(":");
      if (lo && n && overlaps(Number(lo), Number(n)))
        return `${file} gives ids ${lo}-${Number(lo) + Number(n) - 1}, overlapping the sandbox id range`;
    }
  }
  return undefined;
}

/** The State line of a zombie or a dead task in /proc/<pid>/status. */
const ENDED = /^State:\s+[ZX]/m;

/**
 * The ids in `range` that some live process holds as a real, effective, saved or filesystem uid or
 * gid, or a supplementary group: read from /proc/<pid>/status of every process in sight.
 */
export async function idsInUse(range: IdRange, proc = "/proc"): Promise<Set<number>> {
  const inUse = new Set<number>();
  const end = range.first + range.count;
  const add = (status: string) => {
    for (const m of status.matchAll(/^(?:Uid|Gid|Groups):(.*)$/gm)) {
      for (const v of (m[1] ?? "").trim().split(/\s+/)) {
        const id = Number(v);
        if (v !== "" && id >= range.first && id < end) inUse.add(id);
      }
    }
  };
  const pids = (await readdir(proc)).filter((e) => /^\d+$/.test(e));
  await Promise.all(
    pids.map(async (pid) => {
      // A process that is gone meanwhile holds nothing.
      const status = await readFile(path.join(proc, pid, "status"), "utf8").catch(() => "");
      if (!ENDED.test(status)) return add(status);
      // A zombie runs no code and holds no descriptor, unless only its leader thread has exited
      // (exit(2) rather than exit_group): the other threads, listed in task/, run on with its ids.
      const tids = await readdir(path.join(proc, pid, "task")).catch(() => []);
      for (const tid of tids.filter((t) => t !== pid)) {
        const task = await readFile(path.join(proc, pid, "task", tid, "status"), "utf8").catch(() => "");
        if (!ENDED.test(task)) add(task);
      }
    }),
  );
  return inUse;
}

const AGENT_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

/** The agent a driver's own availability probe runs as; no real agent may have its id (schema/sandbox.ts). */
export const PROBE_AGENT = `${HOST_AGENT_PREFIX}probe`;

export class HostIds {
  readonly #range: IdRange;
  readonly #dir: string | undefined;
  readonly #hostFiles: HostIdFiles;
  readonly #agents = new Map<string, Promise<number>>();
  /** Agent uids of this process when there is no directory. */
  readonly #memoryUids = new Map<string, number>();
  /** Slots this process holds (the only record without a directory). */
  readonly #held = new Set<number>();
  /** The target of this process's record of each slot it holds or quarantines (directory mode). */
  readonly #records = new Map<number, string>();
  /** Slots released by this process whose ids some process may still hold (their record is kept). */
  readonly #quarantined = new Set<number>();
  /** The /proc scan in flight, and the one that starts when it is done (#freshScan). */
  #runningScan: Promise<Set<number>> | undefined;
  #queuedScan: Promise<Set<number>> | undefined;
  #nextSlot = 0;
  #ready: Promise<void> | undefined;
  /** Slots claimed ahead (directory mode), so a start takes one without waiting on the disk. */
  readonly #spare: number[] = [];
  readonly #prefetch: number;
  #refilling: Promise<void> | undefined;

  /**
   * `prefetch`: slots to keep claimed ahead in the directory (a long-running daemon; 0 for a one-off
   * run). `hostFiles`: the account databases the range is checked against (idRangeProblem) before
   * the first id is handed out.
   */
  constructor(opts: { range?: IdRange; dir?: string; prefetch?: number; hostFiles?: HostIdFiles } = {}) {
    this.#range = opts.range ?? DEFAULT_ID_RANGE;
    const problem = rangeShapeProblem(this.#range);
    if (problem) throw new Error(problem);
    this.#dir = opts.dir;
    this.#prefetch = opts.dir ? (opts.prefetch ?? 0) : 0;
    this.#hostFiles = opts.hostFiles ?? HOST_ID_FILES;
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

  /**
   * Checks the range against the host's accounts and makes the directory, once, before any id is
   * handed out; rejects with the reason when the range or the directory cannot be used.
   */
  verify(): Promise<void> {
    this.#ready ??= (async () => {
      const problem = idRangeProblem(this.#range, this.#hostFiles);
      if (problem) throw new Error(problem);
      const dir = this.#dir;
      if (!dir) return;
      for (const d of [dir, path.join(dir, "agents"), path.join(dir, "uids"), path.join(dir, "slots")]) await ensurePrivateDir(d, 0o700);
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
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
      await this.verify();
      this.#memoryUids.set(agentId, uid);
      return uid;
    }
    await this.verify();
    const agentFile = path.join(dir, "agents", agentId);
    const known = await readId(agentFile);
    if (known !== undefined) return known;
    const used = new Set((await readdir(path.join(dir, "uids"))).map(Number));
    for (let i = 0; i < this.#agentCount; i++) {
      const uid = this.#range.first + i;
      if (used.has(uid)) continue;
      const claim = path.join(dir, "uids", String(uid));
      if (!(await createRecord(claim, agentId))) continue;
      if (await createRecord(agentFile, String(uid))) return uid;
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
    const { gid, rootId } = this.#slotIds(slot);
    let released = false;
    return {
      uid,
      gid,
      rootId,
      release: async () => {
        if (released) return;
        released = true;
        this.#held.delete(slot);
        this.#quarantined.add(slot);
        await this.#endQuarantine();
      },
    };
  }

  #slotIds(slot: number): { gid: number; rootId: number } {
    const gid = this.#range.first + this.#agentCount + 2 * slot;
    return { gid, rootId: gid + 1 };
  }

  /**
   * A scan of /proc that starts after this call, shared: sandboxes ending together (a host stopping
   * hundreds) cost one scan in flight and one queued behind it, not one each. A scan already running
   * may have read a process's status before the caller's sandbox ended, so callers wait for the next.
   */
  #freshScan(): Promise<Set<number>> {
    if (this.#queuedScan) return this.#queuedScan;
    const start = () => {
      const scan = idsInUse(this.#range).finally(() => {
        if (this.#runningScan === scan) this.#runningScan = undefined;
      });
      this.#runningScan = scan;
      return scan;
    };
    const running = this.#runningScan;
    if (!running) return start();
    const queued = running
      .catch(() => undefined)
      .then(() => {
        this.#queuedScan = undefined;
        return start();
      });
    this.#queuedScan = queued;
    return queued;
  }

  /** Frees every quarantined slot whose ids no process holds (one scan of /proc for all of them). */
  async #endQuarantine(): Promise<void> {
    if (this.#quarantined.size === 0) return;
    const inUse = await this.#freshScan();
    for (const slot of [...this.#quarantined]) {
      const { gid, rootId } = this.#slotIds(slot);
      if (inUse.has(gid) || inUse.has(rootId)) continue;
      // Whoever deletes it from the set frees it: two scans never free one slot twice.
      if (!this.#quarantined.delete(slot)) continue;
      await this.#dropRecord(slot);
    }
  }

  /** Removes this process's record of `slot` (and never a record another process made since). */
  async #dropRecord(slot: number): Promise<void> {
    const target = this.#records.get(slot);
    this.#records.delete(slot);
    if (this.#dir && target) await releaseRecord(path.join(this.#dir, "slots", String(slot)), target);
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

  /**
   * Gives back the slots claimed ahead (the daemon is stopping). Quarantined slots keep their
   * record: once this process is gone, whoever takes one over scans for holders first.
   */
  async close(): Promise<void> {
    await this.#refilling;
    for (const slot of this.#spare.splice(0)) {
      this.#held.delete(slot);
      await this.#dropRecord(slot);
    }
  }

  /**
   * A free slot, in this order: one with no record (round robin from the last one taken); one
   * whose process is gone and whose ids nobody holds; one of this process's quarantine that has
   * cleared meanwhile.
   */
  async #takeSlot(): Promise<number> {
    await this.verify();
    const slot = (await this.#findSlot(false)) ?? (await this.#findSlot(true));
    if (slot !== undefined) return slot;
    if (this.#quarantined.size > 0) {
      await this.#endQuarantine();
      const again = await this.#findSlot(false);
      if (again !== undefined) return again;
    }
    throw new Error("no free sandbox slot left in the id range");
  }

  async #findSlot(takeOver: boolean): Promise<number | undefined> {
    const n = this.#slotCount;
    let inUse: Set<number> | undefined;
    for (let tries = 0; tries < n; tries++) {
      const slot = (this.#nextSlot + tries) % n;
      if (this.#held.has(slot) || this.#quarantined.has(slot)) continue;
      if (this.#dir) {
        const file = path.join(this.#dir, "slots", String(slot));
        const mine = newHolderTarget();
        if (!takeOver) {
          if (!(await createRecord(file, mine))) continue;
        } else {
          const owner = await readRecord(file);
          if (owner === undefined || heldByThisProcess(owner) || holderAlive(owner)) continue;
          inUse ??= await this.#freshScan();
          const { gid, rootId } = this.#slotIds(slot);
          if (inUse.has(gid) || inUse.has(rootId)) continue;
          // The process that held it is gone and nothing holds its ids: the slot is free again, to
          // whoever makes the next record after the one takeover of the stale one.
          if (!(await removeStaleRecord(file, owner))) continue;
          if (!(await createRecord(file, mine))) continue;
        }
        this.#records.set(slot, mine);
      } else if (takeOver) {
        return undefined;
      }
      this.#held.add(slot);
      this.#nextSlot = (slot + 1) % n;
      return slot;
    }
    return undefined;
  }
}

async function readId(file: string): Promise<number | undefined> {
  const text = await readlink(file).catch(() => undefined);
  const n = Number(text);
  return text !== undefined && text !== "" && Number.isSafeInteger(n) ? n : undefined;
}
