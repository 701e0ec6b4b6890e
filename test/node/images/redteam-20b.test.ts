// Red team (issue 20, after fixes): the host's image store. Variants against the fixes: the store
// lock's stale-pid takeover, names that normalise to one, refs.json damage, PAX header tricks,
// hard links to later entries, digests in other cases/algorithms, nested indexes naming images,
// a stored image re-imported with a forged manifest, import vs remove.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import tar from "tar-stream";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { readRefs, withStoreLock, writeRefs } from "../../../sandbox-host/src/images/refs.js";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { type TarEntry, tarOf, writeOciLayout } from "../../support/images.js";

const BASE = path.join(process.cwd(), `.redtmp20b-${process.pid}`);
const OUTSIDE = path.join(BASE, "outside");
let n = 0;
let storeDir: string;
let store: ImageStore;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

beforeEach(() => {
  mkdirSync(OUTSIDE, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(OUTSIDE, "sentinel"), "keep");
  storeDir = path.join(BASE, `store-${++n}`);
  store = new ImageStore(storeDir, { limits: { maxFileBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024, maxEntries: 10_000 } });
});
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

async function layout(layers: TarEntry[][], opts: Parameters<typeof writeOciLayout>[2] = {}) {
  const dir = path.join(BASE, `layout-${++n}`);
  const bufs = await Promise.all(layers.map((l) => tarOf(l)));
  const built = await writeOciLayout(dir, bufs, { gzip: false, ...opts });
  return { dir, ...built };
}
/** An OCI layout from raw layer tars (headers written by hand). */
async function layoutRaw(layers: Buffer[]) {
  const dir = path.join(BASE, `layout-${++n}`);
  const built = await writeOciLayout(dir, layers, { gzip: false });
  return { dir, ...built };
}
function outsideIntact() {
  expect(readdirSync(OUTSIDE).sort()).toEqual(["sentinel"]);
  expect(readFileSync(path.join(OUTSIDE, "sentinel"), "utf8")).toBe("keep");
  expect(readdirSync(BASE).filter((f) => f.startsWith("pwn"))).toEqual([]);
}
async function refused(p: Promise<unknown>, re?: RegExp) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, "import should be refused").toBeInstanceOf(ImageError);
  if (re) expect(String((e as Error).message)).toMatch(re);
}
/** A tar whose entries carry PAX headers (path / linkpath overrides), packed by tar-stream. */
async function paxTar(entries: { name: string; type?: "file" | "symlink"; data?: string; linkname?: string; pax: Record<string, string> }[]) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => {
    if (Buffer.isBuffer(c)) chunks.push(c);
  });
  const done = new Promise<void>((r) => pack.on("end", () => r()));
  for (const e of entries) {
    const data = Buffer.from(e.data ?? "");
    await new Promise<void>((r, j) =>
      pack.entry(
        { name: e.name, type: e.type ?? "file", size: e.type === "symlink" ? 0 : data.length, linkname: e.linkname, pax: e.pax, mode: 0o644 },
        e.type === "symlink" ? Buffer.alloc(0) : data,
        (err) => (err ? j(err) : r()),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
const deadPid = () => {
  const r = spawnSync("/bin/true");
  return r.pid as number;
};

describe("the store lock: stale-pid takeover", () => {
  it("two takers of one stale lock (left by a dead process) never hold it at once", async () => {
    mkdirSync(storeDir, { recursive: true });
    symlinkSync(String(deadPid()), path.join(storeDir, "refs.lock"));
    let inside = 0;
    let most = 0;
    const work = () =>
      withStoreLock(storeDir, async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(50);
        inside--;
      });
    await Promise.all([work(), work(), work()]);
    // Each saw the dead holder, unlinked "its" stale lock (the second unlinks the first's fresh one) and entered.
    expect(most, "holders of the store lock at the same time").toBe(1);
  });
  it("the stale-lock race loses a name in refs.json (read-modify-write of the index under a shared lock)", async () => {
    mkdirSync(storeDir, { recursive: true });
    await writeRefs(storeDir, { names: {}, manifests: {} });
    symlinkSync(String(deadPid()), path.join(storeDir, "refs.lock"));
    // What #commit does under the lock: read the index, add a name, write it back.
    const bind = (name: string, hex: string) =>
      withStoreLock(storeDir, async () => {
        const refs = await readRefs(storeDir);
        await sleep(30);
        refs.names[name] = hex;
        await writeRefs(storeDir, refs);
      });
    const results = await Promise.allSettled([bind("a:1", "a".repeat(64)), bind("b:1", "b".repeat(64))]);
    const refs = await readRefs(storeDir);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    expect(Object.keys(refs.names).sort(), "both names bound").toEqual(["a:1", "b:1"]);
  });
  it("a lock naming a live unrelated process (pid reused) blocks imports, refused as busy after the wait (fail closed)", async () => {
    const first = await store.import((await layout([[{ name: "v", data: "0" }]])).dir, { names: ["first:1"] });
    expect(first.names).toEqual(["first:1"]);
    symlinkSync(String(process.ppid), path.join(storeDir, "refs.lock")); // alive, not an importer
    // The same store with a 2 s wait instead of the 30 s default: the behaviour, not the length.
    const waiting = new ImageStore(storeDir, {
      limits: { maxFileBytes: 1024 * 1024, maxTotalBytes: 2 * 1024 * 1024, maxEntries: 10_000 },
      lockWaitMs: 2_000,
    });
    const t = Date.now();
    await refused(waiting.import((await layout([[{ name: "v", data: "1" }]])).dir, { names: ["second:1"] }), /busy/);
    expect(Date.now() - t).toBeGreaterThanOrEqual(2_000);
    expect((await store.list()).map((r) => r.names)).toEqual([["first:1"]]);
  });
});

describe("names that normalise to one", () => {
  for (const [held, claim] of [
    ["corp/agent:prod", "Corp/Agent:prod"],
    ["agent:1", "docker.io/library/agent:1"],
    ["agent:1", "index.docker.io/agent:1"],
    ["agent", "agent:latest"],
    ["library/agent:latest", "agent"],
  ] as const) {
    it(`operator name ${claim} over ${held} needs --replace`, async () => {
      const a = await store.import((await layout([[{ name: "v", data: "a" }]])).dir, { names: [held] });
      await refused(store.import((await layout([[{ name: "v", data: "b" }]])).dir, { names: [claim] }), /replace/);
      expect((await store.resolve(held))?.record.digest).toBe(a.digest);
    });
  }
  it("an archive's own name that normalises onto a held name does not take it (docker.io/library/…)", async () => {
    const a = await store.import((await layout([[{ name: "v", data: "a" }]])).dir, { names: ["agent:1"] });
    await store.import((await layout([[{ name: "v", data: "b" }]], { name: "docker.io/library/AGENT:1" })).dir).catch(() => undefined);
    expect((await store.resolve("agent:1"))?.record.digest).toBe(a.digest);
  });
  it("a nested index entry's annotation names the image (outer index claims a held name): not taken", async () => {
    const a = await store.import((await layout([[{ name: "v", data: "a" }]])).dir, { names: ["victim:1"] });
    const l = await layout([[{ name: "v", data: "evil" }]]);
    // Wrap the manifest in a nested index, the outer entry naming victim:1.
    const inner = JSON.parse(readFileSync(path.join(l.dir, "index.json"), "utf8"));
    const innerBuf = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: inner.manifests }),
    );
    writeFileSync(path.join(l.dir, "blobs/sha256", sha(innerBuf)), innerBuf);
    writeFileSync(
      path.join(l.dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: "application/vnd.oci.image.index.v1+json",
            digest: `sha256:${sha(innerBuf)}`,
            size: innerBuf.length,
            annotations: { "io.containerd.image.name": "docker.io/library/victim:1" },
          },
        ],
      }),
    );
    const b = await store.import(l.dir);
    expect(b.names).toEqual([]);
    expect((await store.resolve("victim:1"))?.record.digest).toBe(a.digest);
  });
});

