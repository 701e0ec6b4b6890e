// Runs the edge's sandbox commands: per-sandbox dir and proxy, the driver, output tail, idle timeout, stop/kill, statuses.
import { mkdir, readdir, rm } from "node:fs/promises";
import os, { constants } from "node:os";
import path from "node:path";
import { commandProblem, SandboxStartCommand, type SandboxStatus } from "../../../schema/tunnel.js";
import type { HostCa } from "../proxy/ca.js";
import { proxyEnv, type SandboxProxy, startSandboxProxy } from "../proxy/proxy.js";
import { CA_CERT_INSIDE, PROXY_BRIDGE_PORT } from "../sandbox/rootfs.js";
import {
  type SandboxDriver,
  type SandboxExit,
  type SandboxHandle,
  type SandboxLimits,
  type SandboxSpec,
  SandboxStartError,
} from "../sandbox/types.js";
import { DRIVER_ISOLATION, type HostCapabilities, type SandboxRuntime } from "../../../schema/sandbox.js";
import { ImageError, type ImageStore } from "../images/store.js";
import type { CommandHandler } from "../tunnel/client.js";
import type { Workspaces } from "./workspaces.js";

/** How long an exit report waits for the command's output pipes to drain. */
const OUTPUT_DRAIN_MS = 2_000;

export type DaemonLog = (event: string, fields?: Record<string, string | number | boolean | undefined>) => void;

export const OUTPUT_TAIL_CHARS = 4096;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_STOP_GRACE_MS = 5_000;
export const DEFAULT_LIMITS: SandboxLimits = { memoryBytes: 512 * 1024 * 1024, cpuQuota: 1, pids: 256 };
/** The most one sandbox may ask of this host: its memory, its cores, and the drivers' pids ceiling. */
export const hostMaxLimits = (): SandboxLimits => ({ memoryBytes: os.totalmem(), cpuQuota: os.availableParallelism(), pids: 65_536 });

export interface SandboxManagerOptions {
  edgeUrl: string;
  /** The drivers this host runs (at least one); a command names an isolation level and maybe an image. */
  drivers: SandboxDriver[];
  /** Images imported on this host (oci, gvisor and microvm run them). */
  images?: ImageStore;
  ca: HostCa;
  /** Host path of the CA certificate the sandboxes trust; drivers bind it read-only at CA_CERT_INSIDE. */
  caCertFile: string;
  /** The agents' workspaces (mounted with their quota). */
  workspaces: Workspaces;
  sandboxesDir: string;
  /** Every status change, in order; the caller delivers it (and keeps it while the link is down). */
  report: (status: SandboxStatus) => void;
  log?: DaemonLog;
  defaultLimits?: SandboxLimits;
  /** Limits a command may not exceed (default: hostMaxLimits()). */
  maxLimits?: SandboxLimits;
  defaultIdleTimeoutMs?: number;
}

/** The sandbox id a per-sandbox dir is named after (schema/tunnel.ts's rule). */
const SANDBOX_DIR = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Ends the sandboxes an earlier run of the daemon left behind. A sandbox's dir under `sandboxesDir`
 * exists from before its driver starts it until it has ended, so one found when the daemon starts
 * belongs to a run that died with it still running (killed, crashed). Each is ended through every
 * driver in `drivers` (`reap`: its processes, cgroups, container; the earlier run may have used
 * another driver), its dir removed, and `exited` reported with the reason, so the edge stops counting
 * it. One that cannot be ended keeps its dir (the next start tries again) and is not reported; its
 * ids stay out of use while its processes hold them (sandbox/ids.ts). Returns the ids reaped.
 */
export async function reapLeftoverSandboxes(opts: {
  sandboxesDir: string;
  drivers: SandboxDriver[];
  report: (status: SandboxStatus) => void;
  log?: DaemonLog;
}): Promise<string[]> {
  const reaped: string[] = [];
  for (const id of (await readdir(opts.sandboxesDir).catch(() => [])).filter((id) => SANDBOX_DIR.test(id))) {
    try {
      for (const driver of opts.drivers) await driver.reap?.(id);
    } catch (e) {
      opts.log?.("sandbox.reap_failed", { sandbox: id, error: e instanceof Error ? e.message.slice(0, 200) : "error" });
      continue;
    }
    await rm(path.join(opts.sandboxesDir, id), { recursive: true, force: true });
    opts.log?.("sandbox.reaped", { sandbox: id });
    opts.report({ sandboxId: id, state: "exited", reason: "host restarted", at: Date.now() });
    reaped.push(id);
  }
  return reaped;
}

