// The image store's one index of references: image names and manifest digests → the image (its
// config digest). One JSON file, rewritten whole (temp file + rename) under the store's lock, so a
// name names exactly one image and removing an image can never unlink a name another image holds.
// Every change of a name is appended to the store's event log (the host's record of who re-pointed
// what), and reported to the caller's log.
import { appendFile, lstat, open, readdir, readFile, readlink, rename, rm } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { normaliseImageName } from "../../../schema/sandbox.js";
import { ImageError } from "./layers.js";
import { createRecord, heldByThisProcess, holderAlive, newHolderTarget, readRecord, releaseRecord, removeStaleRecord } from "../owner-records.js";

const HEX = /^[0-9a-f]{64}$/;

const RefsSchema = z.object({
  /** Normalised image name → config digest hex. */
  names: z.record(z.string(), z.string().regex(HEX)),
  /** Manifest digest hex → config digest hex (a manifest fixes its config, so it never moves). */
  manifests: z.record(z.string().regex(HEX), z.string().regex(HEX)),
});
export type Refs = z.infer<typeof RefsSchema>;

export const REFS_FILE = "refs.json";
export const EVENTS_FILE = "events.log";
const LOCK_FILE = "refs.lock";
/** How long an operation waits for a live holder of the store's lock before it is refused as busy. */
export const LOCK_WAIT_MS = 30_000;

/** What a change of references tells the host's log. */
export type ImageLog = (event: string, fields: Record<string, unknown>) => void;

/** The index (empty when the store has none yet). A damaged index is an error, never an empty store. */
export async function readRefs(dir: string): Promise<Refs> {
  const text = await readFile(path.join(dir, REFS_FILE), "utf8").catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (text === undefined) return { names: {}, manifests: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ImageError(`the image store's index (${REFS_FILE}) is not JSON`);
  }
  const r = RefsSchema.safeParse(value);
  if (!r.success) throw new ImageError(`the image store's index (${REFS_FILE}) is not valid`);
  return r.data;
}

/**
 * Builds the index of a store made before it existed (names as `names/<name>` symlinks, manifest
 * digests in the records), once, then removes `names/`. Of two old names that are one name now
 * (`app` and `app:latest`), the one written with its tag wins.
 */
export async function migrateLegacyNames(dir: string, lockWaitMs = LOCK_WAIT_MS): Promise<void> {
  const legacy = path.join(dir, "names");
  if (!(await lstat(legacy).catch(() => undefined))?.isDirectory()) return;
  await withStoreLock(
    dir,
    async () => {
      if (!(await lstat(legacy).catch(() => undefined))?.isDirectory()) return;
      const refs = await readRefs(dir);
      const entries: { name: string; tagged: boolean; hex: string }[] = [];
      for (const entry of await readdir(legacy)) {
        let raw: string;
        try {
          raw = decodeURIComponent(entry);
        } catch {
          continue;
        }
        const name = normaliseImageName(raw);
        const hex = await readlink(path.join(legacy, entry)).catch(() => "");
        if (name === undefined || !HEX.test(hex) || !(await lstat(path.join(dir, "records", `${hex}.json`)).catch(() => undefined))) continue;
        entries.push({ name, tagged: raw.slice(raw.lastIndexOf("/") + 1).includes(":"), hex });
      }
      entries.sort((a, b) => Number(b.tagged) - Number(a.tagged));
      for (const e of entries) if (!Object.hasOwn(refs.names, e.name)) refs.names[e.name] = e.hex;
      for (const f of await readdir(path.join(dir, "records")).catch(() => [] as string[])) {
        if (!/^[0-9a-f]{64}\.json$/.test(f)) continue;
        const old = z
          .object({ manifestDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/) })
          .safeParse(await readFile(path.join(dir, "records", f), "utf8").then(JSON.parse, () => null));
        if (old.success) refs.manifests[old.data.manifestDigest.slice(7)] ??= f.slice(0, 64);
      }
      await writeRefs(dir, refs);
      await rm(legacy, { recursive: true, force: true });
      await recordEvent(dir, undefined, "image.names_migrated", { names: refs.names });
    },
    lockWaitMs,
  );
}

/** Replaces the index whole: a reader sees the old one or the new one, never a part. */
export async function writeRefs(dir: string, refs: Refs): Promise<void> {
  const file = path.join(dir, REFS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(JSON.stringify(refs));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

/** Appends one name change to the store's event log (JSON lines, 0600) and the caller's log. */
export async function recordEvent(dir: string, log: ImageLog | undefined, event: string, fields: Record<string, unknown>): Promise<void> {
  const line = { time: new Date().toISOString(), event, ...fields, pid: process.pid, uid: process.getuid?.() };
  await appendFile(path.join(dir, EVENTS_FILE), `${JSON.stringify(line)}\n`, { mode: 0o600 });
  log?.(event, fields);
}

/**
 * Runs `fn` holding the store's lock: a holder record (`../owner-records.ts`), made in one
 * symlink() and released only by its holder. A lock whose holder is gone is taken over by one
 * process alone; a lock naming a live process (or only a pid that is alive) is waited for, then
 * refused as busy.
 */
export async function withStoreLock<T>(dir: string, fn: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
  const lock = path.join(dir, LOCK_FILE);
  const mine = newHolderTarget();
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (await createRecord(lock, mine)) break;
    const holder = await readRecord(lock);
    if (holder === undefined) continue;
    if (!heldByThisProcess(holder) && !holderAlive(holder) && (await removeStaleRecord(lock, holder))) continue;
    if (Date.now() > deadline) throw new ImageError(`the image store is busy (locked by process ${holder.pid || "?"}, ${lock})`);
    await sleep(20);
  }
  try {
    return await fn();
  } finally {
    await releaseRecord(lock, mine);
  }
}
