// Red team 20: the whole injected secret through the public egress API, in spellings the
// scrubber does not know. Each test asserts the SAFE outcome; the ones the red team found open are closed by the decoded reading (decoded-view.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { egressAnswer, rawAnswerAgent } from "./support/raw-upstream.js";

const encoder = new TextEncoder();

const TOKEN = "sk_live_4f9Qz7Xw2LmN8pR0tV6yB1cD3eF5gH";
const b64 = (b: Uint8Array | string) => Buffer.from(typeof b === "string" ? encoder.encode(b) : b).toString("base64");
const wrap = (t: string, width: number, sep: string) => (t.match(new RegExp(`.{1,${width}}`, "g")) as string[]).join(sep);
/** What the agent decodes from the base64 between the tags (line breaks, indentation and escapes taken out). */
const decoded = (text: string, open: string, close: string) =>
  Buffer.from(text.slice(text.indexOf(open) + open.length, text.indexOf(close)).replace(/\\r|\\n|\s/g, ""), "base64").toString("latin1");
const dump = `GET /v1/x HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\nHost: api.example.com\r\n\r\n`;

describe("red20: wrapped base64 with more than CR/LF between lines", () => {
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r20-wrap", TOKEN, { type: "bearer" });
  });

  it("attack: a SOAP/XML upstream pretty-printing the request's base64 (64-char lines indented by spaces) hands back the token", async () => {
    const xml = `<?xml version="1.0"?>\n<Fault>\n  <Request>\n      ${wrap(b64(dump), 64, "\n      ")}\n  </Request>\n</Fault>\n`;
    const o = await egressAnswer(agent, xml, { "content-type": "application/xml" });
    expect(o.status).toBe(200);
    expect(decoded(o.text, "<Request>", "</Request>"), o.text).not.toContain(TOKEN);
  });

  it("attack: a JSON upstream holding PEM-style base64 (64-char lines, '\\n' escaped) hands back the token", async () => {
    const json = `{"request_pem":"-----BEGIN REQUEST-----\\n${wrap(b64(dump), 64, "\\n")}\\n-----END REQUEST-----\\n"}`;
    const o = await egressAnswer(agent, json, { "content-type": "application/json" });
    expect(o.status).toBe(200);
    expect(decoded(o.text, "REQUEST-----\\n", "\\n-----END"), o.text).not.toContain(TOKEN);
  });

  it("attack: an RFC 5322 message with a folded base64 header (CRLF + space every 76) hands back the token", async () => {
    const msg = `X-Original-Request: ${wrap(b64(dump), 76, "\r\n ")}\r\nSubject: hi\r\n\r\nbody`;
    const o = await egressAnswer(agent, msg, { "content-type": "message/rfc822" });
    expect(o.status).toBe(200);
    expect(decoded(o.text, "X-Original-Request: ", "\r\nSubject"), o.text).not.toContain(TOKEN);
  });

  it("control: the same base64 in MIME lines (CRLF every 76) is scrubbed", async () => {
    const o = await egressAnswer(agent, `<Request>${wrap(b64(dump), 76, "\r\n")}</Request>`);
    expect(decoded(o.text, "<Request>", "</Request>")).not.toContain(TOKEN);
  });
});

describe("red20: UTF-16 spellings", () => {
  const EURO = "Zr8Qm2xKv9-pässwört-€uro-Lw4tNb7c";
  const EMOJI = "Zr8Qm2xKv9pLw4tNb7c-🔑-Ys8NdF3gJ6";
  let bearer: string;
  let euro: string;
  let emoji: string;
  beforeAll(async () => {
    bearer = await rawAnswerAgent("r20-be", TOKEN, { type: "bearer" });
    euro = await rawAnswerAgent("r20-euro", EURO, { type: "header", name: "x-api-key" });
    emoji = await rawAnswerAgent("r20-emoji", EMOJI, { type: "header", name: "x-api-key" });
  });
  const be = (s: string) => Buffer.from(s, "utf16le").swap16();
  const le = (s: string) => Buffer.from(s, "utf16le");
  const bom = (b: number[], body: Buffer) => new Uint8Array(Buffer.concat([Buffer.from(b), body]));

  it("attack: a Java upstream answering in charset UTF-16 (big-endian, BOM) ending with the token hands it back", async () => {
    const o = await egressAnswer(bearer, bom([0xfe, 0xff], be(`Authorization: Bearer ${TOKEN}`)), { "content-type": "text/plain; charset=UTF-16" });
    expect(o.status).toBe(200);
    expect(Buffer.from(o.bytes).includes(be(TOKEN)), Buffer.from(o.bytes).swap16().toString("utf16le")).toBe(false);
  });

  it("attack: UTF-16BE of a header key with a '€' hands it back", async () => {
    const o = await egressAnswer(euro, bom([0xfe, 0xff], be(`{"x-api-key":"${EURO}"}`)), { "content-type": "application/json; charset=UTF-16" });
    expect(o.status).toBe(200);
    expect(Buffer.from(o.bytes).includes(be(EURO))).toBe(false);
  });

  it("attack: UTF-16LE (.NET Encoding.Unicode) of a header key holding an emoji hands it back", async () => {
    const o = await egressAnswer(emoji, bom([0xff, 0xfe], le(`{"x-api-key":"${EMOJI}"}`)), { "content-type": "application/json; charset=UTF-16LE" });
    expect(o.status).toBe(200);
    expect(Buffer.from(o.bytes).includes(le(EMOJI))).toBe(false);
  });
});

