// Applies image layers (tar streams) to a root directory: whiteouts, links kept inside the root, no
// device files, bounded sizes. Every refusal is an ImageError naming the rule and the entry.
//
// The root is a staging directory only this process writes, so checking a path and then writing it
// races with nobody. Names are resolved the way runtimes resolve them (symlinks followed inside the
// root, never out of it), and the last component is never followed: an entry replaces what is there.
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { link, lstat, mkdir, open, readdir, readlink, rm, symlink, chmod } from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";

export class ImageError extends Error {
  override readonly name = "ImageError";
}

export interface ImportLimits {
  /** Largest single file in a layer. */
  maxFileBytes: number;
  /** Largest sum of file sizes over all layers (what the image costs on disk). */
  maxTotalBytes: number;
  /** Most entries over all layers. */
  maxEntries: number;
}

export const DEFAULT_IMPORT_LIMITS: ImportLimits = { maxFileBytes: 4 * 1024 ** 3, maxTotalBytes: 16 * 1024 ** 3, maxEntries: 1_000_000 };

/** What a whole import has spent so far, across layers. */
export interface ImportBudget {
  limits: ImportLimits;
  bytes: number;
  entries: number;
}

const MAX_LINK_HOPS = 40;
/** Permission bits kept from an image: no setuid/setgid/sticky, nothing group- or world-writable on the host. */
const MODE_MASK = 0o755;

/** An entry name as a list of plain components; refuses absolute names and `..`. */
export function entryParts(name: string, what = "entry"): string[] {
  if (name.includes("\0")) throw new ImageError(`${what} name holds a NUL byte`);
  if (name.startsWith("/")) throw new ImageError(`${what} ${JSON.stringify(shorten(name))} has an absolute path`);
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new ImageError(`${what} ${JSON.stringify(shorten(name))} climbs out of the root ('..')`);
  return parts;
}

function shorten(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/**
 * The real directory `parts` names under `root`, following symlinks inside the root (an absolute
 * target starts again at the root, `..` stops at the root) and creating missing directories. What
 * comes back is always below `root`.
 */
async function resolveDir(root: string, parts: string[]): Promise<string> {
  const stack = [...parts].reverse();
  let current: string[] = [];
  let hops = 0;
  while (stack.length > 0) {
    const part = stack.pop() as string;
    if (part === "..") {
      current = current.slice(0, -1);
      continue;
    }
    if (part === "." || part === "") continue;
    const candidate = path.join(root, ...current, part);
    const st = await lstat(candidate).catch(() => undefined);
    if (!st) {
      await mkdir(candidate, { mode: 0o755 });
      current.push(part);
    } else if (st.isSymbolicLink()) {
      if (++hops > MAX_LINK_HOPS) throw new ImageError("too many symlinks on an entry's path");
      const target = await readlink(candidate);
      if (target.startsWith("/")) current = [];
      stack.push(...target.split("/").reverse());
    } else if (st.isDirectory()) {
      current.push(part);
    } else {
      // A file where a directory is needed: the later layer wins, as in every runtime.
      await rm(candidate, { force: true });
      await mkdir(candidate, { mode: 0o755 });
      current.push(part);
    }
  }
  return path.join(root, ...current);
}

/**
 * Why a symlink in the real directory `dir` (below `root`) with `linkTarget` resolves inside the
 * root when followed on the host (undefined: it does): walked component by component from where the link really sits,
 * following the links already in the tree (an absolute one re-roots, as a runtime does). A `..`
 * above the root is an escape. Names not in the tree yet count as plain directories.
 */
async function linkProblem(root: string, dir: string, linkTarget: string): Promise<string | undefined> {
  if (linkTarget.startsWith("/")) return undefined;
  const stack = linkTarget.split("/").reverse();
  let current = path
    .relative(root, dir)
    .split(path.sep)
    .filter((p) => p !== "");
  let hops = 0;
  while (stack.length > 0) {
    const part = stack.pop() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (current.length === 0) return "points out of the image's root";
      current = current.slice(0, -1);
      continue;
    }
    const st = await lstat(path.join(root, ...current, part)).catch(() => undefined);
    if (!st?.isSymbolicLink()) {
      current.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) return "goes through too many symlinks";
    const next = await readlink(path.join(root, ...current, part));
    if (next.startsWith("/")) current = [];
    stack.push(...next.split("/").reverse());
  }
  return undefined;
}

