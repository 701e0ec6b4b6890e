// `palisade host run`: the daemon. Tunnel to the edge, sandbox manager, status delivery across reconnects.
import { createDriver, type DriverName } from "../sandbox/index.js";
import type { SandboxDriver } from "../sandbox/types.js";
import { TunnelClient } from "../tunnel/client.js";
import type { SandboxStatus } from "../../../schema/tunnel.js";
import { caBindable, type DaemonLog, SandboxManager, sandboxHostOwner } from "./manager.js";
import { prepareRuntime, readHostState } from "./state.js";

export const DAEMON_VERSION = "palisade-host/0.1.0";
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
  /** A ready driver instead of `driver` (tests, other drivers). */
  driverInstance?: SandboxDriver;
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
  const state = await readHostState(opts.stateDir);
  const rt = await prepareRuntime(opts.stateDir);
  const driverName = opts.driverInstance?.name ?? opts.driver ?? "bwrap";
  const bindCa = caBindable(driverName, rt.trustCert);
  const driver =
    opts.driverInstance ??
    createDriver(opts.driver ?? "bwrap", { bwrap: { runAs: sandboxHostOwner("bwrap"), extraReadOnly: bindCa ? [rt.trustCert] : [] } });
  const avail = await driver.available();
  if (!avail.ok) throw new DaemonStartError(`the ${driverName} sandbox driver is unavailable: ${avail.reason ?? "unknown reason"}`);
  let client: TunnelClient | undefined;
  const outbox = new StatusOutbox((s) => client?.sendStatus(s) ?? false);
  const manager = new SandboxManager({
    edgeUrl: state.edgeUrl,
    driver,
    ca: rt.ca,
    // bwrap binds the trust file at the same path; otherwise each workspace gets a copy.
    caPathInside: rt.trustCert,
    caInWorkspace: !bindCa,
    workspacesDir: rt.workspaces,
    sandboxesDir: rt.sandboxes,
    sandboxOwner: sandboxHostOwner(driverName),
    report: (s) => outbox.push(s),
    log,
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
  log("host.started", { host: state.hostId, pool: state.pool, driver: driverName, edge: new URL(state.edgeUrl).origin });
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
        outbox.flush();
        await c.stop();
        log("host.stopped", {});
      })()),
  };
}
