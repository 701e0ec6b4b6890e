// Who may open /dev/kvm: the microvm's VMM keeps /dev/kvm's group (and only it) where that group may
// use the device, never root's group, and no group at all for a device open to everyone; the root
// launcher hands exactly those groups to the process it starts.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { launcherArgs, PERL } from "../../../sandbox-host/src/sandbox/launcher.js";
import { kvmAccess } from "../../../sandbox-host/src/sandbox/microvm.js";
import { missing } from "../../support/capabilities.js";

describe("kvmAccess", () => {
  it("a device open to everyone needs no group", async () => {
    expect(await kvmAccess("/dev/null")).toEqual({ groups: [] });
  });

  it("a missing device or a plain file is not KVM, and says so", async () => {
    expect(await kvmAccess("/nonexistent/kvm")).toEqual({ unusable: "no /nonexistent/kvm" });
    const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-kvm-"));
    try {
      await writeFile(path.join(dir, "kvm"), "", { mode: 0o666 });
      expect(await kvmAccess(path.join(dir, "kvm"))).toMatchObject({ unusable: expect.stringMatching(/not a character device/) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("this host's /dev/kvm gets a verdict, never root's group", async () => {
    const verdict = await kvmAccess();
    if ("groups" in verdict) expect(verdict.groups).not.toContain(0);
    else expect(verdict.unusable).toMatch(/dev\/kvm/);
  });
});

const isRoot = process.getuid?.() === 0;
describe.skipIf(missing("the root launcher", { ok: isRoot, reason: "needs root" }))("the launcher's supplementary groups", () => {
  const idOf = (groups?: number[]) =>
    execFileSync(
      PERL,
      launcherArgs({
        keepFds: 2,
        cgroupProcs: [],
        ids: { uid: 1_234_567, gid: 1_234_568 },
        ...(groups ? { groups } : {}),
        argv: ["/usr/bin/id", "-G"],
      }),
      {
        env: {},
      },
    )
      .toString()
      .trim();

  it("drops every group but the sandbox's by default", () => {
    expect(idOf()).toBe("1234568");
  });

  it("keeps exactly the groups given (the VMM's /dev/kvm group), and refuses to hand out root's", () => {
    expect(idOf([4242])).toBe("1234568 4242");
    expect(idOf([0])).toBe("1234568");
  });
});
