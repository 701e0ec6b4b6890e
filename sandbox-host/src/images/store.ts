// The host's image store: OCI image layouts and `docker save` archives imported into a
// content-addressed tree (no registry is needed or assumed), resolved by digest or name at start.
//
// <dir>/                    0711 root's: traversable (the gVisor driver's runtime runs as the sandbox's ids)
//   rootfs/<hex>/           the unpacked image, read-only for everyone but root; <hex> = the config's sha256
//   records/<hex>.json      what the image is (env, working dir, platform, size): written once, never changed
//   refs.json               the one index of names and manifest digests → <hex> (refs.ts)
//   events.log              every name bound, moved or removed (JSON lines)
//   disks/<hex>.ext4        the rootfs as a filesystem image, made on a microvm's first use
//   tmp/                    0700: imports and disks being built, renamed into place when whole;
//                           trees and disks being removed, renamed here first
//
// A record is written only once its tree is whole in place, and removed before its tree: so a tree
// without a record (a removal or an import cut short) is never used or adopted. It is renamed
// aside and deleted when the store is opened, and replaced by a fresh unpack on import.
//
// An image gets the names the operator gives (`--name`), or, given none, the names its archive
// claims, each only while no other image holds it. Moving a name to another image takes `replace`.
import { createHash, randomBytes } from "node:crypto";
import { execFile } from "node:child_process";
import { constants, createReadStream } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import { z } from "zod";
import { ImageNameSchema, normaliseImageName } from "../../../schema/sandbox.js";
import { heldByThisProcess, holderAlive, newHolderTarget, holderOf } from "../owner-records.js";
import { ensurePrivateDir } from "../sandbox/state-dirs.js";
import {
  applyLayer,
  checkTreeLinks,
  DEFAULT_IMPORT_LIMITS,
  entryParts,
  ImageError,
  type ImportBudget,
  type ImportLimits,
  type LayerCompression,
  prepareMountPoints,
  verifyLayer,
} from "./layers.js";
import { type ImageLog, LOCK_WAIT_MS, migrateLegacyNames, type Refs, readRefs, recordEvent, withStoreLock, writeRefs } from "./refs.js";

const run = promisify(execFile);

export { ImageError, DEFAULT_IMPORT_LIMITS, type ImportLimits } from "./layers.js";
export type { ImageLog } from "./refs.js";

/** What an image is, as stored in records/<hex>.json: facts of its config, written once. */
const StoredRecordSchema = z.object({
  /** sha256 of the image config (docker's image id): names the unpacked tree. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  architecture: z.string(),
  os: z.string(),
  /** The image's environment (KEY=VALUE), under the sandbox's own. */
  env: z.array(z.string()),
  workingDir: z.string().optional(),
  /** Bytes of files unpacked. */
  sizeBytes: z.number().int().nonnegative(),
  importedAt: z.string(),
});
type StoredRecord = z.infer<typeof StoredRecordSchema>;

/** An image with the references the index gives it. */
export interface ImageRecord extends StoredRecord {
  /** A manifest it was imported from (the first), when an archive had one. */
  manifestDigest?: string;
  /** Its names, normalised (refs.json). */
  names: string[];
}

export interface ImportOptions {
  /** The names to give the image (the operator's); the archive's own names are then ignored. */
  names?: string[];
  /** Move a given name that another image holds to this one (audited in events.log). */
  replace?: boolean;
}

export interface ResolvedImage {
  record: ImageRecord;
  /** The unpacked, prepared root (read-only). */
  rootfsDir: string;
}

const JSON_LIMIT = 4 * 1024 * 1024;
const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: "amd64", arm64: "arm64" };

