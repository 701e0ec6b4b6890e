// Attack class: an upstream hands back a piece of the credential the gateway injected (a truncated
// log line or URL, the tail of a header, a window of an encoded form) instead of the whole of it.
// Scrubbing only whole forms lets the agent read the secret's start, its end, or, where it can move
// the cut (a query credential echoed in a truncated URL), all of it but a byte. Every test here
// asserts what reaches the agent: no run of the secret longer than the gateway's bound (11 bytes for
// secrets of 36 characters or more; see workers/egress/scrub.ts), and answers without the secret
// left as sent.
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { head, len, setRaw } from "./support/raw-upstream.js";
import { BASE, call, seedOrg, withClientAddress } from "../workers/support/api.js";
import { auditOf } from "../workers/support/tools.js";

const BEARER = "ghp_Part1al/Echo7+Secret0123456789abcdefQRST";
const USER = "svc-release-deploybot";
const PASSWORD = "Pa55w0rd-partial-ECHO-42";
const BASIC = `${USER}:${PASSWORD}`;
const QUERY = "qk_9f8e7d6c5b4a3928171605f4e3d2c1b0a9";
const MOST = 11;
const target = new URL(env.TEST_TARGET_URL);

async function agentWith(label: string, secret: string, inject: Record<string, string>): Promise<string> {
  return (await agentAndOrg(label, secret, inject)).token;
}

async function agentAndOrg(label: string, secret: string, inject: Record<string, string>) {
  const org = await seedOrg(label);
  const t = org.apiKey;
  const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, { method: "POST", token: t, body: { name: "c", secret, inject } });
  expect(cred.status, cred.text).toBe(201);
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: t,
    body: {
      name: label,
      egress: [
        {
          host: "127.0.0.1",
          ports: [Number(target.port)],
          methods: ["GET"],
          paths: ["/red18raw", "/reflect"],
          credential: "c",
          credentialOverHttp: true,
        },
      ],
    },
  });
  expect(policy.status, policy.text).toBe(201);
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: `${label}-bot`, autonomy: 5 } });
  expect(agent.status, agent.text).toBe(201);
  return { org, token: agent.json.token as string };
}

let bearerAgent: string;
let basicAgent: string;
let queryAgent: string;
beforeAll(async () => {
  bearerAgent = await agentWith("echo-bearer", BEARER, { type: "bearer" });
  basicAgent = await agentWith("echo-basic", BASIC, { type: "basic" });
  queryAgent = await agentWith("echo-query", QUERY, { type: "query", name: "key" });
});

