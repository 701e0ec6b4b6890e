// `palisade host run`: the daemon. Tunnel to the edge, sandbox manager, status delivery across reconnects.
import { watch } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ImageStore } from "../images/store.js";
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
  /** Drivers to run: each must be available. Default: every driver that is available here (bwrap at least). */
  drivers?: DriverName[];
  /** One driver (the `--driver` flag); same as `drivers: [driver]`. */
  driver?: DriverName;
  /** Ready drivers instead (tests); they bring their own host ids. */
  driverInstances?: SandboxDriver[];
  /** One ready driver (tests). */
  driverInstance?: SandboxDriver;
  /** Host-wide assets (guest helper, guest kernel); default defaultAssetsDir(). */
  assetsDir?: string;
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
  let drivers = opts.driverInstances ?? (opts.driverInstance ? [opts.driverInstance] : undefined);
  let ids: HostIds | undefined;
  const images = new ImageStore(rt.images);
  const assets = opts.assetsDir ? { assetsDir: opts.assetsDir } : {};
  /** Drivers to probe, when the daemon makes its own; `names` when they were asked for by name. */
  let candidates: SandboxDriver[] = [];
  const names = opts.drivers ?? (opts.driver ? [opts.driver] : undefined);
  if (!drivers) {
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
    const driverOpts = {
      bwrap: { ids },
      oci: { ids, stateDir: rt.oci, ...assets },
      gvisor: { ids, stateDir: rt.gvisor, ...assets },
      microvm: { ids, ...assets },
    };
    candidates = (names ?? [...DRIVER_NAMES]).map((n) => createDriver(n, driverOpts));
  }
  // Every kind of driver reaps: the run that left sandboxes behind may have used other drivers.
  const reapOpts = { bwrap: {}, oci: { stateDir: rt.oci, ...assets }, gvisor: { stateDir: rt.gvisor, ...assets }, microvm: assets };
  const reapers = drivers ?? [
    ...candidates,
    ...DRIVER_NAMES.filter((n) => !candidates.some((d) => d.name === n)).map((n) => createDriver(n, reapOpts)),
  ];
  let client: TunnelClient | undefined;
  const outbox = new StatusOutbox((s) => client?.sendStatus(s) ?? false);
  // What a previous run left (a daemon killed with its sandboxes running) ends before any id is
  // handed out again (a driver's probe leases ids too); the edge learns each one is over once the
  // link is up.
  await reapLeftoverSandboxes({ sandboxesDir: rt.sandboxes, drivers: reapers, report: (s) => outbox.push(s), log });
  if (!drivers) {
    // Probed together: a microvm probe boots a VM, which takes seconds.
    const probes = await Promise.all(candidates.map(async (d) => ({ d, avail: await d.available() })));
    drivers = [];
    for (const { d, avail } of probes) {
      if (avail.ok) drivers.push(d);
      else if (names) throw new DaemonStartError(`the ${d.name} sandbox driver is unavailable: ${avail.reason ?? "unknown reason"}`);
      else log("host.driver_unavailable", { driver: d.name, reason: avail.reason?.slice(0, 300) });
    }
    if (drivers.length === 0) throw new DaemonStartError("no sandbox driver is available on this host (apt-get install bubblewrap)");
  } else {
    for (const d of drivers) {
      const avail = await d.available();
      if (!avail.ok) throw new DaemonStartError(`the ${d.name} sandbox driver is unavailable: ${avail.reason ?? "unknown reason"}`);
    }
  }
  // A VM's accelerator is said once at start, with why KVM is not used: TCG is far slower.
  for (const d of drivers)
    if (d.accelerator)
      log("host.driver_accelerator", {
        driver: d.name,
        accelerator: d.accelerator,
        ...(d.kvmUnavailable ? { kvmUnavailable: d.kvmUnavailable.slice(0, 300) } : {}),
      });
  const driverNames = drivers.map((d) => d.name).join(",");
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
    drivers,
    images,
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
    capabilities: await manager.capabilities(),
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
  // What a removal or an import cut short left goes first; a busy store is swept by its next import.
  await images.open().catch((e: unknown) => log("images.sweep_failed", { error: e instanceof Error ? e.message : String(e) }));
  // An image imported while the daemon runs (palisade host image import) is advertised at once.
  await mkdir(path.join(images.dir, "records"), { recursive: true, mode: 0o700 });
  let refresh: NodeJS.Timeout | undefined;
  const onImagesChanged = () => {
    clearTimeout(refresh);
    refresh = setTimeout(
      () =>
        void manager.capabilities().then(
          (caps) => c.setCapabilities(caps),
          () => undefined,
        ),
      200,
    );
  };
  // Records change when an image comes or goes; the store's index (refs.json, in the store's dir) when a name does.
  const watchers = [watch(path.join(images.dir, "records"), onImagesChanged), watch(images.dir, onImagesChanged)];
  for (const w of watchers) w.on("error", () => undefined);
  log("host.started", {
    host: state.hostId,
    pool: state.pool,
    drivers: driverNames,
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
        for (const w of watchers) w.close();
        clearTimeout(refresh);
        await manager.stopAll();
        await workspaces.unmountAll();
        for (const d of drivers ?? []) await d.close?.();
        await ids?.close();
        outbox.flush();
        await c.stop();
        log("host.stopped", {});
      })()),
  };
}
