// reapLeftoverSandboxes: what the daemon does at start with the sandbox dirs a killed run left.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxStatus } from "../../../schema/tunnel.js";
import { reapLeftoverSandboxes } from "../../../sandbox-host/src/daemon/manager.js";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import type { SandboxDriver } from "../../../sandbox-host/src/sandbox/types.js";

describe("reaping what a killed daemon left", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "palisade-reap-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("reaps each sandbox dir through every driver and reports it exited; a name that is no sandbox id is left alone", async () => {
    const sandboxes = path.join(dir, "ok");
    for (const d of ["sbx_a", "sbx_b", "not.an.id"]) await mkdir(path.join(sandboxes, d), { recursive: true });
    const statuses: SandboxStatus[] = [];
    const seen: string[] = [];
    const recording = (name: SandboxDriver["name"]): SandboxDriver => ({
      name,
      isolation: "container",
      runsImages: false,
      available: () => Promise.resolve({ ok: true }),
      start: () => Promise.reject(new Error("not used")),
      reap: (id) => {
        seen.push(`${name}:${id}`);
        return Promise.resolve();
      },
    });
    const reaped = await reapLeftoverSandboxes({
      sandboxesDir: sandboxes,
      drivers: [recording("bwrap"), recording("oci")],
      report: (s) => statuses.push(s),
    });
    expect(reaped.sort()).toEqual(["sbx_a", "sbx_b"]);
    expect(seen.sort()).toEqual(["bwrap:sbx_a", "bwrap:sbx_b", "oci:sbx_a", "oci:sbx_b"]);
    expect(statuses.map((s) => [s.sandboxId, s.state, s.state === "exited" ? s.reason : undefined]).sort()).toEqual([
      ["sbx_a", "exited", "host restarted"],
      ["sbx_b", "exited", "host restarted"],
    ]);
    expect(await readdir(sandboxes)).toEqual(["not.an.id"]);
  });

  it("keeps the dir and reports nothing for a sandbox it could not end (the next start tries again)", async () => {
    const sandboxes = path.join(dir, "failing");
    await mkdir(path.join(sandboxes, "sbx_stuck"), { recursive: true });
    const statuses: SandboxStatus[] = [];
    const logged: string[] = [];
    const failing: SandboxDriver = {
      name: "bwrap",
      isolation: "container",
      runsImages: false,
      available: () => Promise.resolve({ ok: true }),
      start: () => Promise.reject(new Error("not used")),
      reap: () => Promise.reject(new Error("cgroup busy")),
    };
    const reaped = await reapLeftoverSandboxes({
      sandboxesDir: sandboxes,
      drivers: [failing],
      report: (s) => statuses.push(s),
      log: (event) => logged.push(event),
    });
    expect(reaped).toEqual([]);
    expect(statuses).toEqual([]);
    expect(logged).toEqual(["sandbox.reap_failed"]);
    expect(await readdir(sandboxes)).toEqual(["sbx_stuck"]);
  });

  it("the bwrap driver's reap of a sandbox that left nothing is a no-op, and an id that is no path segment is refused", async () => {
    const bwrap = new BwrapDriver();
    await expect(bwrap.reap("sbx_never_ran")).resolves.toBeUndefined();
    await expect(bwrap.reap("../../x")).resolves.toBeUndefined();
  });
});
