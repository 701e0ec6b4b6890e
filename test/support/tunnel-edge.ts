// A local stand-in for the edge's /tunnel endpoint (127.0.0.1): the real EdgeMux behind a `ws` server.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { HEARTBEAT_PING, MAX_FRAME_BYTES, type SandboxStatus } from "../../schema/tunnel.js";
import { EdgeMux } from "../../workers/tunnel/edge-mux.js";

export interface FakeEdgeOptions {
  credential: string;
  /** When false, heartbeats go unanswered (a dead link as the host sees it). */
  answerPings?: boolean;
  /** When false, connections get a raw socket and no mux: the test speaks frames itself. */
  mux?: boolean;
  heartbeatMs?: number;
  onStatus?: (status: SandboxStatus) => void;
  /** Listen on this port (to restart an edge on the same address); ephemeral by default. */
  port?: number;
}

export interface EdgeConnection {
  ws: WebSocket;
  mux: EdgeMux | null;
  /** Resolves once the host's hello arrived (mux mode only). */
  ready: Promise<void>;
}

export interface FakeEdge {
  url: string;
  /** Resolves with the next host connection (its mux, when enabled). */
  nextConnection(): Promise<EdgeConnection>;
  connections: number;
  refused: number;
  current: EdgeConnection | null;
  close(): Promise<void>;
}

export async function startFakeEdge(opts: FakeEdgeOptions): Promise<FakeEdge> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  const waiters: ((c: EdgeConnection) => void)[] = [];
  const queued: EdgeConnection[] = [];
  const edge: FakeEdge = {
    url: "",
    connections: 0,
    refused: 0,
    current: null,
    nextConnection: () => {
      const q = queued.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/tunnel" || req.headers.authorization !== `Bearer ${opts.credential}`) {
      edge.refused++;
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      edge.connections++;
      let onReady = () => {};
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      const mux =
        opts.mux === false
          ? null
          : new EdgeMux(
              { send: (d) => ws.send(d), close: (c, r) => ws.close(c, r) },
              {
                hostId: "host-test",
                heartbeatMs: opts.heartbeatMs ?? 1000,
                log: () => {},
                onReady,
                ...(opts.onStatus ? { onStatus: opts.onStatus } : {}),
              },
            );
      ws.on("message", (data, isBinary) => {
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (!isBinary && buf.toString() === HEARTBEAT_PING && opts.answerPings === false) return;
        mux?.handleMessage(isBinary ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf.toString("utf8"));
      });
      ws.on("close", (code) => mux?.handleClose(`code ${code}`));
      const conn: EdgeConnection = { ws, mux, ready };
      edge.current = conn;
      const w = waiters.shift();
      if (w) w(conn);
      else queued.push(conn);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return edge;
}
