// Hands a host's authenticated `GET /tunnel` upgrade to its HostTunnel Durable Object with the verified identity.
import { HOST_ID_HEADER, ORG_ID_HEADER, POOL_HEADER } from "./host-tunnel.js";

export interface VerifiedHost {
  hostId: string;
  orgId: string;
  pool: string;
}

/** Headers of the upgrade the WebSocket handshake needs; everything else the client sent is dropped. */
const PASSED = ["upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions"];

/**
 * Call only after the host credential was verified. Builds a fresh header set, so an
 * X-Palisade-Host-* header sent by the client can never reach the Durable Object.
 */
export function connectHostTunnel(
  ns: DurableObjectNamespace<import("./host-tunnel.js").HostTunnel>,
  request: Request,
  host: VerifiedHost,
): Promise<Response> {
  const headers = new Headers();
  for (const name of PASSED) {
    const v = request.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  headers.set(HOST_ID_HEADER, host.hostId);
  headers.set(ORG_ID_HEADER, host.orgId);
  headers.set(POOL_HEADER, host.pool);
  const stub = ns.get(ns.idFromName(host.hostId));
  return stub.fetch(new Request(request.url, { method: "GET", headers }));
}
