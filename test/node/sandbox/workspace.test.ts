// openWorkspace hands the workspace to the sandbox's uid: a shared host directory given as the
// workspace (by a CLI flag or a wrong mount) must be refused before its owner or mode changes.
import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openWorkspace } from "../../../sandbox-host/src/sandbox/host-paths.js";

const SANDBOX_UID = 1_000_123;
const made: string[] = [];
afterEach(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("openWorkspace", () => {
  it.each(["/", "/tmp", "/etc", os.tmpdir()])("refuses the shared host directory %s and leaves it as it was", async (dir) => {
    const before = await stat(dir);
    await expect(openWorkspace(dir, SANDBOX_UID)).rejects.toThrow(/shared host directory/);
    const after = await stat(dir);
    expect([after.uid, after.mode]).toEqual([before.uid, before.mode]);
  });

  it("refuses a world-writable or sticky directory of any depth", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ws-shared-"));
    made.push(dir);
    await chmod(dir, 0o777);
    await expect(openWorkspace(dir, SANDBOX_UID)).rejects.toThrow(/shared host directory/);
    await chmod(dir, 0o1755);
    await expect(openWorkspace(dir, SANDBOX_UID)).rejects.toThrow(/shared host directory/);
    expect((await stat(dir)).uid).toBe(0);
  });

  it("gives a directory of its own to the sandbox's uid, mode 0700", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "ws-own-"));
    made.push(dir);
    const fh = await openWorkspace(dir, SANDBOX_UID);
    await fh.close();
    const s = await stat(dir);
    expect([s.uid, s.mode & 0o7777]).toEqual([SANDBOX_UID, 0o700]);
  });
});
