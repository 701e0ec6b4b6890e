// Attacks on image names: an untrusted archive claiming a name another image holds (annotation,
// containerd name, docker RepoTags, untagged, other case, docker.io/ spelling), a name moved
// without --replace, removal of an image whose name moved, racing imports, and names that break
// the store half-way. Names live in one index (refs.json); changes are in events.log.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { dockerSaveArchive, tarOf, writeOciLayout } from "../../support/images.js";

let base: string;
let seq = 0;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-image-names-"));
});
afterAll(() => rm(base, { recursive: true, force: true }));

const newStore = () => {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const store = new ImageStore(path.join(base, `store-${++seq}`), { log: (event, fields) => events.push({ event, fields }) });
  return { store, events };
};

/** An OCI layout of one file `who` holding `content`, with index annotations as given. */
async function layoutOf(content: string, annotations?: Record<string, string>) {
  const dir = path.join(base, `layout-${++seq}`);
  await mkdir(dir);
  const built = await writeOciLayout(dir, [await tarOf([{ name: "who", data: content }])], { gzip: false });
  if (annotations) {
    const index = JSON.parse(await readFile(path.join(dir, "index.json"), "utf8"));
    index.manifests[0].annotations = annotations;
    await writeFile(path.join(dir, "index.json"), JSON.stringify(index));
  }
  return { dir, ...built };
}

async function who(store: ImageStore, ref: string) {
  const image = await store.resolve(ref);
  return image ? readFile(path.join(image.rootfsDir, "who"), "utf8") : undefined;
}

const takeovers: { attack: string; trusted: string; claim: (content: string) => Promise<string> }[] = [
  {
    attack: "OCI ref.name annotation naming the trusted image",
    trusted: "corp/agent:prod",
    claim: async (c) => (await layoutOf(c, { "org.opencontainers.image.ref.name": "corp/agent:prod" })).dir,
  },
  {
    attack: "containerd image name annotation",
    trusted: "corp/agent:prod",
    claim: async (c) => (await layoutOf(c, { "io.containerd.image.name": "corp/agent:prod" })).dir,
  },
  {
    attack: "untagged name shadowing :latest",
    trusted: "corp/agent:latest",
    claim: async (c) => (await layoutOf(c, { "org.opencontainers.image.ref.name": "corp/agent" })).dir,
  },
  {
    attack: "same name in other case",
    trusted: "corp/agent:prod",
    claim: async (c) => (await layoutOf(c, { "org.opencontainers.image.ref.name": "CORP/Agent:prod" })).dir,
  },
  {
    attack: "same name spelt with docker.io/",
    trusted: "corp/agent:prod",
    claim: async (c) => (await layoutOf(c, { "io.containerd.image.name": "docker.io/corp/agent:prod" })).dir,
  },
  {
    attack: "docker save RepoTags",
    trusted: "busybox:latest",
    claim: async (c) => {
      const saved = await dockerSaveArchive([await tarOf([{ name: "who", data: c }])], { tag: "docker.io/library/busybox" });
      const file = path.join(base, `save-${++seq}.tar`);
      await writeFile(file, saved.archive);
      return file;
    },
  },
];

