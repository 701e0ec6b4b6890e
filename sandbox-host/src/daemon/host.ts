// `palisade host run`: the daemon. Tunnel to the edge, sandbox manager, status delivery across reconnects.
import path from "node:path";
import type { SandboxStatus } from "../../../schema/tunnel.js";
import { HostIds, type IdRange, rangeShapeProblem } from "../sandbox/ids.js";
import { createDriver, DRIVER_NAMES, type DriverName } from "../sandbox/index.js";
import type { SandboxDriver, SandboxLimits } from "../sandbox/types.js";
import { TunnelClient } from "../tunnel/client.js";
import { type DaemonLog, reapLeftoverSandboxes, SandboxManager } from "./manager.js";
import { ensureStateDir, prepareRuntime, readHostState } from "./state.js";
import { DEFAULT_WORKSPACE_QUOTA_BYTES, Workspaces } from "./workspaces.js";

export const DAEMON_VERSION = "palisade-host/0.1.0";
/** Sandbox id slots the daemon keeps claimed ahead, so a start never waits on the disk for them. */
const ID_PREFETCH = 4;
/** Undelivered statuses kept while the link is down; the oldest go first beyond this. */
const MAX_PENDING_STATUSES = 10_000;

/** Sends statuses in order; what cannot be sent now (link down) waits for the next connection. */
export class StatusOutbox {
  readonly #send: (s: SandboxStatus) => boolean;
  readonly #pending: SandboxStatus[] = [];

  constructor(send: (s: SandboxStatus) => boolean) {
    this.#send = send;
  }

  get pending(): number {
    return this.#pending.length;
  }

