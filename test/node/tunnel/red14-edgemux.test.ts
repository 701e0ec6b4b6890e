// Red team s14: a malicious host (valid credential) feeding crafted v2 frames to the edge's EdgeMux.
// Each test passes when the edge holds and fails when the attack succeeds.
import { describe, expect, it } from "vitest";
import { INITIAL_WINDOW, MAX_CHUNK_BYTES, MAX_FRAME_BYTES, encodeData, encodeText } from "../../../schema/tunnel.js";
import { EdgeMux } from "../../../workers/tunnel/edge-mux.js";

type Sent = string | Uint8Array;

function makeMux(opts: { version?: number; headTimeoutMs?: number; idleTimeoutMs?: number } = {}) {
  const sent: Sent[] = [];
  const socket = { send: (d: Sent) => void sent.push(d), close: () => {} };
  const mux = new EdgeMux(socket, {
    hostId: "host-red14",
    log: () => {},
    headTimeoutMs: opts.headTimeoutMs ?? 5_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 5_000,
  });
  const feed = (m: string | Uint8Array) => {
    // The mux must never throw, whatever the host sends.
    expect(() => mux.handleMessage(m)).not.toThrow();
  };
  feed(JSON.stringify({ t: "hello", v: opts.version ?? 2 }));
  const texts = () => sent.filter((s): s is string => typeof s === "string").map((s) => JSON.parse(s) as Record<string, unknown>);
  /** Opens a stream; returns its id and the forward() promise. */
  const open = (method = "GET", body?: ReadableStream<Uint8Array> | Uint8Array) => {
    const p = mux.forward({ method, url: "http://internal.test/x", ...(body ? { body } : {}) });
    p.catch(() => {});
    const req = texts()
      .filter((f) => f.t === "req")
      .at(-1)!;
    return { id: req.id as number, res: p };
  };
  return { mux, sent, feed, texts, open };
}

const enc = new TextEncoder();

/** A kind-3 frame built by hand: kind | u32 id | u32 headLen | head bytes | payload (headLen may lie). */
function rawResponse(frameId: number, head: Uint8Array | string | object, payload: Uint8Array = new Uint8Array(0), headLen?: number): Uint8Array {
  const h = head instanceof Uint8Array ? head : enc.encode(typeof head === "string" ? head : JSON.stringify(head));
  const out = new Uint8Array(9 + h.byteLength + payload.byteLength);
  const v = new DataView(out.buffer);
  out[0] = 3;
  v.setUint32(1, frameId, false);
  v.setUint32(5, headLen ?? h.byteLength, false);
  out.set(h, 9);
  out.set(payload, 9 + h.byteLength);
  return out;
}
const resHead = (id: number, extra: Record<string, unknown> = {}) => ({
  t: "res",
  id,
  status: 200,
  headers: [["content-type", "text/plain"]],
  body: true,
  ...extra,
});

