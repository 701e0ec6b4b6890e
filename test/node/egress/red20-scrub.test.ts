// Red team 20: the whole-secret scrubber on its own. Each test asserts the SAFE outcome (the
// whole secret, in the spelling given, is gone); the ones the red team found open are closed by the decoded reading (decoded-view.ts).
import { describe, expect, it } from "vitest";
import { StreamScrubber, injectedSecrets, scrubBytes, scrubberFor } from "../../../workers/egress/scrub.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
function must<T>(v: T | null): T {
  if (v === null) throw new Error("no scrubber");
  return v;
}
type Secrets = Parameters<typeof scrubberFor>[0];
const cat = (...parts: Array<Uint8Array | string>) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const holds = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay).includes(Buffer.from(needle));
const whole = (body: Uint8Array, s: Secrets) => scrubBytes(body, must(scrubberFor(s)));
function streamed(body: Uint8Array, s: Secrets, size = 1): Uint8Array {
  const sc = new StreamScrubber(must(scrubberFor(s)));
  const out: Uint8Array[] = [];
  for (let i = 0; i < body.length; i += size) out.push(sc.push(body.subarray(i, i + size)));
  const f = sc.flush();
  if (f) out.push(f);
  return Buffer.concat(out);
}
const u16le = (s: string) => Buffer.from(s, "utf16le");
const u16be = (s: string) => Buffer.from(s, "utf16le").swap16();
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const wrap = (t: string, width: number, sep: string) => (t.match(new RegExp(`.{1,${width}}`, "g")) as string[]).join(sep);

const TOKEN = "sk_live_4f9Qz7Xw2LmN8pR0tV6yB1cD3eF5gH"; // 38 ASCII
const EURO = "Zr8Qm2xKv9-pässwört-€uro-Lw4tNb7c"; // BMP, one char past Latin-1
const EMOJI = "Zr8Qm2xKv9pLw4tNb7c-🔑-Ys8NdF3gJ6"; // an astral character
const UMLAUT = "Geheimnis-pässwört-Zr8Qm2xKv9";

describe("red20: UTF-16 spellings", () => {
  it('UTF-16BE with BOM (Java charset "UTF-16"), ASCII token at the very end of the body', () => {
    const body = cat(Buffer.from([0xfe, 0xff]), u16be(`Bearer ${TOKEN}`));
    const out = whole(body, [TOKEN]);
    expect(holds(out, u16be(TOKEN))).toBe(false);
  });
  it("UTF-16BE with BOM, ASCII token streamed 1 byte at a time at the very end", () => {
    const body = cat(Buffer.from([0xfe, 0xff]), u16be(`{"auth":"Bearer ${TOKEN}`));
    expect(holds(streamed(body, [TOKEN]), u16be(TOKEN))).toBe(false);
  });
  it("control: UTF-16BE, ASCII token followed by more text (the LE form matches one byte on)", () => {
    const body = cat(Buffer.from([0xfe, 0xff]), u16be(`{"auth":"Bearer ${TOKEN}"}`));
    expect(holds(whole(body, [TOKEN]), u16be(TOKEN))).toBe(false);
  });
  it("UTF-16BE of a non-ASCII password (a '€', past Latin-1) mid-body", () => {
    const body = cat(Buffer.from([0xfe, 0xff]), u16be(`{"auth":"Basic ${EURO}"}`));
    expect(holds(whole(body, [EURO]), u16be(EURO))).toBe(false);
  });
  it("UTF-16LE with BOM of a password with an astral character (emoji)", () => {
    const body = cat(Buffer.from([0xff, 0xfe]), u16le(`{"auth":"${EMOJI}"}`));
    expect(holds(whole(body, [EMOJI]), u16le(EMOJI))).toBe(false);
  });
  it("control: UTF-16LE of a '€' password (BMP) is redacted", () => {
    const body = cat(Buffer.from([0xff, 0xfe]), u16le(`{"auth":"${EURO}"}`));
    expect(holds(whole(body, [EURO]), u16le(EURO))).toBe(false);
  });
  it("UTF-16LE of the Latin-1 reading of a UTF-8 password (.NET reading header bytes as Latin-1)", () => {
    const moji = Buffer.from(UMLAUT, "utf8").toString("latin1");
    const body = cat(u16le(`auth: ${moji};`));
    expect(holds(whole(body, [UMLAUT]), u16le(moji))).toBe(false);
  });
  it("base64 of UTF-16LE (.NET Convert.ToBase64String(Encoding.Unicode.GetBytes), PowerShell)", () => {
    const text = b64(u16le(TOKEN));
    const out = whole(enc.encode(`{"blob":"${text}"}`), [TOKEN]);
    expect(dec.decode(out)).not.toContain(text);
  });
});

