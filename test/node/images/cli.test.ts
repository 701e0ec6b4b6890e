// `palisade host image import|list|remove`: the store in the host's state dir, a docker save archive
// and an OCI layout imported by path, and a bad archive refused with the reason and nothing kept.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";
import { dockerSaveArchive, tarOf, writeOciLayout } from "../../support/images.js";

let base: string;
let stateDir: string;

async function cli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, env: {} });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "palisade-image-cli-"));
  stateDir = path.join(base, "state");
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe("palisade host image", () => {
  it("imports a docker save archive and an OCI layout under names, lists and removes them", async () => {
    const layer = await tarOf([{ name: "etc/os-release", data: 'NAME="cli-test"\n' }]);
    const saved = await dockerSaveArchive([layer], { tag: "saved:1" });
    const archive = path.join(base, "saved.tar");
    await writeFile(archive, saved.archive);
    const imported = await cli(["host", "image", "import", archive, "--name", "agent:1", "--state-dir", stateDir]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ digest: saved.digest, names: expect.arrayContaining(["agent:1"]) });

    const layout = path.join(base, "layout");
    const built = await writeOciLayout(layout, [await tarOf([{ name: "hello", data: "hi\n" }])], { name: "layout:2" });
    const second = await cli(["host", "image", "import", layout, "--state-dir", stateDir]);
    expect(second.code, second.stderr).toBe(0);

    const list = await cli(["host", "image", "list", "--state-dir", stateDir]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(saved.digest);
    expect(list.stdout).toContain(built.digest);
    expect(list.stdout).toContain("agent:1");

    expect((await cli(["host", "image", "remove", "agent:1", "--state-dir", stateDir])).code).toBe(0);
    expect((await cli(["host", "image", "list", "--state-dir", stateDir])).stdout).not.toContain(saved.digest);
    expect((await cli(["host", "image", "remove", "agent:1", "--state-dir", stateDir])).code).toBe(1);
  });

  it("refuses an archive whose layer climbs out of the root, saying why, and keeps nothing of it", async () => {
    const layer = await tarOf([{ name: "../../outside", data: "x" }]);
    const saved = await dockerSaveArchive([layer]);
    const archive = path.join(base, "climb.tar");
    await writeFile(archive, saved.archive);
    const before = (await readdir(path.join(stateDir, "images", "rootfs")).catch(() => [])).length;
    const r = await cli(["host", "image", "import", archive, "--state-dir", stateDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/image refused: .*\.\./);
    expect((await readdir(path.join(stateDir, "images", "rootfs")).catch(() => [])).length).toBe(before);
    expect(await readdir(path.dirname(base))).not.toContain("outside");
  });

  it("moves a name another image holds only with --replace, saying so on stderr and in the store's events.log", async () => {
    const first = path.join(base, "first");
    const second = path.join(base, "second");
    const one = await writeOciLayout(first, [await tarOf([{ name: "v", data: "1" }])]);
    const two = await writeOciLayout(second, [await tarOf([{ name: "v", data: "2" }])]);
    expect((await cli(["host", "image", "import", first, "--name", "Team/Agent", "--state-dir", stateDir])).code).toBe(0);
    const refused = await cli(["host", "image", "import", second, "--name", "team/agent:latest", "--state-dir", stateDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/image refused: the name team\/agent:latest already names image .*--replace/);
    const moved = await cli(["host", "image", "import", second, "--name", "team/agent", "--replace", "--state-dir", stateDir]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout).names).toEqual(["team/agent:latest"]);
    expect(JSON.parse(moved.stderr)).toEqual({ event: "image.name_moved", name: "team/agent:latest", from: one.digest, to: two.digest });
    const log = await readFile(path.join(stateDir, "images", "events.log"), "utf8");
    expect(log).toContain('"event":"image.name_moved"');
  });

  it("refuses a bad name, a missing path and an unknown subcommand with usage errors", async () => {
    expect((await cli(["host", "image", "import", path.join(base, "nope.tar"), "--state-dir", stateDir])).stderr).toMatch(/does not exist/);
    expect((await cli(["host", "image", "import", base, "--name", "../x", "--state-dir", stateDir])).code).toBe(2);
    expect((await cli(["host", "image", "import", base, "--name", `a${"/".repeat(254)}`, "--state-dir", stateDir])).code).toBe(2);
    expect((await cli(["host", "image", "frobnicate", "x"])).code).toBe(2);
  });
});
