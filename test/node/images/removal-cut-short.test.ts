// Attack class: an image tree that is not the image as imported gets used, because a removal or an
// import was cut short (killed, crashed) and a later import or start adopts what it left. Variants:
// a tree half deleted, a whole tree with a file added, a tree renamed in place without its record,
// leftovers swept at the store's open, and a removal that leaves nothing at the image's place.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { readRefs, writeRefs } from "../../../sandbox-host/src/images/refs.js";
import { ImageStore } from "../../../sandbox-host/src/images/store.js";
import { newHolderTarget } from "../../../sandbox-host/src/owner-records.js";
import { tarOf, writeOciLayout } from "../../support/images.js";

const BASE = path.join(process.cwd(), `.tmp-removal-cut-short-${process.pid}`);
let n = 0;
let storeDir: string;
let store: ImageStore;

beforeEach(() => {
  storeDir = path.join(BASE, `store-${++n}`);
  store = new ImageStore(storeDir);
});
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

async function layout() {
  const dir = path.join(BASE, `layout-${++n}`);
  const layer = await tarOf([
    { name: "bin/agent", data: "agent" },
    { name: "etc/agent.conf", data: "safe=1" },
  ]);
  await writeOciLayout(dir, [layer], { gzip: false });
  return dir;
}

/** What remove() has done when it is killed after dropping the index entry and the record. */
async function removalKilledAfterRecord(hex: string) {
  const refs = await readRefs(storeDir);
  await writeRefs(storeDir, {
    names: Object.fromEntries(Object.entries(refs.names).filter(([, h]) => h !== hex)),
    manifests: Object.fromEntries(Object.entries(refs.manifests).filter(([, h]) => h !== hex)),
  });
  rmSync(path.join(storeDir, "records", `${hex}.json`));
}

function wholeAsImported(root: string) {
  expect(readFileSync(path.join(root, "etc/agent.conf"), "utf8")).toBe("safe=1");
  expect(readFileSync(path.join(root, "bin/agent"), "utf8")).toBe("agent");
  expect(existsSync(path.join(root, "etc/extra"))).toBe(false);
}

describe("a tree a removal or an import cut short left is never adopted", () => {
  for (const [what, damage] of [
    ["half deleted (a file gone)", (root: string) => rmSync(path.join(root, "etc/agent.conf"))],
    ["whole but with a file added", (root: string) => writeFileSync(path.join(root, "etc/extra"), "planted")],
    ["with a file replaced", (root: string) => writeFileSync(path.join(root, "etc/agent.conf"), "safe=0")],
    [
      "with a file swapped for a link out",
      (root: string) => (rmSync(path.join(root, "bin/agent")), symlinkSync("/etc/shadow", path.join(root, "bin/agent"))),
    ],
  ] as const) {
    it(`a re-import after a removal killed midway, tree ${what}: the tree is rebuilt`, async () => {
      const src = await layout();
      const a = await store.import(src, { names: ["app:1"] });
      const hex = a.digest.slice(7);
      await removalKilledAfterRecord(hex);
      damage(path.join(storeDir, "rootfs", hex));
      // The same process's store (no new open): the import itself refuses to adopt.
      const again = await store.import(src, { names: ["app:1"] });
      wholeAsImported((await store.resolve(again.digest))!.rootfsDir);
    });
  }

  it("a tree renamed into place by an import killed before its record resolves nothing and is rebuilt", async () => {
    const src = await layout();
    const a = await store.import(src);
    const hex = a.digest.slice(7);
    rmSync(path.join(storeDir, "records", `${hex}.json`));
    writeFileSync(path.join(storeDir, "rootfs", hex, "etc/extra"), "planted");
    expect(await store.resolve(a.digest)).toBeUndefined();
    const again = await new ImageStore(storeDir).import(src);
    wholeAsImported((await store.resolve(again.digest))!.rootfsDir);
  });

  it("the store's open sweeps what was cut short: unrecorded trees and disks, trees set aside, tmp/ work of gone processes", async () => {
    const a = await store.import(await layout(), { names: ["keep:1"] });
    const keptHex = a.digest.slice(7);
    const orphan = "f".repeat(64);
    mkdirSync(path.join(storeDir, "rootfs", orphan, "etc"), { recursive: true });
    writeFileSync(path.join(storeDir, "disks", `${orphan}.ext4`), "disk");
    mkdirSync(path.join(storeDir, "tmp", "removed-0123456789abcdef", "etc"), { recursive: true });
    mkdirSync(path.join(storeDir, "tmp", "import-999999999.1.0123456789abcdef-AbC123"), { recursive: true });
    const live = `import-${newHolderTarget()}-XyZ789`;
    mkdirSync(path.join(storeDir, "tmp", live));
    const reopened = new ImageStore(storeDir);
    await reopened.open();
    expect(readdirSync(path.join(storeDir, "rootfs"))).toEqual([keptHex]);
    expect(readdirSync(path.join(storeDir, "disks"))).toEqual([]);
    expect(readdirSync(path.join(storeDir, "tmp")), "a live process's import stays").toEqual([live]);
    expect((await reopened.resolve("keep:1"))?.record.digest).toBe(a.digest);
  });

  it("a removal leaves nothing at the image's place and nothing set aside", async () => {
    const a = await store.import(await layout(), { names: ["gone:1"] });
    expect(await store.remove("gone:1")).toBe(true);
    expect(readdirSync(path.join(storeDir, "rootfs"))).toEqual([]);
    expect(readdirSync(path.join(storeDir, "records"))).toEqual([]);
    expect(readdirSync(path.join(storeDir, "tmp"))).toEqual([]);
    expect(await store.resolve(a.digest)).toBeUndefined();
  });
});