describe("red20: wrapped base64", () => {
  const long = `GET /x HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\nHost: api.example.com\r\n\r\n`;
  const text = b64(enc.encode(long));
  /** The base64 text between the tags, less its line breaks (whitespace, escaped \\r \\n), decoded. */
  const clean = (o: Uint8Array) => {
    const t = dec.decode(o);
    const inner = t.includes("<data>") ? t.slice(t.indexOf("<data>") + 6, t.lastIndexOf("</data>")) : t;
    return Buffer.from(inner.replace(/\\r|\\n|\s/g, ""), "base64").toString("latin1");
  };
  const cases: Array<[string, string]> = [
    ["MIME 76, CRLF (control)", wrap(text, 76, "\r\n")],
    ["PEM 64, LF (control)", wrap(text, 64, "\n")],
    ["OpenSSL/PEM 64 lines indented in pretty-printed XML (LF + 6 spaces)", wrap(text, 64, "\n      ")],
    ["XML-DSig 76, CRLF + tab (SOAP pretty-printed)", wrap(text, 76, "\r\n\t")],
    ["RFC 5322 folded header (CRLF + space) every 76", wrap(text, 76, "\r\n ")],
    ["lines of 60 (uuencode width), LF", wrap(text, 60, "\n")],
    ["lines of 72 (Java MimeUtility/some mailers), CRLF", wrap(text, 72, "\r\n")],
    ["lines of 40, CRLF", wrap(text, 40, "\r\n")],
    ["lines of 19, CRLF (odd position)", wrap(text, 19, "\r\n")],
    ["lines of 76 separated by a space (base64 -w76 | tr '\\n' ' ')", wrap(text, 76, " ")],
  ];
  // Open: line breaks written as JSON escapes between the lines ("\\n" is two bytes of which "n" is also base64).
  const openCases: Array<[string, string]> = [
    ["PEM 64 in a JSON string (\\n escaped, as GCP key files)", wrap(text, 64, "\\n")],
    ["MIME 76 in a JSON string (\\r\\n escaped)", wrap(text, 76, "\\r\\n")],
  ];
  it.each(openCases)("whole body: %s", (_t, spelled) => {
    const out = whole(enc.encode(`<data>${spelled}</data>`), [TOKEN]);
    expect(clean(out)).not.toContain(TOKEN);
  });
  it.each(cases)("whole body: %s", (_t, spelled) => {
    const out = whole(enc.encode(`<data>${spelled}</data>`), [TOKEN]);
    expect(clean(out)).not.toContain(TOKEN);
  });
  it.each(cases)("streamed 1 byte: %s", (_t, spelled) => {
    const out = streamed(enc.encode(`<data>${spelled}</data>`), [TOKEN], 1);
    expect(clean(out)).not.toContain(TOKEN);
  });
  it.each(cases)("streamed 3 bytes: %s", (_t, spelled) => {
    const out = streamed(enc.encode(`<data>${spelled}</data>`), [TOKEN], 3);
    expect(clean(out)).not.toContain(TOKEN);
  });
  it("a non-ASCII password in MIME base64 streamed 1 byte (CRLF)", () => {
    const t = wrap(b64(enc.encode(`Authorization: Basic ${UMLAUT}\r\n`.repeat(3))), 76, "\r\n");
    const out = streamed(enc.encode(t), [UMLAUT], 1);
    expect(clean(out)).not.toContain(UMLAUT);
  });
  it("base64 (MIME 76) of UTF-16LE text holding the token", () => {
    const t = wrap(b64(u16le(long)), 76, "\r\n");
    const out = whole(enc.encode(t), [TOKEN]);
    expect(Buffer.from(dec.decode(out).replace(/\s/g, ""), "base64").toString("utf16le")).not.toContain(TOKEN);
  });
});

describe("red20: mojibake escaped (httpbin/Flask: WSGI headers are Latin-1, jsonify escapes)", () => {
  it("Flask jsonify of the Latin-1 reading of a UTF-8 password (\\u00c3\\u00a4)", () => {
    const moji = Buffer.from(UMLAUT, "utf8").toString("latin1");
    const spelled = JSON.stringify(moji)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const out = whole(enc.encode(`{"headers":{"Authorization":"Bearer ${spelled}"}}`), [UMLAUT]);
    expect(dec.decode(out)).not.toContain(spelled);
  });
  it("Python quote() of the Latin-1 reading (%C3%83%C2%A4)", () => {
    const moji = Buffer.from(UMLAUT, "utf8").toString("latin1");
    const spelled = encodeURIComponent(moji);
    const out = whole(enc.encode(`next=/x?k=${spelled}&p=2`), [UMLAUT]);
    expect(dec.decode(out)).not.toContain(spelled);
  });
});

