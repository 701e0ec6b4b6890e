// Red team (issue 20): hostile image archives fed to `palisade host image import`. Nothing may be
// written, linked or removed outside the store; the store stays consistent for other images.
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { dockerSaveArchive, type TarEntry, tarOf, writeOciLayout } from "../../support/images.js";

const BASE = path.join(process.cwd(), `.redtmp-${process.pid}`);
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

function outsideIntact() {
  expect(readdirSync(OUTSIDE).sort()).toEqual(["sentinel"]);
  expect(readFileSync(path.join(OUTSIDE, "sentinel"), "utf8")).toBe("keep");
  expect(readdirSync(BASE).filter((f) => f.startsWith("pwn"))).toEqual([]);
}

/** Every symlink in the tree must resolve (host view, lexically) inside the tree. */
function linksEscaping(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) {
        const t = readlinkSync(p);
        if (t.startsWith("/")) continue; // absolute: a runtime re-roots it
        const r = path.resolve(path.dirname(p), t);
        if (r !== root && !r.startsWith(`${root}/`)) out.push(`${path.relative(root, p)} -> ${t}`);
      } else if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

async function refused(p: Promise<unknown>, re?: RegExp) {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e, "import should be refused").toBeInstanceOf(ImageError);
  if (re) expect(String((e as Error).message)).toMatch(re);
}

describe("layer path traversal", () => {
  for (const name of ["../pwn-dotdot", "./../pwn-dotdot2", "a/../../pwn-mid", "/abs-pwn", "a/b/../../../pwn-deep"]) {
    it(`refuses entry ${name}`, async () => {
      const l = await layout([[{ name, data: "x" }]]);
      await refused(store.import(l.dir));
      outsideIntact();
      expect(existsSync("/abs-pwn")).toBe(false);
    });
  }
});

