// Red team 21: the whole injected secret through the public egress API, in spellings real upstreams
// write that the scrubber and its decoded reading (decoded-view.ts) do not know. Each test asserts
// the SAFE outcome; "attack:" tests fail while the secret comes back, "held:" tests pass.
import { beforeAll, describe, expect, it } from "vitest";
import { egressAnswer, rawAnswerAgent } from "./support/raw-upstream.js";

const TOKEN = "sk_live_4f9Qz7Xw2LmN8pR0tV6yB1cD3eF5gH";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudC0xMjMiLCJzY29wZSI6InJlcG86cmVhZCJ9.Qm9vdHN0cmFwLXNpZ25hdHVyZS1ub3QtcmVhbA";
const pairs = (s: string) => Buffer.from(s).toString("hex").match(/../g) as string[];
/** Pieces of a few bytes, written apart (the upstream flushes each). */
const pieces = (s: string, n: number) => (s.match(new RegExp(`[^]{1,${n}}`, "g")) as string[]).join("\x01");

const PHP_HTML5: Record<string, string> = { _: "&lowbar;", ".": "&period;", ":": "&colon;", "/": "&sol;", "+": "&plus;", "=": "&equals;" };
const phpHtml5 = (s: string) => Array.from(s, (c) => PHP_HTML5[c] ?? c).join("");
const unPhpHtml5 = (t: string) => Object.entries(PHP_HTML5).reduce((acc, [c, e]) => acc.replaceAll(e, c), t);
const hexOf = (t: string) => Buffer.from(t.replace(/[^0-9a-f]/gi, ""), "hex").toString("latin1");

describe("red21: a bearer token echoed by real programs", () => {
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r21-bearer", TOKEN, { type: "bearer" });
  });

  it("attack: a PHP page echoing the header through htmlentities($v, ENT_QUOTES | ENT_HTML5) (sk&lowbar;live&lowbar;...) hands back the token", async () => {
    const o = await egressAnswer(agent, `<dl><dt>Authorization</dt><dd>${phpHtml5(`Bearer ${TOKEN}`)}</dd></dl>`, { "content-type": "text/html" });
    expect(o.status).toBe(200);
    expect(unPhpHtml5(o.text), o.text).not.toContain(TOKEN);
  });

  it("attack: a note stored and read back as Markdown (Turndown / markdownify escape '_' as '\\_') hands back the token", async () => {
    const md = `# Request log\n\n* Authorization: Bearer ${TOKEN.replaceAll("_", "\\_")}\n`;
    const o = await egressAnswer(agent, JSON.stringify({ body_markdown: md }), { "content-type": "application/json" });
    expect(o.status).toBe(200);
    const got = (JSON.parse(o.text) as { body_markdown: string }).body_markdown;
    expect(got.replaceAll("\\_", "_"), o.text).not.toContain(TOKEN);
  });

  it("attack: .NET BitConverter.ToString of the header's bytes (42-65-61-...-48) hands back the token", async () => {
    const o = await egressAnswer(agent, `{"authBytes":"${pairs(`Bearer ${TOKEN}`).join("-").toUpperCase()}"}`, {
      "content-type": "application/json",
    });
    expect(o.status).toBe(200);
    expect(hexOf((JSON.parse(o.text) as { authBytes: string }).authBytes), o.text).not.toContain(TOKEN);
  });

  it("attack: Go's hex.Dump of the request (as `hexdump -C` writes it) hands back the token", async () => {
    const req = Buffer.from(`GET /v1/x HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    let dump = "";
    for (let o = 0; o < req.length; o += 16) {
      const line = req.subarray(o, o + 16);
      const hx = Array.from(line, (x) => x.toString(16).padStart(2, "0"));
      const ascii = Array.from(line, (x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
      dump += `${o.toString(16).padStart(8, "0")}  ${hx.slice(0, 8).join(" ").padEnd(23)}  ${hx.slice(8).join(" ").padEnd(23)}  |${ascii}|\n`;
    }
    const o = await egressAnswer(agent, dump);
    expect(o.status).toBe(200);
    const hexColumns = o.text
      .split("\n")
      .map((l) => l.slice(10, 58))
      .join("");
    expect(hexOf(hexColumns), o.text).not.toContain(TOKEN);
  });

  it("attack: Go's fmt %v / Java Arrays.toString of the header's bytes ([66 101 97 ...]) hands back the token", async () => {
    const o = await egressAnswer(agent, `{"raw":"[${Array.from(Buffer.from(`Bearer ${TOKEN}`)).join(" ")}]"}`, {
      "content-type": "application/json",
    });
    expect(o.status).toBe(200);
    expect(String.fromCharCode(...(o.text.match(/\d+/g) ?? []).map(Number)), o.text).not.toContain(TOKEN);
  });

  it('attack: Java\'s getBytes("UTF-16") (BOM + big-endian) in base64 hands back the token', async () => {
    const b = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`Bearer ${TOKEN}`, "utf16le").swap16()]).toString("base64");
    const o = await egressAnswer(agent, `{"auth_utf16":"${b}"}`, { "content-type": "application/json" });
    expect(o.status).toBe(200);
    const got = Buffer.from((JSON.parse(o.text) as { auth_utf16: string }).auth_utf16, "base64")
      .swap16()
      .toString("utf16le");
    expect(got, o.text).not.toContain(TOKEN);
  });

  it("held: `od -An -tx1` of the request, streamed in 5-byte pieces, is redacted", async () => {
    const req = `GET /v1/x HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
    const od = (
      Buffer.from(req)
        .toString("hex")
        .match(/.{1,32}/g) as string[]
    )
      .map((l) => ` ${(l.match(/../g) as string[]).join(" ")}`)
      .join("\n");
    const o = await egressAnswer(agent, pieces(`${"x".repeat(3000)}\n${od}\n`, 5), {}, true);
    expect(o.status).toBe(200);
    expect(o.text).toContain("[REDACTED]");
    expect(hexOf(o.text.slice(3001)), o.text).not.toContain(TOKEN);
  });

  it("held: an answer with many escapes and no secret, streamed in 3-byte pieces, is unchanged", async () => {
    const body = `{"a":"line\\none \\u00e9t\\u00e9 \\/p","b":"%2F%3D =3D &amp;&#233; 00 1f:2e =?utf-8?B?SGFsbG8=?= \\x41"}\n`.repeat(40);
    const o = await egressAnswer(agent, pieces(body, 3), {}, true);
    expect(o.status).toBe(200);
    expect(o.text).toBe(body);
  });
});

