// Image import: OCI layouts and docker save archives into the content-addressed store, whiteouts
// applied, and every kind of bad archive refused with its reason and nothing written outside the store.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { dockerSaveArchive, layoutArchive, tarOf, type TarEntry, writeOciLayout } from "../../support/images.js";

let base: string;
let outside: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-images-"));
  outside = path.join(base, "outside");
  await mkdir(outside);
});
afterAll(() => rm(base, { recursive: true, force: true }));

let seq = 0;
const newStore = (limits?: ConstructorParameters<typeof ImageStore>[1]) => new ImageStore(path.join(base, `store-${++seq}`), limits);

async function layoutOf(layers: TarEntry[][], opts: Parameters<typeof writeOciLayout>[2] = {}) {
  const dir = path.join(base, `layout-${++seq}`);
  const built = await writeOciLayout(dir, await Promise.all(layers.map(tarOf)), opts);
  return { dir, ...built };
}

/** Nothing in `outside` and no staging left in the store. */
async function untouched(store: ImageStore) {
  expect(await readdir(outside)).toEqual([]);
  expect(await readdir(path.join(store.dir, "tmp")).catch(() => [])).toEqual([]);
  expect(await readdir(path.join(store.dir, "rootfs")).catch(() => [])).toEqual([]);
}

