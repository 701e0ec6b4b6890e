// HostTunnel: one Durable Object per sandbox host, terminating its tunnel WebSocket (hibernation API) and exposing RPC.
//
// Trust: the DO accepts the upgrade only with the X-Palisade-Host-* headers below. A Durable
// Object is not reachable from the Internet; only this Worker's code can call its stub, and the
// `GET /tunnel` route sets these headers itself after verifying the host credential (it builds a
// fresh header set, so a client-supplied header of the same name never reaches here).
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { AppError, errorResponse } from "../errors.js";
import { HEARTBEAT_PING, HEARTBEAT_PONG, SandboxStatus, TunnelCommand, type CommandAck } from "../../schema/tunnel.js";
import { DEFAULT_HEARTBEAT_MS, EdgeMux, type ForwardOptions, type ForwardRequest } from "./edge-mux.js";
import { recordHostCapabilities, recordSandboxStatus } from "../sandboxes/service.js";
import { SESSION_RENEW_EVERY_MS, renewSandboxSessions } from "../sandboxes/sessions.js";

export const HOST_ID_HEADER = "X-Palisade-Host-Id";
export const ORG_ID_HEADER = "X-Palisade-Org-Id";
export const POOL_HEADER = "X-Palisade-Host-Pool";

/** A host that has not pinged for this many heartbeat intervals is considered gone and its socket closed. */
const MISSED_HEARTBEATS = 3;

/** Kept on the socket with serializeAttachment, so it survives hibernation. */
const Attachment = z.object({
  hostId: z.string(),
  orgId: z.string(),
  pool: z.string(),
  connectedAt: z.number(),
  ready: z.boolean(),
  /** The tunnel protocol version the host's hello settled (absent: a connection older than version 2). */
  version: z.number().int().optional(),
});
type Attachment = z.infer<typeof Attachment>;

const Identity = z.object({ hostId: z.string().min(1).max(128), orgId: z.string().min(1).max(128), pool: z.string().min(1).max(128) });

export interface HostTunnelStatus {
  connected: boolean;
  hostId: string | null;
  orgId: string | null;
  pool: string | null;
  connectedAt: number | null;
  /** ms since epoch of the last heartbeat (or any frame) seen from the host. */
  lastHeartbeatAt: number | null;
  inflight: number;
}

