// Attack: relative symlinks that leave an image's root when followed on the host, hidden behind
// links already in the tree (the written path is not where the link really sits). Each is refused
// by resolving the target against the real, extracted tree; ordinary relative links still import.
import { mkdir, mkdtemp, readdir, readlink, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageError, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { type TarEntry, tarOf, writeOciLayout } from "../../support/images.js";

let base: string;
let seq = 0;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-link-escape-"));
});
afterAll(() => rm(base, { recursive: true, force: true }));

async function importOf(layers: TarEntry[][]) {
  const dir = path.join(base, `layout-${++seq}`);
  await mkdir(dir);
  await writeOciLayout(dir, await Promise.all(layers.map(tarOf)), { gzip: false });
  const store = new ImageStore(path.join(base, `store-${seq}`));
  return { store, result: await store.import(dir).catch((e: unknown) => e) };
}

const escapes: { attack: string; layers: TarEntry[][] }[] = [
  {
    attack: "d -> . then d/d/d/up -> ../../.. (depth counted on the written path)",
    layers: [
      [
        { name: "d", type: "symlink", linkname: "." },
        { name: "d/d/d/up", type: "symlink", linkname: "../../.." },
      ],
    ],
  },
  {
    attack: "a link to a sibling link: up -> x/.. where x -> .. (the target walks through a link)",
    layers: [
      [
        { name: "sub/", type: "directory" },
        { name: "sub/x", type: "symlink", linkname: ".." },
        { name: "sub/up", type: "symlink", linkname: "x/../.." },
      ],
    ],
  },
  {
    attack: "a checked link made to escape later: l -> d/x/../.. then d/x -> .. in the next layer",
    layers: [
      [
        { name: "d/", type: "directory" },
        { name: "l", type: "symlink", linkname: "d/x/../.." },
      ],
      [{ name: "d/x", type: "symlink", linkname: ".." }],
    ],
  },
  {
    attack: "a link under a directory reached through an absolute link (lib -> /, lib/up -> ..)",
    layers: [
      [
        { name: "lib", type: "symlink", linkname: "/" },
        { name: "lib/up", type: "symlink", linkname: ".." },
      ],
    ],
  },
  {
    attack: "a link placed through a parent link chain (p -> q, q -> ., p/p/esc -> ../x)",
    layers: [
      [
        { name: "q", type: "symlink", linkname: "." },
        { name: "p", type: "symlink", linkname: "q" },
        { name: "p/p/esc", type: "symlink", linkname: "../x" },
      ],
    ],
  },
  {
    attack: "a link loop used to hide the climb (a -> b, b -> a, c -> a/..)",
    layers: [
      [
        { name: "a", type: "symlink", linkname: "b" },
        { name: "b", type: "symlink", linkname: "a" },
        { name: "c", type: "symlink", linkname: "a/.." },
      ],
    ],
  },
];

describe("symlinks resolved against the real tree", () => {
  for (const e of escapes) {
    it(`refuses ${e.attack}`, async () => {
      const { store, result } = await importOf(e.layers);
      expect(result).toBeInstanceOf(ImageError);
      expect((result as Error).message).toMatch(/symlink .* (points out of the image's root|too many symlinks)/);
      expect(await readdir(path.join(store.dir, "rootfs"))).toEqual([]);
      expect(await readdir(path.join(store.dir, "tmp"))).toEqual([]);
    });
  }

  it("keeps ordinary relative links, including ones that climb back down through links", async () => {
    const { store, result } = await importOf([
      [
        { name: "usr/lib/", type: "directory" },
        { name: "usr/lib/libc.so.6", data: "elf" },
        { name: "lib", type: "symlink", linkname: "usr/lib" },
        { name: "usr/bin/", type: "directory" },
        { name: "usr/bin/tool", type: "symlink", linkname: "../lib/libc.so.6" },
        // Written through `lib`: it really sits in usr/lib, two levels down, so ../.. is the root.
        { name: "lib/root", type: "symlink", linkname: "../../" },
        { name: "self", type: "symlink", linkname: "." },
      ],
    ]);
    expect(result).not.toBeInstanceOf(Error);
    const root = (await store.resolve((result as { digest: string }).digest))?.rootfsDir ?? "";
    expect(await readlink(path.join(root, "usr/lib/root"))).toBe("../../");
    expect(await readlink(path.join(root, "usr/bin/tool"))).toBe("../lib/libc.so.6");
  });
});
