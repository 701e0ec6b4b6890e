// Red team s9 (egress exit): a policy blocks e-mail, phone, card, IBAN, tax id and secrets on the
// egress exit. Each "attack" puts one such value in front of the egress target through the Worker's
// real entry; it passes only when the edge answers 422 pii_blocked and the target saw nothing. A
// failing attack test is a bypass that works.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

type Seen = { path: string; body: string; headers: Record<string, string> };
async function seenWith(marker: string): Promise<Seen[]> {
  const seen = (await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=300`)).json()) as Seen[];
  return seen.filter((r) => r.path.includes(marker));
}

beforeAll(async () => {
  org = await seedOrg("rt9-egress");
  agent = await createAgent(org, { name: "rt9-exits", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "rt9-exits",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      piiExits: { egress: { email: "block", phone: "block", credit_card: "block", iban: "block", tax_id: "block", secret: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
});

const mark = () => `rt9${Math.random().toString(36).slice(2, 10)}`;

/** Sends the request; the attack fails when the edge answers 422 and the target saw nothing. */
async function attempt(path: string, init: { method?: string; headers?: Record<string, string>; rawBody?: BodyInit }) {
  const m = mark();
  const sep = path.includes("?") ? "&" : "?";
  const res = await call(`/egress/${env.TEST_TARGET_URL}${path}${sep}${m}=1`, { method: "POST", token: agent.token, ...init });
  const seen = await seenWith(m);
  return { res, seen, outcome: { status: res.status, targetSawIt: seen.length > 0 } };
}
const REFUSED = { status: 422, targetSawIt: false };

const CARD = "4111111111111111";
const ascii = (s: string) => new TextEncoder().encode(s);

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")));
  return new Uint8Array(await out.arrayBuffer());
}

describe("HELD controls (the same values, written plainly, are refused)", () => {
  it("a card as a plain JSON number is refused", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/json" }, rawBody: `{"n":${CARD}}` });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("a card split across two form fields joined by & is refused", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: "a=4111+1111&b=1111+1111",
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("a card split across two JSON fields is refused", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/json" }, rawBody: '{"a":"4111 1111","b":"1111 1111"}' });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("a gzip body declared with Content-Encoding: gzip is refused", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      rawBody: await gzip(ascii(`card ${CARD}`)),
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("numbers", () => {
  it.each([
    ["41111111111111110e-1", "a trailing zero and a negative exponent"],
    ["4111111111111111000e-3", "three trailing zeros"],
    ["0.04111111111111111e17", "a leading 0.0"],
  ])("attack: a card as the JSON number %s (%s) reaches the target; JSON.parse reads 4111111111111111", async (num) => {
    expect(JSON.parse(num)).toBe(4111111111111111);
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/json" }, rawBody: `{"card":${num}}` });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("encodings a standard reader undoes", () => {
  it("attack: a quoted-printable e-mail in a multipart part (jane.roe=40example.org) reaches the target", async () => {
    const body =
      '--b\r\ncontent-disposition: form-data; name="to"\r\ncontent-transfer-encoding: quoted-printable\r\n\r\njane.roe=40example.org\r\n--b--\r\n';
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "multipart/form-data; boundary=b" }, rawBody: body });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a UTF-32LE text body (charset=utf-32le) with a card and an e-mail reaches the target", async () => {
    const text = `card ${CARD} mail jane.roe@example.org`;
    const bytes = new Uint8Array(text.length * 4);
    for (let i = 0; i < text.length; i++) bytes[i * 4] = text.charCodeAt(i);
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "text/plain; charset=utf-32le" }, rawBody: bytes });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a gzip file upload (application/gzip, no Content-Encoding) holding a card reaches the target", async () => {
    const { outcome, res } = await attempt("/upload", {
      headers: { "content-type": "application/gzip" },
      rawBody: await gzip(ascii(`name,card\njane,${CARD}\n`)),
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("content codings", () => {
  it("HELD: a body declared Content-Encoding: br is refused under the blocking rule (unreadable, fail-closed)", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "text/plain", "content-encoding": "br" },
      rawBody: ascii(`card ${CARD}`),
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  // Tried: a card as the HTTP method name ("X4111…"): workerd refuses custom methods (Invalid HTTP method string).

  it("HELD: a two-member gzip body (the card in the second member) is refused (fail-closed)", async () => {
    const first = await gzip(ascii("hello, nothing to see here\n"));
    const second = await gzip(ascii(`card ${CARD} mail jane.roe@example.org\n`));
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      rawBody: new Uint8Array([...first, ...second]),
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("HELD: a gzip body followed by plain trailing bytes holding a card is refused (corrupt stream, fail-closed)", async () => {
    const first = await gzip(ascii("hello\n"));
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "text/plain", "content-encoding": "gzip" },
      rawBody: new Uint8Array([...first, ...ascii(`card ${CARD}`)]),
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("base64 is decoded only inside JSON strings", () => {
  const B64_CARD = btoa(CARD); // NDExMTExMTExMTExMTExMQ==
  it("HELD control: a base64 card as a JSON string value is refused", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/json" }, rawBody: JSON.stringify({ d: B64_CARD }) });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a base64 card in a query parameter reaches the target", async () => {
    const { outcome, res } = await attempt(`/c?d=${encodeURIComponent(B64_CARD)}`, { method: "GET" });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a base64 card in a request header reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { method: "GET", headers: { "x-data": B64_CARD } });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a base64 card in a form field reaches the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: `d=${encodeURIComponent(B64_CARD)}`,
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a base64 card in a text/plain body reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "text/plain" }, rawBody: B64_CARD });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a base64 card in a multipart part with Content-Transfer-Encoding: base64 reaches the target", async () => {
    const body = `--b\r\ncontent-disposition: form-data; name="card"\r\ncontent-transfer-encoding: base64\r\n\r\n${B64_CARD}\r\n--b--\r\n`;
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "multipart/form-data; boundary=b" }, rawBody: body });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("control characters inside JSON strings (the NUL fix reads raw bytes only)", () => {
  it("HELD control: a raw NUL byte inside an e-mail in a text body is refused", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "text/plain" }, rawBody: "mail jane.roe\u0000@example.org" });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it('attack: a JSON-escaped NUL inside an e-mail ({"to":"jane.roe\\u0000@example.org"}) reaches the target', async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/json" },
      rawBody: '{"to":"jane.roe\\u0000@example.org"}',
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: JSON-escaped NULs between a card's groups reach the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/json" },
      rawBody: '{"card":"4111\\u00001111\\u00001111\\u00001111"}',
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
  it("attack: a card coloured with ANSI escapes (as a terminal prints it) in a text body reaches the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "text/plain" },
      rawBody: "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m",
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("binary bodies: only printable ASCII runs of 8+ are read", () => {
  it("attack: a card in groups of four separated by control bytes (each run under 8 characters) reaches the target", async () => {
    const body = ascii(`4111\x01\x02\x031111\x01\x02\x031111\x01\x02\x031111`);
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/octet-stream" }, rawBody: body });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: fullwidth digits (UTF-8) after a control-byte header reach the target", async () => {
    const body = new Uint8Array([
      ...new Array(40).fill(1),
      ...ascii("card \uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11"),
    ]);
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/octet-stream" }, rawBody: body });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: an e-mail with a fullwidth at sign after a control-byte header reaches the target", async () => {
    const body = new Uint8Array([...new Array(40).fill(1), ...ascii("mail jane.roe\uff20example.org")]);
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "application/octet-stream" }, rawBody: body });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});

describe("split values the split check does not read", () => {
  it("attack: a card split across two request headers reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { method: "GET", headers: { "x-part-a": "4111 1111", "x-part-b": "1111 1111" } });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: an e-mail split across two request headers reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { method: "GET", headers: { "x-part-a": "jane.roe@exa", "x-part-b": "mple.org" } });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a card split between a header and the body reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "x-part-a": "4111 1111", "content-type": "text/plain" }, rawBody: "1111 1111" });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a card split across form fields separated by ';' reaches the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: "a=4111+1111;b=1111+1111",
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a card split across two fields of a JSON body with a comment (JSONC) reaches the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/json" },
      rawBody: '{"a":"4111 1111", /* part two */ "b":"1111 1111"}',
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a card split across two XML elements reaches the target", async () => {
    const { outcome, res } = await attempt("/c", {
      headers: { "content-type": "application/xml" },
      rawBody: "<pay><a>4111 1111</a><b>1111 1111</b></pay>",
    });
    expect(outcome, res.text).toEqual(REFUSED);
  });

  it("attack: a card in pipe-separated groups in a text body reaches the target", async () => {
    const { outcome, res } = await attempt("/c", { headers: { "content-type": "text/plain" }, rawBody: "card 4111|1111|1111|1111" });
    expect(outcome, res.text).toEqual(REFUSED);
  });
});