const Descriptor = z.object({
  mediaType: z.string().max(256).optional(),
  digest: z.string().max(100),
  size: z.number().int().nonnegative(),
  platform: z.object({ architecture: z.string().max(64), os: z.string().max(64), variant: z.string().max(64).optional() }).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const IndexSchema = z.object({ schemaVersion: z.literal(2), mediaType: z.string().optional(), manifests: z.array(Descriptor).max(1000) });
const ManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor).max(1000),
});
const ConfigSchema = z.object({
  architecture: z.string().max(64),
  os: z.string().max(64),
  config: z
    .object({
      Env: z
        .array(z.string().max(32 * 1024))
        .max(1000)
        .nullish(),
      WorkingDir: z.string().max(4096).nullish(),
    })
    .passthrough()
    .nullish(),
  rootfs: z.object({ type: z.literal("layers"), diff_ids: z.array(z.string().regex(/^sha256:[0-9a-f]{64}$/)).max(1000) }),
});
const DockerManifest = z
  .array(
    z.object({
      Config: z.string().max(512),
      RepoTags: z.array(z.string().max(256)).max(100).nullish(),
      Layers: z.array(z.string().max(512)).max(1000),
    }),
  )
  .min(1)
  .max(100);

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);
const CONFIG_TYPES = new Set(["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"]);
const LAYER_TYPES: Record<string, LayerCompression> = {
  "application/vnd.oci.image.layer.v1.tar": "none",
  "application/vnd.oci.image.layer.v1.tar+gzip": "gzip",
  "application/vnd.oci.image.layer.nondistributable.v1.tar": "none",
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip": "gzip",
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "gzip",
};

const mediaTypeText = (t: string | undefined) => JSON.stringify((t ?? "none").slice(0, 100));

/** `sha256:<hex>` → hex, refusing other algorithms. */
function hexOf(digest: string, what: string): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!m?.[1]) throw new ImageError(`${what} digest ${JSON.stringify(digest.slice(0, 80))} is not a sha256 digest`);
  return m[1];
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(file), h);
  return h.digest("hex");
}

async function readJson(file: string, what: string): Promise<unknown> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) throw new ImageError(`${what} is missing`);
  if (st.size > JSON_LIMIT) throw new ImageError(`${what} is larger than ${JSON_LIMIT} bytes`);
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch {
    throw new ImageError(`${what} is not JSON`);
  }
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ImageError(`${what} is not valid (${r.error.issues[0]?.path.join(".") || "root"}: ${r.error.issues[0]?.message ?? "invalid"})`);
  return r.data;
}

interface Layer {
  file: string;
  compression: LayerCompression;
  /** Blob digest to verify, when the format names one. */
  digest?: string;
}

interface Plan {
  configFile: string;
  configDigest?: string;
  manifestDigest?: string;
  layers: Layer[];
  names: string[];
}

/** Names in an archive that an image layout or a docker save may hold; anything else is refused. */
const ARCHIVE_NAME =
  /^(oci-layout|index\.json|manifest\.json|repositories|blobs|blobs\/sha256|blobs\/sha256\/[0-9a-f]{64}|[0-9a-f]{64}\.json|[0-9a-f]{64}|[0-9a-f]{64}\/(layer\.tar|json|VERSION))$/;

export class ImageStore {
  readonly dir: string;
  readonly #limits: ImportLimits;
  readonly #log: ImageLog | undefined;
  readonly #lockWaitMs: number;
  #swept: Promise<void> | undefined;

  /** `lockWaitMs`: how long an operation waits for another process holding the store's lock. */
  constructor(dir: string, opts: { limits?: Partial<ImportLimits>; log?: ImageLog; lockWaitMs?: number } = {}) {
    this.dir = dir;
    this.#limits = { ...DEFAULT_IMPORT_LIMITS, ...opts.limits };
    this.#log = opts.log;
    this.#lockWaitMs = opts.lockWaitMs ?? LOCK_WAIT_MS;
  }

  /** Makes the store's directories and removes what removals and imports cut short left (once per instance). */
  open(): Promise<void> {
    return this.#ensure();
  }

