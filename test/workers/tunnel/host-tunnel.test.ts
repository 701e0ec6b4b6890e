// HostTunnel DO tests: the test plays the sandbox host on a real WebSocket to the Durable Object.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  EdgeToHostFrame,
  INITIAL_WINDOW,
  MAX_FRAME_BYTES,
  decodeBinaryFrame,
  encodeData,
  type EdgeToHostFrame as Frame,
} from "../../../schema/tunnel.js";
import type { ForwardOptions, ForwardRequest } from "../../../workers/tunnel/edge-mux.js";
import { connectHostTunnel } from "../../../workers/tunnel/connect.js";
import { HOST_ID_HEADER, type HostTunnel, ORG_ID_HEADER, POOL_HEADER } from "../../../workers/tunnel/host-tunnel.js";

type Msg = { kind: "text"; frame: Frame } | { kind: "data"; id: number; payload: Uint8Array };

/** The host side of the tunnel, driven step by step by a test. */
class FakeHost {
  readonly messages: Msg[] = [];
  #waiters: (() => void)[] = [];
  closed = false;

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data === "string") {
        const parsed = EdgeToHostFrame.safeParse(JSON.parse(ev.data));
        if (!parsed.success) throw new Error(`edge sent an invalid frame: ${ev.data}`);
        this.messages.push({ kind: "text", frame: parsed.data });
      } else {
        const d = decodeBinaryFrame(new Uint8Array(ev.data));
        if (d?.kind !== "data") throw new Error("edge sent a bad binary frame");
        this.messages.push({ kind: "data", id: d.id, payload: d.payload.slice() });
      }
      this.#wake();
    });
    ws.addEventListener("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Waits for (and removes) the first message matching `pred`. */
  async take<M extends Msg>(pred: (m: Msg) => m is M): Promise<M> {
    for (;;) {
      const i = this.messages.findIndex(pred);
      if (i >= 0) return this.messages.splice(i, 1)[0] as M;
      if (this.closed) throw new Error("socket closed while waiting");
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  frame<T extends Frame["t"]>(t: T, pred: (f: Extract<Frame, { t: T }>) => boolean = () => true) {
    return this.take(
      (m): m is { kind: "text"; frame: Extract<Frame, { t: T }> } =>
        m.kind === "text" && m.frame.t === t && pred(m.frame as Extract<Frame, { t: T }>),
    ).then((m) => m.frame);
  }

  data(id: number) {
    return this.take((m): m is { kind: "data"; id: number; payload: Uint8Array } => m.kind === "data" && m.id === id);
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }
}

let hostSeq = 0;
async function connect(hello = true) {
  const hostId = `host-${++hostSeq}`;
  const stub = env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName(hostId));
  const res = await stub.fetch("https://tunnel.internal/tunnel", {
    headers: { Upgrade: "websocket", [HOST_ID_HEADER]: hostId, [ORG_ID_HEADER]: "org_1", [POOL_HEADER]: "default" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no websocket");
  ws.binaryType = "arraybuffer";
  ws.accept();
  const host = new FakeHost(ws);
  if (hello) {
    host.send({ t: "hello", v: 1, agent: "test" });
    const ack = await host.frame("hello.ack");
    expect(ack.hostId).toBe(hostId);
  }
  return { stub, host, hostId };
}

type Stub = DurableObjectStub<HostTunnel>;
/**
 * Calls that are expected to fail run on the instance: a rejecting DO RPC leaks an unhandled
 * rejection in the vitest plugin (cloudflare/workers-sdk#14736). Happy paths use real RPC.
 */
const direct = (stub: Stub, req: ForwardRequest, opts?: ForwardOptions) => runInDurableObject(stub, (t: HostTunnel) => t.forward(req, opts));

const enc = (s: string) => new TextEncoder().encode(s);

describe("HostTunnel", () => {
  it("refuses an upgrade without the verified identity headers", async () => {
    const stub = env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName("anon"));
    const res = await stub.fetch("https://tunnel.internal/tunnel", { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(401);
  });

  it("connectHostTunnel passes only the verified identity, never client-sent identity headers", async () => {
    const client = new Request("https://edge.test/tunnel", {
      headers: { Upgrade: "websocket", [HOST_ID_HEADER]: "forged-host", [ORG_ID_HEADER]: "org_forged", [POOL_HEADER]: "forged" },
    });
    const res = await connectHostTunnel(env.HOST_TUNNEL, client, { hostId: "verified-host", orgId: "org_real", pool: "p1" });
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    const stub = env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName("verified-host"));
    expect(await stub.status()).toMatchObject({ hostId: "verified-host", orgId: "org_real", pool: "p1" });
    res.webSocket?.close(1000, "done");
  });

  it("closes a socket whose host stopped sending heartbeats", async () => {
    const { stub, host } = await connect();
    await runInDurableObject(stub, async (_t: HostTunnel, state) => {
      await state.storage.put("lastHeartbeatAt", 0);
      await state.storage.put("connectedAt", 0);
    });
    // No ping was ever answered and the stored heartbeat is ancient: the alarm closes the socket.
    await runDurableObjectAlarm(stub);
    while (!host.closed) await new Promise((r) => setTimeout(r, 5));
    expect((await stub.status()).connected).toBe(false);
  });

  it("answers hello, answers heartbeats and reports status", async () => {
    const { stub, host, hostId } = await connect();
    host.ws.send('{"t":"ping"}');
    await host.frame("pong");
    const status = await stub.status();
    expect(status).toMatchObject({ connected: true, hostId, orgId: "org_1", pool: "default", inflight: 0 });
    expect(status.lastHeartbeatAt).toBeGreaterThan(0);
  });

  it("refuses forwarding before hello", async () => {
    const { stub } = await connect(false);
    await expect(direct(stub, { method: "GET", url: "http://internal.test/" })).rejects.toThrow(/not connected/);
  });

  it("forwards a request with a body and streams the response back", async () => {
    const { stub, host } = await connect();
    const pending = stub.forward({
      method: "POST",
      url: "http://internal.test/echo",
      headers: new Headers({ "content-type": "text/plain" }),
      body: "hello body",
    });
    const req = await host.frame("req");
    expect(req).toMatchObject({ method: "POST", url: "http://internal.test/echo", body: true });
    expect(req.headers).toContainEqual(["content-type", "text/plain"]);
    const chunk = await host.data(req.id);
    expect(new TextDecoder().decode(chunk.payload)).toBe("hello body");
    await host.frame("end", (f) => f.id === req.id);
    host.send({ t: "res", id: req.id, status: 201, headers: [["x-target", "yes"]], body: true });
    host.ws.send(encodeData(req.id, enc("part1-")));
    host.ws.send(encodeData(req.id, enc("part2")));
    host.send({ t: "end", id: req.id });
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.headers.get("x-target")).toBe("yes");
    expect(await res.text()).toBe("part1-part2");
  });

  it("multiplexes concurrent requests, answered out of order", async () => {
    const { stub, host } = await connect();
    const a = stub.forward({ method: "GET", url: "http://internal.test/a" });
    const b = stub.forward({ method: "GET", url: "http://internal.test/b" });
    const ra = await host.frame("req", (f) => f.url.endsWith("/a"));
    const rb = await host.frame("req", (f) => f.url.endsWith("/b"));
    expect(ra.id).not.toBe(rb.id);
    host.send({ t: "res", id: rb.id, status: 200, headers: [], body: true });
    host.send({ t: "res", id: ra.id, status: 200, headers: [], body: true });
    host.ws.send(encodeData(ra.id, enc("AAA")));
    host.ws.send(encodeData(rb.id, enc("BBB")));
    host.send({ t: "end", id: rb.id });
    host.send({ t: "end", id: ra.id });
    expect(await (await b).text()).toBe("BBB");
    expect(await (await a).text()).toBe("AAA");
  });

  it("never sends more request body than the host granted", async () => {
    const { stub, host } = await connect();
    const size = INITIAL_WINDOW * 2 + 12345;
    const body = new Uint8Array(size).fill(7);
    const pending = stub.forward({ method: "PUT", url: "http://internal.test/upload", body });
    const req = await host.frame("req");
    let granted = INITIAL_WINDOW;
    let received = 0;
    while (received < size) {
      const d = await host.data(req.id);
      received += d.payload.byteLength;
      expect(received).toBeLessThanOrEqual(granted);
      // Grant more only once the window is used up, so the edge must have stopped at the limit.
      if (received === granted) {
        granted += INITIAL_WINDOW;
        host.send({ t: "credit", id: req.id, bytes: INITIAL_WINDOW });
      }
    }
    await host.frame("end", (f) => f.id === req.id);
    expect(received).toBe(size);
    host.send({ t: "res", id: req.id, status: 204, headers: [], body: false });
    expect((await pending).status).toBe(204);
  });

  it("grants credit as the response is consumed, and resets a stream that exceeds its window", async () => {
    const { stub, host } = await connect();
    // Stream 1: the host fills the window; reading it returns credit.
    const p1 = stub.forward({ method: "GET", url: "http://internal.test/big" });
    const r1 = await host.frame("req");
    host.send({ t: "res", id: r1.id, status: 200, headers: [], body: true });
    const chunk = new Uint8Array(64 * 1024).fill(1);
    for (let sent = 0; sent < INITIAL_WINDOW; sent += chunk.byteLength) host.ws.send(encodeData(r1.id, chunk));
    const res1 = await p1;
    const reader = res1.body!.getReader();
    let got = 0;
    while (got < INITIAL_WINDOW) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value.byteLength;
    }
    const credit = await host.frame("credit", (f) => f.id === r1.id);
    expect(credit.bytes).toBeGreaterThan(0);
    host.send({ t: "end", id: r1.id });
    expect((await reader.read()).done).toBe(true);

    // Stream 2: the host ignores the window; only this stream is reset.
    const p2 = direct(stub, { method: "GET", url: "http://internal.test/greedy" });
    const r2 = await host.frame("req");
    host.send({ t: "res", id: r2.id, status: 200, headers: [], body: true });
    for (let sent = 0; sent <= INITIAL_WINDOW; sent += chunk.byteLength) host.ws.send(encodeData(r2.id, chunk));
    const reset = await host.frame("reset", (f) => f.id === r2.id);
    expect(reset.code).toBe("flow_control");
    const res2 = await p2;
    await expect(res2.text()).rejects.toThrow();
  });

  it("refuses malformed and out-of-order frames while other streams continue", async () => {
    const { stub, host } = await connect();
    const pending = stub.forward({ method: "GET", url: "http://internal.test/ok" });
    const req = await host.frame("req");
    host.ws.send("not json");
    expect((await host.frame("error")).code).toBe("bad_frame");
    host.send({ t: "teleport", id: 1 });
    expect((await host.frame("error")).code).toBe("bad_frame");
    host.ws.send(new Uint8Array([9, 9]));
    expect((await host.frame("error")).code).toBe("bad_frame");
    host.send({ t: "ping", pad: "x".repeat(MAX_FRAME_BYTES + 10) });
    expect((await host.frame("error")).code).toBe("frame_too_large");
    host.send({ t: "res", id: 999_999, status: 200, headers: [], body: false });
    expect(await host.frame("error")).toMatchObject({ code: "unknown_stream", id: 999_999 });
    host.ws.send(encodeData(999_999, enc("x")));
    expect((await host.frame("error")).code).toBe("unknown_stream");

    host.send({ t: "res", id: req.id, status: 200, headers: [], body: true });
    host.ws.send(encodeData(req.id, enc("still fine")));
    host.send({ t: "end", id: req.id });
    expect(await (await pending).text()).toBe("still fine");

    // A second response head on a live stream resets that stream only.
    const p2 = direct(stub, { method: "GET", url: "http://internal.test/twice" });
    const r2 = await host.frame("req");
    host.send({ t: "res", id: r2.id, status: 200, headers: [], body: true });
    const res2 = await p2;
    host.send({ t: "res", id: r2.id, status: 200, headers: [], body: true });
    expect((await host.frame("reset", (f) => f.id === r2.id)).code).toBe("out_of_order");
    await expect(res2.text()).rejects.toThrow();
  });

  it("fails in-flight requests when the socket closes, before and after the head", async () => {
    const { stub, host } = await connect();
    const before = direct(stub, { method: "GET", url: "http://internal.test/slow" });
    const after = direct(stub, { method: "GET", url: "http://internal.test/partial" });
    await host.frame("req", (f) => f.url.endsWith("/slow"));
    const r2 = await host.frame("req", (f) => f.url.endsWith("/partial"));
    host.send({ t: "res", id: r2.id, status: 200, headers: [], body: true });
    host.ws.send(encodeData(r2.id, enc("half")));
    const partial = await after;
    host.ws.close(1011, "host going away");
    await expect(before).rejects.toThrow(/host tunnel/);
    await expect(partial.text()).rejects.toThrow();
    expect((await stub.status()).connected).toBe(false);
    await expect(direct(stub, { method: "GET", url: "http://internal.test/" })).rejects.toThrow(/not connected/);
  });

  it("times out a request whose head never comes", async () => {
    const { stub, host } = await connect();
    const pending = direct(stub, { method: "GET", url: "http://internal.test/never" }, { headTimeoutMs: 50 });
    const req = await host.frame("req");
    await expect(pending).rejects.toThrow(/host tunnel/);
    expect((await host.frame("reset", (f) => f.id === req.id)).code).toBe("timeout");
  });

  it("sends commands, returns acks and records status events", async () => {
    const { stub, host } = await connect();
    const ackP = stub.command({
      op: "sandbox.start",
      sandboxId: "sbx_1",
      agentId: "agt_1",
      command: ["/bin/true"],
      env: { FOO: "bar" },
      agentToken: "pal_agent_test",
    });
    const cmd = await host.frame("cmd");
    expect(cmd.cmd).toMatchObject({ op: "sandbox.start", sandboxId: "sbx_1" });
    host.send({ t: "cmd.ack", id: cmd.id, ok: true });
    expect(await ackP).toEqual({ ok: true });

    const killP = stub.command({ op: "sandbox.kill", sandboxId: "nope" });
    const kill = await host.frame("cmd");
    host.send({ t: "cmd.ack", id: kill.id, ok: false, error: { code: "not_found", message: "no such sandbox" } });
    expect(await killP).toEqual({ ok: false, error: { code: "not_found", message: "no such sandbox" } });

    host.send({ t: "sandbox.status", sandboxId: "sbx_1", state: "exited", exitCode: 0, at: 1 });
    // A refused frame is a barrier: its error reply proves the status frame before it was handled.
    host.ws.send("barrier");
    await host.frame("error");
    await expect(stub.sandboxes()).resolves.toContainEqual({ sandboxId: "sbx_1", state: "exited", exitCode: 0, at: 1 });

    const unknown = JSON.parse('{"op":"sandbox.explode","sandboxId":"x"}');
    await expect(runInDurableObject(stub, (t: HostTunnel) => t.command(unknown))).rejects.toThrow(/invalid tunnel command/);
  });
});
