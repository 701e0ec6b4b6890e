// Per-sandbox egress proxy: plain HTTP (absolute-form) and CONNECT (TLS terminated with the host CA), all sent to the edge's /egress.
//
// Placement: the sandbox's network namespace has no route out, so the proxy listens on a Unix
// socket on the host, in a per-sandbox directory (0700, root's) that the driver binds into the
// sandbox at /run/palisade/proxy.sock, giving the socket to that sandbox's own host gid. Inside, a
// bridge listens on the sandbox's own 127.0.0.1:3128 and pipes each connection to that socket;
// HTTP_PROXY/HTTPS_PROXY=http://127.0.0.1:3128. Nothing else of the host's network is reachable,
// and the proxy knows which sandbox (agent token) it serves because there is one proxy per
// sandbox. Tests may listen on 127.0.0.1:0 instead.
import { chmod, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import tls from "node:tls";
import { type HostCa, LeafIssuer, isValidTlsHost } from "./ca.js";
import { HOP_BY_HOP_HEADERS } from "../hop-by-hop.js";

export interface SandboxProxyOptions {
  /** Edge base URL; requests go to <edge>/egress/<absolute-url>. */
  edgeUrl: string;
  /** The sandbox agent's token, sent to the edge as Bearer; never logged. */
  agentToken: string;
  ca: HostCa;
  listen: { socketPath: string } | { host: "127.0.0.1"; port: number };
  /** Agent for requests to the edge (keep-alive by default). */
  edgeAgent?: http.Agent;
  log?: (event: string, fields?: Record<string, string | number | undefined>) => void;
  /** Called on every request the sandbox makes (e.g. to keep its idle timer alive). */
  onRequest?: () => void;
}

export interface SandboxProxy {
  /** "unix:<path>" or "http://127.0.0.1:<port>". */
  address: string;
  port: number | null;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  ...HOP_BY_HOP_HEADERS,
  // The edge authenticates the agent with this header; the sandbox never holds target credentials.
  "authorization",
]);

/** Parses a CONNECT authority ("host:port", "[v6]:port"). */
function parseAuthority(authority: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/i.exec(authority);
  if (!m) return null;
  const host = (m[1] ?? m[2] ?? "").toLowerCase();
  const port = Number(m[3]);
  if (port < 1 || port > 65535 || !isValidTlsHost(host)) return null;
  return { host, port };
}

function sameOrigin(target: string, edge: URL): boolean {
  try {
    return new URL(target).origin === edge.origin;
  } catch {
    return false;
  }
}

export async function startSandboxProxy(opts: SandboxProxyOptions): Promise<SandboxProxy> {
  const log = opts.log ?? ((event, fields) => console.warn(JSON.stringify({ event, ...fields })));
  const edge = new URL(opts.edgeUrl);
  const edgeBase = opts.edgeUrl.replace(/\/+$/, "");
  const edgeMod = edge.protocol === "https:" ? https : http;
  const edgeAgent = opts.edgeAgent ?? new edgeMod.Agent({ keepAlive: true });
  const issuer = new LeafIssuer(opts.ca);
  /** CONNECT authority of each decrypted TLS socket, so inner requests know their origin. */
  const origins = new WeakMap<Duplex, string>();

  const relay = (req: http.IncomingMessage, res: http.ServerResponse, target: string) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    }
    headers.authorization = `Bearer ${opts.agentToken}`;
    opts.onRequest?.();
    // The edge's own API (LLM gateway, /agent/v1) is reached directly with the agent token, not as egress.
    const toEdge = sameOrigin(target, edge);
    const upstream = edgeMod.request(toEdge ? target : `${edgeBase}/egress/${target}`, { method: req.method, headers, agent: edgeAgent });
    upstream.on("response", (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    upstream.on("error", (err) => {
      log("proxy.edge_error", { error: err.name });
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "upstream_error", message: "egress gateway unreachable" } }));
      } else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const refuse = (res: http.ServerResponse, status: number, message: string) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "bad_request", message } }));
  };

  // Requests decrypted from CONNECT tunnels: origin-form paths, origin from the CONNECT line.
  const inner = http.createServer((req, res) => {
    const origin = origins.get(req.socket);
    if (!origin || !req.url?.startsWith("/")) return refuse(res, 400, "bad request inside tunnel");
    relay(req, res, `${origin}${req.url}`);
  });

  const server = http.createServer((req, res) => {
    const url = req.url ?? "";
    if (!/^https?:\/\//i.test(url)) return refuse(res, 400, "this is a proxy: use an absolute URL or CONNECT");
    try {
      new URL(url);
    } catch {
      return refuse(res, 400, "invalid URL");
    }
    relay(req, res, url);
  });

  server.on("connect", (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    const auth = parseAuthority(req.url ?? "");
    if (!auth) {
      client.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    client.on("error", () => client.destroy());
    issuer.contextFor(auth.host).then(
      (secureContext) => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.byteLength > 0) client.unshift(head);
        const tlsSocket = new tls.TLSSocket(client as Socket, { isServer: true, secureContext, ALPNProtocols: ["http/1.1"] });
        tlsSocket.on("error", () => tlsSocket.destroy());
        const hostPart = auth.host.includes(":") ? `[${auth.host}]` : auth.host;
        origins.set(tlsSocket, `https://${hostPart}${auth.port === 443 ? "" : `:${auth.port}`}`);
        inner.emit("connection", tlsSocket);
      },
      () => client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    );
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  if ("socketPath" in opts.listen) {
    const socketPath = opts.listen.socketPath;
    await rm(socketPath, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    // Owner only until the driver hands it to the one sandbox that may connect (root:<its gid> 0660).
    await chmod(socketPath, 0o600);
  } else {
    const { host, port } = opts.listen;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  }
  const addr = server.address();
  const port = addr !== null && typeof addr === "object" ? (addr as AddressInfo).port : null;
  return {
    address: port === null ? `unix:${"socketPath" in opts.listen ? opts.listen.socketPath : ""}` : `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      server.closeAllConnections();
      inner.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!opts.edgeAgent) edgeAgent.destroy();
      if ("socketPath" in opts.listen) await rm(opts.listen.socketPath, { force: true });
    },
  };
}

/** Environment a sandbox needs to use its proxy and trust the host CA (paths as seen inside the sandbox). */
export function proxyEnv(proxyUrl: string, caCertPathInSandbox: string): Record<string, string> {
  return {
    HTTP_PROXY: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    https_proxy: proxyUrl,
    NO_PROXY: "",
    SSL_CERT_FILE: caCertPathInSandbox,
    NODE_EXTRA_CA_CERTS: caCertPathInSandbox,
    REQUESTS_CA_BUNDLE: caCertPathInSandbox,
    CURL_CA_BUNDLE: caCertPathInSandbox,
  };
}
