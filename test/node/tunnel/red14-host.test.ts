// Red team s14: a malicious internal target answering the host's forwarded requests; the real
// TunnelClient (protocol 2, flush batching, corked socket) against the real EdgeMux on 127.0.0.1.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INITIAL_WINDOW, MAX_CHUNK_BYTES } from "../../../schema/tunnel.js";
import { TunnelClient } from "../../../sandbox-host/src/tunnel/client.js";
import type { EdgeMux } from "../../../workers/tunnel/edge-mux.js";
import { type FakeEdge, startFakeEdge } from "../../support/tunnel-edge.js";

const CRED = "pal_hostcred_red14";
let edge: FakeEdge;
let client: TunnelClient;
let mux: EdgeMux;
const frames: { binary: boolean; kind?: number; text?: string }[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  edge = await startFakeEdge({ credential: CRED });
  client = new TunnelClient({
    edgeUrl: edge.url,
    credential: CRED,
    handler: { start: async () => {}, stop: async () => {}, kill: async () => {} },
    log: () => {},
    targetTimeoutMs: 5_000,
  });
  client.start();
  const conn = await edge.nextConnection();
  await conn.ready;
  conn.ws.on("message", (d, isBinary) => {
    const b = d as Buffer;
    frames.push(isBinary ? { binary: true, kind: b[0] } : { binary: false, text: b.toString("utf8").slice(0, 200) });
  });
  mux = conn.mux!;
});

afterAll(async () => {
  for (const c of closers) await c();
  await client.stop();
  await edge.close();
});

