// Sandbox egress proxy tests: plain and CONNECT+TLS requests reach a local fake edge as /egress/<url> with the agent token.
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateCa } from "../../../sandbox-host/src/proxy/ca.js";
import { startForwarder } from "../../../sandbox-host/src/proxy/forwarder.js";
import { startSandboxProxy } from "../../../sandbox-host/src/proxy/proxy.js";

const AGENT_TOKEN = "pal_agent_proxytest_0123456789";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  proxyAuthorization: string | undefined;
  body: string;
}

/** The edge's egress gateway, played locally: denies *.denied.test, echoes everything else. */
async function startEdge() {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        authorization: req.headers.authorization,
        proxyAuthorization: req.headers["proxy-authorization"],
        body,
      });
      if ((req.url ?? "").includes("denied.test")) {
        res.writeHead(403, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "policy_denied", message: "egress to this host is not allowed" } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/plain", "x-from-edge": "1" }).end(`edge got ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

async function setup(listen: "tcp" | "unix" = "tcp") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "palisade-proxy-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const edge = await startEdge();
  const ca = await loadOrCreateCa(path.join(dir, "ca"), "test-host");
  const proxy = await startSandboxProxy({
    edgeUrl: edge.url,
    agentToken: AGENT_TOKEN,
    ca,
    listen: listen === "tcp" ? { host: "127.0.0.1", port: 0 } : { socketPath: path.join(dir, "proxy.sock") },
    log: () => {},
  });
  cleanups.push(() => proxy.close());
  return { dir, edge, ca, proxy };
}

function request(port: number, opts: http.RequestOptions, body?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, agent: false, ...opts }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** CONNECT through the proxy, then TLS trusting only `ca`, then one HTTP/1.1 request. */
function viaConnect(port: number, authority: string, ca: string, opts: { method: string; path: string; body?: string }) {
  return new Promise<{ status: number; body: string; peerSan: string | undefined }>((resolve, reject) => {
    const connect = http.request({ host: "127.0.0.1", port, method: "CONNECT", path: authority, agent: false });
    connect.on("error", reject);
    connect.on("connect", (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const servername = authority.replace(/:\d+$/, "");
      const secure = tls.connect({ socket, servername, ca: [ca] });
      secure.on("error", reject);
      secure.on("secureConnect", () => {
        const peerSan = secure.getPeerCertificate().subjectaltname;
        const req = http.request(
          {
            createConnection: () => secure,
            method: opts.method,
            path: opts.path,
            headers: { host: servername, authorization: "Bearer sandbox-should-not-leak" },
          },
          (r) => {
            let text = "";
            r.on("data", (c: Buffer) => (text += c.toString()));
            r.on("end", () => {
              secure.destroy();
              resolve({ status: r.statusCode ?? 0, body: text, peerSan });
            });
          },
        );
        req.on("error", reject);
        req.end(opts.body);
      });
    });
    connect.end();
  });
}

describe("sandbox egress proxy", () => {
  it("creates the CA once with a 0600 key and reloads the same one", async () => {
    const { dir, ca } = await setup();
    const keyMode = (await stat(path.join(dir, "ca", "ca-key.pem"))).mode & 0o777;
    expect(keyMode).toBe(0o600);
    const again = await loadOrCreateCa(path.join(dir, "ca"), "test-host");
    expect(again.certPem).toBe(ca.certPem);
    const parsed = new X509Certificate(ca.certPem);
    expect(parsed.ca).toBe(true);
  });

  it("sends a plain absolute-form request to /egress/<url> with the agent token", async () => {
    const { proxy, edge } = await setup();
    const res = await request(
      proxy.port!,
      { method: "POST", path: "http://internal.test:8080/a/b?c=1", headers: { host: "internal.test:8080", "proxy-authorization": "Basic eDp5" } },
      "payload",
    );
    expect(res.status).toBe(200);
    expect(res.headers["x-from-edge"]).toBe("1");
    expect(edge.seen).toEqual([
      {
        method: "POST",
        url: "/egress/http://internal.test:8080/a/b?c=1",
        authorization: `Bearer ${AGENT_TOKEN}`,
        proxyAuthorization: undefined,
        body: "payload",
      },
    ]);
  });

  it("refuses origin-form requests (it is not a web server)", async () => {
    const { proxy, edge } = await setup();
    const res = await request(proxy.port!, { method: "GET", path: "/local" });
    expect(res.status).toBe(400);
    expect(edge.seen).toEqual([]);
  });

  it("terminates CONNECT with a leaf for the host, trusted through the host CA only", async () => {
    const { proxy, edge, ca } = await setup();
    const res = await viaConnect(proxy.port!, "api.example.test:443", ca.certPem, { method: "PUT", path: "/v1/items/7?x=y", body: "tls-body" });
    expect(res.status).toBe(200);
    expect(res.peerSan).toBe("DNS:api.example.test");
    expect(edge.seen).toEqual([
      {
        method: "PUT",
        url: "/egress/https://api.example.test/v1/items/7?x=y",
        authorization: `Bearer ${AGENT_TOKEN}`,
        proxyAuthorization: undefined,
        body: "tls-body",
      },
    ]);
    const other = await viaConnect(proxy.port!, "svc.example.test:8443", ca.certPem, { method: "GET", path: "/" });
    expect(other.status).toBe(200);
    expect(edge.seen[1]?.url).toBe("/egress/https://svc.example.test:8443/");
  });

  it("is not trusted by a client that does not trust the host CA", async () => {
    const { proxy } = await setup();
    const elsewhere = await loadOrCreateCa(path.join(await mkdtemp(path.join(os.tmpdir(), "palisade-ca2-")), "ca"), "other");
    await expect(viaConnect(proxy.port!, "api.example.test:443", elsewhere.certPem, { method: "GET", path: "/" })).rejects.toThrow(/certificate/i);
  });

  it("passes a 403 from the edge back to the client, over plain HTTP and CONNECT", async () => {
    const { proxy, ca } = await setup();
    const plain = await request(proxy.port!, { method: "GET", path: "http://x.denied.test/secret", headers: { host: "x.denied.test" } });
    expect(plain.status).toBe(403);
    expect(JSON.parse(plain.body)).toMatchObject({ error: { code: "policy_denied" } });
    const tunneled = await viaConnect(proxy.port!, "x.denied.test:443", ca.certPem, { method: "GET", path: "/" });
    expect(tunneled.status).toBe(403);
  });

  it("refuses a malformed CONNECT authority", async () => {
    const { proxy, ca } = await setup();
    await expect(viaConnect(proxy.port!, "-bad-.test:443", ca.certPem, { method: "GET", path: "/" })).rejects.toThrow(/400/);
  });

  it("serves a Unix socket reached through the in-sandbox TCP forwarder", async () => {
    const { dir, edge } = await setup("unix");
    const forwarder = await startForwarder(0, path.join(dir, "proxy.sock"));
    cleanups.push(() => forwarder.close());
    const res = await request(forwarder.port, { method: "GET", path: "http://internal.test/via-socket", headers: { host: "internal.test" } });
    expect(res.status).toBe(200);
    expect(edge.seen[0]?.url).toBe("/egress/http://internal.test/via-socket");
  });
});