/** The agent's GET of a raw answer the upstream will write (`\x01` splits it into pieces written apart). */
async function answer(token: string, raw: string) {
  const res = await exports.default.fetch(
    new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/red18raw?id=${await setRaw(raw)}`, {
      headers: withClientAddress({ authorization: `Bearer ${token}` }),
    }),
  );
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const withLength = (body: string) => head("200 OK", { "content-length": len(body) }) + body;
const streamed = (body: string) => head("200 OK", {}) + body;

/** The longest run of `secret` (from any offset) found in `text`. */
function longestRun(text: string, secret: string): string {
  let best = "";
  for (let i = 0; i < secret.length; i++)
    for (let j = i + best.length + 1; j <= secret.length; j++) {
      if (text.includes(secret.slice(i, j))) best = secret.slice(i, j);
      else break;
    }
  return best;
}

const base64 = (s: string) => btoa(s);
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
/** The spellings an echoing upstream may use (each is checked for runs on its own). */
const hexOf = (s: string) => Array.from(new TextEncoder().encode(s), (b) => b.toString(16).padStart(2, "0")).join("");
const formsOf = (s: string) => [
  s,
  s.toUpperCase(),
  s.toLowerCase(),
  encodeURIComponent(s),
  lowerHex(encodeURIComponent(s)),
  base64(s),
  JSON.stringify(s).slice(1, -1),
  hexOf(s),
  hexOf(s).toUpperCase(),
];
const longestRunOfAny = (text: string, forms: string[]) => forms.map((f) => longestRun(text, f)).reduce((a, b) => (b.length > a.length ? b : a), "");

describe("a bearer credential echoed in part", () => {
  it.each([
    ["its start cut at 12 bytes", (s: string) => `seen: Bearer ${s.slice(0, 12)}`],
    ["its start cut at 20 bytes and closed like JSON", (s: string) => `{"authorization":"Bearer ${s.slice(0, 20)}"}`],
    ["all but its last byte, then a newline", (s: string) => `echo: Bearer ${s.slice(0, -1)}\n`],
    ["its start with an ellipsis", (s: string) => `auth=${s.slice(0, 24)}... (truncated)`],
    ["its end only (a log that keeps the tail)", (s: string) => `...${s.slice(-20)} rejected`],
    ["a window from its middle", (s: string) => `[${s.slice(8, 30)}]`],
    ["its start and end around an elision", (s: string) => `${s.slice(0, 16)}…${s.slice(-16)}`],
    ["its start percent-encoded", (s: string) => `url: /x?t=${encodeURIComponent(s).slice(0, 26)}`],
    ["its start percent-encoded in lower-case hex", (s: string) => `url: /x?t=${lowerHex(encodeURIComponent(s)).slice(0, 30)}`],
    ["a window of its base64", (s: string) => `b64: ${base64(s).slice(4, 30)}`],
    ["its start JSON-escaped", (s: string) => JSON.stringify({ seen: s.slice(0, 22) })],
    ["its start upper-cased (an echo that shouts)", (s: string) => `DENIED: ${s.toUpperCase().slice(0, 20)}`],
    ["its start lower-cased", (s: string) => `denied: ${s.toLowerCase().slice(0, 20)}`],
    ["its start as a hex dump", (s: string) => `0000: ${hexOf(s).slice(0, 40)}`],
    ["its middle as upper-case hex", (s: string) => `bytes ${hexOf(s).toUpperCase().slice(10, 50)}`],
  ])("attack: %s, in a small answer of declared length, shows no more than 11 bytes", async (_name, make) => {
    const o = await answer(bearerAgent, withLength(make(BEARER)));
    expect(o.status).toBe(200);
    expect(longestRunOfAny(o.text, formsOf(BEARER)).length).toBeLessThanOrEqual(MOST);
    expect(o.text).toContain("[REDACTED]");
  });

  it.each([
    [
      "its start cut at 30 bytes, split into pieces written apart",
      (s: string) => `seen: ${s.slice(0, 5)}\x01${s.slice(5, 14)}\x01${s.slice(14, 30)}\x01 end`,
    ],
    ["its start split one byte per piece", (s: string) => `seen: ${[...s.slice(0, 18)].join("\x01")}\x01 and more text after it`],
    ["its start at the very end of the stream", (s: string) => `padding ${"x".repeat(200)} ${s.slice(0, 25)}`],
    ["its start after 100 KiB of text", (s: string) => `${"lorem ipsum ".repeat(9000)}${s.slice(0, 15)}\x01 tail`],
  ])("attack: %s, in a streamed answer, shows no more than 11 bytes", async (_name, make) => {
    const o = await answer(bearerAgent, streamed(make(BEARER)));
    expect(o.status).toBe(200);
    expect(longestRun(o.text, BEARER).length).toBeLessThanOrEqual(MOST);
  });

  it("attack: a header named after the credential is dropped", async () => {
    const o = await answer(bearerAgent, `${head("200 OK", { "content-length": 2, [`x-seen-${BEARER.slice(18)}`]: "1" })}ok`);
    expect(o.status).toBe(200);
    const names: string[] = [];
    o.headers.forEach((_v, name) => {
      names.push(name);
    });
    expect(longestRunOfAny(names.join(" "), formsOf(BEARER)).length).toBeLessThanOrEqual(MOST);
  });

  it("attack: a header echoing the credential cut short shows none of it", async () => {
    const o = await answer(bearerAgent, `${head("200 OK", { "content-length": 2, "x-debug-auth": `Bearer ${BEARER.slice(0, 14)}` })}ok`);
    expect(o.status).toBe(200);
    expect(o.headers.get("x-debug-auth")).toBe("[REDACTED]");
  });
});

describe("a query credential whose cut the agent moves", () => {
  it("attack: a URL echoed truncated at every length shows no more than 11 bytes of the credential at any cut", async () => {
    // The agent pads its path so the upstream's fixed-width log cut falls at each byte of the secret in turn.
    const seen: string[] = [];
    for (let cut = 1; cut <= QUERY.length; cut++) {
      const o = await answer(queryAgent, withLength(`GET /search?key=${QUERY.slice(0, cut)}`));
      expect(o.status).toBe(200);
      seen.push(o.text);
    }
    expect(longestRun(seen.join("\n"), QUERY).length).toBeLessThanOrEqual(MOST);
  });
});

describe("a basic credential echoed in part", () => {
  it.each([
    ["the header's base64 cut short", () => `Authorization: Basic ${base64(BASIC).slice(0, 40)}`],
    ["the password's start after the user name", () => `login ${USER}:${PASSWORD.slice(0, 14)}`],
    ["the password's start alone", () => `pw=${PASSWORD.slice(0, 13)}&next=1`],
  ])("attack: %s shows no more than 11 bytes of the password", async (_name, make) => {
    const o = await answer(basicAgent, withLength(make()));
    expect(o.status).toBe(200);
    expect(longestRun(o.text, PASSWORD).length).toBeLessThanOrEqual(MOST);
    expect(longestRun(o.text, base64(BASIC)).length).toBeLessThanOrEqual(MOST);
  });
});

describe("answers that hold no secret come back as sent", () => {
  it.each([
    ["the basic credential's user name", () => `logged in as ${USER}`, () => basicAgent],
    ["the user name and its colon", () => `{"user":"${USER}:"}`, () => basicAgent],
    ["the bearer token's public prefix and other tokens' prefixes", () => "token kinds: github_pat_, gho_, ghp_, ghp_Part", () => bearerAgent],
    ["a few bytes of the secret among ordinary text", () => `version 0123456789 of the ${BEARER.slice(-4)} build`, () => bearerAgent],
  ])("%s", async (_name, make, agent) => {
    const body = make();
    expect((await answer(agent(), withLength(body))).text).toBe(body);
    expect((await answer(agent(), streamed(body))).text).toBe(body);
  });

  it("256 KiB of random bytes", async () => {
    const bytes = new Uint8Array(256 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const raw = new Uint8Array([...new TextEncoder().encode(head("200 OK", { "content-length": bytes.length })), ...bytes]);
    // The raw answer is stored whole (no piece separators) so its bytes arrive as written.
    const id = await setRaw(raw.map((b) => (b === 1 ? 2 : b)));
    const res = await exports.default.fetch(
      new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/red18raw?id=${id}`, {
        headers: withClientAddress({ authorization: `Bearer ${bearerAgent}` }),
      }),
    );
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.length).toBe(bytes.length);
    expect(got).toEqual(bytes.map((b) => (b === 1 ? 2 : b)));
  });
});

