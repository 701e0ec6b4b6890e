// Where the host keeps its state, and how those directories (the state dir, driver bundles, id
// records) are made and checked so that no other user can change what they hold or where their
// path leads.
//
// Root follows every name in these paths, so one directory on the way that another user can write
// (a pre-created dir in /tmp, a symlink planted there) would let that user swap a seccomp program,
// read a config.json or redirect a write anywhere on the host. The rule, as OpenSSH's for its key
// files: every directory from / down is owned by root or by this process's user, and none is
// writable by group or others, except a sticky one (/tmp, /var/tmp) above the part that is ours, where
// others can add names but never replace ours. Symlinks on the way count as their owner's and are
// followed only when that owner is trusted too. Nothing here depends on a check made earlier: the
// last directory is opened without following a link and its owner and mode read from that descriptor.
import { constants } from "node:fs";
import { lstat, mkdir, open, readlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** The host's state dir: `$PALISADE_HOST_STATE`, else ~/.palisade (root: /var/lib/palisade). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PALISADE_HOST_STATE) return path.resolve(env.PALISADE_HOST_STATE);
  return process.getuid?.() === 0 ? "/var/lib/palisade" : path.join(os.homedir(), ".palisade");
}

/** More symlinks than this on one path is a loop (the kernel's own limit is 40). */
const MAX_LINKS = 40;
const STICKY = 0o1000;
const GROUP_OTHER_WRITE = 0o022;

const trusted = (uid: number) => uid === 0 || uid === process.geteuid?.();

/**
 * Why `dir` (absolute) is not a private directory of this process's user, or undefined when it is.
 * `parentOnly`: `dir` is where a private directory goes, so it may be sticky (as /tmp is). The
 * messages name the path and the rule, never anything read from inside.
 */
export async function privateDirProblem(dir: string, parentOnly = false): Promise<string | undefined> {
  if (!path.isAbsolute(dir)) return `${dir} is not an absolute path`;
  let pending = path.resolve(dir).split("/").filter(Boolean);
  let at = "/";
  let links = 0;
  const rootSt = await lstat("/");
  if (!trusted(rootSt.uid) || (rootSt.mode & GROUP_OTHER_WRITE) !== 0) return "/ is writable by other users";
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === ".") continue;
    const next = name === ".." ? path.dirname(at) : path.join(at, name);
    const st = await lstat(next).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) return `${next} cannot be checked (${st.code ?? "error"})`;
    if (st.isSymbolicLink()) {
      if (!trusted(st.uid)) return `${next} is a symlink of another user`;
      if (++links > MAX_LINKS) return `${dir} has too many symlinks`;
      const target = await readlink(next);
      // An absolute target restarts the walk at /; a relative one continues from the link's directory.
      if (path.isAbsolute(target)) at = "/";
      pending = [...target.split("/").filter(Boolean), ...pending];
      continue;
    }
    if (!st.isDirectory()) return `${next} is not a directory`;
    if (!trusted(st.uid)) return `${next} belongs to another user (uid ${st.uid})`;
    const last = pending.length === 0 && !parentOnly;
    if ((st.mode & GROUP_OTHER_WRITE) !== 0 && (last || (st.mode & STICKY) === 0))
      return `${next} is writable by other users (mode ${(st.mode & 0o7777).toString(8)})`;
    at = next;
  }
  return undefined;
}

export class PrivateDirError extends Error {
  override readonly name = "PrivateDirError";
}

/**
 * Creates `dir` (and missing parents) with `mode` unless it exists, sets exactly that mode through a
 * descriptor opened without following a link, and refuses (PrivateDirError) a directory that is not
 * this user's alone to change, or that sits below one another user can change.
 */
export async function ensurePrivateDir(dir: string, mode: number): Promise<void> {
  if ((mode & GROUP_OTHER_WRITE) !== 0) throw new PrivateDirError(`mode ${mode.toString(8)} is not private`);
  // Where mkdir will start: the nearest directory above that exists must be safe to create in.
  let existing = path.dirname(path.resolve(dir));
  while (existing !== "/" && !(await lstat(existing).catch(() => undefined))) existing = path.dirname(existing);
  const parentProblem = await privateDirProblem(existing, true);
  if (parentProblem) throw new PrivateDirError(`${dir} is not private: ${parentProblem}`);
  await mkdir(dir, { recursive: true, mode }).catch((e: NodeJS.ErrnoException) => {
    // EEXIST: a file, FIFO or dangling link has the name; the open below says the same for a live link.
    throw new PrivateDirError(`${dir} cannot be made (${e.code ?? "error"})`);
  });
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((e: NodeJS.ErrnoException) => {
    throw new PrivateDirError(`${dir} is not a plain directory (${e.code ?? "error"})`);
  });
  try {
    const st = await fh.stat();
    if (st.uid !== process.geteuid?.()) throw new PrivateDirError(`${dir} belongs to another user (uid ${st.uid})`);
    if ((st.mode & 0o7777) !== mode) await fh.chmod(mode);
  } finally {
    await fh.close();
  }
  // Parents made just now by mkdir, and anything swapped in meanwhile, are checked on the whole path.
  const problem = await privateDirProblem(dir);
  if (problem) throw new PrivateDirError(`${dir} is not private: ${problem}`);
}
