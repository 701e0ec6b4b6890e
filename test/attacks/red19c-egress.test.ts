// Red team 19c: the whole-secret scrubber through the public egress API. Each test asserts the
// SAFE or the correct outcome: a failing test is a finding. Timings are reported, not asserted.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, withClientAddress } from "../workers/support/api.js";
import { credentialedAgent } from "./support/credentialed-agent.js";
import { head, setRaw } from "./support/raw-upstream.js";

const encoder = new TextEncoder();
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join("");

async function agentWith(label: string, secret: string, inject: Record<string, string>): Promise<string> {
  return (await credentialedAgent(label, secret, inject, { methods: ["GET", "POST"], paths: ["/red18raw", "/reflect", "/store"] })).token;
}

async function send(token: string, method: string, pathAndQuery: string, body?: BodyInit) {
  const started = performance.now();
  const res = await exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}${pathAndQuery}`, {
      method,
      headers: withClientAddress({ authorization: `Bearer ${token}` }),
      ...(body !== undefined ? { body } : {}),
    }),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, bytes, text: new TextDecoder().decode(bytes), headers: res.headers, ms: performance.now() - started };
}

/** An upstream's answer with a declared length (read whole) holding `body` and extra headers. */
async function answer(token: string, body: string, headers: Record<string, string> = {}) {
  const raw = head("200 OK", { "content-length": encoder.encode(body).length, ...headers }) + body;
  return send(token, "GET", `/red18raw?id=${await setRaw(raw)}`);
}

const SLASH = "sk_live_4f9Qz7/Xw+2LmN8pR0tV6yB1cD3eF5gH";
const STAR = "Zr8*Qm2xKv9pLw4tNb7cYs";

describe("red19c: spellings of the whole secret common upstreams use", () => {
  let slashAgent: string;
  let starAgent: string;
  beforeAll(async () => {
    slashAgent = await agentWith("r19c-slash", SLASH, { type: "bearer" });
    starAgent = await agentWith("r19c-star", STAR, { type: "query", name: "api_key" });
  });

  it("attack: a PHP upstream's JSON (json_encode escapes '/') does not hand back the bearer token", async () => {
    const o = await answer(slashAgent, `{"debug":{"authorization":"Bearer ${SLASH.replace(/\//g, "\\/")}"}}`, { "content-type": "application/json" });
    expect(o.status).toBe(200);
    expect(o.text.replace(/\\\//g, "/"), o.text).not.toContain(SLASH);
  });

  it("attack: a Python/Go upstream's next-page link (urlencode/QueryEscape write '*' as %2A) does not hand back the query key", async () => {
    const link = `https://api.example.com/items?page=2&api_key=${encodeURIComponent(STAR).replace(/\*/g, "%2A")}`;
    const o = await answer(starAgent, `{"next":"${link}"}`, { link: `<${link}>; rel="next"` });
    expect(o.status).toBe(200);
    expect(decodeURIComponent(o.text), o.text).not.toContain(STAR);
    expect(decodeURIComponent(o.headers.get("link") ?? ""), o.headers.get("link") ?? "").not.toContain(STAR);
  });

  it("control: the same upstream writing the link as JS does (URLSearchParams) is scrubbed", async () => {
    const link = `https://api.example.com/items?${new URLSearchParams({ page: "2", api_key: STAR })}`;
    const o = await answer(starAgent, `{"next":"${link}"}`);
    expect(o.text).toContain("[REDACTED]");
  });
});

describe("red19c: a latin-1 secret in a header", () => {
  const SECRET = "Zr8Qm2xKv9pLw4-Geheimnis-äöß";
  let agent: string;
  beforeAll(async () => {
    agent = await agentWith("r19c-latin1", SECRET, { type: "bearer" });
  });

  it("attack: an upstream that reflects the Authorization header (body and header) hands back no spelling of it", async () => {
    const o = await send(agent, "GET", "/reflect?x=1");
    const utf8 = SECRET;
    const asLatin1Bytes = latin1(encoder.encode(SECRET)); // the UTF-8 bytes read as latin-1 (mojibake)
    const bodyAsLatin1 = latin1(o.bytes);
    const seenHeader = o.headers.get("x-seen-auth") ?? "";
    console.log(`latin-1 secret: status ${o.status}; body ${JSON.stringify(o.text)}; x-seen-auth ${JSON.stringify(seenHeader)}`);
    expect(o.text).not.toContain(utf8);
    expect(o.text).not.toContain(asLatin1Bytes);
    expect(bodyAsLatin1).not.toContain(SECRET); // the latin-1 bytes of the secret
    expect(seenHeader).not.toContain(utf8);
    expect(seenHeader).not.toContain(asLatin1Bytes);
    expect(seenHeader).not.toContain(SECRET.slice(0, 14));
  });

  it("attack: an upstream echoing the request (JSON of its headers) hands back no spelling of it", async () => {
    const o = await send(agent, "GET", "/store?y=1");
    const auth = (JSON.parse(o.text) as { headers: Record<string, string> }).headers.authorization ?? "";
    console.log(`latin-1 secret, JSON echo: authorization ${JSON.stringify(auth)}`);
    expect(auth).not.toContain(SECRET.slice(14));
    expect(auth).not.toContain(latin1(encoder.encode(SECRET.slice(14))));
  });
});

describe("red19c: timing of the scrub and the probe scan", () => {
  const PAT = "ghp_Zr8Qm2xKv9pLw4tNb7cYs8NdF3gJ6uA1eRtQ";
  let agent: string;
  beforeAll(async () => {
    agent = await agentWith("r19c-timing", PAT, { type: "bearer" });
  });

  // Red team 19c timed 4 MiB of these (5 rounds): medians 450-615 ms, the right guess not set apart
  // through the public API (its Node measurement of the scrubber alone is in docs/benchmarks.md).
  it("attack: an echoed body of (5 known + guess + filler) comes back as sent for the right guess and the wrong ones alike", async () => {
    const known = PAT.slice(4, 9);
    const right = PAT[9] as string;
    const wrong = ["a", "b", "Q", "7", "_"].filter((c) => c.toLowerCase() !== right.toLowerCase());
    const bodyOf = (c: string) => `${known}${c}-`.repeat(Math.floor((256 * 1024) / 7));
    for (const c of [right, ...wrong]) {
      const o = await send(agent, "POST", "/store?r=0", bodyOf(c));
      expect(o.status).toBe(200);
      expect(o.text.slice(o.text.indexOf('"body"'))).not.toContain("[REDACTED]");
    }
  });
});
