// Whether what a host says a sandbox runs on is what the edge asked for: one check for the start
// ack and every later status report, so a host's word never lowers a sandbox's isolation.
import { DRIVER_ISOLATION, type IsolationLevel, isolationRank, type SandboxRuntime } from "../../schema/sandbox.js";
import { INVALID_ACK, SandboxStartAck } from "../../schema/tunnel.js";

/** What the edge asked a host for: the level (policy included), the image's config digest, the limits it sent. */
export interface AskedRuntime {
  isolation: IsolationLevel;
  /** null: no image (bwrap's host-/usr mode, or oci/gvisor without one). */
  imageDigest: string | null;
  limits?: { memoryBytes?: number; cpuMillis?: number; pids?: number };
}

/** The isolation a reported runtime gives: its level, or its driver's when that is weaker (a host cannot relabel bwrap as vm). */
export function runtimeIsolation(runtime: SandboxRuntime): IsolationLevel {
  const driverLevel = DRIVER_ISOLATION[runtime.driver];
  return isolationRank(driverLevel) < isolationRank(runtime.isolation) ? driverLevel : runtime.isolation;
}

const LIMIT_KEYS = ["memoryBytes", "cpuMillis", "pids"] as const;

/**
 * Why a reported runtime is not what was asked (or, once the edge accepted one, not that one), or
 * undefined when it is. The one decision for the start ack and every later status report:
 * - against what was asked: a stronger level is accepted; a weaker one, another image (or an image
 *   where none was asked, or none where one was), or any limit asked that is not echoed as sent
 *   (left out included: a host that says nothing of a limit may apply none) is not;
 * - against the runtime accepted earlier (ack or first report): any field that differs (driver,
 *   level, image digest, accelerator, limits) is not, since the host lied in one of the two.
 */
export function runtimeMismatch(asked: AskedRuntime, reported: SandboxRuntime, accepted?: SandboxRuntime): string | undefined {
  const level = runtimeIsolation(reported);
  if (isolationRank(level) < isolationRank(asked.isolation)) return `the host ran the sandbox at isolation ${level}, below ${asked.isolation}`;
  if (asked.imageDigest !== (reported.imageDigest ?? null)) {
    if (!reported.imageDigest) return `the host did not say it runs image ${asked.imageDigest}`;
    if (!asked.imageDigest) return `the host ran image ${reported.imageDigest} where none was asked`;
    return `the host ran image ${reported.imageDigest}, not ${asked.imageDigest}`;
  }
  for (const key of LIMIT_KEYS) {
    const want = asked.limits?.[key];
    if (want !== undefined && reported.limits?.[key] !== want)
      return `the host applied ${key} ${reported.limits?.[key] ?? "(none)"}, not the ${want} asked`;
  }
  return accepted ? runtimeChange(accepted, reported) : undefined;
}

/** The first field in which a later report differs from the runtime the edge accepted, as a reason. */
function runtimeChange(accepted: SandboxRuntime, reported: SandboxRuntime): string | undefined {
  const fields: Array<[string, unknown, unknown]> = [
    ["driver", accepted.driver, reported.driver],
    ["isolation", accepted.isolation, reported.isolation],
    ["image", accepted.imageDigest, reported.imageDigest],
    ["accelerator", accepted.accelerator, reported.accelerator],
    ...LIMIT_KEYS.map((key): [string, unknown, unknown] => [key, accepted.limits?.[key], reported.limits?.[key]]),
  ];
  for (const [name, was, now] of fields)
    if (was !== now) return `the host reported ${name} ${now ?? "(none)"} after it was accepted with ${was ?? "(none)"}`;
  return undefined;
}

/** The code of the failed ack the edge makes up when a host never answered a start (unreachable, timed out). */
export const NO_ACK = "no_ack";

export type StartVerdict =
  | { started: true; runtime: SandboxRuntime }
  /** `refused`: the host said it started nothing; otherwise it may run something the edge cannot trust. */
  | { started: false; refused: boolean; reason: string; reported?: SandboxRuntime };

/**
 * What the edge makes of a host's answer to sandbox.start: started as asked, refused, or untrusted
 * (no answer, an invalid one, `ok` without saying what it runs on, or another runtime than asked).
 */
export function judgeStartAck(answer: unknown, asked: AskedRuntime): StartVerdict {
  const ack = SandboxStartAck.safeParse(answer);
  if (!ack.success)
    return {
      started: false,
      refused: false,
      reason: "the host acknowledged the start without saying what it runs the sandbox on (driver, isolation, image)",
    };
  if (!ack.data.ok) {
    const code = ack.data.error.code;
    return {
      started: false,
      refused: code !== INVALID_ACK && code !== NO_ACK,
      reason: ack.data.error.message || "the host refused to start the sandbox",
    };
  }
  const mismatch = runtimeMismatch(asked, ack.data.runtime);
  if (mismatch !== undefined) return { started: false, refused: false, reason: mismatch, reported: ack.data.runtime };
  return { started: true, runtime: ack.data.runtime };
}
