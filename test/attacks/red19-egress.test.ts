// Red team 19: the "any long-enough run of a secret's form is redacted" change to the egress
// scrubber. Each test asserts the SAFE or the correct outcome: a failing test is a finding.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { credentialedAgent, longestRun } from "./support/credentialed-agent.js";
import { head, len, setRaw } from "./support/raw-upstream.js";
import { BASE, withClientAddress } from "../workers/support/api.js";

const encoder = new TextEncoder();

async function agentWith(label: string, secret: string, inject: Record<string, string>): Promise<string> {
  return (await credentialedAgent(label, secret, inject, { paths: ["/red18raw", "/reflect"] })).token;
}

async function get(token: string, pathAndQuery: string) {
  const started = Date.now();
  const res = await exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}${pathAndQuery}`, { headers: withClientAddress({ authorization: `Bearer ${token}` }) }),
  );
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, bytes, text: new TextDecoder().decode(bytes), headers: res.headers, ms: Date.now() - started };
}
const answer = async (token: string, raw: string | Uint8Array) => get(token, `/red18raw?id=${await setRaw(raw)}`);
const withLength = (body: string) => head("200 OK", { "content-length": len(body) }) + body;

// ---------------------------------------------------------------------------------------------
// 1. The redaction itself is an oracle: a reflecting upstream tells the agent which guesses are runs.
// ---------------------------------------------------------------------------------------------
const RAND = "4Zq9TbX2mKw7Lr0PcV5hYs8NdF3gJ6uA1eRtQoWiSyUpHkMjBnCvEx_l2a7zG9qD4fW8sK1rT6yH3uL0oP5iM2bN7vC";
const PAT = `github_pat_${RAND.slice(0, 82)}`; // a fine-grained PAT: 93 characters, bound 12
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

describe("red19: redaction as an oracle", () => {
  let patAgent: string;
  beforeAll(async () => {
    patAgent = await agentWith("r19-oracle", PAT, { type: "bearer" });
  });

  it("attack: a reflecting upstream (/reflect echoes the query) does not let the agent rebuild the credential guess by guess", async () => {
    // Known: the public 11-byte prefix "github_pat_" (or any 11 bytes a cut echo showed, which the bound allows).
    let known = "github_pat_";
    let requests = 0;
    const started = Date.now();
    while (known.length < PAT.length && requests < 120) {
      const tail = known.slice(-11);
      const candidates = [...ALPHABET].map((c) => tail + c);
      const o = await get(patAgent, `/reflect?q=${candidates.join("-")}`);
      requests++;
      expect(o.status).toBe(200);
      const seen = o.text.slice(o.text.indexOf("?q=") + 3).split("-");
      const hits = candidates.filter((_, k) => seen[k] === "[REDACTED]");
      if (hits.length !== 1) break;
      known += (hits[0] as string).slice(-1);
    }
    console.log(`oracle: rebuilt ${known.length}/${PAT.length} bytes in ${requests} requests, ${Date.now() - started} ms: ${known}`);
    expect(longestRun(known.slice(11), PAT).length).toBeLessThanOrEqual(11);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Spellings the upstream may plausibly use that are not among the scrubbed forms.
// ---------------------------------------------------------------------------------------------
const BEARER = "ghp_Part1al/Echo7+Secret0123456789abcdefQRST";
const HEX = "9f8e7d6c5b4a39281716f5e4d3c2b1a0ffeeddcc";
const PASSWORD = `Xk7&mQ2<pL9>vR4"tW8'nB3&cZ6<`; // a generated password with symbols
const b64 = (s: string) => {
  let bin = "";
  for (const b of encoder.encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
};
const unb64 = (s: string) => {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  } catch {
    return "";
  }
};
/** Every base64 run in the text, decoded. */
const decodedBase64 = (text: string) => (text.match(/[A-Za-z0-9+/]{8,}={0,2}/g) ?? []).map(unb64).join("\n");

