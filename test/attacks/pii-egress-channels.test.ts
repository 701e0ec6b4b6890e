// PII block bypasses on the egress exit, by the channel the value travels in: the URL path,
// request headers, bodies made to look binary, compressed bodies, and JSON read differently by
// the scanner and the upstream (duplicate keys, numbers, keys other exits exempt). A policy
// blocks e-mail, card, IBAN and secrets on egress: each attack must answer 422 pii_blocked and
// the target must see nothing carrying the attempt's marker. Controls show ordinary requests pass.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

type Seen = { path: string; body: string; headers: Record<string, string> };
async function seenWith(marker: string): Promise<Seen[]> {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=200`)).json()) as Seen[];
  return seen.filter((r) => r.path.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("egress-channels");
  agent = await createAgent(org, { name: "egress-channels", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "egress-channels",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      piiExits: { egress: { email: "block", credit_card: "block", iban: "block", secret: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
});

const mark = () => `ch${Math.random().toString(36).slice(2)}`;

async function attempt(
  path: string,
  init: { method?: string; headers?: Record<string, string>; rawBody?: BodyInit; tokenIn?: "authorization" | "x-api-key" },
) {
  const m = mark();
  const sep = path.includes("?") ? "&" : "?";
  const headers = { ...init.headers, ...(init.tokenIn === "x-api-key" ? { "x-api-key": agent.token } : {}) };
  const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${sep}${m}=1`, {
    ...(init.tokenIn === "x-api-key" ? {} : { token: agent.token }),
    method: init.method ?? "POST",
    headers,
    ...(init.rawBody !== undefined ? { rawBody: init.rawBody } : {}),
  });
  return { res, seen: await seenWith(m) };
}

async function expectRefused(path: string, init: Parameters<typeof attempt>[1]) {
  const { res, seen } = await attempt(path, init);
  expect(res.status, `${res.status} ${res.text}; target saw ${JSON.stringify(seen.map((s) => [s.path, s.body]))}`).toBe(422);
  expect(res.json?.error?.code ?? res.json?.code ?? res.text).toMatch(/pii_blocked/);
  expect(seen.length).toBe(0);
  return res;
}

async function packed(text: string | Uint8Array, format: "gzip" | "deflate" | "deflate-raw"): Promise<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer());
}

describe("URL path", () => {
  it.each([
    ["attack: an IBAN as a path segment", "/accounts/DE89370400440532013000/balance"],
    ["attack: a card with '+' between its groups in a path segment", "/pay/4111+1111+1111+1111"],
    ["attack: an e-mail between '+'-encoded words in a path segment", "/note/mail+jane.roe%40example.org+today"],
    ["attack: a card split across four path segments", "/4111/1111/1111/1111"],
    ["attack: a card split across four path segments, then a query field holding a small number", "/4111/1111/1111/1111?page=1"],
    ["attack: a card split across path segments, then several query fields with numbers", "/v1/5555/5555/5555/4444?limit=20&offset=40"],
    ["attack: an e-mail with every character percent-encoded", "/u/%6a%61%6e%65%2e%72%6f%65%40%65%78%61%6d%70%6c%65%2e%6f%72%67"],
    ["attack: a card after a matrix parameter in a segment", "/x;card=4111111111111111"],
  ])("%s", async (_title, path) => {
    await expectRefused(path, { method: "GET" });
  });
});

describe("request headers", () => {
  it.each([
    ["attack: an e-mail in a Cookie value, percent-encoded", { cookie: "session=1; mail=jane.roe%40example.org" }],
    ["attack: an IBAN in a custom header", { "x-account": "DE89370400440532013000" }],
    ["attack: an e-mail in the Referer", { referer: "https://example.com/?to=jane.roe@example.org" }],
    ["attack: a GitHub token in the User-Agent", { "user-agent": "bot/1.0 ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8" }],
  ])("%s", async (_title, headers) => {
    await expectRefused("/hdr", { method: "GET", headers });
  });

  it("attack: an e-mail in the agent's own Authorization header while the Palisade token rides in x-api-key", async () => {
    await expectRefused("/hdr-auth", { method: "GET", tokenIn: "x-api-key", headers: { authorization: "Bearer jane.roe@example.org" } });
  });

  it("control: ordinary headers and the agent's Palisade bearer token pass; the refusal never names a value", async () => {
    const { res, seen } = await attempt("/hdr-ok", {
      method: "GET",
      headers: {
        accept: "application/json",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) node-fetch/3.3.2",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "x-request-id": "7f9c1c2e-3b6a-4c1e-9d2f-0a1b2c3d4e5f",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(seen.length).toBe(1);
    const refused = await expectRefused("/hdr-no-echo", { method: "GET", headers: { "x-account": "DE89370400440532013000" } });
    expect(refused.text).not.toContain("DE89370400440532013000");
  });
});

describe("bodies made to look binary", () => {
  it("attack: an e-mail in UTF-16LE (a NUL after every character)", async () => {
    const utf16 = new Uint8Array([..."mail jane.roe@example.org"].flatMap((ch) => [ch.charCodeAt(0), 0]));
    await expectRefused("/u16", { headers: { "content-type": "application/octet-stream" }, rawBody: utf16 });
  });

  it("attack: a card between random binary bytes in an octet-stream", async () => {
    const head = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x01, 0x02]);
    const text = new TextEncoder().encode(" 4111 1111 1111 1111 ");
    await expectRefused("/png", { headers: { "content-type": "image/png" }, rawBody: new Uint8Array([...head, ...text, 0x00, 0x9c]) });
  });

  it("attack: an IBAN split by an invalid UTF-8 byte and a control character", async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("DE8937040"), 0xff, 0x07, ...new TextEncoder().encode("0440532013000")]);
    await expectRefused("/split", { headers: { "content-type": "text/plain" }, rawBody: bytes });
  });
});