describe("red20: httpbin/Flask echo of a non-ASCII key (WSGI reads headers as Latin-1, jsonify escapes)", () => {
  const UMLAUT = "Geheimnis-pässwört-Zr8Qm2xKv9";
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r20-flask", UMLAUT, { type: "header", name: "x-api-key" });
  });

  it('attack: {"X-Api-Key": "Geheimnis-p\\u00c3\\u00a4ssw..."} hands back the key\'s bytes', async () => {
    const moji = Buffer.from(UMLAUT, "utf8").toString("latin1");
    const spelled = JSON.stringify(moji).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const o = await egressAnswer(agent, `{"headers":{"X-Api-Key":${spelled}}}`, { "content-type": "application/json" });
    expect(o.status).toBe(200);
    const got = (JSON.parse(o.text) as { headers: Record<string, string> }).headers["X-Api-Key"] ?? "";
    expect(Buffer.from(got, "latin1").toString("utf8"), o.text).not.toBe(UMLAUT);
  });
});

describe("red20: base64 in a PHP JSON answer and a URL", () => {
  const PASS = "ghp_Zr8?Qm2x~Kv9pLw4>tNb7cYs8NdF3gJ6uA1eRtQ";
  const d = `Authorization: Bearer ${PASS}\r\n`; // its base64 holds a "/" inside the token
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r20-php", PASS, { type: "bearer" });
  });
  it("attack: a PHP upstream's json_encode of the request's base64 ('/' as '\\/') hands back the token", async () => {
    const o = await egressAnswer(agent, `{"request":"${b64(d).replaceAll("/", "\\/")}"}`, { "content-type": "application/json" });
    expect(o.status).toBe(200);
    const got = (JSON.parse(o.text) as { request: string }).request;
    expect(Buffer.from(got, "base64").toString("latin1"), o.text).not.toContain(PASS);
  });
  it("attack: a redirect URL carrying the request's base64 percent-encoded (state=...%2F...) hands back the token", async () => {
    const o = await egressAnswer(agent, `{"next":"https://app.example.com/cb?state=${encodeURIComponent(b64(d))}"}`, {
      "content-type": "application/json",
    });
    expect(o.status).toBe(200);
    const state = decodeURIComponent(o.text.slice(o.text.indexOf("state=") + 6, o.text.lastIndexOf('"')));
    expect(Buffer.from(state, "base64").toString("latin1"), o.text).not.toContain(PASS);
  });
});

describe("red20: quoted-printable email body", () => {
  const JWT =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudC1ib3QiLCJzY29wZSI6InJlYWQgd3JpdGUiLCJpYXQiOjE3MDAwMDAwMDB9.Zr8Qm2xKv9pLw4tNb7cYs8NdF3gJ6uA1eRtQoWiSy";
  let agent: string;
  beforeAll(async () => {
    agent = await rawAnswerAgent("r20-qp", JWT, { type: "bearer" });
  });
  it("attack: a message in quoted-printable (soft breaks '=' CRLF every 76) hands back the JWT", async () => {
    const s = `Your request carried the header Authorization: Bearer ${JWT} and was refused.`.replaceAll("=", "=3D");
    const qp = (s.match(/.{1,75}/g) as string[]).join("=\r\n");
    const o = await egressAnswer(agent, `Content-Transfer-Encoding: quoted-printable\r\n\r\n${qp}`, { "content-type": "message/rfc822" });
    expect(o.status).toBe(200);
    expect(o.text.replaceAll("=\r\n", "").replaceAll("=3D", "="), o.text).not.toContain(JWT);
  });
});
