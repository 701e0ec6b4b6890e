// TunnelClient tests: the real client against a local edge (the real EdgeMux, or raw frames) and a local HTTP target.
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import {
  type BinaryFrame,
  HostToEdgeFrame,
  INITIAL_WINDOW,
  MAX_FRAME_BYTES,
  type SandboxStartCommand,
  decodeBinaryFrame,
  encodeData,
  encodeResponse,
  encodeText,
  headersFitFrame,
  type HostToEdgeFrame as Frame,
} from "../../../schema/tunnel.js";
import { type CommandHandler, TunnelClient } from "../../../sandbox-host/src/tunnel/client.js";
import { EdgeMux } from "../../../workers/tunnel/edge-mux.js";
import { type FakeEdge, type FakeEdgeOptions, startFakeEdge } from "../../support/tunnel-edge.js";

const CRED = "pal_hostcred_test_credential";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A local internal service: /echo returns the body, /bytes/N returns N bytes, /path returns the path. */
async function startTarget() {
  const aborted: string[] = [];
  const server = http.createServer((req, res) => {
    req.on("close", () => {
      if (!res.writableEnded) aborted.push(req.url ?? "");
    });
    if (req.url === "/echo") {
      const hash = createHash("sha256");
      let n = 0;
      req.on("data", (c: Buffer) => {
        hash.update(c);
        n += c.byteLength;
      });
      req.on("end", () => res.writeHead(200, { "x-len": String(n) }).end(hash.digest("hex")));
      return;
    }
    const m = /^\/bytes\/(\d+)$/.exec(req.url ?? "");
    if (m) {
      const total = Number(m[1]);
      res.writeHead(200, { "content-length": String(total) });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const n = Math.min(chunk.byteLength, total - sent);
          sent += n;
          if (!res.write(chunk.subarray(0, n))) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === "/hang") return; // never answers
    res.writeHead(200, { "content-type": "text/plain", "x-method": req.method ?? "" }).end(`path=${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, aborted };
}

class RecordingHandler implements CommandHandler {
  readonly calls: string[] = [];
  async start(cmd: SandboxStartCommand) {
    if (cmd.command[0] === "/missing") throw Object.assign(new Error("executable not found"), { code: "start_failed" });
    this.calls.push(`start:${cmd.sandboxId}`);
  }
  async stop(id: string) {
    this.calls.push(`stop:${id}`);
  }
  async kill(id: string) {
    this.calls.push(`kill:${id}`);
  }
}

async function setup(edgeOpts: Partial<FakeEdgeOptions> = {}, clientOpts: Partial<ConstructorParameters<typeof TunnelClient>[0]> = {}) {
  const edge = await startFakeEdge({ credential: CRED, ...edgeOpts });
  cleanups.push(() => edge.close());
  const handler = new RecordingHandler();
  const client = new TunnelClient({
    edgeUrl: edge.url,
    credential: CRED,
    handler,
    backoff: { baseMs: 10, maxMs: 50 },
    log: () => {},
    ...clientOpts,
  });
  client.start();
  cleanups.push(() => client.stop());
  return { edge, client, handler };
}

async function connected(edge: FakeEdge): Promise<{ ws: WebSocket; mux: EdgeMux }> {
  const c = await edge.nextConnection();
  await c.ready;
  if (!c.mux) throw new Error("mux mode expected");
  return { ws: c.ws, mux: c.mux };
}

describe("TunnelClient", () => {
  it("performs forwarded requests against an internal target, with request and response bodies", async () => {
    const target = await startTarget();
    const { edge } = await setup();
    const { mux } = await connected(edge);
    const res = await mux.forward({ method: "GET", url: `${target.base}/hello?x=1` });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-method")).toBe("GET");
    expect(await res.text()).toBe("path=/hello?x=1");

    const body = new Uint8Array(3 * INITIAL_WINDOW + 777).map((_, i) => i % 251);
    const echoed = await mux.forward({ method: "POST", url: `${target.base}/echo`, body });
    expect(echoed.headers.get("x-len")).toBe(String(body.byteLength));
    expect(await echoed.text()).toBe(createHash("sha256").update(body).digest("hex"));
  });

  it("multiplexes concurrent requests, each getting its own response", async () => {
    const target = await startTarget();
    const { edge } = await setup();
    const { mux } = await connected(edge);
    const big = mux.forward({ method: "GET", url: `${target.base}/bytes/${4 * INITIAL_WINDOW}` });
    const small = await Promise.all(
      Array.from({ length: 40 }, (_, i) => mux.forward({ method: "GET", url: `${target.base}/r${i}` }).then((r) => r.text())),
    );
    expect(small).toEqual(Array.from({ length: 40 }, (_, i) => `path=/r${i}`));
    const bigBody = new Uint8Array(await (await big).arrayBuffer());
    expect(bigBody.byteLength).toBe(4 * INITIAL_WINDOW);
    expect(bigBody.every((b) => b === 0x61)).toBe(true);
  });

  it("never sends more response bytes than the edge granted", async () => {
    const target = await startTarget();
    const { edge } = await setup({ mux: false });
    const { ws } = await edge.nextConnection();
    const frames: Frame[] = [];
    const data: { id: number; n: number }[] = [];
    let wake: () => void = () => {};
    ws.on("message", (raw, isBinary) => {
      const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
      if (isBinary) {
        const d = decodeBinaryFrame(buf);
        if (d?.kind === "data") data.push({ id: d.id, n: d.payload.byteLength });
      } else {
        const p = HostToEdgeFrame.safeParse(JSON.parse(buf.toString()));
        if (p.success) frames.push(p.data);
      }
      wake();
    });
    const until = async (pred: () => boolean) => {
      while (!pred()) await new Promise<void>((r) => (wake = r));
    };
    await until(() => frames.some((f) => f.t === "hello"));
    ws.send(encodeText({ t: "hello.ack", v: 1, hostId: "h", heartbeatMs: 60_000 }));
    const total = 3 * INITIAL_WINDOW + 100;
    ws.send(encodeText({ t: "req", id: 1, method: "GET", url: `${target.base}/bytes/${total}`, headers: [], body: false }));
    let granted = INITIAL_WINDOW;
    let received = 0;
    while (received < total) {
      await until(() => data.length > 0);
      received += data.shift()!.n;
      expect(received).toBeLessThanOrEqual(granted);
      if (received === granted) {
        granted += INITIAL_WINDOW;
        ws.send(encodeText({ t: "credit", id: 1, bytes: INITIAL_WINDOW }));
      }
    }
    await until(() => frames.some((f) => f.t === "end" && f.id === 1));
    expect(received).toBe(total);
    expect(frames.find((f) => f.t === "res")).toMatchObject({ status: 200, body: true });
  });

  it("refuses malformed and unknown frames and keeps serving", async () => {
    const target = await startTarget();
    const { edge, handler } = await setup({ mux: false });
    const { ws } = await edge.nextConnection();
    const frames: Frame[] = [];
    let wake: () => void = () => {};
    ws.on("message", (raw, isBinary) => {
      if (!isBinary) {
        const p = HostToEdgeFrame.safeParse(JSON.parse(String(raw)));
        if (p.success) frames.push(p.data);
      }
      wake();
    });
    const take = async <T extends Frame["t"]>(t: T) => {
      for (;;) {
        const i = frames.findIndex((f) => f.t === t);
        if (i >= 0) return frames.splice(i, 1)[0] as Extract<Frame, { t: T }>;
        await new Promise<void>((r) => (wake = r));
      }
    };
    await take("hello");
    ws.send(encodeText({ t: "req", id: 1, method: "GET", url: `${target.base}/x`, headers: [], body: false }));
    expect((await take("error")).code).toBe("not_ready");
    ws.send(encodeText({ t: "hello.ack", v: 1, hostId: "h", heartbeatMs: 60_000 }));
    ws.send("{oops");
    expect((await take("error")).code).toBe("bad_frame");
    // A command that fails validation is refused by itself, with why, and never reaches the handler.
    ws.send(JSON.stringify({ t: "cmd", id: "c1", cmd: { op: "sandbox.selfdestruct", sandboxId: "a" } }));
    expect(await take("cmd.ack")).toMatchObject({ id: "c1", ok: false, error: { code: "bad_command" } });
    const hostile = {
      op: "sandbox.start",
      sandboxId: "s1",
      agentId: "agt_1",
      command: ["/bin/true"],
      env: { LD_PRELOAD: "/workspace/x.so" },
      agentToken: "pal_agent_x",
    };
    ws.send(JSON.stringify({ t: "cmd", id: "c2", cmd: hostile }));
    const refused = await take("cmd.ack");
    expect(refused).toMatchObject({
      id: "c2",
      ok: false,
      error: { code: "bad_command", message: expect.stringMatching(/env\.LD_PRELOAD: is a loader variable/) },
    });
    expect(refused.error?.message).not.toContain("/workspace/x.so");
    expect(handler.calls).toEqual([]);
    ws.send(Buffer.from([7, 0, 0]));
    expect((await take("error")).code).toBe("bad_frame");
    ws.send(JSON.stringify({ t: "ping", pad: "x".repeat(MAX_FRAME_BYTES + 10) }));
    expect((await take("error")).code).toBe("frame_too_large");
    ws.send(Buffer.alloc(MAX_FRAME_BYTES + 10, 1));
    expect((await take("error")).code).toBe("frame_too_large");
    ws.send(encodeText({ t: "end", id: 42 }));
    expect(await take("error")).toMatchObject({ code: "unknown_stream", id: 42 });
    ws.send(encodeText({ t: "req", id: 50, method: "GET", url: `${target.base}/still-ok`, headers: [], body: false }));
    expect(await take("res")).toMatchObject({ id: 50, status: 200 });
    await take("end");
  });

  it("runs commands through the handler and acks, reporting why a start failed", async () => {
    const { edge, handler } = await setup();
    const { mux } = await connected(edge);
    const base = { sandboxId: "sbx_1", agentId: "agt_1", env: {}, agentToken: "pal_agent_x" };
    expect(await mux.command({ op: "sandbox.start", command: ["/bin/true"], ...base })).toEqual({ ok: true });
    expect(await mux.command({ op: "sandbox.stop", sandboxId: "sbx_1" })).toEqual({ ok: true });
    expect(await mux.command({ op: "sandbox.kill", sandboxId: "sbx_1" })).toEqual({ ok: true });
    expect(handler.calls).toEqual(["start:sbx_1", "stop:sbx_1", "kill:sbx_1"]);
    const failed = await mux.command({ op: "sandbox.start", command: ["/missing"], ...base });
    expect(failed).toEqual({ ok: false, error: { code: "start_failed", message: "executable not found" } });
  });

  it("forwards sandbox status events to the edge", async () => {
    const statuses: unknown[] = [];
    const edge = await startFakeEdge({ credential: CRED, onStatus: (st) => statuses.push(st) });
    cleanups.push(() => edge.close());
    const client = new TunnelClient({ edgeUrl: edge.url, credential: CRED, handler: new RecordingHandler(), log: () => {} });
    expect(client.sendStatus({ sandboxId: "s", state: "running", at: 1 })).toBe(false);
    const readyP = new Promise<void>((r) => client.once("connected", () => r()));
    client.start();
    cleanups.push(() => client.stop());
    const { mux } = await connected(edge);
    await readyP;
    expect(client.sendStatus({ sandboxId: "s", state: "exited", exitCode: 3, at: 2 })).toBe(true);
    // A command round trip after it: frames are handled in order, so the status has been seen.
    expect(await mux.command({ op: "sandbox.kill", sandboxId: "s" })).toEqual({ ok: true });
    expect(statuses).toEqual([{ sandboxId: "s", state: "exited", exitCode: 3, at: 2 }]);
  });

  it("fails in-flight requests when the link drops, then reconnects", async () => {
    const target = await startTarget();
    const { edge, client } = await setup();
    const first = await connected(edge);
    const inflight = first.mux.forward({ method: "GET", url: `${target.base}/hang` });
    const rejected = expect(inflight).rejects.toThrow(/host tunnel: connection closed/);
    while (client.inflight === 0) await new Promise((r) => setTimeout(r, 5));
    const disconnected = new Promise<void>((r) => client.once("disconnected", () => r()));
    first.ws.terminate();
    await rejected;
    await disconnected;
    expect(client.inflight).toBe(0);
    const second = await connected(edge);
    expect(edge.connections).toBe(2);
    const res = await second.mux.forward({ method: "GET", url: `${target.base}/after` });
    expect(await res.text()).toBe("path=/after");
    // The target saw the hanging request aborted rather than left open.
    while (!target.aborted.includes("/hang")) await new Promise((r) => setTimeout(r, 5));
  });

  it("declares the link dead when pongs stop, and reconnects", async () => {
    const { edge, client } = await setup({ answerPings: false }, { heartbeatMs: 30, missedPongs: 2 });
    await edge.nextConnection();
    const timedOut = new Promise<void>((r) => client.once("heartbeat-timeout", () => r()));
    await timedOut;
    await edge.nextConnection();
    expect(edge.connections).toBeGreaterThanOrEqual(2);
  });

  it("survives an edge restart on the same address", async () => {
    const target = await startTarget();
    const { edge, client } = await setup();
    await connected(edge);
    const port = Number(new URL(edge.url).port);
    const disconnected = new Promise<void>((r) => client.once("disconnected", () => r()));
    await edge.close();
    await disconnected;
    const restarted = await startFakeEdge({ credential: CRED, port });
    cleanups.push(() => restarted.close());
    const { mux } = await connected(restarted);
    expect(await (await mux.forward({ method: "GET", url: `${target.base}/back` })).text()).toBe("path=/back");
  });

  it("is refused with a wrong credential and keeps retrying with backoff", async () => {
    const { edge, client } = await setup({}, { credential: "pal_hostcred_revoked" });
    const statuses: number[] = [];
    await new Promise<void>((resolve) =>
      client.on("refused", (status: number) => {
        statuses.push(status);
        if (statuses.length >= 2) resolve();
      }),
    );
    expect(statuses.slice(0, 2)).toEqual([401, 401]);
    expect(edge.connections).toBe(0);
    expect(client.connected).toBe(false);
  });
});

/** A raw edge's view of what the host sends: text frames and binary frames, in order. */
function recordHost(ws: WebSocket) {
  const seen: (Frame | BinaryFrame)[] = [];
  let wake: () => void = () => {};
  ws.on("message", (raw, isBinary) => {
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as ArrayBuffer);
    const frame = isBinary ? decodeBinaryFrame(buf) : HostToEdgeFrame.safeParse(JSON.parse(buf.toString())).data;
    if (frame) seen.push(isBinary ? { ...(frame as BinaryFrame), payload: Buffer.from((frame as BinaryFrame).payload) } : frame);
    wake();
  });
  const until = async (pred: () => boolean) => {
    while (!pred()) await new Promise<void>((r) => (wake = r));
  };
  /** Frames of one stream, as "res", "end", "data", "data+end" or "response" (whole). */
  const of = (id: number) =>
    seen.flatMap((f) => {
      if (!("id" in f) || f.id !== id) return [];
      if ("kind" in f) return [f.kind === "response" ? "response" : f.end ? "data+end" : "data"];
      return [f.t];
    });
  return { seen, until, of };
}

describe("joined frames (protocol version 2)", () => {
  it("a small answer leaves the host as one message: head, body and end together", async () => {
    const target = await startTarget();
    const { edge } = await setup({ mux: false });
    const { ws } = await edge.nextConnection();
    const host = recordHost(ws);
    await host.until(() => host.seen.some((f) => "t" in f && f.t === "hello" && f.v === 2));
    ws.send(encodeText({ t: "hello.ack", v: 2, hostId: "h", heartbeatMs: 60_000 }));
    ws.send(encodeText({ t: "req", id: 1, method: "GET", url: `${target.base}/small`, headers: [], body: false }));
    ws.send(encodeText({ t: "req", id: 2, method: "HEAD", url: `${target.base}/small`, headers: [], body: false }));
    await host.until(() => host.of(1).length > 0 && host.of(2).length > 0);
    // A command round trip after it: anything else the host had for streams 1 and 2 has arrived.
    ws.send(encodeText({ t: "ping" }));
    await host.until(() => host.seen.some((f) => "t" in f && f.t === "pong"));
    expect(host.of(1)).toEqual(["response"]);
    expect(host.of(2)).toEqual(["response"]);
    const whole = host.seen.find((f): f is Extract<BinaryFrame, { kind: "response" }> => "kind" in f && f.kind === "response" && f.id === 1);
    expect(JSON.parse(whole?.head ?? "")).toMatchObject({ t: "res", id: 1, status: 200, body: true });
    expect(Buffer.from(whole?.payload ?? []).toString()).toBe("path=/small");
  });

  it("a longer answer sends its head, then data, the last data frame ending the body (no end frame)", async () => {
    const target = await startTarget();
    const { edge } = await setup({ mux: false });
    const { ws } = await edge.nextConnection();
    const host = recordHost(ws);
    await host.until(() => host.seen.some((f) => "t" in f && f.t === "hello"));
    ws.send(encodeText({ t: "hello.ack", v: 2, hostId: "h", heartbeatMs: 60_000 }));
    const total = INITIAL_WINDOW - 1000; // more than one chunk, within the first window
    ws.send(encodeText({ t: "req", id: 1, method: "GET", url: `${target.base}/bytes/${total}`, headers: [], body: false }));
    await host.until(() => host.of(1).at(-1) === "data+end" || host.of(1).at(-1) === "response");
    const frames = host.of(1);
    expect(frames[0]).toBe("res");
    expect(frames.slice(1, -1).every((f) => f === "data")).toBe(true);
    expect(frames).not.toContain("end");
    const bytes = host.seen.reduce((n, f) => n + ("kind" in f && f.id === 1 ? f.payload.byteLength : 0), 0);
    expect(bytes).toBe(total);
  });

  it("facing an edge of version 1 (which refuses hello 2), says hello 1 and sends only version-1 frames", async () => {
    const target = await startTarget();
    const { edge, client } = await setup({ mux: false });
    const { ws } = await edge.nextConnection();
    const host = recordHost(ws);
    await host.until(() => host.seen.some((f) => "t" in f && f.t === "hello"));
    ws.send(encodeText({ t: "error", code: "bad_frame", message: "unknown frame or invalid fields" }));
    await host.until(() => host.seen.some((f) => "t" in f && f.t === "hello" && f.v === 1));
    ws.send(encodeText({ t: "hello.ack", v: 1, hostId: "h", heartbeatMs: 60_000 }));
    ws.send(encodeText({ t: "req", id: 1, method: "GET", url: `${target.base}/small`, headers: [], body: false }));
    await host.until(() => host.of(1).includes("end"));
    expect(host.of(1)).toEqual(["res", "data", "end"]);
    expect(client.connected).toBe(true);
  });

  it("through the edge's mux: small, empty, bodiless and streamed answers arrive whole", async () => {
    const target = await startTarget();
    const { edge } = await setup();
    const { mux } = await connected(edge);
    expect(await (await mux.forward({ method: "GET", url: `${target.base}/one` })).text()).toBe("path=/one");
    const head = await mux.forward({ method: "HEAD", url: `${target.base}/one` });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    expect((await (await mux.forward({ method: "GET", url: `${target.base}/bytes/0` })).arrayBuffer()).byteLength).toBe(0);
    const big = new Uint8Array(await (await mux.forward({ method: "GET", url: `${target.base}/bytes/${2 * INITIAL_WINDOW + 5}` })).arrayBuffer());
    expect(big.byteLength).toBe(2 * INITIAL_WINDOW + 5);
  });
});

describe("EdgeMux: joined frames from a host", () => {
  async function muxWithStream() {
    const sent: (string | Uint8Array)[] = [];
    const mux = new EdgeMux({ send: (d) => void sent.push(d), close: () => {} }, { hostId: "h", log: () => {} });
    mux.handleMessage(encodeText({ t: "hello", v: 2 }));
    const response = mux.forward({ method: "GET", url: "http://127.0.0.1:9/x" });
    const req = JSON.parse(String(sent.find((d) => typeof d === "string" && d.includes('"req"'))));
    const errors = () => sent.filter((d): d is string => typeof d === "string" && /"t":"(error|reset)"/.test(d)).map((d) => JSON.parse(d));
    return { mux, response, id: req.id as number, errors };
  }
  const head = (id: number, body = true) => ({ t: "res" as const, id, status: 200, headers: [["x-a", "1"]] as [string, string][], body });
  const enc = (s: string) => new TextEncoder().encode(s);

  it("refuses a whole response for another stream, and fails a stream whose whole response is not JSON or has a body it says it has not", async () => {
    const { mux, response, id, errors } = await muxWithStream();
    mux.handleMessage(encodeResponse(head(id + 1), enc("x")));
    expect(errors().map((e) => [e.t, e.code])).toEqual([["error", "unknown_stream"]]);
    // The stream is untouched by another stream's frame and takes its real answer.
    mux.handleMessage(encodeResponse(head(id), enc("real")));
    const res = await response;
    expect([res.headers.get("x-a"), await res.text()]).toEqual(["1", "real"]);
    const notJson = await muxWithStream();
    const frame = encodeResponse(head(notJson.id), enc("x"));
    frame[10] = 0x7b; // the head's second byte ('"' of '{"t":') becomes '{': not JSON
    notJson.mux.handleMessage(frame);
    await expect(notJson.response).rejects.toThrow(/bad response frame/);
    const smuggled = await muxWithStream();
    smuggled.mux.handleMessage(encodeResponse(head(smuggled.id, false), enc("smuggled")));
    await expect(smuggled.response).rejects.toThrow(/bad response frame/);
    expect(smuggled.errors().map((e) => [e.t, e.code])).toEqual([["reset", "bad_frame"]]);
  });

  it("ends a body at data+end: later data for the stream is refused, and a second head resets it", async () => {
    const first = await muxWithStream();
    first.mux.handleMessage(encodeText(head(first.id)));
    first.mux.handleMessage(encodeData(first.id, enc("ab")));
    first.mux.handleMessage(encodeData(first.id, enc("c"), true));
    first.mux.handleMessage(encodeData(first.id, enc("late")));
    expect(await (await first.response).text()).toBe("abc");
    expect(first.errors().map((e) => e.code)).toEqual(["unknown_stream"]);
    const second = await muxWithStream();
    second.mux.handleMessage(encodeText(head(second.id)));
    const res = await second.response;
    second.mux.handleMessage(encodeResponse(head(second.id), enc("again")));
    expect(second.errors().map((e) => e.code)).toEqual(["out_of_order"]);
    await expect(res.text()).rejects.toThrow(/second response head/);
  });
});

describe("headersFitFrame", () => {
  it("agrees with the head frame's schema at every bound of the header list", () => {
    const name = (n: number) => "n".repeat(n);
    const lists: [string, string][][] = [
      [],
      [["a", ""]],
      [["", "v"]],
      [[name(256), "v"]],
      [[name(257), "v"]],
      [["a", "v".repeat(16 * 1024)]],
      [["a", "v".repeat(16 * 1024 + 1)]],
      Array.from({ length: 256 }, (_, i) => [`h${i}`, "v"] as [string, string]),
      Array.from({ length: 257 }, (_, i) => [`h${i}`, "v"] as [string, string]),
    ];
    for (const headers of lists) {
      const schema = HostToEdgeFrame.safeParse({ t: "res", id: 1, status: 200, headers, body: true }).success;
      expect(headersFitFrame(headers), `${headers.length} headers`).toBe(schema);
    }
  });
});