describe("red19: spellings outside the scrubbed forms", () => {
  let bearerAgent: string;
  let hexAgent: string;
  let pwAgent: string;
  beforeAll(async () => {
    bearerAgent = await agentWith("r19-bearer", BEARER, { type: "bearer" });
    hexAgent = await agentWith("r19-hex", HEX, { type: "header", name: "x-api-key" });
    pwAgent = await agentWith("r19-pw", `deploy:${PASSWORD}`, { type: "basic" });
  });

  it.each([
    ['base64 of the Authorization value ("Bearer " + token)', (s: string) => `{"request":"${b64(`Bearer ${s}`)}"}`],
    ["base64 of the header line", (s: string) => `dump: ${b64(`Authorization: Bearer ${s}\r\n`)}`],
    ["base64 of a JSON request dump", (s: string) => `{"isBase64Encoded":true,"body":"${b64(`{"headers":{"authorization":"Bearer ${s}"}}`)}"}`],
  ])("attack: %s does not hand the agent the token", async (_n, make) => {
    const o = await answer(bearerAgent, withLength(make(BEARER)));
    expect(o.status).toBe(200);
    expect(longestRun(decodedBase64(o.text), BEARER).length).toBeLessThanOrEqual(11);
  });

  it("attack: an answer in UTF-16LE (a .NET/Windows upstream) does not hand the agent the token", async () => {
    const text = `echo: Bearer ${BEARER}`;
    const body = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) body[i * 2] = text.charCodeAt(i);
    const headBytes = encoder.encode(head("200 OK", { "content-length": body.length }).replace("text/plain", "text/plain; charset=utf-16le"));
    const o = await answer(bearerAgent, new Uint8Array([...headBytes, ...body]));
    expect(o.status).toBe(200);
    expect(longestRun(new TextDecoder("utf-16le").decode(o.bytes), BEARER).length).toBeLessThanOrEqual(11);
  });

  it("attack: a hex dump of the request does not hand the agent the token", async () => {
    const hex = [...encoder.encode(`Authorization: Bearer ${BEARER}`)].map((b) => b.toString(16).padStart(2, "0")).join("");
    const o = await answer(bearerAgent, withLength(`raw request: ${hex}`));
    const back = new TextDecoder().decode(Uint8Array.from((o.text.match(/[0-9a-f]{2}/g) ?? []).map((h) => parseInt(h, 16))));
    expect(longestRun(back, BEARER).length).toBeLessThanOrEqual(11);
  });

  it("attack: an upper-cased echo of a lower-case hex key (a normalising upstream) does not hand it over", async () => {
    const o = await answer(hexAgent, withLength(`INVALID KEY: ${HEX.toUpperCase()}`));
    expect(longestRun(o.text.toLowerCase(), HEX).length).toBeLessThanOrEqual(11);
  });

  it.each([
    [
      "HTML-escaped (an HTML error page)",
      (s: string) =>
        `<p>Bad password: ${s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")}</p>`,
    ],
    [
      "Go json.Marshal (\\u0026 \\u003c \\u003e)",
      (s: string) => `{"password":"${s.replace(/"/g, '\\"').replace(/&/g, "\\u0026").replace(/</g, "\\u003c").replace(/>/g, "\\u003e")}"}`,
    ],
    [
      "Python quote (RFC 3986 unreserved only)",
      (s: string) => `next=${encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    ],
    ["percent-encoded twice (a login redirect's next=)", (s: string) => `next=${encodeURIComponent(encodeURIComponent(s))}`],
  ])("attack: a password with symbols, %s, does not reach the agent", async (_n, make) => {
    const o = await answer(pwAgent, withLength(make(PASSWORD)));
    expect(o.status).toBe(200);
    const decoded = o.text
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/\\u([0-9a-f]{4})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\"/g, '"');
    const url = decoded.replace(/%25([0-9A-F]{2})/gi, "%$1").replace(/%([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    console.log("password echo", JSON.stringify(o.text));
    expect(Math.max(longestRun(decoded, PASSWORD).length, longestRun(url, PASSWORD).length)).toBeLessThanOrEqual(7); // bound for 28 bytes: 8
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Basic credentials whose secret is the user name (Stripe "sk_live_…:", Freshdesk "KEY:X",
//    GitHub "TOKEN:x-oauth-basic").
// ---------------------------------------------------------------------------------------------
const STRIPE = "sk_live_51HqLxYKz8Vw3Nc2Rp7Tb0Qm9Sd4Fg6Jh";
describe("red19: basic credential keyed by the user name", () => {
  let stripeAgent: string;
  let freshAgent: string;
  beforeAll(async () => {
    stripeAgent = await agentWith("r19-stripe", `${STRIPE}:`, { type: "basic" });
    freshAgent = await agentWith("r19-fresh", `${STRIPE}:X`, { type: "basic" });
  });
  it.each([
    ["the key echoed as the account (Stripe style, empty password)", () => stripeAgent, `{"error":"no such account for key ${STRIPE}"}`],
    ["the key echoed (KEY:X)", () => freshAgent, `authenticated user ${STRIPE}`],
    ["the Basic header echoed short of its padding", () => freshAgent, `Authorization: Basic ${b64(`${STRIPE}:X`).slice(0, -4)}`],
  ])("attack: %s does not hand the key over", async (_n, agent, body) => {
    const o = await answer(agent(), withLength(body));
    expect(o.status).toBe(200);
    expect(Math.max(longestRun(o.text, STRIPE).length, longestRun(decodedBase64(o.text), STRIPE).length)).toBeLessThanOrEqual(11);
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Legitimate answers that hold no secret, corrupted.
// ---------------------------------------------------------------------------------------------
describe("red19: answers without the secret come back as sent", () => {
  let winterAgent: string;
  let shortAgent: string;
  let digitsAgent: string;
  beforeAll(async () => {
    winterAgent = await agentWith("r19-winter", "ops:Winter2024!", { type: "basic" });
    shortAgent = await agentWith("r19-short", "dGVzdGtleTEyMw==", { type: "bearer" });
    digitsAgent = await agentWith("r19-digits", "83920174650192837465", { type: "header", name: "x-api-key" });
  });
  it.each([
    ["a weather answer naming the season (password Winter2024!)", () => winterAgent, `{"season":"Winter","year":2024}`],
    ["a paginated answer with a URL-encoded base64 cursor (16-char key ending ==)", () => shortAgent, `{"next":"/items?cursor=YWZ0ZXI6MTIz%3D%3D"}`],
    ["JSON numbers that share 8 digits with a 20-digit key", () => digitsAgent, `{"orders":[{"id":1739201746,"total":501928}]}`],
  ])("%s", async (_n, agent, body) => {
    const o = await answer(agent(), withLength(body));
    expect(o.text).toBe(body);
  });
});