describe("digests: case and algorithm", () => {
  it("an upper-case layer digest in the manifest is refused (not matched case-insensitively)", async () => {
    const l = await layout([[{ name: "v", data: "x" }]]);
    const mFile = path.join(l.dir, "blobs/sha256", l.manifestDigest!.slice(7));
    const m = JSON.parse(readFileSync(mFile, "utf8"));
    m.layers[0].digest = m.layers[0].digest.toUpperCase().replace("SHA256", "sha256");
    const mb = Buffer.from(JSON.stringify(m));
    writeFileSync(path.join(l.dir, "blobs/sha256", sha(mb)), mb);
    const idx = JSON.parse(readFileSync(path.join(l.dir, "index.json"), "utf8"));
    idx.manifests[0].digest = `sha256:${sha(mb)}`;
    idx.manifests[0].size = mb.length;
    writeFileSync(path.join(l.dir, "index.json"), JSON.stringify(idx));
    await refused(store.import(l.dir), /sha256/);
  });
  it("a sha512 manifest digest is refused", async () => {
    const l = await layout([[{ name: "v", data: "x" }]]);
    const idx = JSON.parse(readFileSync(path.join(l.dir, "index.json"), "utf8"));
    idx.manifests[0].digest = `sha512:${"a".repeat(128)}`;
    writeFileSync(path.join(l.dir, "index.json"), JSON.stringify(idx));
    await refused(store.import(l.dir), /sha256|not valid/);
  });
});