describe("red21: a header key echoed by real programs", () => {
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r21-header", TOKEN, { type: "header", name: "x-api-key" });
  });

  it('attack: JSON holding Python\'s value.hex(" ") of the x-api-key header hands back the key', async () => {
    const o = await egressAnswer(agent, JSON.stringify({ headers: { "x-api-key": pairs(TOKEN).join(" ") } }), { "content-type": "application/json" });
    expect(o.status).toBe(200);
    expect(hexOf((JSON.parse(o.text) as { headers: Record<string, string> }).headers["x-api-key"] ?? ""), o.text).not.toContain(TOKEN);
  });

  it("attack: the same streamed (no length, 7-byte pieces) hands back the key", async () => {
    const body = `${"{}\n".repeat(1000)}${JSON.stringify({ headers: { "x-api-key": pairs(TOKEN).join(" ") } })}\n`;
    const o = await egressAnswer(agent, pieces(body, 7), { "content-type": "application/json" }, true);
    expect(o.status).toBe(200);
    const last = o.text.trim().split("\n").at(-1) as string;
    expect(hexOf((JSON.parse(last) as { headers: Record<string, string> }).headers["x-api-key"] ?? ""), last).not.toContain(TOKEN);
  });
});

describe("red21: a JWT echoed by PHP", () => {
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r21-jwt", JWT, { type: "bearer" });
  });
  it("attack: htmlentities(ENT_HTML5) writes the JWT's dots as &period; and hands it back", async () => {
    const o = await egressAnswer(agent, `<td>${phpHtml5(`Bearer ${JWT}`)}</td>`, { "content-type": "text/html" });
    expect(o.status).toBe(200);
    expect(unPhpHtml5(o.text), o.text).not.toContain(JWT);
  });
});