/**
 * Refuses a finished tree with a relative symlink that leaves the root when followed on the host.
 * Each link was checked as it was written, but a later entry can turn a name its target walks
 * through into a link (`x/..` climbs further once `x` is a link), so the whole tree is walked again.
 */
export async function checkTreeLinks(root: string): Promise<void> {
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isSymbolicLink()) {
        const problem = await linkProblem(root, dir, await readlink(p));
        if (problem) throw new ImageError(`symlink ${JSON.stringify(shorten(path.relative(root, p)))} ${problem}`);
      }
    }
  };
  await walk(root);
}

async function removeEntry(p: string): Promise<void> {
  await rm(p, { recursive: true, force: true });
}

/** Counts and limits the bytes that pass, and hashes them. */
function meter(onBytes: (n: number) => void, hash: ReturnType<typeof createHash>): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        onBytes(chunk.length);
        hash.update(chunk);
        cb(null, chunk);
      } catch (e) {
        cb(e as Error);
      }
    },
  });
}

export type LayerCompression = "none" | "gzip" | "sniff";

/**
 * Applies the layer stored in `file` to `root`. Resolves with the sha256 of the uncompressed tar
 * (the layer's diff id) and of the file as stored (its blob digest).
 */
export async function applyLayer(
  root: string,
  file: string,
  compression: LayerCompression,
  budget: ImportBudget,
): Promise<{ diffId: string; blobDigest: string }> {
  const extract = tar.extract();
  const createdHere = new Set<string>();
  const refusal: { error?: unknown } = {};
  extract.on("entry", (header, stream, next) => {
    applyEntry(root, header, stream as unknown as Readable, budget, createdHere).then(
      () => next(),
      (e: unknown) => {
        refusal.error = e;
        stream.resume();
        extract.destroy(e as Error);
      },
    );
  });
  return digestLayer(file, compression, extract, refusal);
}

/** The digests of the layer stored in `file` (diff id and blob digest), read through without unpacking. */
export function verifyLayer(file: string, compression: LayerCompression): Promise<{ diffId: string; blobDigest: string }> {
  const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });
  return digestLayer(file, compression, discard, {});
}

/** Streams a stored layer through its decompression into `sink`, hashing it as stored and as a tar. */
async function digestLayer(
  file: string,
  compression: LayerCompression,
  sink: tar.Extract | Writable,
  refusal: { error?: unknown },
): Promise<{ diffId: string; blobDigest: string }> {
  let gzip = compression === "gzip";
  if (compression === "sniff") {
    // docker save writes plain tars; some tools gzip them: the magic number says which.
    const fh = await open(file, "r");
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    await fh.close();
    gzip = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  }
  const blobHash = createHash("sha256");
  const diffHash = createHash("sha256");
  const stored = meter(() => undefined, blobHash);
  const unpacked = meter(() => undefined, diffHash);
  try {
    if (gzip) await pipeline(createReadStream(file), stored, createGunzip(), unpacked, sink);
    else await pipeline(createReadStream(file), stored, unpacked, sink);
  } catch (e) {
    if (refusal.error instanceof ImageError) throw refusal.error;
    if (e instanceof ImageError) throw e;
    throw new ImageError(
      `layer is not a valid ${gzip ? "gzip-compressed " : ""}tar (${(refusal.error as Error | undefined)?.message ?? (e as Error).message})`,
    );
  }
  return { diffId: `sha256:${diffHash.digest("hex")}`, blobDigest: `sha256:${blobHash.digest("hex")}` };
}

