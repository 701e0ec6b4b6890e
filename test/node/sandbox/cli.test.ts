// `palisade sandbox run`: one command in a real sandbox, its output and exit code passed back.
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxRun } from "../../../sandbox-host/src/cli/sandbox-run.js";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { workspaces } from "./helpers.js";
import { missing } from "../../support/capabilities.js";

const availability = await new BwrapDriver().available();

let stateDir: string | undefined;

/** Runs `palisade sandbox run` with the host state (ids) in a directory of the test's own. */
async function cli(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await sandboxRun(args, { stdout, stderr, env: stateDir ? { PALISADE_HOST_STATE: stateDir } : {} });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe("palisade sandbox run: arguments", () => {
  it("refuses a bad size or a missing command with usage and exit code 2", async () => {
    expect(await cli(["--memory", "lots", "--", "true"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--memory/) });
    expect(await cli(["--memory", "64m"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/missing command/) });
    expect(await cli(["--no-such-flag", "--", "true"])).toMatchObject({ code: 2 });
  });
});

describe.skipIf(missing("bubblewrap", availability))("palisade sandbox run", { timeout: 30_000 }, () => {
  let ws: Awaited<ReturnType<typeof workspaces>>;
  beforeAll(async () => {
    ws = await workspaces();
    stateDir = await ws.make("state");
  });
  afterAll(() => ws.remove());

  it("runs the command in a sandbox and passes back its output and exit code", async () => {
    const dir = await ws.make("cli");
    const r = await cli([
      "--workspace",
      dir,
      "--memory",
      "64m",
      "--env",
      "GREETING=hi",
      "--",
      "/bin/sh",
      "-c",
      'echo "$GREETING $(id -u) $PWD"; exit 3',
    ]);
    expect(r).toMatchObject({ code: 3, stdout: "hi 1000 /workspace\n" });
  });

  it("reports a sandbox killed at its time limit", async () => {
    const r = await cli(["--timeout", "0.5", "--", "/bin/sleep", "30"]);
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(/time limit/);
  });

  it("deletes its temporary workspace as the agent's uid, with everything the agent wrote, and nothing a link in it points at", async () => {
    const tmp = await ws.make("tmp");
    await chmod(tmp, 0o1777);
    const victim = await ws.make("victim");
    await writeFile(path.join(victim, "keep"), "x");
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const r = await cli([
        "--",
        "/bin/sh",
        "-c",
        `mkdir -p a/b/c && echo x > a/b/c/f && chmod 700 a/b && ln -s ${victim} link && ln -s ${victim}/keep a/file-link`,
      ]);
      expect(r).toMatchObject({ code: 0 });
    } finally {
      process.env.TMPDIR = saved;
    }
    expect(await readdir(tmp)).toEqual([]);
    expect(await readFile(path.join(victim, "keep"), "utf8")).toBe("x");
  });

  it("reports a workspace that does not exist", async () => {
    const r = await cli(["--workspace", "/nonexistent/palisade", "--", "/bin/true"]);
    expect(r).toMatchObject({ code: 125, stderr: expect.stringMatching(/workspace/) });
  });
});
