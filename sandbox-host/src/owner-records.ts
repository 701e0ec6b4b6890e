// Records a process holds on the host's disk (the image store's lock, the sandbox id slots): a
// symlink whose target names the holder, made in one symlink() so it exists whole or not at all.
//
// The target is `<pid>.<start>.<nonce>`: the pid, the process's start time (field 22 of
// /proc/<pid>/stat, so a pid reused by an unrelated process reads as a different holder, i.e. the
// old one is gone) and a random nonce (so two holders in one process differ, and a record once
// removed never comes back under the same target). A holder releases only a record that names it.
//
// A record whose holder is gone is removed by exactly one process: the one that creates the claim
// `<record>~<target>` (again one symlink()). Only a claimant removes the stale target, and it
// checks the record still names that target after it holds the claim; the target cannot change
// meanwhile (its holder is gone and no one else may remove it), so a fresh record someone made
// after a takeover is never removed by a slow second taker. A claim left by a claimant that died is
// itself a stale record, removed the same way.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { readlink, symlink, unlink } from "node:fs/promises";

/** A holder as a record names it. `start` is undefined for records that name only a pid. */
export interface Holder {
  pid: number;
  start?: string;
  /** The record's target, exactly as read. */
  target: string;
}

const TARGET = /^([1-9][0-9]{0,9})(?:\.([0-9]+|x)\.([0-9a-f]{16}))?$/;
/** Claims of claims: a chain this long needs claimants dying one after another mid-takeover. */
const MAX_CLAIM_DEPTH = 3;

/** Whether process `pid` exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The start time of `pid` in clock ticks after boot, or undefined when it has no /proc entry. */
export function processStart(pid: number | "self", proc = "/proc"): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${proc}/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = fields[19];
  return start && /^[0-9]+$/.test(start) ? start : undefined;
}

/** Whether /proc shows processes here (not so in some containers): without it, start times cannot be compared. */
const procUsable = processStart("self") !== undefined;

/** A new target naming this process, unique to the record it is made for. */
export function newHolderTarget(): string {
  return `${process.pid}.${processStart(process.pid) ?? "x"}.${randomBytes(8).toString("hex")}`;
}

/** Whether a target names this process (any record it made). */
export function heldByThisProcess(holder: Holder): boolean {
  return holder.pid === process.pid && (holder.start === undefined || holder.start === (processStart(process.pid) ?? "x"));
}

/**
 * Whether the holder a record names may still be running: its pid exists and, when the record
 * gives a start time and /proc can show it, with that start time. A record naming only a pid (or
 * not parseable) is judged by the pid alone, failing closed.
 */
export function holderAlive(holder: Holder): boolean {
  if (holder.start !== undefined && holder.start !== "x" && procUsable) {
    // No /proc entry: the process is gone.
    return processStart(holder.pid) === holder.start;
  }
  return processAlive(holder.pid);
}

/** Creates `file` naming `target` unless a record exists; false when another got there first. */
export async function createRecord(file: string, target: string): Promise<boolean> {
  try {
    await symlink(target, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

/**
 * The holder `file` names; undefined when there is no record. A record that names no holder in a
 * form this module writes (damaged) is reported with pid 0, which no takeover removes.
 */
export async function readRecord(file: string): Promise<Holder | undefined> {
  const target = await readlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  return target === undefined ? undefined : holderOf(target);
}

/** The holder a target names (pid 0 when it names none in a form this module writes). */
export function holderOf(target: string): Holder {
  const m = TARGET.exec(target);
  if (!m?.[1]) return { pid: 0, target };
  return { pid: Number(m[1]), ...(m[2] !== undefined ? { start: m[2] } : {}), target };
}

/** Removes this process's record `file` if it still names `target`; a record of another holder stays. */
export async function releaseRecord(file: string, target: string): Promise<void> {
  // Only its holder (alive: this process) or a claimant of a stale record removes a record, so it
  // names `target` until this unlink.
  if ((await readlink(file).catch(() => undefined)) === target) await unlink(file).catch(() => undefined);
}

/**
 * Removes the record `file` if it still names the stale holder `stale` (checked gone by the caller),
 * as the one claimant of that takeover. True when the stale record is gone (removed here or
 * before); false when another live process is taking it over (the caller waits and looks again).
 */
export async function removeStaleRecord(file: string, stale: Holder, depth = 0): Promise<boolean> {
  if (stale.pid <= 0) return false;
  const claim = `${file}~${stale.target}`;
  const mine = newHolderTarget();
  if (!(await createRecord(claim, mine))) {
    const claimant = await readRecord(claim);
    if (claimant === undefined) return (await readlink(file).catch(() => undefined)) !== stale.target;
    if (depth < MAX_CLAIM_DEPTH && claimant.target !== mine && !holderAlive(claimant)) await removeStaleRecord(claim, claimant, depth + 1);
    return false;
  }
  try {
    if ((await readlink(file).catch(() => undefined)) === stale.target) await unlink(file);
    return true;
  } finally {
    await releaseRecord(claim, mine);
  }
}
