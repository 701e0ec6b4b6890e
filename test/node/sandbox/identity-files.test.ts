// The synthetic /etc/passwd and /etc/group a driver binds into each sandbox: written once and left
// alone while unchanged, because replacing them unlinks the inode a runtime starting another
// sandbox has opened to bind (runc then fails with "no such file or directory").
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeIdentityFiles } from "../../../sandbox-host/src/sandbox/rootfs.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("identity files", () => {
  it("are written once and keep their inode while the content is the same, also when written concurrently", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-ident-"));
    dirs.push(dir);
    const first = await writeIdentityFiles(dir, 1000);
    const before = [(await stat(first.passwd)).ino, (await stat(first.group)).ino];
    await Promise.all(Array.from({ length: 8 }, () => writeIdentityFiles(dir, 1000)));
    expect([(await stat(first.passwd)).ino, (await stat(first.group)).ino]).toEqual(before);
    expect(await readFile(first.passwd, "utf8")).toMatch(/^agent:x:1000:1000:/);
  });

  it("are replaced in one step when the sandbox user changes", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-ident-"));
    dirs.push(dir);
    const { passwd } = await writeIdentityFiles(dir, 1000);
    await writeIdentityFiles(dir, 2000);
    expect(await readFile(passwd, "utf8")).toMatch(/^agent:x:2000:2000:/);
  });
});