describe("tar header tricks in layers", () => {
  it("a PAX path override climbing out (name 'safe', pax path '../../pwn-pax') is refused", async () => {
    const l = await layoutRaw([await paxTar([{ name: "safe", data: "x", pax: { path: "../../pwn-pax" } }])]);
    await refused(store.import(l.dir));
    outsideIntact();
  });
  it("a PAX linkpath override on a symlink climbing out is refused", async () => {
    const l = await layoutRaw([await paxTar([{ name: "lnk", type: "symlink", linkname: "ok", pax: { linkpath: "../../../../../../etc" } }])]);
    await refused(store.import(l.dir), /out of the image's root/);
  });
  it("a PAX path of an absolute host path is refused", async () => {
    const l = await layoutRaw([await paxTar([{ name: "safe", data: "x", pax: { path: `${OUTSIDE}/pwned` } }])]);
    await refused(store.import(l.dir));
    outsideIntact();
  });
  it("a hard link to an entry that comes later in the layer is refused", async () => {
    const l = await layout([
      [
        { name: "early", type: "link", linkname: "later" },
        { name: "later", data: "x" },
      ],
    ]);
    await refused(store.import(l.dir), /no regular file/);
  });
  it("a hard link to a file a later layer whites out keeps the image's content only", async () => {
    const l = await layout([
      [
        { name: "a", data: "orig" },
        { name: "b", type: "link", linkname: "a" },
      ],
      [{ name: ".wh.a", data: "" }],
    ]);
    const rec = await store.import(l.dir);
    const root = (await store.resolve(rec.digest))!.rootfsDir;
    expect(existsSync(path.join(root, "a"))).toBe(false);
    expect(readFileSync(path.join(root, "b"), "utf8")).toBe("orig");
  });
  it("a whiteout of refs.json / refs.lock inside a layer touches only the image", async () => {
    const first = await store.import((await layout([[{ name: "v", data: "0" }]])).dir, { names: ["keep:1"] });
    const l = await layout([
      [
        { name: ".wh.refs.json", data: "" },
        { name: ".wh.refs.lock", data: "" },
        { name: "x/.wh..wh..opq", data: "" },
      ],
    ]);
    await store.import(l.dir).catch(() => undefined);
    expect((await store.resolve("keep:1"))?.record.digest).toBe(first.digest);
  });
  it("a hard-link bomb counts against the entry limit", async () => {
    const entries: TarEntry[] = [{ name: "f", data: "x".repeat(1000) }];
    for (let i = 0; i < 10_001; i++) entries.push({ name: `h${i}`, type: "link", linkname: "f" });
    const l = await layout([entries]);
    await refused(store.import(l.dir), /entries/);
  });
});

describe("refs.json damage", () => {
  it("a corrupt index fails every operation closed (no import over it, no empty store, no removal)", async () => {
    const a = await store.import((await layout([[{ name: "v", data: "a" }]])).dir, { names: ["a:1"] });
    writeFileSync(path.join(storeDir, "refs.json"), "{not json");
    await expect(store.resolve("a:1")).rejects.toBeInstanceOf(ImageError);
    await refused(store.import((await layout([[{ name: "v", data: "b" }]])).dir, { names: ["a:1"] }));
    await expect(store.remove(a.digest)).rejects.toBeInstanceOf(ImageError);
    expect(existsSync(path.join(storeDir, "rootfs", a.digest.slice(7)))).toBe(true);
  });
  it("an index naming an image whose record is gone resolves nothing (no dangling name runs)", async () => {
    const a = await store.import((await layout([[{ name: "v", data: "a" }]])).dir, { names: ["a:1"] });
    rmSync(path.join(storeDir, "records", `${a.digest.slice(7)}.json`));
    expect(await store.resolve("a:1")).toBeUndefined();
  });
});

describe("re-import of a stored image and races", () => {
  it("re-importing a stored config with a forged layer set (same count, wrong content) is refused", async () => {
    const trusted = await layout([[{ name: "who", data: "trusted" }]]);
    const a = await store.import(trusted.dir, { names: ["base:1"] });
    const evil = await layout([[{ name: "who", data: "attacker" }]]);
    // Swap in the trusted config, keep the evil layer: config digest = stored image.
    const cfg = readFileSync(path.join(trusted.dir, "blobs/sha256", a.digest.slice(7)));
    writeFileSync(path.join(evil.dir, "blobs/sha256", a.digest.slice(7)), cfg);
    const mFile = path.join(evil.dir, "blobs/sha256", evil.manifestDigest!.slice(7));
    const m = JSON.parse(readFileSync(mFile, "utf8"));
    m.config.digest = a.digest;
    m.config.size = cfg.length;
    const mb = Buffer.from(JSON.stringify(m));
    writeFileSync(path.join(evil.dir, "blobs/sha256", sha(mb)), mb);
    writeFileSync(
      path.join(evil.dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: `sha256:${sha(mb)}`, size: mb.length }],
      }),
    );
    await refused(store.import(evil.dir, { names: ["evil:1"] }), /diff id/);
    expect(await store.resolve(`sha256:${sha(mb)}`)).toBeUndefined();
    expect(await store.resolve("evil:1")).toBeUndefined();
  });
  it("import of a stored image racing its removal: either the image is whole with its name, or neither", async () => {
    const l = await layout([[{ name: "v", data: "race" }]]);
    const a = await store.import(l.dir, { names: ["r:1"] });
    const [imp] = await Promise.allSettled([store.import(l.dir, { names: ["r:2"] }), store.remove(a.digest)]);
    const resolved = await store.resolve("r:2");
    if (imp.status === "fulfilled" && resolved) {
      expect(existsSync(path.join(resolved.rootfsDir, "v"))).toBe(true);
    }
    const refs = await readRefs(storeDir);
    for (const hex of Object.values(refs.names))
      expect(existsSync(path.join(storeDir, "records", `${hex}.json`)), `name points at ${hex}`).toBe(true);
  });
  it("two concurrent imports (same process) naming different images both keep their names", async () => {
    const [x, y] = await Promise.all([
      store.import((await layout([[{ name: "v", data: "x" }]])).dir, { names: ["x:1"] }),
      store.import((await layout([[{ name: "v", data: "y" }]])).dir, { names: ["y:1"] }),
    ]);
    expect((await store.resolve("x:1"))?.record.digest).toBe(x.digest);
    expect((await store.resolve("y:1"))?.record.digest).toBe(y.digest);
  });
});

describe("a removal cut short", () => {
  it("a re-import after a removal died midway (record gone, tree half deleted) does not adopt the half tree", async () => {
    const l = await layout([
      [
        { name: "bin/agent", data: "agent" },
        { name: "etc/agent.conf", data: "safe=1" },
      ],
    ]);
    const a = await store.import(l.dir, { names: ["app:1"] });
    const hex = a.digest.slice(7);
    // remove() drops the index entry and the record, then rm -rf's the tree: a crash (or kill) during
    // the rm leaves part of the tree under rootfs/<hex>. Simulated: record and one file gone.
    const refs = await readRefs(storeDir);
    await writeRefs(storeDir, { names: {}, manifests: Object.fromEntries(Object.entries(refs.manifests).filter(([, h]) => h !== hex)) });
    rmSync(path.join(storeDir, "records", `${hex}.json`));
    rmSync(path.join(storeDir, "rootfs", hex, "etc/agent.conf"));
    const again = await store.import(l.dir, { names: ["app:1"] });
    const root = (await store.resolve(again.digest))!.rootfsDir;
    // The layers were only verified against the archive, never compared with the tree on disk.
    expect(existsSync(path.join(root, "etc/agent.conf")), "the image as imported, whole").toBe(true);
  });
});
