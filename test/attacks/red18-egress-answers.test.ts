// Red team, round 18: the egress answer paths (a small body of declared length read whole, and the
// one scrubbing stream) against upstreams that frame their answers oddly. Each test asserts the
// safe outcome: no form of the injected credential reaches the agent, no 500, no hang.
import { env, exports } from "cloudflare:workers";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { setRaw, head, len } from "./support/raw-upstream.js";
import { BASE, call, seedOrg, withClientAddress } from "../workers/support/api.js";

const SECRET = "ghp_R3d18Secret/Value+0123456789abcdefXYZ";
const b64 = btoa(`${SECRET}`);
const FORMS = [SECRET, encodeURIComponent(SECRET), b64, b64.replace(/=+$/, ""), JSON.stringify(SECRET).slice(1, -1)];
const target = new URL(env.TEST_TARGET_URL);
const port = Number(target.port);
let agentToken: string;
let orgId: string;
let apiKey: string;
let agentId: string;

beforeAll(async () => {
  const org = await seedOrg("red18-egress");
  orgId = org.orgId;
  apiKey = org.apiKey;
  const t = org.apiKey;
  const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, {
    method: "POST",
    token: t,
    body: { name: "r18", secret: SECRET, inject: { type: "bearer" } },
  });
  expect(cred.status, cred.text).toBe(201);
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: t,
    body: {
      name: "red18",
      egress: [{ host: "127.0.0.1", ports: [port], methods: ["GET", "HEAD"], paths: ["/red18raw"], credential: "r18", credentialOverHttp: true }],
    },
  });
  expect(policy.status, policy.text).toBe(201);
  expect(
    (await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: t, body: { scope: "org" } })).status,
  ).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: "red18-bot", autonomy: 5 } });
  expect(agent.status, agent.text).toBe(201);
  agentToken = agent.json.token;
  agentId = agent.json.id;
});

const DEBUG = false;
const enc = new TextEncoder();