async function applyEntry(root: string, header: tar.Header, stream: Readable, budget: ImportBudget, createdHere: Set<string>): Promise<void> {
  if (++budget.entries > budget.limits.maxEntries) throw new ImageError(`the image has more than ${budget.limits.maxEntries} entries`);
  const parts = entryParts(header.name);
  if (parts.length === 0) {
    stream.resume();
    return;
  }
  const base = parts[parts.length - 1] as string;
  const dir = await resolveDir(root, parts.slice(0, -1));
  const rel = (p: string) => path.relative(root, p);
  if (base.startsWith(".wh.")) {
    stream.resume();
    if (base === ".wh..wh..opq") {
      // Opaque directory: what lower layers put here is gone; what this layer added stays.
      for (const child of await readdir(dir)) {
        const p = path.join(dir, child);
        if (!createdHere.has(rel(p))) await removeEntry(p);
      }
    } else {
      const victim = base.slice(".wh.".length);
      if (victim === "" || victim === "." || victim === "..") throw new ImageError(`whiteout ${JSON.stringify(shorten(header.name))} names no entry`);
      await removeEntry(path.join(dir, victim));
    }
    return;
  }
  const target = path.join(dir, base);
  createdHere.add(rel(target));
  const mode = (header.mode ?? 0o644) & MODE_MASK;
  switch (header.type) {
    case "directory": {
      stream.resume();
      const st = await lstat(target).catch(() => undefined);
      if (st && !st.isDirectory()) await removeEntry(target);
      if (!st?.isDirectory()) await mkdir(target, { mode: 0o755 });
      await chmod(target, mode | 0o700);
      return;
    }
    case "file":
    case "contiguous-file": {
      const size = header.size ?? 0;
      if (size > budget.limits.maxFileBytes)
        throw new ImageError(`file ${JSON.stringify(shorten(header.name))} is larger than the import limit (${budget.limits.maxFileBytes} bytes)`);
      await removeEntry(target);
      const fh = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
      const counter = meter((n) => {
        budget.bytes += n;
        if (budget.bytes > budget.limits.maxTotalBytes)
          throw new ImageError(`the image unpacks to more than the import limit (${budget.limits.maxTotalBytes} bytes)`);
      }, createHash("sha1"));
      // The stream closes the handle whether the copy ends or fails.
      await pipeline(stream, counter, fh.createWriteStream());
      await chmod(target, mode);
      return;
    }
    case "symlink": {
      stream.resume();
      const linkTarget = header.linkname ?? "";
      if (linkTarget === "" || linkTarget.includes("\0")) throw new ImageError(`symlink ${JSON.stringify(shorten(header.name))} has no target`);
      const problem = await linkProblem(root, dir, linkTarget);
      if (problem) throw new ImageError(`symlink ${JSON.stringify(shorten(header.name))} ${problem}`);
      await removeEntry(target);
      await symlink(linkTarget, target);
      return;
    }
    case "link": {
      stream.resume();
      const linkParts = entryParts((header.linkname ?? "").replace(/^\/+/, ""), "hard link target");
      if (linkParts.length === 0) throw new ImageError(`hard link ${JSON.stringify(shorten(header.name))} points at the root`);
      const from = path.join(await resolveDir(root, linkParts.slice(0, -1)), linkParts[linkParts.length - 1] as string);
      const st = await lstat(from).catch(() => undefined);
      if (!st?.isFile()) throw new ImageError(`hard link ${JSON.stringify(shorten(header.name))} points at no regular file of the image`);
      await removeEntry(target);
      await link(from, target);
      return;
    }
    case "character-device":
    case "block-device":
    case "fifo":
      throw new ImageError(`${JSON.stringify(shorten(header.name))} is a device file (${header.type}); images may not carry them`);
    default:
      throw new ImageError(`${JSON.stringify(shorten(header.name))} has an entry type images may not carry (${String(header.type)})`);
  }
}

/** Mount points every driver binds over: real directories and files, whatever the image had there. */
export async function prepareMountPoints(root: string): Promise<void> {
  for (const dir of ["proc", "dev", "sys", "tmp", "workspace", "etc", "run", "run/palisade"]) {
    const p = path.join(root, dir);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isDirectory()) continue;
    if (st) await removeEntry(p);
    await mkdir(p, { mode: 0o755 });
  }
  for (const file of ["etc/passwd", "etc/group", "run/palisade/proxy.sock", "run/palisade/ca-cert.pem", "run/palisade/bridge"]) {
    const p = path.join(root, file);
    const st = await lstat(p).catch(() => undefined);
    if (st?.isFile()) continue;
    if (st) await removeEntry(p);
    const fh = await open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    await fh.close();
  }
}