describe("an archive cannot take a name another image holds", () => {
  for (const t of takeovers) {
    it(`keeps the trusted name against: ${t.attack}`, async () => {
      const { store, events } = newStore();
      const trusted = await store.import((await layoutOf("trusted")).dir, { names: [t.trusted] });
      const evil = await store.import(await t.claim("attacker"));
      expect(evil.names).toEqual([]);
      expect((await store.resolve(t.trusted))?.record.digest).toBe(trusted.digest);
      expect(await who(store, t.trusted)).toBe("trusted");
      expect(events.map((e) => e.event)).toEqual(["image.name_bound", "image.name_kept"]);
      const log = (await readFile(path.join(store.dir, "events.log"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(log[1]).toMatchObject({ event: "image.name_kept", image: trusted.digest, claimedBy: evil.digest });
    });
  }

  it("a name the archive claims that is free is given, in its normal form", async () => {
    const { store } = newStore();
    const rec = await store.import((await layoutOf("x", { "io.containerd.image.name": "docker.io/library/Tool" })).dir);
    expect(rec.names).toEqual(["tool:latest"]);
    expect(await who(store, "tool")).toBe("x");
    expect(await who(store, "docker.io/library/tool:latest")).toBe("x");
  });

  it("the operator's --name wins over the archive's own claim", async () => {
    const { store } = newStore();
    const rec = await store.import((await layoutOf("x", { "org.opencontainers.image.ref.name": "claimed:1" })).dir, { names: ["given:1"] });
    expect(rec.names).toEqual(["given:1"]);
    expect(await store.resolve("claimed:1")).toBeUndefined();
  });

  it("an index's other entries cannot lend the imported image their names", async () => {
    const { store } = newStore();
    const l = await layoutOf("x");
    const index = JSON.parse(await readFile(path.join(l.dir, "index.json"), "utf8"));
    index.manifests.push({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${"b".repeat(64)}`,
      size: 10,
      platform: { architecture: "s390x", os: "linux" },
      annotations: { "org.opencontainers.image.ref.name": "victim:1" },
    });
    await writeFile(path.join(l.dir, "index.json"), JSON.stringify(index));
    expect((await store.import(l.dir)).names).toEqual([]);
  });
});

describe("moving a name", () => {
  it("the operator moving a held name without --replace is refused, writing nothing", async () => {
    const { store } = newStore();
    const one = await store.import((await layoutOf("1")).dir, { names: ["app"] });
    for (const name of ["app", "app:latest", "APP:latest", "docker.io/library/app"]) {
      const e = await store.import((await layoutOf("2")).dir, { names: [name] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ImageError);
      expect((e as Error).message).toMatch(/already names image .*--replace/);
    }
    expect(await readdir(path.join(store.dir, "rootfs"))).toEqual([one.digest.slice(7)]);
    expect(await readdir(path.join(store.dir, "records"))).toEqual([`${one.digest.slice(7)}.json`]);
    expect(await readdir(path.join(store.dir, "tmp"))).toEqual([]);
    expect(await who(store, "app")).toBe("1");
  });

  it("with --replace the name moves, is logged, and removing the old image keeps it", async () => {
    const { store, events } = newStore();
    const one = await store.import((await layoutOf("1")).dir, { names: ["app:1", "app:stable"] });
    const two = await store.import((await layoutOf("2")).dir, { names: ["app:1"], replace: true });
    expect(events.at(-1)).toEqual({ event: "image.name_moved", fields: { name: "app:1", from: one.digest, to: two.digest } });
    const claims = (await store.list()).map((r) => [r.digest, r.names]);
    expect(claims).toEqual(
      expect.arrayContaining([
        [one.digest, ["app:stable"]],
        [two.digest, ["app:1"]],
      ]),
    );
    expect(await store.remove(one.digest)).toBe(true);
    expect(await who(store, "app:1")).toBe("2");
    expect(await store.resolve("app:stable")).toBeUndefined();
    expect(JSON.parse(await readFile(path.join(store.dir, "refs.json"), "utf8")).names).toEqual({ "app:1": two.digest.slice(7) });
  });

  it("racing imports claiming one free name: exactly one image gets it", async () => {
    const { store } = newStore();
    const dirs = await Promise.all(["a", "b", "c"].map((c) => layoutOf(c, { "org.opencontainers.image.ref.name": "race:1" })));
    const recs = await Promise.all(dirs.map((d) => store.import(d.dir)));
    expect(recs.filter((r) => r.names.includes("race:1"))).toHaveLength(1);
    expect((await store.list()).filter((r) => r.names.includes("race:1"))).toHaveLength(1);
    const given = await Promise.all(
      ["d", "e"].map(async (c) => store.import((await layoutOf(c)).dir, { names: ["race:2"] }).catch((e: unknown) => e)),
    );
    expect(given.filter((g) => g instanceof ImageError)).toHaveLength(1);
  });
});

describe("names checked before anything is written", () => {
  const bad = [
    `a${"/".repeat(254)}`,
    `${"a".repeat(129)}:1`,
    `${"a/".repeat(127)}a:1`,
    "a//b:1",
    "../x:1",
    "a/./b",
    "app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "app:",
    "app:-x",
    "app:1\n",
    "",
  ];
  for (const name of bad) {
    it(`refuses --name ${JSON.stringify(name.slice(0, 40))} without touching the store`, async () => {
      const { store } = newStore();
      const e = await store.import((await layoutOf("x")).dir, { names: [name] }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ImageError);
      expect((e as Error).message).toMatch(/is not valid/);
      expect(await readdir(store.dir).catch(() => "absent")).toBe("absent");
    });
    it(`refuses an archive naming itself ${JSON.stringify(name.slice(0, 40))}, keeping nothing, and imports it under a sane name`, async () => {
      const { store } = newStore();
      const l = await layoutOf("x", { "org.opencontainers.image.ref.name": name });
      const e = await store.import(l.dir).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ImageError);
      expect((e as Error).message).toMatch(/archive's image name .* is not valid/);
      expect(await readdir(path.join(store.dir, "rootfs"))).toEqual([]);
      expect(await readdir(path.join(store.dir, "records"))).toEqual([]);
      expect(await readdir(path.join(store.dir, "tmp"))).toEqual([]);
      expect((await store.import(l.dir, { names: ["sane:1"] })).names).toEqual(["sane:1"]);
    });
  }
});

describe("a store made before the index", () => {
  it("moves its name links and manifest digests into refs.json once, the tagged name winning over an untagged one", async () => {
    const { store } = newStore();
    const a = await layoutOf("a");
    const b = await layoutOf("b");
    const recA = await store.import(a.dir);
    const recB = await store.import(b.dir);
    // The old layout: names/<URI-encoded name> -> <hex>, the manifest digest in the record.
    await rm(path.join(store.dir, "refs.json"));
    await mkdir(path.join(store.dir, "names"));
    await symlink(recB.digest.slice(7), path.join(store.dir, "names", encodeURIComponent("app")));
    await symlink(recA.digest.slice(7), path.join(store.dir, "names", encodeURIComponent("app:latest")));
    await symlink(recB.digest.slice(7), path.join(store.dir, "names", encodeURIComponent("b:1")));
    await symlink("../../etc", path.join(store.dir, "names", encodeURIComponent("evil:1")));
    const recordA = path.join(store.dir, "records", `${recA.digest.slice(7)}.json`);
    await writeFile(
      recordA,
      JSON.stringify({ ...JSON.parse(await readFile(recordA, "utf8")), names: ["app:latest"], manifestDigest: a.manifestDigest }),
    );
    expect(await who(store, "app")).toBe("a");
    expect(await who(store, "b:1")).toBe("b");
    expect(await store.resolve("evil:1")).toBeUndefined();
    expect((await store.resolve(a.manifestDigest ?? ""))?.record.digest).toBe(recA.digest);
    expect(await readdir(store.dir)).not.toContain("names");
    expect(JSON.parse(await readFile(path.join(store.dir, "refs.json"), "utf8")).names).toEqual({
      "app:latest": recA.digest.slice(7),
      "b:1": recB.digest.slice(7),
    });
  });
});
