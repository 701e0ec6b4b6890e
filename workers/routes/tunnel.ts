// GET /tunnel: a sandbox host's WebSocket, authenticated by its pal_hostkey_ credential and
// handed to the host's own HostTunnel Durable Object with the verified identity.
import { Hono } from "hono";
import { makeDb } from "../data/db.js";
import { HostStore } from "../data/host-store.js";
import { AppError, unauthorized } from "../errors.js";
import type { AppEnv } from "../http/context.js";
import { bearer } from "../identity/authenticate.js";
import { lookupToken } from "../identity/tokens.js";
import { connectHostTunnel } from "../tunnel/connect.js";

export function tunnelRoute() {
  const tunnel = new Hono<AppEnv>();
  tunnel.get("/", async (c) => {
    const raw = bearer(c);
    const record = raw ? await lookupToken(c.env.DB, raw, "host") : null;
    if (!record) throw unauthorized("invalid or revoked host credential");
    const found = await new HostStore(makeDb(c.env.DB), record.orgId).host(record.subjectId);
    if (found?.host.status !== "active") throw unauthorized("invalid or revoked host credential");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new AppError("bad_request", "expected a WebSocket upgrade");
    return connectHostTunnel(c.env.HOST_TUNNEL, c.req.raw, { hostId: found.host.id, orgId: found.host.orgId, pool: found.pool });
  });
  return tunnel;
}