describe("red20: basic user name alone", () => {
  it("key-shaped user (16+) base64 as 'user:' echoed by a server decoding Basic (UTF-16LE)", () => {
    const user = "AC9f3b2e1d0c4a5b6c7d8e9f0a1b2c3d4e";
    const s = injectedSecrets({ type: "basic" }, `${user}:Zr8Qm2xKv9pLw4tNb7c`);
    const body = cat(u16le(`user=${user}`));
    expect(holds(whole(body, s), u16le(user))).toBe(false);
  });
});

// The PII change (technical.ts): a "handle: prose" chat line is no longer a configuration line. It
// must only un-gate; but it also lowers the share of technical lines, so a text that was a
// "document" (>= 60% technical: a name after a name field passes on the field) becomes "mixed"
// (a name needs capitalised words a list knows), and a name elsewhere is dropped.
import { peopleIn } from "../../support/pii-people.js";
import { technicalLine } from "../../../workers/pii/detectors/technical.js";

describe("red20: PII chat-handle un-gating makes detection weaker elsewhere", () => {
  const chat = "tiny_tim_77: my uncle fished the river every summer";
  const asBefore = `${chat};`; // the same line still technical, as every such line was before the change
  const doc = (line: string, field: string) => [field, "db_port: 5432", line, "log_level: debug", "see you"].join("\n");
  it("control: the chat line is un-gated, the ';' one is not", () => {
    expect(technicalLine(chat)).toBe(false);
    expect(technicalLine(asBefore)).toBe(true);
  });
  it.each([
    ["author: sven lindqvist", "sven lindqvist"],
    ["maintainer: jürgen weber", "jürgen weber"],
    ["name: Xylanthe", "Xylanthe"],
  ])("a chat line beside '%s' hides the person", (field, person) => {
    expect(peopleIn(doc(asBefore, field))).toContain(person); // found as before the change
    expect(peopleIn(doc(chat, field))).toContain(person); // lost now
  });
});

describe("red20: more spellings of base64 and hex", () => {
  const PASS = "ghp_Zr8?Qm2x~Kv9pLw4>tNb7cYs8NdF3gJ6uA1eRtQ"; // its base64 after "Bearer " holds a '/'
  const JWT =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudC1ib3QiLCJzY29wZSI6InJlYWQgd3JpdGUiLCJpYXQiOjE3MDAwMDAwMDB9.Zr8Qm2xKv9pLw4tNb7cYs8NdF3gJ6uA1eRtQoWiSy";
  const dump = `Authorization: Bearer ${PASS}\r\n`;
  const text = Buffer.from(dump).toString("base64");
  const gone = (secret: string, body: string) => expect(dec.decode(whole(enc.encode(body), [secret]))).toContain("[REDACTED]");
  it("base64 JSON-encoded by PHP json_encode ('/' written '\\/')", () => {
    expect(text).toContain("/");
    gone(PASS, `{"request":"${text.replaceAll("/", "\\/")}"}`);
  });
  it("base64 percent-encoded in a URL (state=...%2F...%3D%3D, encodeURIComponent / urlencode)", () => {
    gone(PASS, `https://app.example.com/cb?state=${encodeURIComponent(text)}`);
  });
  it("quoted-printable soft line breaks ('=' CRLF every 76) through a long JWT (an email body)", () => {
    const qp = (s: string) => {
      const out: string[] = [];
      let line = "";
      for (const c of s.replaceAll("=", "=3D")) {
        if (line.length >= 75) {
          out.push(`${line}=`);
          line = "";
        }
        line += c;
      }
      out.push(line);
      return out.join("\r\n");
    };
    gone(JWT, qp(`Your request carried the header Authorization: Bearer ${JWT} and was refused.`));
  });
  it("RFC 2047 encoded words (a long header split into =?utf-8?b?...?= words, Python email)", () => {
    const d = `Authorization: Bearer ${TOKEN}\r\n`;
    gone(TOKEN, `X-Request: ${(d.match(/.{1,30}/g) as string[]).map((p) => `=?utf-8?b?${Buffer.from(p).toString("base64")}?=`).join("\r\n ")}`);
  });
  it.each([
    ["spaced (bytes.hex(' '), hexdump)", " ", ""],
    ["colon (bytes.hex(':'), Wireshark)", ":", ""],
  ])("hex %s", (_t, sep, pre) => {
    gone(TOKEN, (Buffer.from(TOKEN).toString("hex").match(/../g) as string[]).map((h) => pre + h).join(sep));
  });
  it.each([["\\x escapes (Python/C bytes literal)", "", "\\x"]])("hex %s", (_t, sep, pre) => {
    gone(TOKEN, (Buffer.from(TOKEN).toString("hex").match(/../g) as string[]).map((h) => pre + h).join(sep));
  });
});
