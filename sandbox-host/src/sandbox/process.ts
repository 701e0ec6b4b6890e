// Turns a launched sandbox process into a SandboxHandle: exit, timeout, kill and cleanup in one place.
import { type ChildProcess, spawn } from "node:child_process";
import type { Writable } from "node:stream";
import type { SandboxCgroup } from "./cgroups.js";
import { SandboxStartError, type SandboxExit, type SandboxHandle } from "./types.js";

export interface LaunchOptions {
  id: string;
  file: string;
  args: string[];
  /** The launcher's whole environment; nothing of the daemon's environment is passed on. */
  env: Record<string, string>;
  /** Extra file descriptors from fd 3 on: an open fd to pass, or a pipe that receives `data`. */
  extraFds?: (number | { data: Buffer })[];
  cgroup?: SandboxCgroup;
  timeoutMs?: number;
  /** Ends the sandbox's processes when kill() on the launcher alone would not (e.g. `crun kill`). */
  killAll?: (signal: NodeJS.Signals) => void;
  /** Runs after the sandbox has ended, before wait() resolves. */
  cleanup?: () => Promise<void>;
  /**
   * Process names (comm) a soft signal (not SIGKILL) must spare, e.g. bwrap: it is the pid
   * namespace's init, and its death would SIGKILL the command before it could react.
   */
  spareOnSoftSignal?: string[];
  /** OOM verdict when the runtime, not `cgroup`, owns the cgroup; asked before cleanup. */
  oomKilled?: () => Promise<boolean>;
  /** A soft signal goes through killAll only (its processes are the runtime's, e.g. gVisor's Sentry). */
  softSignalsThroughKillAll?: boolean;
  /**
   * The launcher becomes the sandbox itself (the microvm's VMM), not a runtime's CLI that may not
   * have made it yet: SIGKILL ends it at once, with or without a cgroup.
   */
  launcherIsSandbox?: boolean;
  /** Pipe the child's stdin (the microvm's channel) instead of /dev/null. */
  stdin?: "pipe";
}

/** A launched sandbox, with the launcher's stdin when it was asked for. */
export type LaunchedSandbox = SandboxHandle & { stdin: Writable | null };

const KILL_GRACE_MS = 3_000;

export async function launch(opts: LaunchOptions): Promise<LaunchedSandbox> {
  return attach(await spawnLauncher(opts), opts);
}

/**
 * Starts the launcher with pipes for every extra descriptor but writes nothing to them yet, so a
 * process can be started ahead of its sandbox (see `attach`).
 */
export async function spawnLauncher(opts: Pick<LaunchOptions, "file" | "args" | "env" | "extraFds" | "stdin">): Promise<ChildProcess> {
  const child = spawn(opts.file, opts.args, {
    env: opts.env,
    stdio: [opts.stdin ?? "ignore", "pipe", "pipe", ...(opts.extraFds ?? []).map((f) => (typeof f === "number" ? f : "pipe"))],
    cwd: "/",
  });
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (err) => reject(new SandboxStartError(`sandbox launcher could not start: ${err.message}`)));
  });
  // A failed kill() is reported as an 'error' event; the sandbox's end is observed through 'exit'.
  child.on("error", () => undefined);
  return child;
}

/** Feeds the extra descriptors' data to a launcher from spawnLauncher and makes it a SandboxHandle. */
export function attach(child: ChildProcess, opts: LaunchOptions): LaunchedSandbox {
  (opts.extraFds ?? []).forEach((f, i) => {
    if (typeof f === "number") return;
    const pipe = child.stdio[3 + i];
    // The launcher may exit before reading (e.g. a failed cgroup join); that error is its exit code's business.
    if (pipe && "end" in pipe) {
      pipe.on("error", () => undefined);
      pipe.end(f.data);
    }
  });
  // An exit before this point would go unseen by the listeners below.
  if (child.exitCode !== null || child.signalCode !== null) throw new SandboxStartError("sandbox launcher ended before its sandbox started");
  const { pid, stdout, stderr } = child;
  if (pid === undefined || !stdout || !stderr) throw new SandboxStartError("sandbox launcher has no pid or pipes");
  const startedAt = performance.now();
  let timedOut = false;
  const alive = () => child.exitCode === null && child.signalCode === null;
  // The signal goes to every process of the sandbox, so the command itself can end gracefully
  // on SIGTERM; anything still running a few seconds later is killed outright.
  const spare = opts.spareOnSoftSignal && opts.cgroup ? new Set(opts.spareOnSoftSignal) : undefined;
  const kill = (signal: NodeJS.Signals = "SIGKILL", graceMs = KILL_GRACE_MS) => {
    if (!alive()) return;
    const soft = signal !== "SIGKILL";
    if (soft && opts.softSignalsThroughKillAll && opts.killAll) {
      opts.killAll(signal);
      setTimeout(() => {
        if (alive()) kill("SIGKILL");
      }, graceMs).unref();
      return;
    }
    if (opts.killAll) opts.killAll(signal);
    // SIGKILL also goes to the launcher itself when it runs in the sandbox's own cgroup (bwrap,
    // gVisor, the microvm's VMM): it may not have joined that cgroup yet, and then signalAll misses it.
    if (opts.killAll ? !soft && (opts.cgroup || opts.launcherIsSandbox) : !(soft && spare)) child.kill(signal);
    void opts.cgroup?.signalAll(signal, soft ? spare : undefined).then(
      (n) => {
        // Only the machinery is there (the command has not started yet): nothing can end gracefully.
        if (soft && spare && n === 0) kill("SIGKILL");
      },
      () => undefined,
    );
    if (soft) {
      setTimeout(() => {
        if (alive()) kill("SIGKILL");
      }, graceMs).unref();
    } else if (opts.killAll) {
      // The runtime may not have created the container yet; then its own process is the one to end.
      setTimeout(() => alive() && child.kill("SIGKILL"), KILL_GRACE_MS).unref();
    }
  };
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          kill("SIGKILL");
        }, opts.timeoutMs);

  // On the launcher's exit the sandbox is over: whatever is left in its cgroup is killed at once,
  // so a leftover process holding stdout open cannot keep the streams (and wait()) from ending.
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exited = new Promise<SandboxExit>((resolve, reject) => {
    child.once("exit", (code, signal) => {
      const durationMs = performance.now() - startedAt;
      if (timer) clearTimeout(timer);
      const finish = async (): Promise<SandboxExit> => {
        const oomKilled = (await opts.cgroup?.oomKilled()) || ((await opts.oomKilled?.()) ?? false);
        await opts.cgroup?.destroy();
        await opts.cleanup?.();
        await closed;
        return { exitCode: code, signal, durationMs, timedOut, oomKilled };
      };
      finish().then(resolve, reject);
    });
  });
  // wait() may be called late or never; an unobserved rejection must not crash the daemon.
  exited.catch(() => undefined);
  return {
    id: opts.id,
    pid,
    stdout,
    stderr,
    stdin: child.stdin,
    wait: () => exited,
    kill,
  };
}