/** The LLM base URLs and keys an agent's SDKs need to go through the edge with its token. */
export function agentEnv(edgeUrl: string, agentToken: string): Record<string, string> {
  const edge = edgeUrl.replace(/\/+$/, "");
  return {
    OPENAI_BASE_URL: `${edge}/llm/openai/v1`,
    ANTHROPIC_BASE_URL: `${edge}/llm/anthropic`,
    OPENAI_API_KEY: agentToken,
    ANTHROPIC_API_KEY: agentToken,
    PALISADE_EDGE: edge,
  };
}

/** Keeps the last `max` characters of a stream of chunks (bytes decoded once at the end). */
export class OutputTail {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(maxChars = OUTPUT_TAIL_CHARS) {
    this.#max = maxChars;
  }

  push(b: Buffer): void {
    this.#chunks.push(b);
    this.#bytes += b.byteLength;
    // A UTF-8 character is at most 4 bytes: 4*max bytes always hold the last max characters.
    while (this.#chunks.length > 1 && this.#bytes - (this.#chunks[0]?.byteLength ?? 0) >= this.#max * 4) {
      this.#bytes -= this.#chunks.shift()?.byteLength ?? 0;
    }
  }

  text(): string {
    const s = Buffer.concat(this.#chunks).toString("utf8");
    return s.length > this.#max ? s.slice(s.length - this.#max) : s;
  }
}

interface Running {
  id: string;
  agentId: string;
  handle: SandboxHandle;
  proxy: SandboxProxy;
  dir: string;
  lastActivity: number;
  endReason?: string;
  idleTimer?: NodeJS.Timeout;
  ended: Promise<void>;
}

class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class SandboxManager implements CommandHandler {
  readonly #o: SandboxManagerOptions;
  readonly #log: DaemonLog;
  readonly #live = new Map<string, Running>();
  /** Ids being set up, so a second start of the same id is refused before it runs. */
  readonly #starting = new Set<string>();
  /** VMs whose guest is booting (acknowledged, not yet running): stop and kill end them. */
  readonly #booting = new Map<string, { kill: () => void; endReason?: string }>();
  /** Starts in progress, so a shutdown waits for them. */
  readonly #setups = new Set<Promise<SandboxRuntime>>();
  #closing = false;

  constructor(opts: SandboxManagerOptions) {
    this.#o = opts;
    this.#log = opts.log ?? (() => undefined);
  }

  get size(): number {
    return this.#live.size;
  }

  ids(): string[] {
    return [...this.#live.keys()];
  }

  #report(s: Omit<SandboxStatus, "at">): void {
    this.#o.report({ ...s, at: Date.now() });
  }

