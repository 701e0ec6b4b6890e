// The drivers every escape test runs against: bwrap, the OCI driver with runc and with crun, and
// gVisor (runsc, the host's /usr shown read-only like the others, so every attack finds its tools).
// In CI (CI=true) a driver that is not available fails the suite; elsewhere its tests are skipped
// with the reason printed.
import { existsSync } from "node:fs";
import { it } from "vitest";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { GvisorDriver } from "../../../sandbox-host/src/sandbox/gvisor.js";
import { MicrovmDriver } from "../../../sandbox-host/src/sandbox/microvm.js";
import type { HostIds } from "../../../sandbox-host/src/sandbox/ids.js";
import { OciDriver } from "../../../sandbox-host/src/sandbox/oci.js";
import { chmod, mkdtemp } from "node:fs/promises";
import path from "node:path";
import { ImageStore } from "../../../sandbox-host/src/images/store.js";
import type { SandboxDriver, SandboxSpec } from "../../../sandbox-host/src/sandbox/types.js";
import { hostToolsLayer, writeOciLayout } from "../../support/images.js";
import type { Attack } from "./attacks.js";

export interface DriverVariant {
  /** "bwrap", "oci-runc", "oci-crun", "gvisor". */
  name: string;
  create(opts?: { ids?: HostIds }): SandboxDriver;
  /** It runs images only: the attacks run in an image of the host's tools (perl, sh, coreutils). */
  needsImage?: boolean;
  /** The attacks it runs (all when absent). */
  attacks?: (a: Attack) => boolean;
}

/**
 * What a microvm runs (a guest boots in seconds under TCG, so CI runs a bounded set): every way out
 * of the guest (network, vsock, host paths, devices, other sandboxes, the daemon), the limits the
 * host enforces, and the VM's own checks. The seccomp program inside the guest is the one the other
 * drivers' runs test syscall by syscall.
 */
const VM_ATTACKS =
  /TCP to|UDP|AF_VSOCK|unix socket at a host path|DNS|every socket family|\/proc\/1\/root|device nodes|another agent's sandbox|daemon's credentials|setuid|disk fill|memory bomb|CPU time|a VM's devices/;

const firstExisting = (...paths: string[]) => paths.find((p) => existsSync(p)) ?? paths[0]!;

export const DRIVER_VARIANTS: DriverVariant[] = [
  { name: "bwrap", create: (o = {}) => new BwrapDriver({ ...o }) },
  { name: "oci-runc", create: (o = {}) => new OciDriver({ ...o, runtimePath: firstExisting("/usr/sbin/runc", "/usr/bin/runc") }) },
  { name: "oci-crun", create: (o = {}) => new OciDriver({ ...o, runtimePath: firstExisting("/usr/bin/crun", "/usr/sbin/crun") }) },
  { name: "gvisor", create: (o = {}) => new GvisorDriver({ ...o }) },
  { name: "microvm", create: (o = {}) => new MicrovmDriver({ ...o }), needsImage: true, attacks: (a) => VM_ATTACKS.test(a.name) },
];

/** The attacks a variant runs: its own selection, and only those meant for it. */
export function attacksOf(variant: DriverVariant, all: readonly Attack[]): Attack[] {
  return all.filter((a) => (a.only ? a.only.includes(variant.name) : true) && (variant.attacks ? variant.attacks(a) : true));
}

/** The host programs the attacks use, for drivers that run images only. */
export const ATTACK_TOOLS = [
  "/usr/bin/perl",
  "/bin/sh",
  "/usr/bin/su",
  ...["cat", "ls", "tr", "head", "tail", "wc", "test", "dd", "stat", "grep", "rm", "cut", "echo", "id", "unshare", "sleep", "true"].map(
    (t) => `/usr/bin/${t}`,
  ),
  ...["mkdir", "env", "mv", "ln", "sort", "uniq", "touch", "cp", "chmod"].map((t) => `/usr/bin/${t}`),
];

export const inCi = process.env.CI === "true";

/** What startTestHost needs to run a variant's commands: the tools image for drivers that run images only. */
export async function hostOptionsFor(variant: DriverVariant): Promise<{ imageLayer?: Buffer }> {
  return variant.needsImage ? { imageLayer: await hostToolsLayer(ATTACK_TOOLS, PERL_MODULE_DIRS) } : {};
}

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

/** Perl's own modules (Socket, IO::Socket, POSIX…), which perl-base keeps in one directory. */
export const PERL_MODULE_DIRS = [`/usr/lib/${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/perl-base`];

let toolsImage: Promise<NonNullable<SandboxSpec["image"]>> | undefined;

/** The tools image as a driver's spec wants it (unpacked root, environment, VM disk), built once per run. */
export function toolsImageSpec(): Promise<NonNullable<SandboxSpec["image"]>> {
  toolsImage ??= (async () => {
    const dir = await mkdtemp(path.join("/var/tmp", "palisade-escape-tools-"));
    await chmod(dir, 0o711);
    const layout = path.join(dir, "layout");
    await writeOciLayout(layout, [await hostToolsLayer(ATTACK_TOOLS, PERL_MODULE_DIRS)], {
      env: ["PATH=/usr/bin:/bin:/usr/sbin:/sbin", "PERL_BADLANG=0"],
    });
    const store = new ImageStore(path.join(dir, "images"));
    const record = await store.import(layout);
    const image = await store.resolve(record.digest);
    if (!image) throw new Error("the tools image did not import");
    return { digest: record.digest, rootfsDir: image.rootfsDir, env: record.env, disk: await store.vmDisk(image) };
  })();
  return toolsImage;
}