describe("compressed bodies", () => {
  it("attack: an e-mail in a deflate (zlib) body", async () => {
    await expectRefused("/deflate", {
      headers: { "content-type": "text/plain", "content-encoding": "deflate" },
      rawBody: await packed("write to jane.roe@example.org", "deflate"),
    });
  });

  it("attack: a card in a raw-deflate body labelled deflate", async () => {
    await expectRefused("/rawdeflate", {
      headers: { "content-type": "text/plain", "content-encoding": "deflate" },
      rawBody: await packed("card 4111 1111 1111 1111", "deflate-raw"),
    });
  });

  it("attack: an IBAN in a body gzipped twice ('gzip, gzip'), upper-case coding name", async () => {
    await expectRefused("/gz2", {
      headers: { "content-type": "application/json", "content-encoding": "GZIP, gzip" },
      rawBody: await packed(await packed('{"iban":"DE89370400440532013000"}', "gzip"), "gzip"),
    });
  });

  it("attack: a body in an encoding the gateway cannot decode (br, zstd) is refused and says why", async () => {
    for (const coding of ["br", "zstd", "constructor"]) {
      const res = await expectRefused(`/enc-${coding}`, {
        headers: { "content-type": "text/plain", "content-encoding": coding },
        rawBody: new Uint8Array([0x1b, 0x03, 0x00, 0xf8, 0x25, 0x00]),
      });
      expect(res.text).toMatch(/content encoding the gateway cannot decode/);
    }
  });

  it("attack: a corrupt gzip stream is refused", async () => {
    const gz = await packed("jane.roe@example.org", "gzip");
    await expectRefused("/gzbad", { headers: { "content-encoding": "gzip" }, rawBody: gz.subarray(0, gz.length - 12) });
  });

  it("attack: a gzip bomb (11 MB of zeros in a few KB) is refused without being read to its end", async () => {
    const bomb = await packed(new Uint8Array(11 * 1024 * 1024), "gzip");
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await expectRefused("/bomb", { headers: { "content-type": "text/plain", "content-encoding": "gzip" }, rawBody: bomb });
    expect(res.text).toMatch(/too large/);
  });

  it("control: a gzip body without personal data passes and reaches the target as it was sent", async () => {
    const m = mark();
    const gz = await packed(`{"note":"weekly report ${m}"}`, "gzip");
    const res = await call(`/egress/${env.TEST_TARGET_URL}/gz-ok?${m}=1`, {
      token: agent.token,
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      rawBody: gz,
    });
    expect(res.status, res.text).toBe(200);
    const seen = await seenWith(m);
    expect(seen.length).toBe(1);
    expect(seen[0]?.headers["content-encoding"]).toBe("gzip");
  });
});

describe("JSON read differently by the scanner and the upstream", () => {
  it.each([
    ["attack: duplicate key whose first value hides the e-mail behind a \\u0040 escape", '{"to":"jane.roe\\u0040example.org","to":"x"}'],
    ["attack: duplicate key in a nested object", '{"a":{"iban":"DE89370400440532013000","iban":"none"}}'],
    ["attack: a card as a JSON number", '{"n":4111111111111111}'],
    ["attack: JSON sent as text/plain with an escaped e-mail", '{"to":"jane.roe\\u0040example.org"}'],
    ["attack: a secret in JSON carried inside a string value", '{"args":"{\\"key\\":\\"ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\\"}"}'],
  ])("%s", async (_title, body) => {
    await expectRefused("/json", { headers: { "content-type": _title.includes("text/plain") ? "text/plain" : "application/json" }, rawBody: body });
  });
});

describe("JSON keys other exits exempt (nothing on egress is provider-issued)", () => {
  it.each([
    ["attack: an IBAN as 'encrypted_content'", '{"encrypted_content":"DE89370400440532013000"}'],
    ["attack: an IBAN as 'tool_call_id'", '{"tool_call_id":"DE89370400440532013000"}'],
    ["attack: an IBAN as 'data' of a base64-typed object", '{"type":"base64","data":"DE89370400440532013000"}'],
    [
      "attack: a GitHub token as 'previous_response_id' beside a signature",
      '{"previous_response_id":"ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8","signature":"x"}',
    ],
  ])("%s", async (_title, body) => {
    await expectRefused("/exempt", { headers: { "content-type": "application/json" }, rawBody: body });
  });
});