export class HostTunnel extends DurableObject<Env> {
  /** Live multiplexers; rebuilt lazily after hibernation (no stream outlives an eviction). */
  readonly #muxes = new Map<WebSocket, EdgeMux>();
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  /** When this object last renewed its host's sandbox sessions (0 after a wake-up: renew at once). */
  #lastRenewal = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Pings are answered by the runtime without waking the object; status() reads the timestamp.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(new AppError("bad_request", "expected a WebSocket upgrade"));
    }
    const identity = Identity.safeParse({
      hostId: request.headers.get(HOST_ID_HEADER),
      orgId: request.headers.get(ORG_ID_HEADER),
      pool: request.headers.get(POOL_HEADER),
    });
    if (!identity.success) return errorResponse(new AppError("unauthorized", "host identity missing"));
    // One live connection per host: a reconnect replaces the old socket, whose streams fail.
    for (const old of this.ctx.getWebSockets()) {
      this.#muxFor(old).handleClose("replaced by a new connection");
      this.#muxes.delete(old);
      safeClose(old, 4001, "replaced");
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const att: Attachment = { ...identity.data, connectedAt: Date.now(), ready: false };
    server.serializeAttachment(att);
    await this.ctx.storage.put({ identity: identity.data, connectedAt: att.connectedAt, lastHeartbeatAt: att.connectedAt });
    await this.ctx.storage.setAlarm(Date.now() + this.#heartbeatMs * MISSED_HEARTBEATS);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.#muxFor(ws).handleMessage(message);
  }

  override async webSocketClose(ws: WebSocket, code: number, _reason: string): Promise<void> {
    this.#dropSocket(ws, `code ${code}`);
    safeClose(ws, 1000, "closed");
    await this.ctx.storage.put("disconnectedAt", Date.now());
  }

  override async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    this.#dropSocket(ws, "socket error");
    await this.ctx.storage.put("disconnectedAt", Date.now());
  }

  /**
   * Closes a socket whose host stopped sending heartbeats (a dead link the TCP side has not
   * noticed); while the host is alive, renews its sandboxes' session tokens.
   */
  override async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const now = Date.now();
    let alive: WebSocket | undefined;
    for (const ws of sockets) {
      if (now - (await this.#lastHeartbeat(ws)) > this.#heartbeatMs * MISSED_HEARTBEATS) {
        this.#dropSocket(ws, "heartbeat timeout");
        safeClose(ws, 4002, "heartbeat timeout");
      } else alive ??= ws;
    }
    if (!alive) return;
    await this.ctx.storage.setAlarm(now + this.#heartbeatMs);
    // The host is alive (heartbeats within the window): its sandboxes' sessions last on.
    if (now - this.#lastRenewal >= SESSION_RENEW_EVERY_MS && this.#muxFor(alive).ready) {
      this.#lastRenewal = now;
      const att = Attachment.parse(alive.deserializeAttachment());
      await renewSandboxSessions(this.env, att.orgId, att.hostId).catch((e) => console.error("sandbox sessions not renewed", String(e)));
    }
  }

  /** Connection state and last heartbeat, for the hosts API. */
  async status(): Promise<HostTunnelStatus> {
    const ws = this.#current();
    const identity = Identity.safeParse(await this.ctx.storage.get("identity"));
    const connectedAt = z.number().safeParse(await this.ctx.storage.get("connectedAt"));
    const last = ws ? await this.#lastHeartbeat(ws) : await this.#storedHeartbeat();
    return {
      connected: ws !== null && this.#muxFor(ws).ready,
      hostId: identity.success ? identity.data.hostId : null,
      orgId: identity.success ? identity.data.orgId : null,
      pool: identity.success ? identity.data.pool : null,
      connectedAt: connectedAt.success ? connectedAt.data : null,
      lastHeartbeatAt: last > 0 ? last : null,
      inflight: ws ? this.#muxFor(ws).inflight : 0,
    };
  }

  /**
   * Performs one HTTP exchange on the host (egress routed to its pool). The response body
   * streams with flow control. Throws (message "host tunnel: …") when the host is not
   * connected, the link drops before the head, or the head does not arrive in time; a drop
   * after the head errors the body stream.
   */
  async forward(request: ForwardRequest, options?: ForwardOptions): Promise<Response> {
    const ws = this.#current();
    if (!ws) throw new AppError("unavailable", "host tunnel is not connected");
    return this.#muxFor(ws).forward(request, options);
  }

  /** Sends sandbox.start / stop / kill and returns the host's ack. */
  async command(cmd: TunnelCommand): Promise<CommandAck> {
    const parsed = TunnelCommand.safeParse(cmd);
    if (!parsed.success) throw new AppError("validation_failed", "invalid tunnel command");
    const ws = this.#current();
    if (!ws) throw new AppError("unavailable", "host tunnel is not connected");
    return this.#muxFor(ws).command(parsed.data);
  }

  /** Closes the host's socket (credential revoked); in-flight streams fail cleanly. */
  async disconnect(reason: string): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) {
      this.#dropSocket(ws, reason);
      safeClose(ws, 4003, reason.slice(0, 100));
    }
  }

  /** Last status reported by the host for each sandbox. */
  async sandboxes(): Promise<SandboxStatus[]> {
    const rows = await this.ctx.storage.list({ prefix: "sandbox:" });
    const out: SandboxStatus[] = [];
    for (const v of rows.values()) {
      const s = SandboxStatus.safeParse(v);
      if (s.success) out.push(s.data);
    }
    return out;
  }

  #current(): WebSocket | null {
    return this.ctx.getWebSockets()[0] ?? null;
  }

  #muxFor(ws: WebSocket): EdgeMux {
    const existing = this.#muxes.get(ws);
    if (existing) return existing;
    const att = Attachment.parse(ws.deserializeAttachment());
    const mux = new EdgeMux(
      { send: (d) => ws.send(d), close: (code, reason) => safeClose(ws, code, reason) },
      {
        hostId: att.hostId,
        heartbeatMs: this.#heartbeatMs,
        ready: att.ready,
        ...(att.version === undefined ? {} : { version: att.version }),
        onReady: (version) => ws.serializeAttachment({ ...att, ready: true, version } satisfies Attachment),
        onHeartbeat: () => void this.ctx.storage.put("lastHeartbeatAt", Date.now()),
        onCapabilities: (capabilities) => {
          void this.ctx.storage.put("capabilities", capabilities);
          this.ctx.waitUntil(
            recordHostCapabilities(this.env, att.orgId, att.hostId, capabilities).catch((e) =>
              console.error("host capabilities not recorded", String(e)),
            ),
          );
        },
        onStatus: (status) => {
          void this.ctx.storage.put(`sandbox:${status.sandboxId}`, status);
          // The edge's record of the sandbox (D1) and the audit follow every report.
          this.ctx.waitUntil(
            recordSandboxStatus(this.env, att.orgId, att.hostId, status).catch((e) => console.error("sandbox status not recorded", String(e))),
          );
        },
      },
    );
    this.#muxes.set(ws, mux);
    return mux;
  }

  #dropSocket(ws: WebSocket, reason: string): void {
    const mux = this.#muxes.get(ws);
    mux?.handleClose(reason);
    this.#muxes.delete(ws);
  }

  async #storedHeartbeat(): Promise<number> {
    const v = z.number().safeParse(await this.ctx.storage.get("lastHeartbeatAt"));
    return v.success ? v.data : 0;
  }

  async #lastHeartbeat(ws: WebSocket): Promise<number> {
    const auto = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return Math.max(auto, await this.#storedHeartbeat());
  }
}

function safeClose(ws: WebSocket, code?: number, reason?: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}