  /** What this host can run, as it advertises it to the edge. */
  async capabilities(): Promise<HostCapabilities> {
    const images = (await this.#o.images?.list().catch(() => [])) ?? [];
    return {
      drivers: this.#o.drivers.map((d) => ({
        name: d.name,
        isolation: d.isolation,
        images: d.runsImages,
        ...(d.accelerator ? { accelerator: d.accelerator } : {}),
      })),
      images: images
        .slice(0, 512)
        .map((i) => ({ digest: i.digest, ...(i.manifestDigest ? { manifestDigest: i.manifestDigest } : {}), names: i.names.slice(0, 32) })),
    };
  }

  /**
   * The driver for a command: the one it names, else one of its isolation level (container by
   * default) that can run its image (bwrap first for host-/usr sandboxes). Never a weaker level.
   */
  #driverFor(cmd: SandboxStartCommand): SandboxDriver {
    const isolation = cmd.isolation ?? (cmd.driver ? DRIVER_ISOLATION[cmd.driver] : "container");
    const fits = this.#o.drivers.filter(
      (d) => d.isolation === isolation && (cmd.image === undefined || d.runsImages) && (!cmd.driver || d.name === cmd.driver),
    );
    const pick = cmd.image === undefined ? (fits.find((d) => d.name === "bwrap") ?? fits[0]) : fits[0];
    if (!pick) {
      const offered = this.#o.drivers.map((d) => `${d.name} (${d.isolation})`).join(", ");
      const what = cmd.driver ? `driver ${cmd.driver}` : `isolation ${isolation}${cmd.image ? " with an image" : ""}`;
      throw new SandboxStartError(`this host cannot run ${what}; it runs ${offered}`);
    }
    if (isolation === "vm" && cmd.image === undefined) throw new SandboxStartError("a vm sandbox runs an image: name one with image");
    return pick;
  }

  async start(input: SandboxStartCommand): Promise<SandboxRuntime> {
    // The edge is untrusted input too: the command is checked again here, whoever passed it on.
    const parsed = SandboxStartCommand.safeParse(input);
    if (!parsed.success) throw new CommandError("bad_command", commandProblem(parsed.error.issues));
    const cmd = parsed.data;
    const id = cmd.sandboxId;
    if (this.#live.has(id) || this.#starting.has(id)) throw new CommandError("sandbox_exists", "a sandbox with this id is already running");
    if (this.#closing) throw new CommandError("host_stopping", "this host is shutting down");
    this.#starting.add(id);
    const startedAt = Date.now();
    this.#report({ sandboxId: id, state: "starting" });
    this.#log("sandbox.starting", { sandbox: id, agent: cmd.agentId });
    let ackAtLaunch: ((runtime: SandboxRuntime) => void) | undefined;
    const launched = new Promise<SandboxRuntime>((resolve) => {
      ackAtLaunch = resolve;
    });
    const started = this.#setUp(cmd, startedAt, (runtime) => ackAtLaunch?.(runtime));
    this.#setups.add(started);
    void started.catch(() => undefined).finally(() => this.#setups.delete(started));
    // A VM is acknowledged once its VMM runs: its guest boots after (seconds under TCG) and `running`
    // follows. Other drivers are acknowledged once the command runs. A failure after the ack is
    // reported as a `failed` status.
    return Promise.race([started, launched]);
  }

  /** Sets the sandbox up and starts it; `onLaunched` hears of a VM whose guest is booting. */
  async #setUp(cmd: SandboxStartCommand, startedAt: number, onLaunched: (runtime: SandboxRuntime) => void): Promise<SandboxRuntime> {
    const id = cmd.sandboxId;
    let proxy: SandboxProxy | undefined;
    let workspaceHeld = false;
    const dir = path.join(this.#o.sandboxesDir, id);
    try {
      const driver = this.#driverFor(cmd);
      let image: SandboxSpec["image"];
      if (cmd.image !== undefined) {
        const resolved = await this.#o.images?.resolve(cmd.image);
        if (!resolved) throw new SandboxStartError(`image ${cmd.image} is not imported on this host (palisade host image import)`);
        const disk = driver.isolation === "vm" ? await this.#o.images?.vmDisk(resolved) : undefined;
        image = { digest: resolved.record.digest, rootfsDir: resolved.rootfsDir, env: resolved.record.env, ...(disk ? { disk } : {}) };
      }
      const limits = this.#limits(cmd.limits);
      const runtime: SandboxRuntime = {
        driver: driver.name,
        isolation: driver.isolation,
        ...(image ? { imageDigest: image.digest } : {}),
        ...(driver.accelerator ? { accelerator: driver.accelerator } : {}),
        // Echoed so the edge can check them against what it sent.
        limits: { memoryBytes: limits.memoryBytes, cpuMillis: Math.round(limits.cpuQuota * 1000), pids: limits.pids },
      };
      const workspace = await this.#o.workspaces.prepare(cmd.agentId);
      workspaceHeld = true;
      // Root's, traversable so bwrap can bind the socket; the driver gives the socket itself to the sandbox's own gid.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { mode: 0o711 });
      const socketPath = path.join(dir, "proxy.sock");
      let touch = () => undefined as undefined;
      proxy = await startSandboxProxy({
        edgeUrl: this.#o.edgeUrl,
        agentToken: cmd.agentToken,
        ca: this.#o.ca,
        listen: { socketPath },
        log: (event, fields) => this.#log(event, { sandbox: id, ...fields }),
        onRequest: () => touch(),
      });
      const command = cmd.cwd ? ["/bin/sh", "-c", 'cd -- "$0" && exec "$@"', cmd.cwd, ...cmd.command] : cmd.command;
      const handle = await driver.start(
        {
          id,
          agentId: cmd.agentId,
          command,
          env: {
            ...agentEnv(this.#o.edgeUrl, cmd.agentToken),
            ...cmd.env,
            ...proxyEnv(`http://127.0.0.1:${PROXY_BRIDGE_PORT}`, CA_CERT_INSIDE),
          },
          workspaceDir: workspace,
          limits,
          network: { proxySocket: socketPath, caCertFile: this.#o.caCertFile },
          ...(image ? { image } : {}),
        },
        {
          launched: (kill) => {
            this.#booting.set(id, { kill });
            onLaunched(runtime);
          },
        },
      );
      this.#booting.delete(id);
      const tail = new OutputTail();
      const run: Running = {
        id,
        agentId: cmd.agentId,
        handle,
        proxy,
        dir,
        lastActivity: Date.now(),
        ended: Promise.resolve(),
      };
      touch = () => {
        run.lastActivity = Date.now();
      };
      const onData = (b: Buffer) => {
        run.lastActivity = Date.now();
        tail.push(b);
      };
      handle.stdout.on("data", onData);
      handle.stderr.on("data", onData);
      // The process may exit before its pipes are drained; the report waits for both (bounded).
      const drained = Promise.all(
        [handle.stdout, handle.stderr].map(
          (s) =>
            new Promise<void>((resolve) => {
              if (s.readableEnded || s.destroyed) return resolve();
              s.once("end", resolve);
              s.once("close", resolve);
              s.once("error", () => resolve());
            }),
        ),
      );
      const idleMs = cmd.idleTimeoutMs ?? this.#o.defaultIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      run.idleTimer = setInterval(
        () => {
          if (Date.now() - run.lastActivity < idleMs || run.endReason) return;
          this.#log("sandbox.idle_timeout", { sandbox: id, idleMs });
          this.#terminate(run, "idle timeout", DEFAULT_STOP_GRACE_MS);
        },
        Math.max(100, Math.min(Math.floor(idleMs / 4), 10_000)),
      );
      run.idleTimer.unref();
      const outputDrained = () => Promise.race([drained, new Promise<void>((r) => setTimeout(r, OUTPUT_DRAIN_MS).unref())]);
      run.ended = handle.wait().then(
        async (exit) => {
          await outputDrained();
          return this.#ended(run, exit, tail, startedAt);
        },
        async (e: unknown) => {
          await outputDrained();
          return this.#ended(run, null, tail, startedAt, e);
        },
      );
      this.#live.set(id, run);
      this.#starting.delete(id);
      this.#report({ sandboxId: id, state: "running", runtime });
      this.#log("sandbox.running", {
        sandbox: id,
        pid: handle.pid,
        driver: runtime.driver,
        image: runtime.imageDigest,
        accelerator: runtime.accelerator,
      });
      return runtime;
    } catch (e) {
      this.#starting.delete(id);
      const booting = this.#booting.get(id);
      this.#booting.delete(id);
      await proxy?.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (workspaceHeld) this.#o.workspaces.release(cmd.agentId);
      // Driver errors say why without secrets; anything else is reported generically.
      if (booting?.endReason) {
        // Stopped or killed while its VM booted: it ended as asked.
        this.#report({
          sandboxId: id,
          state: "exited",
          exitCode: 128 + constants.signals.SIGKILL,
          reason: booting.endReason,
          durationMs: Date.now() - startedAt,
        });
        this.#log("sandbox.exited", { sandbox: id, reason: booting.endReason });
        throw new CommandError("start_failed", `ended while booting (${booting.endReason})`);
      }
      const reason = (
        e instanceof SandboxStartError || e instanceof ImageError ? e.message : `sandbox setup failed (${e instanceof Error ? e.name : "error"})`
      ).slice(0, 512);
      this.#report({ sandboxId: id, state: "failed", reason, durationMs: Date.now() - startedAt });
      this.#log("sandbox.failed", { sandbox: id, reason });
      throw new CommandError("start_failed", reason);
    }
  }

  /** The command's limits over the host's defaults; more than the host allows is refused, not cut down. */
  #limits(l: SandboxStartCommand["limits"] = {}): SandboxLimits {
    const d = this.#o.defaultLimits ?? DEFAULT_LIMITS;
    const max = this.#o.maxLimits ?? hostMaxLimits();
    const limits = {
      memoryBytes: l.memoryBytes ?? d.memoryBytes,
      cpuQuota: l.cpuMillis === undefined ? d.cpuQuota : l.cpuMillis / 1000,
      pids: l.pids ?? d.pids,
    };
    if (limits.memoryBytes > max.memoryBytes) throw new SandboxStartError(`memory limit above this host's maximum (${max.memoryBytes} bytes)`);
    if (limits.cpuQuota > max.cpuQuota) throw new SandboxStartError(`cpu limit above this host's maximum (${max.cpuQuota * 1000} millis)`);
    if (limits.pids > max.pids) throw new SandboxStartError(`pids limit above this host's maximum (${max.pids})`);
    return limits;
  }

  async #ended(run: Running, exit: SandboxExit | null, tail: OutputTail, startedAt: number, err?: unknown): Promise<void> {
    clearInterval(run.idleTimer);
    this.#live.delete(run.id);
    await run.proxy.close().catch(() => undefined);
    await rm(run.dir, { recursive: true, force: true }).catch(() => undefined);
    this.#o.workspaces.release(run.agentId);
    const durationMs = Math.max(0, Math.round(exit?.durationMs ?? Date.now() - startedAt));
    const output = tail.text();
    if (!exit) {
      this.#report({
        sandboxId: run.id,
        state: "failed",
        reason: `sandbox cleanup failed (${err instanceof Error ? err.name : "error"})`,
        durationMs,
        output,
      });
      return;
    }
    const exitCode = exit.exitCode ?? 128 + (exit.signal ? constants.signals[exit.signal] : 9);
    const reason =
      run.endReason ?? (exit.oomKilled ? "memory limit" : exit.timedOut ? "time limit" : exit.signal ? `ended by ${exit.signal}` : undefined);
    this.#report({ sandboxId: run.id, state: "exited", exitCode, durationMs, output, ...(reason ? { reason } : {}) });
    this.#log("sandbox.exited", { sandbox: run.id, exitCode, durationMs, ...(reason ? { reason } : {}) });
  }

  #terminate(run: Running, reason: string, graceMs: number): void {
    run.endReason ??= reason;
    if (graceMs <= 0) return run.handle.kill("SIGKILL");
    run.handle.kill("SIGTERM", graceMs);
  }

  #get(id: string): Running {
    const run = this.#live.get(id);
    if (!run) throw new CommandError("unknown_sandbox", "no such sandbox on this host");
    return run;
  }

  /** Ends a VM that is still booting (no command to signal yet); false when `sandboxId` is not one. */
  #endBooting(sandboxId: string, reason: string): boolean {
    const booting = this.#booting.get(sandboxId);
    if (!booting) return false;
    booting.endReason ??= reason;
    this.#log("sandbox.kill", { sandbox: sandboxId, reason });
    booting.kill();
    return true;
  }

  /** SIGTERM to every process of the sandbox, SIGKILL after graceMs; resolves once the signal is sent. */
  async stop(sandboxId: string, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    if (this.#endBooting(sandboxId, "stopped")) return;
    const run = this.#get(sandboxId);
    this.#log("sandbox.stop", { sandbox: sandboxId, graceMs });
    this.#terminate(run, "stopped", graceMs);
  }

  async kill(sandboxId: string): Promise<void> {
    if (this.#endBooting(sandboxId, "killed")) return;
    const run = this.#get(sandboxId);
    this.#log("sandbox.kill", { sandbox: sandboxId });
    this.#terminate(run, "killed", 0);
  }

  /** Resolves once the sandbox has ended and its exit status was reported. */
  async waitFor(sandboxId: string): Promise<void> {
    await this.#live.get(sandboxId)?.ended;
  }

  /** Stops every sandbox (host shutdown) and waits for all of them to end. */
  async stopAll(graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    this.#closing = true;
    for (const id of [...this.#booting.keys()]) this.#endBooting(id, "host stopping");
    await Promise.allSettled([...this.#setups]);
    const runs = [...this.#live.values()];
    for (const run of runs) this.#terminate(run, "host stopping", graceMs);
    await Promise.all(runs.map((r) => r.ended));
  }
}