  async #ensure(): Promise<void> {
    // Root runs what is in it: the store must be root's alone to change, and everything above it.
    await ensurePrivateDir(this.dir, 0o711);
    for (const [d, mode] of [
      ["rootfs", 0o711],
      ["records", 0o700],
      ["disks", 0o711],
      ["tmp", 0o700],
    ] as const)
      await mkdir(path.join(this.dir, d), { recursive: true, mode });
    if (!this.#swept) {
      this.#swept = withStoreLock(this.dir, () => this.#sweep(), this.#lockWaitMs);
      this.#swept.catch(() => {
        this.#swept = undefined;
      });
    }
    await this.#swept;
  }

  /**
   * Removes what removals and imports cut short left (under the store's lock): trees and disks
   * without a record, trees already set aside, and tmp/ work of processes that are gone.
   */
  async #sweep(): Promise<void> {
    for (const hex of await readdir(path.join(this.dir, "rootfs")))
      if (!(await this.#stored(hex))) await this.#discard(path.join(this.dir, "rootfs", hex));
    for (const f of await readdir(path.join(this.dir, "disks")))
      if (!(await this.#stored(f.replace(/\.ext4$/, "")))) await rm(path.join(this.dir, "disks", f), { recursive: true, force: true });
    for (const f of await readdir(path.join(this.dir, "tmp"))) {
      const owner = /^(?:import|disk)-([0-9]+\.(?:[0-9]+|x)\.[0-9a-f]{16})-/.exec(f)?.[1];
      const holder = owner === undefined ? undefined : holderOf(owner);
      if (f.startsWith("removed-") || (holder && !heldByThisProcess(holder) && !holderAlive(holder)))
        await rm(path.join(this.dir, "tmp", f), { recursive: true, force: true });
    }
  }

  /** Takes `target` out of sight in one rename (into tmp/), then deletes it: a deletion cut short leaves nothing in place. */
  async #discard(target: string): Promise<void> {
    const aside = path.join(this.dir, "tmp", `removed-${randomBytes(8).toString("hex")}`);
    try {
      await rename(target, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    await rm(aside, { recursive: true, force: true });
  }

  /** Every imported image. */
  async list(): Promise<ImageRecord[]> {
    const files = await readdir(path.join(this.dir, "records")).catch(() => [] as string[]);
    const refs = await this.#refs();
    const out: ImageRecord[] = [];
    for (const f of files.filter((f) => /^[0-9a-f]{64}\.json$/.test(f)).sort()) {
      const stored = await this.#stored(f.slice(0, 64));
      if (stored) out.push(withRefs(stored, refs));
    }
    return out;
  }

  /** The image a reference names: `sha256:<hex>` (config or manifest digest) or a name (normalised: no tag means `:latest`). */
  async resolve(ref: string): Promise<ResolvedImage | undefined> {
    const refs = await this.#refs();
    const hex = (await this.#configHex(ref)) ?? hexFor(ref, refs);
    const stored = hex === undefined ? undefined : await this.#stored(hex);
    return hex && stored ? { record: withRefs(stored, refs), rootfsDir: path.join(this.dir, "rootfs", hex) } : undefined;
  }

  /** The index, after a store made before it has been moved to it. */
  async #refs(): Promise<Refs> {
    await migrateLegacyNames(this.dir, this.#lockWaitMs);
    return readRefs(this.dir);
  }

  async #configHex(ref: string): Promise<string | undefined> {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1];
    return hex && (await this.#stored(hex)) ? hex : undefined;
  }

  async #stored(hex: string): Promise<StoredRecord | undefined> {
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
    const text = await readFile(path.join(this.dir, "records", `${hex}.json`), "utf8").catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const r = StoredRecordSchema.safeParse(JSON.parse(text));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Imports an OCI image layout (a directory, or a tar of one) or a `docker save` archive (tar,
   * optionally gzip-compressed). Refuses archives with unknown media types, bad digests, paths out
   * of the root, links out of the root, device files or sizes beyond the limits, with the reason.
   * Every layer is verified against its digest and the config's diff ids, whatever is stored
   * already. Everything is written under tmp/ and renamed into place at the end: nothing is written
   * outside the store, and nothing of a refused import stays in it.
   */
  async import(source: string, opts: ImportOptions = {}): Promise<ImageRecord> {
    // The operator's names, checked before anything is read or written.
    const given = [...new Set((opts.names ?? []).map((n) => imageName(n, "image name")))];
    await this.#ensure();
    await migrateLegacyNames(this.dir, this.#lockWaitMs);
    const staging = await mkdtemp(path.join(this.dir, "tmp", `import-${newHolderTarget()}-`));
    try {
      const st = await stat(source).catch(() => undefined);
      if (!st) throw new ImageError("the image archive does not exist");
      let layout = source;
      if (!st.isDirectory()) {
        layout = path.join(staging, "archive");
        await this.#unpackArchive(source, layout);
      }
      const plan = await planImport(layout);
      // Given no names, the archive's own: each must be a valid name (an import is refused rather than left half-named).
      const wanted = given.length > 0 ? given : [...new Set(plan.names.map((n) => imageName(n, "the archive's image name")))];
      const configHex = await sha256File(plan.configFile);
      if (plan.configDigest && hexOf(plan.configDigest, "config") !== configHex) throw new ImageError("the image config does not match its digest");
      const config = parsed(ConfigSchema, await readJson(plan.configFile, "the image config"), "the image config");
      if (config.os !== "linux") throw new ImageError(`the image is for ${JSON.stringify(config.os.slice(0, 20))}, not linux`);
      const arch = GO_ARCH[process.arch];
      if (arch && config.architecture !== arch)
        throw new ImageError(`the image is for ${JSON.stringify(config.architecture.slice(0, 20))}, this host runs ${arch}`);
      if (config.rootfs.diff_ids.length !== plan.layers.length)
        throw new ImageError("the image config and manifest name different numbers of layers");
      if (given.length > 0 && !opts.replace) this.#refuseTaken(await readRefs(this.dir), given, configHex);
      // Only a recorded image's tree is whole; anything else at its place is rebuilt (#commit).
      const stored = (await this.#stored(configHex)) !== undefined;
      const tree = path.join(staging, "rootfs");
      const budget: ImportBudget = { limits: this.#limits, bytes: 0, entries: 0 };
      if (!stored) await mkdir(tree, { mode: 0o755 });
      for (const [i, layer] of plan.layers.entries()) {
        // A stored tree is not proof of this archive's layers: they are read through and checked all the same.
        const got = stored ? await verifyLayer(layer.file, layer.compression) : await applyLayer(tree, layer.file, layer.compression, budget);
        if (layer.digest && got.blobDigest !== layer.digest) throw new ImageError(`layer ${i + 1} does not match its digest`);
        if (got.diffId !== config.rootfs.diff_ids[i]) throw new ImageError(`layer ${i + 1} does not match the config's diff id`);
      }
      if (!stored) {
        await prepareMountPoints(tree);
        await checkTreeLinks(tree);
        await chmod(tree, 0o755);
      }
      const record: StoredRecord = {
        digest: `sha256:${configHex}`,
        architecture: config.architecture,
        os: config.os,
        env: (config.config?.Env ?? []).filter((e) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(e) && !e.includes("\0")),
        ...(config.config?.WorkingDir ? { workingDir: config.config.WorkingDir } : {}),
        sizeBytes: budget.bytes,
        importedAt: new Date().toISOString(),
      };
      return await withStoreLock(
        this.dir,
        () => this.#commit({ configHex, tree, record, wanted, operatorNamed: given.length > 0, replace: opts.replace === true, plan, staging }),
        this.#lockWaitMs,
      );
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Refuses names another image holds (the operator's, without `replace`). */
  #refuseTaken(refs: Refs, names: string[], configHex: string): void {
    for (const name of names) {
      const holder = refs.names[name];
      if (holder && holder !== configHex)
        throw new ImageError(`the name ${name} already names image sha256:${holder}; import with --replace to move it to this image`);
    }
  }

  /**
   * Puts a verified import in place, under the store's lock: the tree (renamed from tmp/), the
   * record (written once), then the index. A failure takes back what this import put in place.
   */
  async #commit(c: {
    configHex: string;
    tree: string;
    record: StoredRecord;
    wanted: string[];
    operatorNamed: boolean;
    replace: boolean;
    plan: Plan;
    staging: string;
  }): Promise<ImageRecord> {
    const refs = await readRefs(this.dir);
    if (c.operatorNamed && !c.replace) this.#refuseTaken(refs, c.wanted, c.configHex);
    const rootfs = path.join(this.dir, "rootfs", c.configHex);
    const recordFile = path.join(this.dir, "records", `${c.configHex}.json`);
    const placed: string[] = [];
    const events: [string, Record<string, unknown>][] = [];
    let next: Refs;
    let stored: StoredRecord;
    try {
      const existing = await this.#stored(c.configHex);
      stored = existing ?? c.record;
      if (!existing) {
        // Verified against a stored tree that a removal took away meanwhile: nothing was unpacked.
        if (!(await lstat(c.tree).catch(() => undefined))) throw new ImageError("the image was removed during the import; import it again");
        // A tree without its record is what a removal or an import cut short left: never adopted.
        await this.#discard(rootfs);
        await rename(c.tree, rootfs);
        placed.push(rootfs);
        const tmp = path.join(c.staging, "record.json");
        await writeFile(tmp, JSON.stringify(c.record), { mode: 0o600 });
        await rename(tmp, recordFile);
        placed.push(recordFile);
      }
      next = { names: { ...refs.names }, manifests: { ...refs.manifests } };
      const image = `sha256:${c.configHex}`;
      for (const name of c.wanted) {
        const holder = next.names[name];
        if (holder === c.configHex) continue;
        if (holder && !c.operatorNamed) {
          // The archive's own name is only taken while free: another image keeps it.
          events.push(["image.name_kept", { name, image: `sha256:${holder}`, claimedBy: image }]);
          continue;
        }
        next.names[name] = c.configHex;
        events.push(holder ? ["image.name_moved", { name, from: `sha256:${holder}`, to: image }] : ["image.name_bound", { name, image }]);
      }
      if (c.plan.manifestDigest) next.manifests[hexOf(c.plan.manifestDigest, "manifest")] = c.configHex;
      await writeRefs(this.dir, next);
    } catch (e) {
      for (const p of placed.reverse()) await rm(p, { recursive: true, force: true });
      throw e;
    }
    // The import is in place: the log says what it changed.
    for (const [event, fields] of events) await recordEvent(this.dir, this.#log, event, fields);
    return withRefs(stored, next);
  }

  /** Unpacks the outer archive (a layout or a docker save) into `dest`: only the names such archives hold, files and directories only. */
  async #unpackArchive(file: string, dest: string): Promise<void> {
    await mkdir(dest, { mode: 0o700 });
    const fh = await open(file, "r");
    const { buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    await fh.close();
    const gzip = buffer[0] === 0x1f && buffer[1] === 0x8b;
    const extract = tar.extract();
    let bytes = 0;
    let refused: unknown;
    const aliases: [string, string][] = [];
    extract.on("entry", (header, stream, next) => {
      const handle = async () => {
        const parts = entryParts(header.name, "archive entry");
        const name = parts.join("/");
        if (name === "") return stream.resume();
        if (!ARCHIVE_NAME.test(name))
          throw new ImageError(`archive entry ${JSON.stringify(name.slice(0, 120))} is not part of an image layout or docker save`);
        const target = path.join(dest, ...parts);
        if (header.type === "directory") {
          stream.resume();
          await mkdir(target, { recursive: true, mode: 0o700 });
          return;
        }
        if (header.type === "symlink") {
          // Older docker saves link identical layers to one another: allowed inside the archive only.
          stream.resume();
          const to = path.posix.normalize(path.posix.join(path.posix.dirname(name), header.linkname ?? ""));
          if (!ARCHIVE_NAME.test(to)) throw new ImageError(`archive entry ${JSON.stringify(name)} links out of the archive`);
          aliases.push([name, to]);
          return;
        }
        if (header.type !== "file" && header.type !== "contiguous-file")
          throw new ImageError(`archive entry ${JSON.stringify(name.slice(0, 120))} is a ${header.type}; only files and directories are accepted`);
        bytes += header.size ?? 0;
        if (bytes > this.#limits.maxTotalBytes)
          throw new ImageError(`the archive is larger than the import limit (${this.#limits.maxTotalBytes} bytes)`);
        await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
        const out = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        await pipeline(stream, out.createWriteStream());
      };
      handle().then(
        () => next(),
        (e: unknown) => {
          refused = e;
          stream.resume();
          extract.destroy(e as Error);
        },
      );
    });
    try {
      if (gzip) await pipeline(createReadStream(file), createGunzip(), extract);
      else await pipeline(createReadStream(file), extract);
    } catch (e) {
      if (refused instanceof ImageError) throw refused;
      throw new ImageError(`the archive is not a valid tar (${(e as Error).message})`);
    }
    for (const [name, to] of aliases) {
      const from = path.join(dest, ...to.split("/"));
      if (!(await lstat(from).catch(() => undefined))?.isFile()) throw new ImageError(`archive entry ${JSON.stringify(name)} links to nothing`);
      await mkdir(path.dirname(path.join(dest, name)), { recursive: true, mode: 0o700 });
      await rm(path.join(dest, name), { force: true });
      await symlink(from, path.join(dest, name));
    }
  }

  /**
   * The image's root as an ext4 filesystem image (for microvm guests), made once per image. The
   * rootfs is copied as it is (mkfs.ext4 -d); the file is root's, the VMM gets it as a descriptor.
   */
  async vmDisk(image: ResolvedImage): Promise<string> {
    const hex = hexOf(image.record.digest, "image");
    const disk = path.join(this.dir, "disks", `${hex}.ext4`);
    if (await stat(disk).catch(() => undefined)) return disk;
    await this.#ensure();
    const { files, bytes } = await treeSize(image.rootfsDir);
    const sizeK = Math.ceil((bytes * 1.3 + files * 4096 + 32 * 1024 * 1024) / 1024);
    const tmp = path.join(this.dir, "tmp", `disk-${newHolderTarget()}-${hex}.ext4`);
    try {
      await run(
        "/sbin/mkfs.ext4",
        [
          "-q",
          "-F",
          "-d",
          image.rootfsDir,
          "-L",
          "palisade-root",
          "-O",
          "^has_journal",
          "-m",
          "0",
          "-N",
          String(files + 4096),
          "-E",
          "root_owner=0:0",
          tmp,
          `${sizeK}K`,
        ],
        { env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, timeout: 600_000 },
      );
      await chmod(tmp, 0o600);
      await rename(tmp, disk);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new ImageError(`the image's filesystem could not be made (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
    }
    return disk;
  }

  /**
   * Removes one image: its names and manifest digests from the index, then its record, then its
   * tree and disk (each renamed aside before it is deleted).
   */
  async remove(ref: string): Promise<boolean> {
    await migrateLegacyNames(this.dir, this.#lockWaitMs);
    return withStoreLock(
      this.dir,
      async () => {
        const refs = await readRefs(this.dir);
        const hex = (await this.#configHex(ref)) ?? hexFor(ref, refs);
        if (!hex || !(await this.#stored(hex))) return false;
        const next: Refs = {
          names: Object.fromEntries(Object.entries(refs.names).filter(([, h]) => h !== hex)),
          manifests: Object.fromEntries(Object.entries(refs.manifests).filter(([, h]) => h !== hex)),
        };
        await writeRefs(this.dir, next);
        for (const [name, h] of Object.entries(refs.names))
          if (h === hex) await recordEvent(this.dir, this.#log, "image.name_removed", { name, image: `sha256:${hex}` });
        await rm(path.join(this.dir, "records", `${hex}.json`), { force: true });
        await this.#discard(path.join(this.dir, "disks", `${hex}.ext4`));
        await this.#discard(path.join(this.dir, "rootfs", hex));
        return true;
      },
      this.#lockWaitMs,
    );
  }
}

/** A name as stored and compared (schema's normaliseImageName), or an ImageError naming what was wrong. */
function imageName(name: string, what: string): string {
  const r = ImageNameSchema.safeParse(name);
  if (!r.success) throw new ImageError(`${what} ${JSON.stringify(name.slice(0, 80))} is not valid: ${r.error.issues[0]?.message ?? "invalid"}`);
  return r.data;
}

/** The config hex a name or a manifest digest names in the index. */
function hexFor(ref: string, refs: Refs): string | undefined {
  const digest = /^sha256:([0-9a-f]{64})$/.exec(ref)?.[1];
  if (digest) return Object.hasOwn(refs.manifests, digest) ? refs.manifests[digest] : undefined;
  const name = normaliseImageName(ref);
  return name !== undefined && Object.hasOwn(refs.names, name) ? refs.names[name] : undefined;
}

function withRefs(stored: StoredRecord, refs: Refs): ImageRecord {
  const hex = stored.digest.slice(7);
  const manifest = Object.entries(refs.manifests).find(([, h]) => h === hex)?.[0];
  return {
    ...stored,
    ...(manifest ? { manifestDigest: `sha256:${manifest}` } : {}),
    names: Object.entries(refs.names)
      .filter(([, h]) => h === hex)
      .map(([n]) => n)
      .sort(),
  };
}

async function treeSize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      files++;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) bytes += (await lstat(p)).size;
    }
  };
  await walk(dir);
  return { files, bytes };
}

/** What to import from a layout directory: an OCI layout (index.json) or a docker save (manifest.json). */
async function planImport(layout: string): Promise<Plan> {
  const has = async (f: string) => (await lstat(path.join(layout, f)).catch(() => undefined)) !== undefined;
  const blob = async (digest: string, what: string) => {
    const file = path.join(layout, "blobs", "sha256", hexOf(digest, what));
    if (!(await stat(file).catch(() => undefined))?.isFile()) throw new ImageError(`${what} blob ${digest.slice(0, 19)}… is missing`);
    return file;
  };
  if ((await has("oci-layout")) && (await has("index.json"))) {
    const index = parsed(IndexSchema, await readJson(path.join(layout, "index.json"), "index.json"), "index.json");
    const arch = GO_ARCH[process.arch];
    // Nested indexes (multi-platform images) are followed to the manifest for this host's platform.
    let manifests = index.manifests;
    const names: string[] = [];
    for (let depth = 0; depth < 4; depth++) {
      const pick = manifests.find(
        (m) => MANIFEST_TYPES.has(m.mediaType ?? "") && (!m.platform || (m.platform.os === "linux" && m.platform.architecture === arch)),
      );
      const nested = manifests.find((m) => INDEX_TYPES.has(m.mediaType ?? ""));
      // The names the picked manifest (or the index entry leading to it) claims: never another entry's.
      const claimed = (m: (typeof manifests)[number] | undefined) =>
        m?.annotations?.["io.containerd.image.name"] ?? m?.annotations?.["org.opencontainers.image.ref.name"];
      const unknown = manifests.find((m) => !MANIFEST_TYPES.has(m.mediaType ?? "") && !INDEX_TYPES.has(m.mediaType ?? ""));
      if (pick) {
        const name = claimed(pick);
        if (name !== undefined) names.push(name);
        const manifestFile = await blob(pick.digest, "manifest");
        if ((await sha256File(manifestFile)) !== hexOf(pick.digest, "manifest")) throw new ImageError("the manifest does not match its digest");
        const manifest = parsed(ManifestSchema, await readJson(manifestFile, "the manifest"), "the manifest");
        if (!CONFIG_TYPES.has(manifest.config.mediaType ?? ""))
          throw new ImageError(`unknown config media type ${mediaTypeText(manifest.config.mediaType)}`);
        const layers: Layer[] = [];
        for (const l of manifest.layers) {
          const compression = LAYER_TYPES[l.mediaType ?? ""];
          if (!compression) throw new ImageError(`unknown layer media type ${mediaTypeText(l.mediaType)}`);
          layers.push({ file: await blob(l.digest, "layer"), compression, digest: l.digest });
        }
        // Docker 25+ saves an OCI layout with a manifest.json beside it: its RepoTags name the image too.
        if (await has("manifest.json")) {
          const docker = DockerManifest.safeParse(await readJson(path.join(layout, "manifest.json"), "manifest.json").catch(() => null));
          const configHex = hexOf(manifest.config.digest, "config");
          if (docker.success) for (const d of docker.data) if (d.Config.endsWith(configHex)) names.push(...(d.RepoTags ?? []));
        }
        return {
          configFile: await blob(manifest.config.digest, "config"),
          configDigest: manifest.config.digest,
          manifestDigest: pick.digest,
          layers,
          names,
        };
      }
      if (nested) {
        const name = claimed(nested);
        if (name !== undefined) names.push(name);
        const file = await blob(nested.digest, "index");
        if ((await sha256File(file)) !== hexOf(nested.digest, "index")) throw new ImageError("a nested index does not match its digest");
        manifests = parsed(IndexSchema, await readJson(file, "a nested index"), "a nested index").manifests;
        continue;
      }
      if (unknown) throw new ImageError(`unknown manifest media type ${mediaTypeText(unknown.mediaType)}`);
      break;
    }
    throw new ImageError(`the layout has no image for linux/${arch ?? process.arch}`);
  }
  if (await has("manifest.json")) {
    const docker = parsed(DockerManifest, await readJson(path.join(layout, "manifest.json"), "manifest.json"), "manifest.json");
    const first = docker[0];
    if (!first) throw new ImageError("manifest.json names no image");
    const inLayout = async (rel: string, what: string) => {
      const parts = entryParts(rel, what);
      const file = path.join(layout, ...parts);
      if (!(await stat(file).catch(() => undefined))?.isFile()) throw new ImageError(`${what} ${JSON.stringify(rel.slice(0, 120))} is missing`);
      return file;
    };
    const configFile = await inLayout(first.Config, "config");
    const layers: Layer[] = [];
    for (const l of first.Layers) layers.push({ file: await inLayout(l, "layer"), compression: "sniff" });
    return { configFile, layers, names: first.RepoTags ?? [] };
  }
  throw new ImageError("not an OCI image layout (oci-layout, index.json) or a docker save archive (manifest.json)");
}
