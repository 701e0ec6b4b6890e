// Red team s14: version negotiation (hello v2, downgrade to v1) between the real TunnelClient and
// a hand-driven edge, plus the refusal loop between the real client and the real EdgeMux.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TunnelClient } from "../../../sandbox-host/src/tunnel/client.js";
import { type FakeEdge, startFakeEdge } from "../../support/tunnel-edge.js";

const CRED = "pal_hostcred_red14v";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function target(): Promise<string> {
  const server = http.createServer((q, s) => {
    if (q.method === "HEAD") return s.writeHead(200, { "content-length": "5" }).end();
    s.writeHead(200, { "content-type": "text/plain" }).end("hello");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function startClient(edge: FakeEdge, agent?: string): TunnelClient {
  const client = new TunnelClient({
    edgeUrl: edge.url,
    credential: CRED,
    handler: { start: async () => {}, stop: async () => {}, kill: async () => {} },
    log: () => {},
    backoff: { baseMs: 50, maxMs: 100 },
    ...(agent ? { agent } : {}),
  });
  client.start();
  cleanups.push(async () => {
    await client.stop();
  });
  return client;
}

type Msg = { binary: true; kind: number; bytes: Buffer } | { binary: false; frame: Record<string, unknown> };

/** An "old" edge speaking frames by hand: `ackVersion` answers the hello it accepts. */
async function oldEdge(opts: { refuse: (v: number) => boolean; ackVersion: (v: number) => number }) {
  const edge = await startFakeEdge({ credential: CRED, mux: false });
  cleanups.push(() => edge.close());
  const client = startClient(edge);
  const conn = await edge.nextConnection();
  const got: Msg[] = [];
  const hellos: number[] = [];
  let onAck: () => void = () => {};
  const acked = new Promise<void>((r) => (onAck = r));
  conn.ws.on("message", (d, isBinary) => {
    const b = d as Buffer;
    if (isBinary) return void got.push({ binary: true, kind: b[0]!, bytes: b });
    const frame = JSON.parse(b.toString("utf8")) as Record<string, unknown>;
    got.push({ binary: false, frame });
    if (frame.t === "hello") {
      const v = frame.v as number;
      hellos.push(v);
      if (opts.refuse(v)) conn.ws.send(JSON.stringify({ t: "error", code: "bad_frame", message: "unknown frame or invalid fields" }));
      else {
        conn.ws.send(JSON.stringify({ t: "hello.ack", v: opts.ackVersion(v), hostId: "host-old", heartbeatMs: 15000 }));
        onAck();
      }
    }
  });
  await acked;
  return { conn, got, hellos, client };
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

describe("red14: protocol version negotiation", () => {
  it("attack: v2 host facing a v1-only edge: after the downgrade it must send no joined frames (kinds 2, 3)", async () => {
    const url = await target();
    const { conn, got, hellos } = await oldEdge({ refuse: (v) => v !== 1, ackVersion: () => 1 });
    expect(hellos).toEqual([2, 1]);
    conn.ws.send(JSON.stringify({ t: "req", id: 1, method: "GET", url: `${url}/a`, headers: [], body: false }));
    conn.ws.send(JSON.stringify({ t: "req", id: 2, method: "HEAD", url: `${url}/b`, headers: [], body: false }));
    // The GET ends with `end`; the HEAD's head (body: false) ends its stream by itself.
    expect(
      await waitFor(
        () =>
          got.some((m) => !m.binary && m.frame.t === "end" && m.frame.id === 1) &&
          got.some((m) => !m.binary && m.frame.t === "res" && m.frame.id === 2 && m.frame.body === false),
        2_000,
      ),
    ).toBe(true);
    const kinds = got.filter((m) => m.binary).map((m) => (m as { kind: number }).kind);
    expect(kinds.every((k) => k === 1)).toBe(true);
  });

  it("attack: an edge that acks version 2 to the host's v1 hello cannot push it back to joined frames", async () => {
    const url = await target();
    const { conn, got } = await oldEdge({ refuse: (v) => v !== 1, ackVersion: () => 2 });
    conn.ws.send(JSON.stringify({ t: "req", id: 1, method: "GET", url: `${url}/a`, headers: [], body: false }));
    expect(await waitFor(() => got.some((m) => !m.binary && m.frame.t === "end"), 2_000)).toBe(true);
    expect(got.filter((m) => m.binary).every((m) => (m as { kind: number }).kind === 1)).toBe(true);
  });

  it("attack: a hello the edge refuses (agent string over 128 chars) makes host and edge trade error frames without end", async () => {
    // The host downgrades on the first error, is refused again, then answers every later error with
    // `error not_ready`, which the edge (not ready either) answers with `error not_ready`, and so on.
    const edge = await startFakeEdge({ credential: CRED });
    cleanups.push(() => edge.close());
    startClient(edge, "x".repeat(200));
    const conn = await edge.nextConnection();
    let fromHost = 0;
    conn.ws.on("message", () => {
      fromHost++;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const seen = fromHost;
    // Held: a handful of frames (hello v2, hello v1, maybe one refusal), then silence.
    expect(seen, `host sent ${seen} frames in 1 s on a connection whose hello was refused`).toBeLessThan(10);
  });
});