/** A raw TCP target on 127.0.0.1: `onRequest` gets each request head (as text) and the socket. */
async function rawTarget(onRequest: (head: string, sock: net.Socket, n: number) => void): Promise<string> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      for (;;) {
        const i = buf.indexOf("\r\n\r\n");
        if (i < 0) break;
        const head = buf.slice(0, i);
        buf = buf.slice(i + 4);
        onRequest(head, sock, n++);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function httpTarget(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function within<T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | "timeout"> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([
    p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    new Promise<"timeout">((resolve) => {
      t = setTimeout(() => resolve("timeout"), ms);
    }),
  ]);
  clearTimeout(t);
  return r;
}

/** forward() then the whole body as text; "<error>" when the head or body fails. */
async function fetchText(
  method: string,
  url: string,
  opts: { headTimeoutMs?: number; idleTimeoutMs?: number } = {},
): Promise<{ status: number; body: string } | "error"> {
  try {
    const res = await mux.forward({ method, url }, { headTimeoutMs: opts.headTimeoutMs ?? 4_000, idleTimeoutMs: opts.idleTimeoutMs ?? 4_000 });
    const body = Buffer.from(await res.arrayBuffer()).toString("latin1");
    return { status: res.status, body };
  } catch {
    return "error";
  }
}

describe("red14: malicious targets behind a v2 host", () => {
  it("negotiated version 2 on this link (joined frames in use)", async () => {
    const { url } = await httpTarget((_q, s) => s.end("small"));
    expect(await fetchText("GET", `${url}/`)).toEqual({ status: 200, body: "small" });
    expect(frames.some((f) => f.binary && f.kind === 3)).toBe(true);
  });

  it("attack: HEAD answered with a body that is itself a whole response (keep-alive desync into the next stream)", async () => {
    const url = await rawTarget((head, sock, n) => {
      if (head.startsWith("HEAD")) {
        sock.write("HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL");
      } else sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nreal-${String(n).padStart(4, "0")}`);
    });
    const h = await fetchText("HEAD", `${url}/h`);
    expect(h === "error" || h.body === "").toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    const g = await fetchText("GET", `${url}/g`);
    expect(g === "error" ? "error" : g.body).not.toContain("EVIL");
  });

  it("attack: 204 and 304 answers carrying a body deliver no body", async () => {
    for (const status of ["204 No Content", "304 Not Modified"]) {
      const url = await rawTarget((_head, sock) => {
        sock.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 6\r\n\r\nsecret`);
      });
      const r = await fetchText("GET", `${url}/x`);
      expect(r === "error" || r.body === "").toBe(true);
    }
  });

  it("attack: truncated Content-Length body (target closes early, same packet) is not delivered as complete", async () => {
    const url = await rawTarget((_head, sock) => {
      sock.end(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${"a".repeat(50)}`);
    });
    const r = await fetchText("GET", `${url}/t`);
    expect(r === "error" ? "error" : `complete:${r.body.length}`).toBe("error");
  });

  it("attack: truncated Content-Length body, split across turns", async () => {
    const url = await rawTarget((_head, sock) => {
      sock.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
      setTimeout(() => sock.write("b".repeat(30)), 20);
      setTimeout(() => sock.destroy(), 60);
    });
    const r = await fetchText("GET", `${url}/t2`);
    expect(r === "error" ? "error" : `complete:${r.body.length}`).toBe("error");
  });

  it("attack: chunked body without its last chunk, then close", async () => {
    const url = await rawTarget((_head, sock) => {
      sock.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    });
    const r = await fetchText("GET", `${url}/c`);
    expect(r === "error" ? "error" : `complete:${r.body}`).toBe("error");
  });

  it("attack: answer split in many pieces and delays (head alone, 1-byte writes) arrives intact", async () => {
    const body = Array.from({ length: 200 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const url = await rawTarget((_head, sock) => {
      const all = `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      let i = 0;
      const step = () => {
        if (i >= all.length) return;
        const n = i < 40 ? 1 : 17;
        sock.write(all.slice(i, i + n));
        i += n;
        setTimeout(step, i % 5 === 0 ? 2 : 0);
      };
      step();
    });
    const r = await fetchText("GET", `${url}/s`);
    expect(r).toEqual({ status: 200, body });
  });

  it("attack: many concurrent answers of mixed sizes in one turn (corked batch) each reach their own stream", async () => {
    const sizes = [0, 1, 5, 100, 4096, MAX_CHUNK_BYTES - 1, MAX_CHUNK_BYTES, MAX_CHUNK_BYTES + 1, INITIAL_WINDOW + 7];
    const { url } = await httpTarget((q, s) => {
      const [, idx, size] = (q.url ?? "").split("/");
      const n = Number(size);
      const tag = `<${idx}>`;
      const out = Buffer.alloc(n, tag.charCodeAt(1));
      if (n >= tag.length) out.write(tag, 0, "latin1");
      s.writeHead(200, { "content-length": String(n) }).end(out);
    });
    const jobs = Array.from({ length: 48 }, (_, i) => {
      const n = sizes[i % sizes.length]!;
      return fetchText("GET", `${url}/${i}/${n}`).then((r) => ({ i, n, r }));
    });
    for (const { i, n, r } of await Promise.all(jobs)) {
      expect(r, `stream ${i}`).not.toBe("error");
      if (r === "error") continue;
      expect(r.body.length, `stream ${i} length`).toBe(n);
      if (n >= `<${i}>`.length) expect(r.body.startsWith(`<${i}>`), `stream ${i} content`).toBe(true);
    }
  });

  it("attack: target answers with 300 headers (head the edge's schema refuses): the agent waits out the head timeout", async () => {
    const url = await rawTarget((_head, sock) => {
      const hs = Array.from({ length: 300 }, (_, i) => `X-H${i}: v\r\n`).join("");
      sock.write(`HTTP/1.1 200 OK\r\n${hs}Content-Length: 2\r\n\r\nok`);
    });
    const t0 = Date.now();
    const r = await within(mux.forward({ method: "GET", url: `${url}/hh` }, { headTimeoutMs: 4_000 }), 1_500);
    expect(r, `forward still pending after ${Date.now() - t0} ms`).not.toBe("timeout");
    await new Promise((r) => setTimeout(r, 2_800)); // let the head timer run out before the next test
  });

  it("attack: target answers with status 999 (schema refuses >599): the agent waits out the head timeout", async () => {
    const url = await rawTarget((_head, sock) => {
      sock.write("HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\nok");
    });
    const r = await within(mux.forward({ method: "GET", url: `${url}/st` }, { headTimeoutMs: 4_000 }), 1_500);
    expect(r, "forward still pending").not.toBe("timeout");
    await new Promise((r) => setTimeout(r, 2_800));
  });

  it("attack: the host must not answer before its target did (head delayed 300 ms)", async () => {
    const url = await rawTarget((_head, sock) => {
      setTimeout(() => sock.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate"), 300);
    });
    const t0 = Date.now();
    const p = fetchText("GET", `${url}/d`);
    const r = await p;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(r).toEqual({ status: 200, body: "late" });
  });

  it("attack: target answers at once without reading a large request body: the host leaves its target request open", async () => {
    let open = 0;
    let closed = 0;
    const { server, url } = await httpTarget((_q, s) => {
      s.writeHead(413, { "content-length": "3" }).end("big");
    });
    server.on("connection", (sock) => {
      open++;
      sock.on("close", () => closed++);
    });
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 3 * INITIAL_WINDOW) return c.close();
        sent += MAX_CHUNK_BYTES;
        c.enqueue(new Uint8Array(MAX_CHUNK_BYTES));
      },
    });
    const res = await mux.forward({ method: "POST", url: `${url}/up`, body }, { headTimeoutMs: 4_000 });
    expect(res.status).toBe(413);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(client.inflight).toBe(0);
    // Held: the request to the target is ended or aborted (its connection freed or closed), not left half-sent forever.
    expect({ open, closed, sentByEdge: sent }).toMatchObject({ closed: open });
  });
});
