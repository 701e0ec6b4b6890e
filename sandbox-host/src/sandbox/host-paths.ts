// The host files a sandbox gets (workspace, proxy socket, CA certificate): opened once by the daemon
// without following a link, checked for their type, and handed to the sandbox's own host ids.
//
// The workspace is the agent's to write, so any name the daemon resolved below it could be a link
// the agent planted; the daemon never resolves one. It opens the workspace itself (the mount root of
// the agent's filesystem, in a root-only directory) with O_NOFOLLOW and changes owner and mode
// through that descriptor, and bwrap binds the descriptors rather than paths.
import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { chmod, chown, type FileHandle, lstat, open, rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { SandboxStartError } from "./types.js";

const run = promisify(execFile);

/** O_PATH: a descriptor that names a file without opening it (the generic Linux value, as on x86_64 and arm64). */
export const O_PATH = 0o10000000;

/** A descriptor's own path: chown and chmod through it act on that inode, whatever the name points at now. */
const viaFd = (fh: FileHandle) => `/proc/self/fd/${fh.fd}`;

async function openNoFollow(file: string, flags: number, what: string): Promise<FileHandle> {
  try {
    // libuv adds O_CLOEXEC itself: the descriptor reaches a child only where it is passed on purpose.
    return await open(file, flags | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENOTDIR") throw new SandboxStartError(`${what} is not a plain ${what === "workspace" ? "directory" : "file"}`);
    if (code === "ENOENT") throw new SandboxStartError(`${what} does not exist`);
    throw new SandboxStartError(`${what} cannot be opened (${code ?? "error"})`);
  }
}

async function closeOnError<T>(fh: FileHandle, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}

/** The workspace directory, given to the agent's uid with mode 0700 when `ownerUid` is set (root only). */
export async function openWorkspace(dir: string, ownerUid?: number): Promise<FileHandle> {
  const fh = await openNoFollow(dir, constants.O_RDONLY | constants.O_DIRECTORY, "workspace");
  return closeOnError(fh, async () => {
    if (ownerUid !== undefined) {
      // The workspace is handed over to the agent: a host directory shared with others (the root, a
      // top-level directory such as /etc or /home, a sticky or world-writable one such as /tmp)
      // would be taken from its users, so it is refused before anything changes.
      const mode = (await fh.stat()).mode;
      if (path.resolve(dir).split("/").filter(Boolean).length < 2 || (mode & 0o1002) !== 0) {
        throw new SandboxStartError(
          "workspace is a shared host directory (the root, a top-level directory, or sticky or world-writable); give a directory of its own",
        );
      }
      await fh.chown(ownerUid, 0);
      await fh.chmod(0o700);
    }
    return fh;
  });
}

/** The proxy socket, made root:<gid> 0660 when `gid` is set (root only): no other sandbox may connect. */
export async function openProxySocket(file: string, gid?: number): Promise<FileHandle> {
  const fh = await openNoFollow(file, O_PATH, "proxy socket");
  return closeOnError(fh, async () => {
    if (!(await fh.stat()).isSocket()) throw new SandboxStartError("proxy socket is not a socket");
    if (gid !== undefined) {
      await chown(viaFd(fh), 0, gid);
      await chmod(viaFd(fh), 0o660);
    }
    return fh;
  });
}

/** A regular file bound read-only (the CA certificate). */
export async function openReadOnlyFile(file: string, what: string): Promise<FileHandle> {
  const fh = await openNoFollow(file, O_PATH, what);
  return closeOnError(fh, async () => {
    if (!(await fh.stat()).isFile()) throw new SandboxStartError(`${what} is not a regular file`);
    return fh;
  });
}

/**
 * Deletes a workspace the daemon made for one run (`palisade sandbox run` without `--workspace`).
 * Its tree is the agent's to write, and a recursive delete as root resolves names in it: a
 * directory swapped for a link mid-walk would have root delete what the link points at. So a tree
 * owned by another uid is deleted as that uid (setpriv, no groups), which can delete nothing the
 * agent could not. What it cannot delete (a directory the agent made unreadable to itself) stays.
 */
export async function removeAgentTree(dir: string): Promise<void> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return;
  if (process.geteuid?.() !== 0 || st.uid === 0) return rm(dir, { recursive: true, force: true });
  await run("/usr/bin/setpriv", [`--reuid=${st.uid}`, `--regid=${st.uid}`, "--clear-groups", "--", "/bin/rm", "-rf", "--", dir], {
    env: { PATH: "/usr/bin:/bin" },
  }).catch(() => undefined);
}