  push(status: SandboxStatus): void {
    // Order per sandbox matters (running before exited): nothing jumps a queue.
    if (this.#pending.length === 0 && this.#send(status)) return;
    this.#pending.push(status);
    if (this.#pending.length > MAX_PENDING_STATUSES) this.#pending.shift();
  }

  flush(): void {
    while (this.#pending.length > 0) {
      const next = this.#pending[0];
      if (!next || !this.#send(next)) return;
      this.#pending.shift();
    }
  }
}

export interface HostDaemonOptions {
  stateDir: string;
  driver?: DriverName;
  /** A ready driver instead of `driver` (tests, other drivers); it brings its own host ids. */
  driverInstance?: SandboxDriver;
  /** Host uids and gids for sandboxes (default DEFAULT_ID_RANGE); must hold no host account's id. */
  idRange?: IdRange;
  /** Disk quota of each new agent workspace (default 1 GiB). */
  workspaceQuotaBytes?: number;
  /** Most agent workspaces mounted at once (default 256); idle ones are unmounted to make room. */
  maxWorkspaces?: number;
  /** Limits a command may not exceed (default: the host's memory and cores, 65,536 pids). */
  maxLimits?: SandboxLimits;
  log?: DaemonLog;
  defaultIdleTimeoutMs?: number;
  heartbeatMs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
}

export interface HostDaemon {
  hostId: string;
  client: TunnelClient;
  manager: SandboxManager;
  outbox: StatusOutbox;
  /** Stops every sandbox, then the tunnel. */
  stop(): Promise<void>;
}

export class DaemonStartError extends Error {
  override readonly name = "DaemonStartError";
}

export async function startHostDaemon(opts: HostDaemonOptions): Promise<HostDaemon> {
  const log: DaemonLog =
    opts.log ?? ((event, fields) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`));
  // Before anything in it is read or written: the state dir must be root's alone to change.
  await ensureStateDir(opts.stateDir);
  const state = await readHostState(opts.stateDir);
  const rt = await prepareRuntime(opts.stateDir);
  const isRoot = process.getuid?.() === 0;
  const driverName = opts.driverInstance?.name ?? opts.driver ?? "bwrap";
  let driver = opts.driverInstance;
  let ids: HostIds | undefined;
  if (!driver) {
    const range = opts.idRange;
    const shape = range ? rangeShapeProblem(range) : undefined;
    if (shape) throw new DaemonStartError(shape);
    // Kept in the state dir, so a `palisade sandbox run` on this host never gets the same ids.
    ids = new HostIds({ ...(range ? { range } : {}), dir: path.join(opts.stateDir, "ids"), prefetch: ID_PREFETCH });
    // The range, given or the default, against the host's users, groups and subordinate ids.
    const idsReady = ids;
    await idsReady.verify().catch((e: unknown) => {
      throw new DaemonStartError(`sandbox host ids: ${e instanceof Error ? e.message : String(e)}`);
    });
    driver = createDriver(opts.driver ?? "bwrap", { bwrap: { ids }, oci: { ids, stateDir: rt.oci } });
  }
  // Every kind of driver reaps: the run that left sandboxes behind may have used another --driver.
  const driverOpts = { bwrap: {}, oci: { stateDir: rt.oci } };
  const reapers = [driver, ...(opts.driverInstance ? [] : DRIVER_NAMES.filter((n) => n !== driverName).map((n) => createDriver(n, driverOpts)))];
  let client: TunnelClient | undefined;
  const outbox = new StatusOutbox((s) => client?.sendStatus(s) ?? false);
  // What a previous run left (a daemon killed with its sandboxes running) ends before any id is
  // handed out again; the edge learns each one is over once the link is up.
  await reapLeftoverSandboxes({ sandboxesDir: rt.sandboxes, drivers: reapers, report: (s) => outbox.push(s), log });
  const avail = await driver.available();
  if (!avail.ok) throw new DaemonStartError(`the ${driverName} sandbox driver is unavailable: ${avail.reason ?? "unknown reason"}`);
  const workspaces = new Workspaces({
    dir: rt.workspaces,
    imagesDir: rt.workspaceImages,
    // Loop mounts need root; a daemon run as a user (development) keeps plain directories.
    quotaBytes: isRoot ? (opts.workspaceQuotaBytes ?? DEFAULT_WORKSPACE_QUOTA_BYTES) : null,
    ...(opts.maxWorkspaces === undefined ? {} : { maxMounted: opts.maxWorkspaces }),
  });
  const unusable = await workspaces.probe();
  if (unusable) throw new DaemonStartError(unusable);
  await workspaces.unmountLeftovers();
  const manager = new SandboxManager({
    edgeUrl: state.edgeUrl,
    driver,
    ca: rt.ca,
    caCertFile: rt.trustCert,
    workspaces,
    sandboxesDir: rt.sandboxes,
    report: (s) => outbox.push(s),
    log,
    ...(opts.maxLimits ? { maxLimits: opts.maxLimits } : {}),
    ...(opts.defaultIdleTimeoutMs === undefined ? {} : { defaultIdleTimeoutMs: opts.defaultIdleTimeoutMs }),
  });
  client = new TunnelClient({
    edgeUrl: state.edgeUrl,
    credential: state.credential,
    handler: manager,
    agent: DAEMON_VERSION,
    log,
    ...(opts.heartbeatMs === undefined ? {} : { heartbeatMs: opts.heartbeatMs }),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
  });
  const c = client;
  c.on("connected", () => {
    log("host.connected", { host: state.hostId, pending: outbox.pending });
    outbox.flush();
  });
  c.on("disconnected", (code: number) => log("host.disconnected", { code }));
  c.on("refused", (status: number) => log("host.refused", { status }));
  c.start();
  log("host.started", {
    host: state.hostId,
    pool: state.pool,
    driver: driverName,
    edge: new URL(state.edgeUrl).origin,
    workspaceQuotaBytes: workspaces.quotaBytes ?? "none",
  });
  let stopping: Promise<void> | undefined;
  return {
    hostId: state.hostId,
    client: c,
    manager,
    outbox,
    stop: () =>
      (stopping ??= (async () => {
        log("host.stopping", { sandboxes: manager.size });
        await manager.stopAll();
        await workspaces.unmountAll();
        await ids?.close();
        outbox.flush();
        await c.stop();
        log("host.stopped", {});
      })()),
  };
}