type Outcome = { status: number; text: string; bytes: Uint8Array; headers: Headers } | { hung: true; afterMs: number };
async function viaGateway(id: string, { method = "GET", after = "close", limitMs = 20_000 } = {}): Promise<Outcome> {
  const headers = withClientAddress({ authorization: `Bearer ${agentToken}` });
  const started = Date.now();
  const work = (async () => {
    const res = await exports.default.fetch(
      new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/red18raw?id=${id}&after=${after}`, { method, headers }),
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    return { status: res.status, text, bytes, headers: res.headers };
  })();
  const timer = new Promise<Outcome>((resolve) => setTimeout(() => resolve({ hung: true, afterMs: Date.now() - started }), limitMs));
  return Promise.race([work, timer]);
}
function expectClean(o: Outcome) {
  if (DEBUG) console.log("OUTCOME", JSON.stringify("hung" in o ? o : { status: o.status, text: o.text.slice(0, 160) }));
  expect("hung" in o ? `hung after ${o.afterMs} ms` : "ended").toBe("ended");
  if ("hung" in o) return;
  expect(o.status, o.text.slice(0, 300)).not.toBe(500);
  for (const f of FORMS) expect(o.text, `form ${f}`).not.toContain(f);
  for (const f of FORMS) {
    for (const [k, v] of o.headers) expect(`${k}: ${v}`).not.toContain(f);
  }
  // A partial secret (its first 12 characters) is a leak too.
  expect(o.text).not.toContain(SECRET.slice(0, 12));
}

describe("red18 egress: small answers of declared length", () => {
  it("a body that is only the secret", async () => {
    const body = SECRET;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body) }) + body));
    expectClean(o);
    expect("hung" in o ? 0 : o.status).toBe(200);
  });
  it("the secret at the very start and the very end, every form", async () => {
    const body = `${FORMS.join(" | ")} middle ${FORMS.join("")}`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body) }) + body));
    expectClean(o);
  });
  it("a body of 64 KiB made of secrets back to back", async () => {
    let body = "";
    while (body.length + SECRET.length <= 64 * 1024) body += SECRET;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body) }) + body));
    expectClean(o);
  });
  it("declared small, written two bytes at a time, secret across many pieces", async () => {
    const plain = `x${SECRET}y${b64}z`;
    const body = [...plain].map((c, i) => (i % 2 ? `${c}\x01` : c)).join("");
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body) }) + body));
    expectClean(o);
  });
  it("Content-Length shorter than the body: the rest (with the secret) is not read as anything", async () => {
    const body = `hello ${SECRET} world`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": 12 }) + body));
    expectClean(o);
  });
  it("Content-Length longer than the body, connection closed: a clean error, no secret", async () => {
    const body = `hello ${SECRET}`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": 5000 }) + body));
    expectClean(o);
    if (!("hung" in o)) expect([502, 504]).toContain(o.status);
  });
  it("Content-Length longer than the body, connection held open: ends (504) rather than hangs", async () => {
    const body = `hello ${SECRET}`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": 5000 }) + body), { after: "hold", limitMs: 40_000 });
    expectClean(o);
  }, 60_000);
  it("Content-Length and chunked together (chunked wins), the secret split over chunks", async () => {
    const a = `one ${SECRET.slice(0, 10)}`;
    const c = `${SECRET.slice(10)} two`;
    const chunked = `${a.length.toString(16)}\r\n${a}\r\n\x01${c.length.toString(16)}\r\n${c}\r\n\x010\r\n\r\n`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": 7, "transfer-encoding": "chunked" }) + chunked));
    expectClean(o);
  });
  it.each([["0050"], ["50 "], ["50, 50"]])("odd Content-Length spelling %j", async (cl) => {
    const body = `${SECRET}`.padEnd(50, ".");
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": cl }) + body));
    expectClean(o);
  });
  it("Content-Encoding: identity with a declared length", async () => {
    const body = `a${SECRET}b`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body), "content-encoding": "identity" }) + body));
    expectClean(o);
    expect("hung" in o ? 0 : o.status).toBe(200);
  });
  it("gzip with a small declared (compressed) length is decoded and scrubbed", async () => {
    const gz = gzipSync(Buffer.from(`gz ${SECRET} gz`));
    const h = enc.encode(head("200 OK", { "content-length": gz.length, "content-encoding": "gzip" }));
    const raw = new Uint8Array(h.length + gz.length);
    raw.set(h);
    raw.set(gz, h.length);
    const o = await viaGateway(await setRaw(raw));
    expectClean(o);
  });
});

describe("red18 egress: transfer codings", () => {
  it("Transfer-Encoding: gzip, chunked (a transfer coding, not a content coding) is decoded and scrubbed, or refused", async () => {
    const gz = gzipSync(Buffer.from(`tg ${SECRET} tg`));
    const h = enc.encode(head("200 OK", { "transfer-encoding": "gzip, chunked" }));
    const c1 = enc.encode(`${gz.length.toString(16)}\r\n`);
    const c2 = enc.encode("\r\n0\r\n\r\n");
    const raw = new Uint8Array(h.length + c1.length + gz.length + c2.length);
    raw.set(h);
    raw.set(c1, h.length);
    raw.set(gz, h.length + c1.length);
    raw.set(c2, h.length + c1.length + gz.length);
    const o = await viaGateway(await setRaw(raw));
    expectClean(o);
    if (!("hung" in o) && o.status === 200) {
      // If the gateway passed the gzip bytes through, the agent can inflate them.
      const { gunzipSync } = await import("node:zlib");
      let inflated = "";
      try {
        inflated = gunzipSync(o.bytes).toString();
      } catch {}
      if (DEBUG) console.log("INFLATED", JSON.stringify(inflated));
      expect(inflated).not.toContain(SECRET);
    }
  });
});

describe("red18 egress: bodiless answers", () => {
  it.each([
    ["204 No Content", { "content-length": 0 }],
    ["205 Reset Content", { "content-length": 0 }],
    ["304 Not Modified", { "content-length": 40 }],
    ["204 No Content", {}],
  ])("%s with %j is answered, not a 500", async (status, headers) => {
    const o = await viaGateway(await setRaw(head(status, headers)));
    expectClean(o);
    if (!("hung" in o)) expect(o.status, o.text.slice(0, 200)).toBe(Number(status.slice(0, 3)));
  });
  it("HEAD with a declared length", async () => {
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": 64, "x-echo": "ok" })), { method: "HEAD" });
    expectClean(o);
    if (!("hung" in o)) expect(o.status, o.text.slice(0, 200)).toBe(200);
  });
});

describe("red18 egress: the stream path", () => {
  it("a large declared body (over 64 KiB) with the secret across tiny pieces and at its very end", async () => {
    const filler = "f".repeat(70_000);
    const tail = [...`${SECRET}${b64}`].join("\x01");
    const body = `${filler}${tail}`;
    const o = await viaGateway(await setRaw(head("200 OK", { "content-length": len(body) }) + body));
    expectClean(o);
  });
  it("chunked, one byte per write, ending in the secret", async () => {
    const plain = `start ${SECRET}`;
    const chunks = [...plain].map((c) => `1\r\n${c}\r\n\x01`).join("");
    const o = await viaGateway(await setRaw(`${head("200 OK", { "transfer-encoding": "chunked" })}${chunks}0\r\n\r\n`));
    expectClean(o);
  });
  it("close-delimited (no length, no chunking) ending in half the secret then cut: no recognisable prefix beyond what was before", async () => {
    const body = `abc ${SECRET}${SECRET.slice(0, 20)}`;
    const o = await viaGateway(await setRaw(head("200 OK", {}) + body));
    expect("hung" in o ? "hung" : "ended").toBe("ended");
    if (!("hung" in o)) expect(o.text).not.toContain(SECRET);
  });
});

describe("red18 egress: suspension while a small declared body is being read", () => {
  it("an agent suspended mid-body ends within about a second", async () => {
    const body = `hello ${SECRET}`;
    const id = await setRaw(head("200 OK", { "content-length": 5000 }) + body);
    const pending = viaGateway(id, { after: "hold", limitMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1500));
    const s = await call(`/api/v1/orgs/${orgId}/agents/${agentId}/suspend`, { method: "POST", token: apiKey, body: { reason: "red18" } });
    expect([200, 201, 204], s.text).toContain(s.status);
    const started = Date.now();
    const o = await pending;
    const tookMs = Date.now() - started;
    await call(`/api/v1/orgs/${orgId}/agents/${agentId}/resume`, { method: "POST", token: apiKey, body: {} });
    expectClean(o);
    // Ends once the suspension reaches the watch, not at the upstream timeout (30 s).
    expect(tookMs).toBeLessThan(10_000);
    if (!("hung" in o)) expect(o.status, o.text).toBe(403);
  }, 30_000);
});
