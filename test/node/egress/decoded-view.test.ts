// The scrubber's second reading of an answer (workers/egress/decoded-view.ts): a whole secret an
// upstream wrote through one more layer of escapes, breaks or separators is gone, whole or
// streamed in small chunks, and an answer holding none is left byte for byte as it was.
import { describe, expect, it } from "vitest";
import { decodedView } from "../../../workers/egress/decoded-view.js";
import { StreamScrubber, scrubBytes, scrubberFor } from "../../../workers/egress/scrub.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const TOKEN = "sk_live_4f9Qz7Xw2LmN8pR0tV6yB1cD3eF5gH";
const UMLAUT = "Geheimnis-pässwört-Zr8Qm2xKv9";
const CYRILLIC = "Пароль-секрет-Zr8Qm2xKv9-ключ";

function scrubber(secret: string) {
  const s = scrubberFor([secret]);
  if (!s) throw new Error("no scrubber");
  return s;
}
const whole = (body: string, secret: string) => dec.decode(scrubBytes(enc.encode(body), scrubber(secret)));
function streamed(body: string, secret: string, size: number): string {
  const sc = new StreamScrubber(scrubber(secret));
  const bytes = enc.encode(body);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(sc.push(bytes.subarray(i, i + size)));
  const rest = sc.flush();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString("utf8");
}
const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const wrap = (t: string, width: number, sep: string) => (t.match(new RegExp(`.{1,${width}}`, "g")) as string[]).join(sep);
const mojibake = (s: string) => Buffer.from(s, "utf8").toString("latin1");
const jsonAscii = (s: string) => JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const entities = (s: string) => Array.from(s, (c) => `&#${c.codePointAt(0)};`).join("");
/** Quoted-printable as encoders write it: lines of at most 76 with a soft break, never inside an escape; in a Q word '_' and ' ' escaped too. */
const qp = (s: string, word = false) => {
  const units = Array.from(Buffer.from(s, "utf8"), (b) =>
    b === 61 || b > 126 || (word && (b === 95 || b === 32)) ? `=${b.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(b),
  );
  if (word) return units.join("");
  const lines: string[] = [];
  let line = "";
  for (const u of units) {
    if (line.length + u.length > 75) {
      lines.push(`${line}=`);
      line = "";
    }
    line += u;
  }
  return [...lines, line].join("\r\n");
};
const dump = (secret: string) => `POST /v1/x HTTP/1.1\r\nAuthorization: Bearer ${secret}\r\nHost: api.example.com\r\n\r\n`;

const spellings: Array<[string, (secret: string) => string]> = [
  ["base64 in JSON, lines joined by \\n", (s) => `{"pem":"${wrap(b64(dump(s)), 64, "\\n")}"}`],
  ["base64 in JSON, lines joined by \\r\\n and indented", (s) => `{"mime":"${wrap(b64(dump(s)), 76, "\\r\\n  ")}"}`],
  ["base64 with PHP's \\/", (s) => `{"r":"${b64(dump(s)).replaceAll("/", "\\/")}"}`],
  ["base64 percent-encoded", (s) => `https://app.example.com/cb?state=${encodeURIComponent(b64(dump(s)))}&x=1`],
  [
    "base64url percent-encoded twice over the padding",
    (s) => `next=${b64(dump(s)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "%3D")}`,
  ],
  [
    "quoted-printable",
    (s) => `Content-Transfer-Encoding: quoted-printable\r\n\r\n${qp(`The header was Authorization: Bearer ${s} and it was refused.`)}`,
  ],
  ["RFC 2047 B words", (s) => `X-Req: ${(dump(s).match(/.{1,23}/gs) as string[]).map((p) => `=?utf-8?B?${b64(p)}?=`).join("\r\n ")}`],
  [
    "RFC 2047 Q words on one line",
    (s) => `Subject: ${(`key ${s} end`.match(/.{1,17}/g) as string[]).map((p) => `=?utf-8?Q?${qp(p, true)}?=`).join(" ")}`,
  ],
  ["hex spaced", (s) => (Buffer.from(s).toString("hex").match(/../g) as string[]).join(" ")],
  [
    "hex with colons, upper case, over two lines",
    (s) => wrap((Buffer.from(s).toString("hex").toUpperCase().match(/../g) as string[]).join(":"), 48, "\n"),
  ],
  ["HTML numeric entities of every character", (s) => `<p>${entities(s)}</p>`],
  ["the Latin-1 reading, JSON-escaped", (s) => `{"h":${jsonAscii(mojibake(s))}}`],
  ["the Latin-1 reading, percent-encoded", (s) => `q=${encodeURIComponent(mojibake(s))}&p=2`],
  ["base64 of UTF-16LE", (s) => `{"blob":"${b64(Buffer.from(dump(s), "utf16le"))}"}`],
  ["base64 of UTF-16LE folded into JSON lines", (s) => `{"blob":"${wrap(b64(Buffer.from(dump(s), "utf16le")), 76, "\\r\\n")}"}`],
];

/** The secret recovered from what the agent got, reading each spelling back the way its reader would. */
function recovered(text: string, secret: string): boolean {
  const decodedView_ = decodedView(enc.encode(text), false);
  const views = [text, decodedView_ ? dec.decode(decodedView_.bytes) : text];
  const readings = views.flatMap((v) => {
    const base64 = (v.match(/[A-Za-z0-9+/_-]{16,}={0,2}/g) ?? []).map((t) => Buffer.from(t.replaceAll("-", "+").replaceAll("_", "/"), "base64"));
    return [
      v,
      Buffer.from(v, "latin1").toString("utf8"),
      ...base64.flatMap((b) => [b.toString("utf8"), b.toString("utf16le")]),
      Buffer.from(v.replace(/[^0-9a-f]/gi, ""), "hex").toString("utf8"),
    ];
  });
  return readings.some((r) => r.includes(secret) || Buffer.from(r, "latin1").toString("utf8").includes(secret));
}

describe("the decoded reading of an answer", () => {
  for (const secret of [TOKEN, UMLAUT, CYRILLIC]) {
    it.each(spellings)(`${secret.slice(0, 6)}…: %s is redacted whole`, (_name, spell) => {
      const body = spell(secret);
      expect(recovered(body, secret), "the spelling must hold the secret").toBe(true);
      const out = whole(body, secret);
      expect(out).toContain("[REDACTED]");
      expect(recovered(out, secret), out).toBe(false);
    });
    it.each(spellings)(`${secret.slice(0, 6)}…: %s is redacted streamed in chunks of 1, 7 and 64 bytes`, (_name, spell) => {
      const body = `${"filler line of an answer\n".repeat(40)}${spell(secret)}\n${"more after it\n".repeat(40)}`;
      for (const size of [1, 7, 64]) {
        const out = streamed(body, secret, size);
        expect(recovered(out, secret), `chunks of ${size}: ${out}`).toBe(false);
      }
    });
  }

  it("a redaction inside a JSON string takes its escapes whole: the answer still parses", () => {
    const body = `{"pem":"${wrap(b64(dump(TOKEN)), 64, "\\n")}","mojibake":${jsonAscii(mojibake(UMLAUT))}}`;
    const out = dec.decode(scrubBytes(enc.encode(body), scrubberFor([TOKEN, UMLAUT]) as NonNullable<ReturnType<typeof scrubberFor>>));
    expect(() => JSON.parse(out)).not.toThrow();
    expect(out).toContain("[REDACTED]");
  });

  it.each([
    ["JSON with escapes", `{"a":"line\\none \\u00e9t\\u00e9 \\/path","b":"%2F%3D =3D"}`],
    ["an e-mail in quoted-printable and encoded words", "Subject: =?utf-8?B?SGFsbG8=?=\r\n\r\ncaf=C3=A9 au lait=\r\n suite"],
    ["hex dump and HTML", "00 1f 2e 3d  ..=.\n<b>&amp; &#233;&#x27;</b>"],
    ["a truncated escape at the very end", "abc %2 \\u00 =?utf-8?B?SGFs"],
  ])("an answer with no secret is left as it was: %s", (_name, body) => {
    const bytes = enc.encode(body);
    expect(Buffer.from(scrubBytes(bytes, scrubber(TOKEN))).equals(Buffer.from(bytes))).toBe(true);
    expect(streamed(body, TOKEN, 3)).toBe(body);
  });

  it("a piece of the secret, spelled any of these ways, is not redacted (only a whole secret is)", () => {
    const piece = TOKEN.slice(0, 30);
    for (const [, spell] of spellings) {
      const out = whole(spell(piece), TOKEN);
      expect(out).not.toContain("[REDACTED]");
    }
  });
});