/** Resolves with "timeout" when p has not settled after ms. */
async function settleWithin<T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | "timeout"> {
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

async function bodyText(res: Response): Promise<string> {
  return new TextDecoder().decode(await res.arrayBuffer());
}

describe("red14: crafted v2 frames against EdgeMux", () => {
  it("attack: kind 3 whose head JSON names another stream (response to the wrong stream)", async () => {
    const { feed, open, mux } = makeMux();
    const a = open();
    const b = open();
    feed(rawResponse(a.id, resHead(b.id), enc.encode("for-a-not-b")));
    const rb = await settleWithin(b.res, 200);
    expect(rb).toBe("timeout"); // b got nothing
    feed(rawResponse(b.id, resHead(b.id), enc.encode("b-body")));
    const rb2 = await settleWithin(b.res, 500);
    expect(rb2).not.toBe("timeout");
    if (rb2 !== "timeout" && rb2.ok) expect(await bodyText(rb2.value)).toBe("b-body");
    mux.handleClose("test end");
  });

  it("attack: head length pointing past the frame end, and huge (u32 max)", () => {
    const { feed, open, texts, mux } = makeMux();
    const a = open();
    feed(rawResponse(a.id, resHead(a.id), enc.encode("x"), 100_000));
    feed(rawResponse(a.id, resHead(a.id), enc.encode("x"), 0xffffffff));
    feed(new Uint8Array([3, 0, 0, 0, a.id, 0, 0])); // truncated header
    // The first fails the stream (reset); the later ones are refused for a stream that is gone.
    expect(texts().filter((f) => f.t === "reset" && f.id === a.id).length).toBe(1);
    expect(texts().filter((f) => f.t === "error").length).toBe(2);
    mux.handleClose("test end");
  });

  it("attack: invalid UTF-8, BOM, and extra fields in the head JSON", async () => {
    const { feed, open, texts, mux } = makeMux();
    const malformed: ((id: number) => Uint8Array)[] = [
      (id) => {
        const good = enc.encode(JSON.stringify(resHead(id)));
        const bad = new Uint8Array(good.byteLength + 2);
        bad.set(good.subarray(0, good.byteLength - 1));
        bad.set([0xc3, 0x28, 0x7d], good.byteLength - 1); // invalid sequence before the closing brace
        return rawResponse(id, bad);
      },
      (id) => rawResponse(id, new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode(JSON.stringify(resHead(id)))])),
      (id) => rawResponse(id, resHead(id, { extra: "x" })),
      (id) => rawResponse(id, { t: "hello", v: 2 }),
      (id) => rawResponse(id, { t: "end", id }),
      (id) => rawResponse(id, resHead(id, { id: String(id) })),
      (id) => rawResponse(id, resHead(id, { status: 101 })),
    ];
    // Each on its own stream: refused, and the stream fails at once (nothing else will come for it).
    for (const frame of malformed) {
      const a = open();
      feed(frame(a.id));
      const settled = await settleWithin(a.res, 100);
      expect(settled).not.toBe("timeout");
      expect(settled !== "timeout" && settled.ok).toBe(false);
    }
    expect(texts().filter((f) => f.t === "reset" && f.code === "bad_frame").length).toBe(malformed.length);
    mux.handleClose("test end");
  });

  it("attack: kind 3 with body:false carrying a payload (HEAD/204 smuggling a body)", async () => {
    const { feed, open, mux } = makeMux();
    const a = open("HEAD");
    feed(rawResponse(a.id, resHead(a.id, { body: false }), enc.encode("smuggled")));
    const r = await settleWithin(a.res, 200);
    if (r !== "timeout" && r.ok) expect(await bodyText(r.value)).toBe("");
    mux.handleClose("test end");
  });

  it("attack: a refused kind-3 head leaves the stream waiting for the head timeout (stream should fail at once)", async () => {
    // The host sends a whole response whose head the edge cannot accept (e.g. 257 headers from the
    // target, or a status the schema refuses). With v1 the data/end frames that follow reset the stream
    // at once; with kind 3 nothing follows, and the edge only answers `error` to the host.
    const { feed, open, mux } = makeMux({ headTimeoutMs: 5_000 });
    const a = open();
    const headers = Array.from({ length: 257 }, (_, i) => [`x-h${i}`, "v"]);
    feed(rawResponse(a.id, resHead(a.id, { headers }), enc.encode("body")));
    const r = await settleWithin(a.res, 1_000);
    expect(r, "forward() still pending 1 s after its only response frame was refused").not.toBe("timeout");
    mux.handleClose("test end");
  });

  it("attack: same refused head sent the v1 way fails at once (reference for the previous test)", async () => {
    const { feed, open, mux } = makeMux({ version: 1, headTimeoutMs: 5_000 });
    const a = open();
    const headers = Array.from({ length: 257 }, (_, i) => [`x-h${i}`, "v"]);
    feed(JSON.stringify(resHead(a.id, { headers })));
    feed(encodeData(a.id, enc.encode("body")));
    feed(encodeText({ t: "end", id: a.id }));
    const r = await settleWithin(a.res, 1_000);
    expect(r).not.toBe("timeout");
    mux.handleClose("test end");
  });

  it("attack: second head (text res, then kind 3) after a whole kind-3 response is never delivered", async () => {
    const { feed, open, mux } = makeMux();
    const a = open();
    feed(rawResponse(a.id, resHead(a.id), enc.encode("first")));
    feed(JSON.stringify(resHead(a.id, { status: 500 })));
    feed(rawResponse(a.id, resHead(a.id, { status: 418 }), enc.encode("second")));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    if (r !== "timeout" && r.ok) {
      expect(r.value.status).toBe(200);
      const body = await r.value.arrayBuffer().then(
        (b) => new TextDecoder().decode(b),
        () => "<errored>",
      );
      expect(body === "first" || body === "<errored>").toBe(true);
    }
    mux.handleClose("test end");
  });

  it("attack: data (kind 1 and kind 2) after a kind-2 end is not appended to the body", async () => {
    const { feed, open, mux } = makeMux();
    const a = open();
    feed(JSON.stringify(resHead(a.id)));
    feed(encodeData(a.id, enc.encode("hello"), true));
    feed(encodeData(a.id, enc.encode("-more")));
    feed(encodeData(a.id, enc.encode("-again"), true));
    feed(rawResponse(a.id, resHead(a.id), enc.encode("-whole")));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    if (r !== "timeout" && r.ok) {
      const body = await r.value.arrayBuffer().then(
        (b) => new TextDecoder().decode(b),
        () => "<errored>",
      );
      expect(["hello", "<errored>"]).toContain(body);
    }
    mux.handleClose("test end");
  });

  it("attack: kind 2 beyond the window after the window was used up (flow-control bypass)", async () => {
    const { feed, open, texts, mux } = makeMux();
    const a = open();
    feed(JSON.stringify(resHead(a.id)));
    const chunk = new Uint8Array(MAX_CHUNK_BYTES);
    for (let i = 0; i < INITIAL_WINDOW / MAX_CHUNK_BYTES; i++) feed(encodeData(a.id, chunk));
    feed(encodeData(a.id, new Uint8Array(1), true));
    expect(texts().some((f) => f.t === "reset" && f.id === a.id && f.code === "flow_control")).toBe(true);
    mux.handleClose("test end");
  });

  it("attack: oversized data payloads (> MAX_CHUNK_BYTES, up to the frame limit) in kind 1, 2 and 3 stay within the window", async () => {
    const { feed, open, texts, mux } = makeMux();
    const a = open();
    // A kind-3 payload as large as the frame allows: it must fit the 1 MiB window (it does: frame <= window).
    const big = new Uint8Array(MAX_FRAME_BYTES - 9 - 200);
    feed(rawResponse(a.id, resHead(a.id), big));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    let total = 0;
    if (r !== "timeout" && r.ok) total = (await r.value.arrayBuffer()).byteLength;
    expect(total).toBeLessThanOrEqual(INITIAL_WINDOW);
    // A frame above the limit is refused, not half-read.
    const b = open();
    feed(rawResponse(b.id, resHead(b.id), new Uint8Array(MAX_FRAME_BYTES)));
    expect(texts().some((f) => f.t === "error" && f.code === "frame_too_large")).toBe(true);
    mux.handleClose("test end");
  });

  it("attack: kind 3 / kind 2 before hello and for an unknown or finished stream do not touch live streams", async () => {
    const sent: Sent[] = [];
    const mux0 = new EdgeMux({ send: (d) => void sent.push(d), close: () => {} }, { hostId: "h", log: () => {} });
    expect(() => mux0.handleMessage(rawResponse(1, resHead(1), enc.encode("x")))).not.toThrow();
    expect(sent.map((s) => JSON.parse(s as string).code)).toEqual(["not_ready"]);

    const { feed, open, mux } = makeMux();
    const a = open();
    feed(rawResponse(a.id + 100, resHead(a.id + 100), enc.encode("x")));
    feed(encodeData(a.id + 100, enc.encode("x"), true));
    feed(rawResponse(a.id, resHead(a.id), enc.encode("ok-a")));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    if (r !== "timeout" && r.ok) expect(await bodyText(r.value)).toBe("ok-a");
    mux.handleClose("test end");
  });

  it("attack: fuzzed binary frames (kinds 0-5, random ids and head lengths) never throw nor disturb another stream", async () => {
    const { feed, open, mux } = makeMux();
    const victim = open();
    const target = open();
    let seed = 1234567;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 3000; i++) {
      const len = 5 + (rnd() % 200);
      const f = new Uint8Array(len);
      for (let j = 0; j < len; j++) f[j] = rnd() & 0xff;
      f[0] = rnd() % 6;
      const dv = new DataView(f.buffer);
      dv.setUint32(1, rnd() % 2 === 0 ? target.id : rnd() % 5, false);
      if (len >= 9 && rnd() % 2 === 0) dv.setUint32(5, rnd() % (len - 8), false);
      feed(f);
    }
    feed(rawResponse(victim.id, resHead(victim.id), enc.encode("victim-ok")));
    const r = await settleWithin(victim.res, 500);
    expect(r).not.toBe("timeout");
    if (r !== "timeout") {
      expect(r.ok).toBe(true);
      if (r.ok) expect(await bodyText(r.value)).toBe("victim-ok");
    }
    mux.handleClose("test end");
  });

  it("attack: a v1 HEAD answer (res body:false, then end) must not error the agent's response", async () => {
    // A v1 host (old daemons, or a v2 daemon downgraded by an old edge) ends every stream with `end`,
    // bodyless ones included; v2 sends one kind-3 frame. The agent must see the same thing either way.
    const { feed, open, texts, mux } = makeMux({ version: 1 });
    const a = open("HEAD");
    feed(JSON.stringify(resHead(a.id, { body: false })));
    feed(encodeText({ t: "end", id: a.id }));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    let outcome = "rejected";
    if (r !== "timeout" && r.ok)
      outcome = await r.value.arrayBuffer().then(
        () => "ok",
        () => "body errored",
      );
    expect(outcome).toBe("ok");
    expect(texts().filter((f) => f.t === "reset")).toEqual([]);
    mux.handleClose("test end");
  });

  it("attack: a host that said hello v1 sends v2-only joined frames (edge should hold it to v1)", async () => {
    const { feed, open, texts, mux } = makeMux({ version: 1 });
    expect(texts().find((f) => f.t === "hello.ack")?.v).toBe(1);
    const a = open();
    feed(rawResponse(a.id, resHead(a.id), enc.encode("v2-frame-from-v1-host")));
    const r = await settleWithin(a.res, 200);
    // Held: the joined frame is refused (no response delivered through it).
    const delivered = r !== "timeout" && r.ok;
    expect(delivered, "edge accepted a kind-3 frame on a connection negotiated at version 1").toBe(false);
    mux.handleClose("test end");
  });

  it("attack: hello with versions outside 1..2 or non-integer is refused", () => {
    for (const v of [0, 3, 1.5, -1, "2", 2 ** 53]) {
      const sent: Sent[] = [];
      const mux = new EdgeMux({ send: (d) => void sent.push(d), close: () => {} }, { hostId: "h", log: () => {} });
      mux.handleMessage(JSON.stringify({ t: "hello", v }));
      expect(mux.ready).toBe(false);
      expect(JSON.parse(sent[0] as string).t).toBe("error");
    }
  });

  it("attack: a large request body still in flight when a whole kind-3 response ends the stream (edge pump must not hang)", async () => {
    const { feed, open, mux } = makeMux();
    let cancelled = false;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= 4 * INITIAL_WINDOW) return c.close();
        pulled += MAX_CHUNK_BYTES;
        c.enqueue(new Uint8Array(MAX_CHUNK_BYTES));
      },
      cancel() {
        cancelled = true;
      },
    });
    const a = open("POST", body);
    await new Promise((r) => setTimeout(r, 50)); // the pump fills the 1 MiB window, then waits for credit
    feed(rawResponse(a.id, resHead(a.id, { status: 413 }), enc.encode("too large")));
    const r = await settleWithin(a.res, 500);
    expect(r).not.toBe("timeout");
    if (r !== "timeout" && r.ok) expect(await bodyText(r.value)).toBe("too large");
    await new Promise((r) => setTimeout(r, 200));
    expect(mux.inflight).toBe(0);
    mux.handleClose("connection gone too");
    await new Promise((r) => setTimeout(r, 50));
    // Even the connection's close does not reach it: the stream left the map when its response ended.
    expect(cancelled || pulled >= 4 * INITIAL_WINDOW, "request body pump still parked on credit after the stream ended and the socket closed").toBe(
      true,
    );
  });
});