describe("importing images", () => {
  it("imports an OCI layout directory, applies whiteouts and opaque directories, and resolves it by name and digest", async () => {
    const { dir, digest, manifestDigest } = await layoutOf(
      [
        [
          { name: "etc/", type: "directory" },
          { name: "etc/keep", data: "keep" },
          { name: "etc/gone", data: "gone" },
          { name: "opaque/", type: "directory" },
          { name: "opaque/old", data: "old" },
          { name: "bin/tool", data: "#!/bin/sh\n", mode: 0o4755 },
          { name: "tmp/", type: "directory", mode: 0o1777 },
          { name: "lib", type: "symlink", linkname: "usr/lib" },
          { name: "usr/lib/", type: "directory" },
        ],
        [
          { name: "etc/.wh.gone", data: "" },
          { name: "opaque/.wh..wh..opq", data: "" },
          { name: "opaque/new", data: "new" },
          // Written through the in-root symlink, as runtimes resolve it.
          { name: "lib/libx.so", data: "lib" },
          { name: "etc/hard", type: "link", linkname: "etc/keep" },
        ],
      ],
      { name: "test/app:1" },
    );
    const store = newStore();
    const record = await store.import(dir);
    expect(record.digest).toBe(digest);
    expect(record.manifestDigest).toBe(manifestDigest);
    expect(record.names).toEqual(["test/app:1"]);
    const image = await store.resolve("test/app:1");
    expect(image?.record.digest).toBe(digest);
    expect((await store.resolve(digest))?.rootfsDir).toBe(image?.rootfsDir);
    expect((await store.resolve(manifestDigest ?? ""))?.record.digest).toBe(digest);
    expect(await store.resolve("test/app:2")).toBeUndefined();
    const root = image?.rootfsDir ?? "";
    expect(await readFile(path.join(root, "etc/keep"), "utf8")).toBe("keep");
    expect(await lstat(path.join(root, "etc/gone")).catch(() => null)).toBeNull();
    expect(await readdir(path.join(root, "opaque"))).toEqual(["new"]);
    expect(await readFile(path.join(root, "usr/lib/libx.so"), "utf8")).toBe("lib");
    expect((await stat(path.join(root, "etc/hard"))).ino).toBe((await stat(path.join(root, "etc/keep"))).ino);
    // No setuid bit and nothing writable by other host users survives the import.
    expect((await stat(path.join(root, "bin/tool"))).mode & 0o7777).toBe(0o755);
    expect((await stat(path.join(root, "tmp"))).mode & 0o7777).toBe(0o755);
    // Mount points every driver binds over.
    for (const p of ["proc", "dev", "tmp", "workspace", "run/palisade"]) expect((await lstat(path.join(root, p))).isDirectory()).toBe(true);
    for (const p of ["etc/passwd", "etc/group", "run/palisade/proxy.sock", "run/palisade/bridge"])
      expect((await lstat(path.join(root, p))).isFile()).toBe(true);
    expect(await readdir(path.join(store.dir, "tmp"))).toEqual([]);
  });

  it("imports the same image as an OCI archive, a docker save archive and a gzipped one, all to one digest", async () => {
    const layer = await tarOf([
      { name: "bin/", type: "directory" },
      { name: "bin/hello", data: "hi", mode: 0o755 },
    ]);
    const store = newStore();
    const saved = await dockerSaveArchive([layer], { tag: "hello:latest" });
    const file = path.join(base, "save.tar");
    await writeFile(file, saved.archive);
    const fromSave = await store.import(file);
    expect(fromSave.digest).toBe(saved.digest);
    expect(fromSave.names).toEqual(["hello:latest"]);
    expect((await store.resolve("hello"))?.record.digest).toBe(saved.digest);
    await writeFile(`${file}.gz`, gzipSync(saved.archive));
    expect((await store.import(`${file}.gz`, { names: ["hello:gz"] })).digest).toBe(saved.digest);
    const layoutDir = path.join(base, `layout-${++seq}`);
    const built = await writeOciLayout(layoutDir, [layer], { gzip: false });
    const files: Record<string, Buffer> = {};
    for (const f of ["oci-layout", "index.json"]) files[f] = await readFile(path.join(layoutDir, f));
    for (const b of await readdir(path.join(layoutDir, "blobs/sha256")))
      files[`blobs/sha256/${b}`] = await readFile(path.join(layoutDir, "blobs/sha256", b));
    await writeFile(path.join(base, "oci.tar"), await layoutArchive(files));
    const fromLayout = await store.import(path.join(base, "oci.tar"), { names: ["hello:oci"] });
    expect(fromLayout.digest).toBe(built.digest);
    expect(built.digest).toBe(saved.digest);
    expect((await store.list()).map((r) => r.names.sort())).toEqual([["hello:gz", "hello:latest", "hello:oci"]]);
  });

  const refusals: { name: string; layers: TarEntry[][]; reason: RegExp; opts?: Parameters<typeof writeOciLayout>[2] }[] = [
    { name: "an entry that climbs out with ..", layers: [[{ name: "../outside/pwned", data: "x" }]], reason: /climbs out of the root/ },
    { name: "an entry hidden deeper with ..", layers: [[{ name: "a/b/../../../outside/pwned", data: "x" }]], reason: /climbs out of the root/ },
    { name: "an absolute path", layers: [[{ name: `${path.join(base ?? "/tmp", "outside")}/pwned`, data: "x" }]], reason: /absolute path/ },
    {
      name: "a symlink out of the root",
      layers: [[{ name: "etc/evil", type: "symlink", linkname: "../../outside" }]],
      reason: /points out of the image's root/,
    },
    { name: "a hard link out of the root", layers: [[{ name: "evil", type: "link", linkname: "../outside/x" }]], reason: /climbs out/ },
    { name: "a hard link to nothing", layers: [[{ name: "evil", type: "link", linkname: "etc/shadow" }]], reason: /points at no regular file/ },
    { name: "a character device", layers: [[{ name: "dev/mem", type: "character-device", devmajor: 1, devminor: 1 }]], reason: /device file/ },
    { name: "a block device", layers: [[{ name: "dev/sda", type: "block-device", devmajor: 8, devminor: 0 }]], reason: /device file/ },
    { name: "a fifo", layers: [[{ name: "run/fifo", type: "fifo" }]], reason: /device file/ },
    {
      name: "an unknown layer media type",
      layers: [[{ name: "a", data: "a" }]],
      reason: /unknown layer media type "application\/vnd.oci.image.layer.v1.tar\+zstd"/,
      opts: { layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd" },
    },
    {
      name: "an unknown manifest media type",
      layers: [[{ name: "a", data: "a" }]],
      reason: /unknown manifest media type/,
      opts: { manifestMediaType: "application/vnd.example.weird+json" },
    },
  ];
  for (const r of refusals) {
    it(`refuses ${r.name}, with the reason, writing nothing`, async () => {
      const { dir } = await layoutOf(r.layers, r.opts);
      const store = newStore();
      const err = await store.import(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImageError);
      expect((err as Error).message).toMatch(r.reason);
      await untouched(store);
    });
  }

  it("refuses a symlink planted in one layer to write through it in the next", async () => {
    // Layer 1: etc -> an absolute host path; layer 2 writes below it. Inside the root that path is
    // the image's own /outside..., never the host's directory.
    const { dir } = await layoutOf([[{ name: "etc", type: "symlink", linkname: outside }], [{ name: "etc/pwned", data: "x" }]]);
    const store = newStore();
    const record = await store.import(dir);
    expect(await readdir(outside)).toEqual([]);
    const root = (await store.resolve(record.digest))?.rootfsDir ?? "";
    expect(await readFile(path.join(root, outside, "pwned"), "utf8")).toBe("x");
  });

  it("refuses files beyond the size limits and too many entries", async () => {
    const big = { name: "big", data: Buffer.alloc(64 * 1024) };
    for (const [limits, reason] of [
      [{ maxFileBytes: 1024 }, /larger than the import limit \(1024 bytes\)/],
      [{ maxTotalBytes: 32 * 1024 }, /unpacks to more than the import limit/],
      [{ maxEntries: 2 }, /more than 2 entries/],
    ] as const) {
      const { dir } = await layoutOf([[big, { name: "a", data: "a" }, { name: "b", data: "b" }]]);
      const store = newStore({ limits });
      await expect(store.import(dir)).rejects.toThrow(reason);
      await untouched(store);
    }
  });

  it("refuses a layer whose digest or diff id does not match, and an archive with foreign entries", async () => {
    const { dir } = await layoutOf([[{ name: "a", data: "a" }]], { gzip: false });
    const blobs = await readdir(path.join(dir, "blobs/sha256"));
    // Corrupt the layer blob (the smallest file that is a tar: 1536+ bytes).
    for (const b of blobs) {
      const p = path.join(dir, "blobs/sha256", b);
      const content = await readFile(p);
      if (content.length >= 1024) await writeFile(p, Buffer.concat([content.subarray(0, 600), Buffer.from("X"), content.subarray(601)]));
    }
    const store = newStore();
    await expect(store.import(dir)).rejects.toThrow(/does not match/);
    await untouched(store);
    const archive = path.join(base, "foreign.tar");
    await writeFile(
      archive,
      await tarOf([
        { name: "manifest.json", data: "[]" },
        { name: "../../etc/cron.d/x", data: "x" },
      ]),
    );
    await expect(store.import(archive)).rejects.toThrow(/climbs out of the root/);
    await writeFile(
      archive,
      await tarOf([
        { name: "manifest.json", data: "[]" },
        { name: "evil.sh", data: "x" },
      ]),
    );
    await expect(store.import(archive)).rejects.toThrow(/not part of an image layout/);
    await writeFile(archive, await tarOf([{ name: `blobs/sha256/${"a".repeat(64)}`, type: "symlink", linkname: "/etc/shadow" }]));
    await expect(store.import(archive)).rejects.toThrow(/links out of the archive/);
    await writeFile(archive, Buffer.from("not a tar at all, not even close".repeat(40)));
    await expect(store.import(archive)).rejects.toThrow(ImageError);
    await untouched(store);
  });

  it("keeps names in one index of digests and removes an image whole", async () => {
    const { dir, digest, manifestDigest } = await layoutOf([[{ name: "x", data: "x" }]], { name: "x:1" });
    const store = newStore();
    // The operator's name is the one given; the archive's own (x:1) is then not used.
    await store.import(dir, { names: ["x:2"] });
    expect(JSON.parse(await readFile(path.join(store.dir, "refs.json"), "utf8"))).toEqual({
      names: { "x:2": digest.slice(7) },
      manifests: { [(manifestDigest ?? "").slice(7)]: digest.slice(7) },
    });
    expect(await store.resolve("x:1")).toBeUndefined();
    await expect(store.import(dir, { names: ["bad name"] })).rejects.toThrow(/not valid/);
    expect(await store.remove("x:2")).toBe(true);
    expect(await store.resolve("x:2")).toBeUndefined();
    expect(await store.resolve(manifestDigest ?? "")).toBeUndefined();
    expect(await readdir(path.join(store.dir, "rootfs"))).toEqual([]);
  });
});
