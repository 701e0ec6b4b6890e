// Attack: forged archives over an image already in the store. The attacker reuses a stored image's
// (public) config, so its tree is "already there", and ships other layers or a manifest of its own.
// Every import verifies every layer it references; a stored image's record and its manifest digest
// never change; a truthful second manifest of the same image is one more way to name it.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { tarOf, writeOciLayout } from "../../support/images.js";

let base: string;
let seq = 0;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-layer-verify-"));
});
afterAll(() => rm(base, { recursive: true, force: true }));

/** A trusted image in a fresh store, and what an attacker can read of it (its config). */
async function trustedStore() {
  const store = new ImageStore(path.join(base, `store-${++seq}`));
  const dir = path.join(base, `trusted-${seq}`);
  const layer = await tarOf([{ name: "who", data: "trusted" }]);
  const built = await writeOciLayout(dir, [layer], { gzip: false });
  const record = await store.import(dir, { names: ["base:1"] });
  const config = await readFile(path.join(dir, "blobs/sha256", built.digest.slice(7)));
  const recordFile = path.join(store.dir, "records", `${built.digest.slice(7)}.json`);
  return { store, record, config, layer, manifestDigest: built.manifestDigest ?? "", recordBytes: await readFile(recordFile, "utf8"), recordFile };
}

/** An OCI layout of the given config and layers, each layer stored under its own digest or the one it declares. */
async function forgedLayout(config: Buffer, layers: { blob: Buffer; mediaType: string; digest?: string }[], name?: string) {
  const dir = path.join(base, `forged-${++seq}`);
  await mkdir(path.join(dir, "blobs/sha256"), { recursive: true });
  const put = async (b: Buffer) => {
    await writeFile(path.join(dir, "blobs/sha256", sha(b)), b);
    return { digest: `sha256:${sha(b)}`, size: b.length };
  };
  const descs = [];
  for (const l of layers) {
    // A declared digest names the file the blob is stored as: the attacker's bytes under the true layer's name.
    if (l.digest) await writeFile(path.join(dir, "blobs/sha256", l.digest.slice(7)), l.blob);
    const d = l.digest ? { digest: l.digest, size: l.blob.length } : await put(l.blob);
    descs.push({ mediaType: l.mediaType, ...d });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...(await put(config)) },
      layers: descs,
    }),
  );
  const m = await put(manifest);
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...m,
          ...(name ? { annotations: { "org.opencontainers.image.ref.name": name } } : {}),
        },
      ],
    }),
  );
  return { dir, manifestDigest: m.digest };
}

const TAR = "application/vnd.oci.image.layer.v1.tar";
const TGZ = "application/vnd.oci.image.layer.v1.tar+gzip";

describe("forged archives over a stored image", () => {
  const forgeries: {
    attack: string;
    layers: (t: Awaited<ReturnType<typeof trustedStore>>) => Promise<{ blob: Buffer; mediaType: string; digest?: string }[]>;
  }[] = [
    {
      attack: "stored config, an unverified layer of the attacker's",
      layers: async () => [{ blob: await tarOf([{ name: "who", data: "attacker" }]), mediaType: TAR }],
    },
    {
      attack: "stored config, the attacker's layer gzip-compressed",
      layers: async () => [{ blob: gzipSync(await tarOf([{ name: "who", data: "attacker" }])), mediaType: TGZ }],
    },
    {
      attack: "stored config, the true layer's digest declared over the attacker's blob",
      layers: async (t) => [{ blob: await tarOf([{ name: "who", data: "attacker" }]), mediaType: TAR, digest: `sha256:${sha(t.layer)}` }],
    },
    {
      attack: "stored config, the true layer plus one more",
      layers: async (t) => [
        { blob: t.layer, mediaType: TAR },
        { blob: await tarOf([{ name: "who", data: "attacker" }]), mediaType: TAR },
      ],
    },
    { attack: "stored config, no layers at all", layers: async () => [] },
    { attack: "stored config, a layer that is not a tar", layers: async () => [{ blob: Buffer.from("not a tar".repeat(100)), mediaType: TAR }] },
  ];
  for (const f of forgeries) {
    it(`refuses ${f.attack}, leaving the stored image as it was`, async () => {
      const t = await trustedStore();
      const forged = await forgedLayout(t.config, await f.layers(t), "base:1");
      const e = await t.store.import(forged.dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ImageError);
      expect((e as Error).message).toMatch(/digest|diff id|number of layers|different numbers|not a valid/);
      expect(await readFile(t.recordFile, "utf8")).toBe(t.recordBytes);
      expect((await t.store.resolve(t.manifestDigest))?.record.digest).toBe(t.record.digest);
      // (A tampered blob under the true layer's digest can leave the manifest byte for byte the trusted one.)
      if (forged.manifestDigest !== t.manifestDigest) expect((await t.store.resolve(forged.manifestDigest))?.record).toBeUndefined();
      expect((await t.store.resolve(t.record.digest))?.record.manifestDigest).toBe(t.manifestDigest);
      expect(await readFile(path.join(t.store.dir, "rootfs", t.record.digest.slice(7), "who"), "utf8")).toBe("trusted");
      expect(await readdir(path.join(t.store.dir, "tmp"))).toEqual([]);
    });
  }

  it("a truthful second manifest of the stored image (its layer gzip-compressed) names the same image and changes no record", async () => {
    const t = await trustedStore();
    const second = await forgedLayout(t.config, [{ blob: gzipSync(t.layer), mediaType: TGZ }]);
    const rec = await t.store.import(second.dir);
    expect(rec.digest).toBe(t.record.digest);
    expect(rec.manifestDigest).toBe(t.manifestDigest);
    expect((await t.store.resolve(second.manifestDigest))?.record.digest).toBe(t.record.digest);
    expect((await t.store.resolve(t.manifestDigest))?.record.digest).toBe(t.record.digest);
    expect(await readFile(t.recordFile, "utf8")).toBe(t.recordBytes);
  });
});
