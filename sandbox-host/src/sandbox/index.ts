// The sandbox drivers by name, so the daemon and the CLI pick one from configuration.
import { BwrapDriver, type BwrapDriverOptions } from "./bwrap.js";
import { GvisorDriver, type GvisorDriverOptions } from "./gvisor.js";
import { MicrovmDriver, type MicrovmDriverOptions } from "./microvm.js";
import { OciDriver, type OciDriverOptions } from "./oci.js";
import type { SandboxDriver } from "./types.js";

export const DRIVER_NAMES = ["bwrap", "oci", "gvisor", "microvm"] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

export interface DriverOptions {
  bwrap?: BwrapDriverOptions;
  oci?: OciDriverOptions;
  gvisor?: GvisorDriverOptions;
  microvm?: MicrovmDriverOptions;
}

/** A new driver instance; `bwrap` is the default. Check `available()` before the first start. */
export function createDriver(name: DriverName = "bwrap", opts: DriverOptions = {}): SandboxDriver {
  switch (name) {
    case "bwrap":
      return new BwrapDriver(opts.bwrap);
    case "oci":
      return new OciDriver(opts.oci);
    case "gvisor":
      return new GvisorDriver(opts.gvisor);
    case "microvm":
      return new MicrovmDriver(opts.microvm);
  }
}

export { BwrapDriver, type BwrapDriverOptions } from "./bwrap.js";
export { OciDriver, ociConfig, type OciConfig, type OciDriverOptions } from "./oci.js";
export { DENIED_SYSCALLS, CLONE_NAMESPACE_FLAGS, seccompBpf, ociSeccomp } from "./seccomp.js";
export { detectCgroups, SandboxCgroup, type CgroupLayout } from "./cgroups.js";
export * from "./types.js";
