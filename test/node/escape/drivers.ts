// The drivers every escape test runs against: bwrap, the OCI driver with runc and with crun, and
// gVisor (runsc, the host's /usr shown read-only like the others, so every attack finds its tools).
// In CI (CI=true) a driver that is not available fails the suite; elsewhere its tests are skipped
// with the reason printed.
import { existsSync } from "node:fs";
import { it } from "vitest";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { GvisorDriver } from "../../../sandbox-host/src/sandbox/gvisor.js";
import type { HostIds } from "../../../sandbox-host/src/sandbox/ids.js";
import { OciDriver } from "../../../sandbox-host/src/sandbox/oci.js";
import type { SandboxDriver } from "../../../sandbox-host/src/sandbox/types.js";

export interface DriverVariant {
  /** "bwrap", "oci-runc", "oci-crun", "gvisor". */
  name: string;
  create(opts?: { ids?: HostIds }): SandboxDriver;
}

const firstExisting = (...paths: string[]) => paths.find((p) => existsSync(p)) ?? paths[0]!;

export const DRIVER_VARIANTS: DriverVariant[] = [
  { name: "bwrap", create: (o = {}) => new BwrapDriver({ ...o }) },
  { name: "oci-runc", create: (o = {}) => new OciDriver({ ...o, runtimePath: firstExisting("/usr/sbin/runc", "/usr/bin/runc") }) },
  { name: "oci-crun", create: (o = {}) => new OciDriver({ ...o, runtimePath: firstExisting("/usr/bin/crun", "/usr/sbin/crun") }) },
  { name: "gvisor", create: (o = {}) => new GvisorDriver({ ...o }) },
];

export const inCi = process.env.CI === "true";

/** Probes each variant once; the result says whether its tests run. */
export async function probeVariants(): Promise<{ variant: DriverVariant; ok: boolean; reason?: string }[]> {
  const out = [];
  for (const variant of DRIVER_VARIANTS) {
    const avail = await variant.create().available();
    if (!avail.ok && !inCi) console.warn(`escape tests for ${variant.name} skipped: ${avail.reason}`);
    out.push({ variant, ok: avail.ok, ...(avail.reason ? { reason: avail.reason } : {}) });
  }
  return out;
}

/** In CI an unavailable driver is a failing test, not a silent skip. */
export function requireInCi(name: string, ok: boolean, reason: string | undefined): void {
  if (inCi && !ok) {
    it(`${name} is available on this CI machine`, () => {
      throw new Error(`the ${name} sandbox driver is unavailable: ${reason ?? "unknown reason"}`);
    });
  }
}
