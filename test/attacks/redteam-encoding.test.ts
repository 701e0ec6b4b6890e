// Red team (claim 3): "the gateway picks the upstream Accept-Encoding and never returns a body it
// could not scrub of an injected credential". A hostile (or reflecting) upstream labels its body
// with encodings the gateway's check accepts but workerd's fetch does not undo, and a query
// credential comes back in a percent-encoding the scrubber does not know.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, type SeededOrg, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";

const SECRET = "rtenc-secret-Q1w2E3r4T5y6U7i8";
const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

/** Every layer the agent could undo itself: gzip / br / deflate, outermost label last. */
async function agentReads(res: Response): Promise<string> {
  let bytes = new Uint8Array(await res.arrayBuffer());
  const encodings = (res.headers.get("content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean)
    .reverse();
  for (let round = 0; round < 4; round++) {
    for (const format of ["gzip", "deflate"] as const) {
      try {
        bytes = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format))).arrayBuffer());
      } catch {
        // not in that format
      }
    }
  }
  void encodings;
  return new TextDecoder().decode(bytes);
}

async function egress(path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}${path}`, {
      headers: { authorization: `Bearer ${agent.token}`, ...headers },
    }),
  );
}

beforeAll(async () => {
  org = await seedOrg("rt-encoding");
  await create(org, "credentials", { name: "rt-enc-cred", secret: SECRET, inject: { type: "bearer" } });
  await create(org, "credentials", { name: "rt-query-cred", secret: "qk~Live!Key'(2024)*x", inject: { type: "query", name: "api_key" } });
  agent = await createAgent(org, { name: "rt-encoder", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "rt-encoded",
      egress: [
        { host: "127.0.0.1", ports: [port], paths: ["/rt-raw"], credential: "rt-enc-cred", credentialOverHttp: true },
        { host: "127.0.0.1", ports: [port], paths: ["/rt-raw-q"], credential: "rt-query-cred", credentialOverHttp: true },
        { host: "127.0.0.1", ports: [port], paths: ["/rt-range"], credential: "rt-enc-cred", credentialOverHttp: true },
      ],
    },
    { scope: "agent", id: agent.id },
  );
});

describe("redteam: stacked or oddly spelled content-encodings hide an echoed credential", () => {
  it("control: a plain echo is scrubbed", async () => {
    const res = await egress("/rt-raw");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain("seen: Bearer [REDACTED]");
  });

  // [layers applied by the upstream, content-encoding header values]
  const CASES: Array<[string, string[]]> = [
    ["gzip,gzip", ["gzip, gzip"]],
    ["gzip,gzip", ["gzip", "gzip"]],
    ["gzip", ["GZIP"]],
    ["gzip", ["gzip,"]],
    ["gzip", [" gzip"]],
    ["gzip", ["identity, gzip"]],
    ["gzip,br", ["gzip, br"]],
  ];
  for (const [layers, ce] of CASES) {
    it(`never hands back the secret when the upstream compresses ${layers} and labels it ${JSON.stringify(ce)}`, async () => {
      const q = new URLSearchParams({ layers });
      for (const c of ce) q.append("ce", c);
      const res = await egress(`/rt-raw?${q}`, { "accept-encoding": "gzip, br, deflate" });
      const read = await agentReads(res);
      expect(read, `status ${res.status}, content-encoding ${res.headers.get("content-encoding")}`).not.toContain(SECRET);
    });
  }
});

describe("redteam: a query credential echoed in its form-urlencoded spelling", () => {
  it("scrubs the secret injected with URLSearchParams from an echo of the raw query", async () => {
    const res = await egress("/rt-raw-q");
    const text = await res.text();
    expect(res.status).toBe(200);
    const decoded = decodeURIComponent(text.replace(/\+/g, " "));
    expect(decoded, text).not.toContain("qk~Live!Key'(2024)*x");
  });
});

describe("redteam: the agent's Range header reads an echoed credential piece by piece", () => {
  it("never lets the pieces of the secret through (each shorter than the secret, so no piece matches)", async () => {
    const whole = await egress("/rt-range");
    expect(await whole.text()).toContain("[REDACTED]");
    const prefix = "seen: Bearer ".length;
    let pieced = "";
    for (let at = prefix; at < prefix + SECRET.length; at += 8) {
      const res = await egress("/rt-range", { range: `bytes=${at}-${at + 7}` });
      pieced += await res.text();
    }
    expect(pieced).not.toContain(SECRET);
  });
});