describe("symlink and hardlink escapes", () => {
  it("absolute symlink to the host then a file through it stays in the image", async () => {
    const l = await layout([
      [
        { name: "esc", type: "symlink", linkname: OUTSIDE },
        { name: "esc/pwned", data: "x" },
      ],
    ]);
    const rec = await store.import(l.dir);
    outsideIntact();
    const root = (await store.resolve(rec.digest))!.rootfsDir;
    expect(readFileSync(path.join(root, OUTSIDE.slice(1), "pwned"), "utf8")).toBe("x");
  });
  it("symlink in one layer, file through it in the next", async () => {
    const l = await layout([[{ name: "esc", type: "symlink", linkname: OUTSIDE }], [{ name: "esc/pwned", data: "x" }]]);
    await store.import(l.dir);
    outsideIntact();
  });
  it("relative symlink climbing out is refused", async () => {
    const l = await layout([[{ name: "a/up", type: "symlink", linkname: "../../../../../../" }]]);
    await refused(store.import(l.dir), /out of the image's root/);
  });
  it("symlink depth check counts the written path, not the real one (d -> . then d/d/d/up -> ../../..)", async () => {
    const l = await layout([
      [
        { name: "d", type: "symlink", linkname: "." },
        { name: "d/d/d/up", type: "symlink", linkname: "../../.." },
      ],
    ]);
    const rec = await store.import(l.dir).catch((e: unknown) => e);
    if (rec instanceof ImageError) return; // held
    const root = (await store.resolve((rec as { digest: string }).digest))!.rootfsDir;
    // The store's promise: links kept inside the root. A link that points outside it on the host.
    expect(linksEscaping(root)).toEqual([]);
  });
  it("hard link to a host file through a symlink is refused or stays in the image", async () => {
    const nlink = statSync(path.join(OUTSIDE, "sentinel")).nlink;
    const l = await layout([
      [
        { name: "esc", type: "symlink", linkname: OUTSIDE },
        { name: "h", type: "link", linkname: `esc/sentinel` },
        { name: "h2", type: "link", linkname: path.join(OUTSIDE, "sentinel") },
        { name: "h3", type: "link", linkname: "../../sentinel" },
      ],
    ]);
    await store.import(l.dir).catch(() => undefined);
    expect(statSync(path.join(OUTSIDE, "sentinel")).nlink).toBe(nlink);
    outsideIntact();
  });
  it("hard link then file written through it does not change the linked file", async () => {
    const l = await layout([
      [
        { name: "a", data: "orig" },
        { name: "b", type: "link", linkname: "a" },
        { name: "b", data: "evil" },
      ],
    ]);
    const rec = await store.import(l.dir);
    const root = (await store.resolve(rec.digest))!.rootfsDir;
    expect(readFileSync(path.join(root, "a"), "utf8")).toBe("orig");
  });
});

describe("whiteouts", () => {
  it(".wh... and .wh.. are refused", async () => {
    await refused(store.import((await layout([[{ name: "x/.wh...", data: "" }]])).dir));
    await refused(store.import((await layout([[{ name: ".wh..", data: "" }]])).dir));
    outsideIntact();
  });
  it("whiteout through an absolute symlink deletes nothing on the host", async () => {
    const l = await layout([[{ name: "esc", type: "symlink", linkname: OUTSIDE }], [{ name: "esc/.wh.sentinel", data: "" }]]);
    await store.import(l.dir).catch(() => undefined);
    outsideIntact();
  });
  it("opaque whiteout through an absolute symlink to the host empties nothing", async () => {
    const l = await layout([[{ name: "esc", type: "symlink", linkname: OUTSIDE }], [{ name: "esc/.wh..wh..opq", data: "" }]]);
    await store.import(l.dir).catch(() => undefined);
    outsideIntact();
  });
  it("opaque whiteout through a relative parent link (a -> ..) at the root empties nothing outside", async () => {
    const l = await layout([[{ name: "a", type: "symlink", linkname: "." }], [{ name: "a/a/.wh..wh..opq", data: "" }]]);
    await store.import(l.dir).catch(() => undefined);
    outsideIntact();
  });
});

describe("special files, modes, sizes", () => {
  for (const type of ["character-device", "block-device", "fifo"] as const) {
    it(`${type} refused`, async () => {
      await refused(store.import((await layout([[{ name: "dev/x", type }]])).dir), /device|entry type/);
    });
  }
  it("setuid, setgid, sticky and world-writable bits are dropped", async () => {
    const l = await layout([
      [
        { name: "suid", data: "x", mode: 0o4777 },
        { name: "sgid", data: "x", mode: 0o2755 },
        { name: "dir/", type: "directory", mode: 0o1777 },
      ],
    ]);
    const rec = await store.import(l.dir);
    const root = (await store.resolve(rec.digest))!.rootfsDir;
    expect(statSync(path.join(root, "suid")).mode & 0o7022).toBe(0);
    expect(statSync(path.join(root, "sgid")).mode & 0o7022).toBe(0);
    expect(statSync(path.join(root, "dir")).mode & 0o7022).toBe(0);
  });
  it("a file above the per-file limit is refused", async () => {
    await refused(store.import((await layout([[{ name: "big", data: Buffer.alloc(1024 * 1024 + 1) }]])).dir), /limit/);
  });
  it("a gzip bomb above the total limit is refused", async () => {
    const entries: TarEntry[] = [];
    for (let i = 0; i < 4; i++) entries.push({ name: `f${i}`, data: Buffer.alloc(1000 * 1024) });
    const l = await layout([entries], { gzip: true });
    await refused(store.import(l.dir), /limit/);
    expect(readdirSync(path.join(storeDir, "tmp"))).toEqual([]);
    expect(readdirSync(path.join(storeDir, "rootfs"))).toEqual([]);
  });
});

describe("digests, media types, archives", () => {
  it("a layer blob swapped after the manifest is refused", async () => {
    const l = await layout([[{ name: "a", data: "good" }]]);
    const m = JSON.parse(readFileSync(path.join(l.dir, "blobs/sha256", l.manifestDigest!.slice(7)), "utf8"));
    writeFileSync(path.join(l.dir, "blobs/sha256", m.layers[0].digest.slice(7)), await tarOf([{ name: "a", data: "evil" }]));
    await refused(store.import(l.dir), /digest|diff id/);
    expect(readdirSync(path.join(storeDir, "rootfs"))).toEqual([]);
  });
  it("unknown layer and manifest media types are refused", async () => {
    await refused(store.import((await layout([[{ name: "a", data: "x" }]], { layerMediaType: "application/vnd.evil.tar" })).dir), /media type/);
    await refused(store.import((await layout([[{ name: "a", data: "x" }]], { manifestMediaType: "text/plain" })).dir), /media type|no image/);
  });
  it("outer archive: links and entries out of the archive are refused", async () => {
    const hex = "a".repeat(64);
    for (const entries of [
      [{ name: `blobs/sha256/${hex}`, type: "symlink", linkname: "/etc/passwd" }],
      [{ name: `blobs/sha256/${hex}`, type: "symlink", linkname: "../../../../../etc/passwd" }],
      [{ name: `../pwn-outer`, data: "x" }],
      [{ name: `blobs/sha256/${hex}`, type: "link", linkname: "/etc/passwd" }],
      [{ name: `blobs/sha256/${hex}`, type: "fifo" }],
      [{ name: `evil.sh`, data: "x" }],
    ] as TarEntry[][]) {
      const file = path.join(BASE, `outer-${++n}.tar`);
      writeFileSync(file, await tarOf(entries));
      await refused(store.import(file));
    }
    outsideIntact();
  });
  it("docker save: layer and config paths out of the archive are refused", async () => {
    const cfg = Buffer.from("{}");
    for (const m of [[{ Config: "../../../etc/passwd", Layers: [] }], [{ Config: `${sha(cfg)}.json`, Layers: ["/etc/passwd"] }]]) {
      const file = path.join(BASE, `ds-${++n}.tar`);
      writeFileSync(
        file,
        await tarOf([
          { name: `${sha(cfg)}.json`, data: cfg },
          { name: "manifest.json", data: JSON.stringify(m) },
        ]),
      );
      await refused(store.import(file));
    }
  });
  it("duplicate outer archive entries are refused, not merged", async () => {
    const d = await dockerSaveArchive([await tarOf([{ name: "a", data: "x" }])]);
    const file = path.join(BASE, `dup-${++n}.tar`);
    writeFileSync(file, Buffer.concat([d.archive.subarray(0, d.archive.length - 1024), await tarOf([{ name: "manifest.json", data: "[]" }])]));
    await refused(store.import(file));
  });
});

describe("store consistency across images", () => {
  it("an untrusted archive does not take over another image's name by its own annotation", async () => {
    const trusted = await layout([[{ name: "who", data: "trusted" }]]);
    const a = await store.import(trusted.dir, { names: ["corp/agent:prod"] });
    // Attacker's archive, imported without --name: it names itself corp/agent:prod.
    const evil = await layout([[{ name: "who", data: "attacker" }]], { name: "corp/agent:prod" });
    await store.import(evil.dir);
    const resolved = await store.resolve("corp/agent:prod");
    expect(resolved?.record.digest, "the name still runs the image the admin named").toBe(a.digest);
  });
  it("after a name moves, two records claim it and removing the old one unlinks the new one's name", async () => {
    const one = await store.import((await layout([[{ name: "v", data: "1" }]])).dir, { names: ["app:1"] });
    const twoDir = (await layout([[{ name: "v", data: "2" }]])).dir;
    // Moving a name takes --replace: without it the import is refused and the name stays.
    await refused(store.import(twoDir, { names: ["app:1"] }), /already names image .*--replace/);
    expect((await store.resolve("app:1"))?.record.digest).toBe(one.digest);
    const two = await store.import(twoDir, { names: ["app:1"], replace: true });
    const claim = (await store.list()).filter((r) => r.names.includes("app:1")).map((r) => r.digest);
    expect(claim, "one record per name").toEqual([two.digest]);
    await store.remove(one.digest);
    expect((await store.resolve("app:1"))?.record.digest).toBe(two.digest);
  });
  it("an overlong (but valid) name is refused up front and leaves no half-imported image", async () => {
    const long = `a${"/".repeat(254)}`;
    const l = await layout([[{ name: "v", data: "x" }]], { name: long });
    const e = await store.import(l.dir).catch((x: unknown) => x);
    const records = await store.list();
    expect.soft(e, "refused as an ImageError with the reason").toBeInstanceOf(ImageError);
    expect
      .soft(
        records.map((r) => r.names),
        "a failed import leaves no record behind",
      )
      .toEqual([]);
    // Re-importing the same image (now with a sane name) must work.
    const again = await store.import(l.dir, { names: ["sane:1"] }).catch((x: unknown) => x);
    expect(again, "the same image can be imported again").not.toBeInstanceOf(Error);
  });
  it("an archive reusing a trusted image's (public) config with unverified layers does not rewrite its manifest digest", async () => {
    const trusted = await layout([[{ name: "who", data: "trusted" }]]);
    const a = await store.import(trusted.dir, { names: ["base:1"] });
    const dir = path.join(BASE, `forged-${++n}`);
    mkdirSync(path.join(dir, "blobs/sha256"), { recursive: true });
    const put = (b: Buffer) => {
      writeFileSync(path.join(dir, "blobs/sha256", sha(b)), b);
      return { digest: `sha256:${sha(b)}`, size: b.length };
    };
    const config = readFileSync(path.join(trusted.dir, "blobs/sha256", a.digest.slice(7)));
    const evilLayer = await tarOf([{ name: "who", data: "attacker" }]);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...put(config) },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...put(evilLayer) }],
      }),
    );
    const m = put(manifest);
    writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    writeFileSync(
      path.join(dir, "index.json"),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...m }] }),
    );
    // Its layer does not match the config's diff id: expected refused, whatever is already stored.
    const e = await store.import(dir).catch((x: unknown) => x);
    expect.soft(e, "a layer that does not match the config's diff_ids is refused").toBeInstanceOf(ImageError);
    expect((await store.resolve(trusted.manifestDigest!))?.record.digest, "the trusted manifest digest still resolves").toBe(a.digest);
  });
  it("a refused import leaves an earlier image untouched", async () => {
    const good = await store.import((await layout([[{ name: "etc/motd", data: "hello" }]])).dir, { names: ["good:1"] });
    const before = readFileSync(path.join(storeDir, "rootfs", good.digest.slice(7), "etc/motd"), "utf8");
    await store.import((await layout([[{ name: "x", type: "symlink", linkname: `../rootfs/${good.digest.slice(7)}` }]])).dir).catch(() => undefined);
    await store.import((await layout([[{ name: "../../rootfs/x", data: "evil" }]])).dir).catch(() => undefined);
    expect(readFileSync(path.join(storeDir, "rootfs", good.digest.slice(7), "etc/motd"), "utf8")).toBe(before);
    expect((await store.resolve("good:1"))?.record.digest).toBe(good.digest);
    expect(lstatSync(path.join(storeDir, "tmp")).isDirectory()).toBe(true);
    expect(readdirSync(path.join(storeDir, "tmp"))).toEqual([]);
  });
});