describe("a reflecting upstream and the agent's guesses", () => {
  it("attack: guesses of the next byte after a known start come back as sent, none singled out, and the hop is audited as a credential probe", async () => {
    const { org, token } = await agentAndOrg("echo-guess", BEARER, { type: "bearer" });
    // Eleven bytes from the middle (what a cut echo may show), then each candidate for the next.
    const known = BEARER.slice(24, 35);
    const guesses = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"].map((c) => known + c);
    const res = await exports.default.fetch(
      new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/reflect?q=${guesses.join("-")}`, {
        headers: withClientAddress({ authorization: `Bearer ${token}` }),
      }),
    );
    const text = await res.text();
    expect(res.status).toBe(200);
    // Every guess as sent (the right one too), the injected credential's own echo redacted.
    expect(text).toContain(`?q=${guesses.join("-")}`);
    expect(text).toContain("Bearer [REDACTED]");
    const hops = await auditOf(org, "egress.request");
    expect(hops.some((e) => e.details.probe === "credential")).toBe(true);
  });

  it("an agent's ordinary request is no probe", async () => {
    const { org, token } = await agentAndOrg("echo-plain", BEARER, { type: "bearer" });
    const res = await exports.default.fetch(
      new Request(`${BASE}/egress/${env.TEST_TARGET_URL}/reflect?q=weather`, { headers: withClientAddress({ authorization: `Bearer ${token}` }) }),
    );
    expect(res.status).toBe(200);
    await res.text();
    const hops = await auditOf(org, "egress.request");
    expect(hops.length).toBeGreaterThan(0);
    expect(hops.some((e) => "probe" in e.details)).toBe(false);
  });
});
