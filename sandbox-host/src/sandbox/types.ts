// The sandbox driver contract: what every isolation backend (bwrap, oci, gvisor, microvm) takes and returns.
import type { Readable } from "node:stream";
import { z } from "zod";
import type { IsolationLevel, SandboxDriverName } from "../../../schema/sandbox.js";

export const sandboxLimitsSchema = z.object({
  memoryBytes: z
    .number()
    .int()
    .min(8 * 1024 * 1024),
  /** Fraction of one core, e.g. 0.5 = half a core, 2 = two cores. */
  cpuQuota: z.number().positive().max(256),
  pids: z.number().int().min(4).max(65_536),
});

const noNul = (v: string) => !v.includes("\0");

export const sandboxSpecSchema = z.object({
  /** Unique per sandbox; used for cgroup and container names, so kept to a safe alphabet. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/),
  /** The agent the sandbox runs for: its host uid (ids.ts) is keyed by it. */
  agentId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
  command: z.array(z.string().refine(noNul, "no NUL bytes")).min(1),
  /**
   * The whole environment of the command, handed over inside the sandbox only: no process outside
   * (launcher, bwrap, runtime) ever has it, so nothing here can steer one.
   */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().refine(noNul, "no NUL bytes")),
  /**
   * Host directory bound read-write at /workspace; must exist and belong to this agent only. The
   * driver opens it without following a link, then gives it to the agent's host uid (mode 0700).
   */
  workspaceDir: z.string().startsWith("/"),
  limits: sandboxLimitsSchema,
  network: z.object({
    /** HTTP(S) proxy URL as seen from inside the sandbox; set as HTTP_PROXY/HTTPS_PROXY. */
    proxyUrl: z.string().url().refine(noNul).optional(),
    /**
     * Host path of this sandbox's proxy as a unix socket. The sandbox's network namespace has no
     * route out, so the socket is bound in and bridged to 127.0.0.1:3128 inside, and proxyUrl
     * defaults to that address. The driver makes it root:<the sandbox's own gid> 0660.
     */
    proxySocket: z.string().startsWith("/").optional(),
    /** Host path of the CA certificate the sandbox trusts, bound read-only at CA_CERT_INSIDE. */
    caCertFile: z.string().startsWith("/").optional(),
  }),
  timeoutMs: z.number().int().positive().optional(),
  /**
   * The image the sandbox runs (oci, gvisor, microvm): its unpacked root (read-only, prepared by the
   * image store), its environment (under the spec's own) and, for microvm, its root as a disk image.
   * Without it, container drivers show the host's own /usr read-only.
   */
  image: z
    .object({
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      rootfsDir: z.string().startsWith("/"),
      env: z.array(z.string().refine(noNul, "no NUL bytes")).max(1000),
      disk: z.string().startsWith("/").optional(),
    })
    .optional(),
});

export type SandboxLimits = z.infer<typeof sandboxLimitsSchema>;
export type SandboxSpec = z.infer<typeof sandboxSpecSchema>;

export interface SandboxExit {
  /** Exit code of the command, or null when it ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** True when the sandbox was killed because timeoutMs elapsed. */
  timedOut: boolean;
  /** True when the memory cgroup reported an OOM kill inside the sandbox. */
  oomKilled: boolean;
}

export interface SandboxHandle {
  readonly id: string;
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once the sandbox has ended and its cgroups and files are cleaned up. */
  wait(): Promise<SandboxExit>;
  /**
   * Ends the whole sandbox (every process in it), not just its first process. A signal other
   * than SIGKILL reaches the command's processes, and SIGKILL follows after graceMs (default 3 s).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): void;
}

export interface DriverAvailability {
  ok: boolean;
  reason?: string;
}

/** What a caller learns of a start before it resolves. */
export interface StartHooks {
  /**
   * A VM: its VMM process runs and the guest boots (seconds under TCG). `kill` ends it while it
   * boots; start() then rejects. Drivers that start in milliseconds do not call it.
   */
  launched?: (kill: () => void) => void;
}

export interface SandboxDriver {
  readonly name: SandboxDriverName;
  /** How strongly its sandboxes are separated from the host. */
  readonly isolation: IsolationLevel;
  /** Whether it runs images (spec.image); bwrap shows the host's /usr only. */
  readonly runsImages: boolean;
  /** microvm: how the guest's CPU runs, known once available() resolved. */
  readonly accelerator?: "kvm" | "tcg" | undefined;
  /** microvm: why KVM is not used (no /dev/kvm, not open to a sandbox's ids, a probe that hung), when it is not. */
  readonly kvmUnavailable?: string | undefined;
  available(): Promise<DriverAvailability>;
  /** Resolves once the command runs inside (a VM: once its guest booted and started it). */
  start(spec: SandboxSpec, hooks?: StartHooks): Promise<SandboxHandle>;
  /**
   * Ends whatever is left of sandbox `id` started by an earlier process of this host that died
   * before it ended (its processes, cgroups, container and files); nothing when there is nothing.
   */
  reap?(id: string): Promise<void>;
  /** Ends what the driver keeps ready between starts (bwrap's parked launchers); the daemon is stopping. */
  close?(): Promise<void>;
}

/** A sandbox that could not start; the message says why and carries no secret. */
export class SandboxStartError extends Error {
  override readonly name = "SandboxStartError";
}

/** Rethrows a failed host-id lease as the start error every driver reports. */
export function idsError(e: unknown): never {
  throw new SandboxStartError(`no host ids for the sandbox: ${e instanceof Error ? e.message : String(e)}`);
}

/** Waits for a probe sandbox (a `/bin/true` round trip) and returns its exit code with its stderr. */
export async function probeOutcome(h: SandboxHandle): Promise<{ exitCode: number | null; stderr: string }> {
  const err: Buffer[] = [];
  h.stderr.on("data", (b: Buffer) => err.push(b));
  h.stdout.resume();
  const exit = await h.wait();
  return { exitCode: exit.exitCode, stderr: Buffer.concat(err).toString().trim() };
}
