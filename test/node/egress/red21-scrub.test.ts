// Red team 21: the whole-secret scrubber with its decoded reading (decoded-view.ts). Each test
// asserts the SAFE outcome: the whole secret, in the spelling a named real program writes, is
// gone. Tests under "red21 finding" fail on the change under review (the secret survives, or the
// scrubber's CPU blows up); tests under "red21 held" pass (what was tried and did not break).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "../pii/cost-guard.js";
import { decodedView } from "../../../workers/egress/decoded-view.js";
import { StreamScrubber, injectedSecrets, scrubBytes, scrubberFor } from "../../../workers/egress/scrub.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
type Secrets = Parameters<typeof scrubberFor>[0];
function must<T>(v: T | null): T {
  if (v === null) throw new Error("no scrubber");
  return v;
}
const whole = (body: string | Uint8Array, s: Secrets) =>
  Buffer.from(scrubBytes(typeof body === "string" ? enc.encode(body) : body, must(scrubberFor(s))));
function streamed(body: string | Uint8Array, s: Secrets, size: number): Buffer {
  const bytes = typeof body === "string" ? enc.encode(body) : body;
  const sc = new StreamScrubber(must(scrubberFor(s)));
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(sc.push(bytes.subarray(i, i + size)));
  const f = sc.flush();
  if (f) out.push(f);
  return Buffer.concat(out);
}

const TOKEN = "sk_live_4f9Qz7Xw2LmN8pR0tV6yB1cD3eF5gH"; // Stripe-shaped, 38 ASCII
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZ2VudC0xMjMiLCJzY29wZSI6InJlcG86cmVhZCJ9.Qm9vdHN0cmFwLXNpZ25hdHVyZS1ub3QtcmVhbA";
const B64_SECRET = "Zr8Q+m2xK/v9pLw4tNb7c/Ys8NdF3gJ6+Hq"; // AWS-secret-key-like: '+' and '/'

const hex = (s: string) => Buffer.from(s).toString("hex");
const pairs = (s: string) => hex(s).match(/../g) as string[];
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** PHP's htmlentities($s, ENT_QUOTES | ENT_HTML5): every character with an HTML5 name is written by name. */
const PHP_HTML5: Record<string, string> = {
  _: "&lowbar;",
  ".": "&period;",
  ":": "&colon;",
  "/": "&sol;",
  "+": "&plus;",
  "=": "&equals;",
  "!": "&excl;",
  "(": "&lpar;",
  ")": "&rpar;",
  ",": "&comma;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};
const phpHtml5 = (s: string) => Array.from(s, (c) => PHP_HTML5[c] ?? c).join("");
/** Turndown (HTML to Markdown) and Python's markdownify escape '_' and '*' with a backslash; JavaScript reads '\_' as '_'. */
const markdownEscaped = (s: string) => s.replace(/[_*\\`[\]]/g, (c) => `\\${c}`);

/** Go's encoding/hex Dump and `hexdump -C`: offset, two groups of 8 pairs, the printable column. */
function hexDumpC(data: string): string {
  const b = Buffer.from(data);
  let out = "";
  for (let o = 0; o < b.length; o += 16) {
    const line = b.subarray(o, o + 16);
    const hx = Array.from(line, (x) => x.toString(16).padStart(2, "0"));
    const left = hx.slice(0, 8).join(" ");
    const right = hx.slice(8).join(" ");
    const cols = `${left.padEnd(23)}  ${right.padEnd(23)}`;
    const ascii = Array.from(line, (x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
    out += `${o.toString(16).padStart(8, "0")}  ${cols}  |${ascii}|\n`;
  }
  return out;
}
/** xxd's default output: offset, 16 bytes as 8 groups of 4 hex digits, the printable column. */
function xxd(data: string): string {
  const b = Buffer.from(data);
  let out = "";
  for (let o = 0; o < b.length; o += 16) {
    const line = b.subarray(o, o + 16);
    const groups = (line.toString("hex").match(/.{1,4}/g) as string[]).join(" ");
    const ascii = Array.from(line, (x) => (x >= 32 && x < 127 ? String.fromCharCode(x) : ".")).join("");
    out += `${o.toString(16).padStart(8, "0")}: ${groups.padEnd(39)}  ${ascii}\n`;
  }
  return out;
}

/** Does the text hold the secret once its reader undoes the spelling named? */
const readBack = {
  entities: (t: string) =>
    t.replace(/&([a-z]+);/gi, (m, n: string) => {
      const back = Object.entries(PHP_HTML5).find(([, v]) => v === `&${n};`);
      return back ? back[0] : m;
    }),
  backslashes: (t: string) => t.replace(/\\(.)/g, "$1"),
  hexDigits: (t: string) => Buffer.from(t.replace(/[^0-9a-f]/gi, ""), "hex").toString("latin1"),
  /** The hex columns of a dump (`hexdump -C` / Go: characters 10-58 of a line; xxd: 10-49), joined. */
  hexColumns: (t: string, from: number, to: number) =>
    Buffer.from(
      t
        .split("\n")
        .map((l) => l.slice(from, to).replace(/[^0-9a-f]/gi, ""))
        .join(""),
      "hex",
    ).toString("latin1"),
  decimals: (t: string) => String.fromCharCode(...(t.match(/\d+/g) ?? []).map(Number)),
};

describe("red21 finding: PHP htmlentities(ENT_QUOTES | ENT_HTML5) names ASCII punctuation (&lowbar; &period; &sol; &plus; &equals;)", () => {
  it("a Stripe-style key echoed by a PHP page as sk&lowbar;live&lowbar;... is redacted", () => {
    const body = `<dd>Authorization: Bearer ${phpHtml5(TOKEN)}</dd>`;
    expect(readBack.entities(body)).toContain(TOKEN);
    expect(readBack.entities(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it("a JWT echoed as eyJ...&period;eyJ...&period;... is redacted", () => {
    const body = `<td>${phpHtml5(`Bearer ${JWT}`)}</td>`;
    expect(readBack.entities(body)).toContain(JWT);
    expect(readBack.entities(whole(body, [JWT]).toString())).not.toContain(JWT);
  });
  it("a key with '+' and '/' (an AWS secret key) echoed with &plus; and &sol; is redacted", () => {
    const body = `<pre>x-api-key: ${phpHtml5(B64_SECRET)}</pre>`;
    expect(readBack.entities(body)).toContain(B64_SECRET);
    expect(readBack.entities(whole(body, [B64_SECRET]).toString())).not.toContain(B64_SECRET);
  });
});

describe("red21 finding: backslash before '_' (Markdown escaping by Turndown / markdownify; a JavaScript identity escape)", () => {
  it("a stored note read back as Markdown, sk\\_live\\_..., is redacted", () => {
    const body = `## Request\n\nThe header was \`Authorization\`: Bearer ${markdownEscaped(TOKEN)}\n`;
    expect(readBack.backslashes(body)).toContain(TOKEN);
    expect(readBack.backslashes(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it("the same inside a JSON string (\\\\_ as JSON writes the Markdown text)", () => {
    const body = JSON.stringify({ markdown: `Bearer ${markdownEscaped(TOKEN)}` });
    const text = (JSON.parse(whole(body, [TOKEN]).toString()) as { markdown: string }).markdown;
    expect(readBack.backslashes(text)).not.toContain(TOKEN);
  });
});

describe("red21 finding: hex with separators that is not standing alone (quoted, in a cell, after '=')", () => {
  it(`JSON holding Python's value.hex(" ") of an x-api-key header: {"x-api-key":"73 6b 5f ..."}`, () => {
    const body = JSON.stringify({ "x-api-key": pairs(TOKEN).join(" ") });
    expect(readBack.hexDigits(body)).toContain(TOKEN);
    expect(readBack.hexDigits(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it('Java HexFormat.ofDelimiter(":").withUpperCase() after "key=" in a query string', () => {
    const body = `/debug?key=${pairs(TOKEN).join(":").toUpperCase()}&n=1`;
    expect(readBack.hexDigits(body.slice(body.indexOf("=") + 1, body.indexOf("&")))).toContain(TOKEN);
    expect(whole(body, [TOKEN]).toString()).toContain("[REDACTED]");
  });
  it('Go\'s fmt.Sprintf("% x") in an HTML table cell', () => {
    const body = `<tr><td>x-api-key</td><td>${pairs(TOKEN).join(" ")}</td></tr>`;
    expect(whole(body, [TOKEN]).toString()).toContain("[REDACTED]");
  });
});

describe("red21 finding: hex with '-' between pairs (.NET BitConverter.ToString)", () => {
  it("BitConverter.ToString(Encoding.UTF8.GetBytes(header)) → 73-6B-5F-...", () => {
    const body = `Header bytes: ${pairs(TOKEN).join("-").toUpperCase()}\r\n`;
    expect(readBack.hexDigits(body.slice(14))).toContain(TOKEN);
    expect(whole(body, [TOKEN]).toString()).toContain("[REDACTED]");
  });
});

describe("red21 finding: hex dumps (grouped pairs, offsets and a printable column between lines)", () => {
  const request = `GET /v1/x HTTP/1.1\r\nAuthorization: Bearer ${TOKEN}\r\nHost: api.example.com\r\n\r\n`;
  it("xxd's default dump (4-digit groups: 736b 5f6c ...)", () => {
    const body = xxd(request);
    expect(readBack.hexColumns(body, 10, 49)).toContain(TOKEN);
    expect(readBack.hexColumns(whole(body, [TOKEN]).toString(), 10, 49)).not.toContain(TOKEN);
  });
  it("Go's encoding/hex Dump, `hexdump -C` (offset, 8 + 8 pairs, |printable|)", () => {
    const body = hexDumpC(request);
    expect(readBack.hexColumns(body, 10, 58)).toContain(TOKEN);
    expect(readBack.hexColumns(whole(body, [TOKEN]).toString(), 10, 58)).not.toContain(TOKEN);
  });
});

describe("red21 finding: bytes as decimal numbers (no spelling covers them)", () => {
  it("Java Arrays.toString(bytes) / Rust {:?} of &[u8]: [66, 101, 97, ...]", () => {
    const body = `request header bytes: [${Array.from(Buffer.from(`Bearer ${TOKEN}`)).join(", ")}]`;
    expect(readBack.decimals(body)).toContain(TOKEN);
    expect(readBack.decimals(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it("Go fmt.Sprint([]byte(v)): [66 101 97 ...]", () => {
    const body = `auth=[${Array.from(Buffer.from(`Bearer ${TOKEN}`)).join(" ")}]`;
    expect(readBack.decimals(body)).toContain(TOKEN);
    expect(readBack.decimals(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it('Node.js JSON.stringify(Buffer.from(v)): {"type":"Buffer","data":[...]}', () => {
    const body = JSON.stringify({ authorization: Buffer.from(`Bearer ${TOKEN}`) });
    expect(readBack.decimals(body)).toContain(TOKEN);
    expect(readBack.decimals(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
  it('Java HexFormat.ofDelimiter(", ").withPrefix("0x") / a C initializer: 0x73, 0x6b, ...', () => {
    const body = `{ ${pairs(TOKEN)
      .map((p) => `0x${p}`)
      .join(", ")} }`;
    expect(readBack.hexDigits(body.replaceAll("0x", ""))).toContain(TOKEN);
    expect(whole(body, [TOKEN]).toString()).toContain("[REDACTED]");
  });
});

describe("red21 finding: CPU of the stream hold with the decoded reading", () => {
  // An Azure AD / Entra access token is 1.5-2.5 KB; the hold is three times its longest form (~27 KB),
  // re-read (raw and decoded) on every chunk; each '=?' makes the view decode 400 bytes.
  const longJwt = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${Array.from({ length: 60 }, (_, i) => createHash("sha256").update(`p${i}`).digest("base64url")).join("")}.${createHash("sha512").update("s").digest("base64url").repeat(4)}`;
  // Not a speed check (npm run bench measures speed): a guard against work per chunk that grows
  // with the hold, which at this size took seconds (each '=?' decoded 400 bytes, every chunk re-read the hold).
  it("1 MiB of '=?' (text the agent had stored, read back) streamed in 256-byte chunks stays within the cost guard", () => {
    const body = enc.encode("=?".repeat(512 * 1024));
    const t = performance.now();
    expect(Buffer.from(streamed(body, [longJwt], 256)).equals(Buffer.from(body))).toBe(true);
    expect(performance.now() - t).toBeLessThan(COST_GUARD_MS);
  });
});

describe('red21 finding: base64 of UTF-16BE (Java\'s getBytes("UTF-16"): BOM + big-endian; .NET Encoding.BigEndianUnicode) with the secret last', () => {
  const utf16be = (s: string, bom: boolean) =>
    Buffer.concat([bom ? Buffer.from([0xfe, 0xff]) : Buffer.alloc(0), Buffer.from(s, "utf16le").swap16()]).toString("base64");
  const readUtf16be = (t: string) =>
    (t.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []).map((m) => Buffer.from(m, "base64").swap16().toString("utf16le")).join("|");
  it.each([
    ["'Bearer ' + token, with BOM (Java 'UTF-16' of the Authorization value)", `Bearer ${TOKEN}`, true],
    ["'x-api-key: ' + key, no BOM (UTF_16BE of a header line)", `x-api-key: ${TOKEN}`, false],
    ["(held) the value alone, with BOM", TOKEN, true],
    ["(held) the value alone, no BOM", TOKEN, false],
  ])("%s", (_n, text, bom) => {
    const body = `{"value_b64":"${utf16be(text as string, bom as boolean)}"}`;
    expect(readUtf16be(body)).toContain(TOKEN);
    expect(readUtf16be(whole(body, [TOKEN]).toString())).not.toContain(TOKEN);
  });
});

// ---------------------------------------------------------------------------------------------
// What held.

const dump = (s: string) => `POST /v1/x HTTP/1.1\r\nAuthorization: Bearer ${s}\r\nHost: api.example.com\r\n\r\n`;
const wrap = (t: string, width: number, sep: string) => (t.match(new RegExp(`.{1,${width}}`, "g")) as string[]).join(sep);
/** Python's email.header.Header(..., "utf-8").encode(): Q words of at most 75 characters, folded. */
const qWords = (s: string) => {
  const units = Array.from(Buffer.from(s), (b) =>
    b === 61 || b === 63 || b === 95 || b === 32 || b > 126
      ? b === 32
        ? "_"
        : `=${b.toString(16).toUpperCase().padStart(2, "0")}`
      : String.fromCharCode(b),
  );
  const words: string[] = [];
  let w = "";
  for (const u of units) {
    if (w.length + u.length > 75 - 12) {
      words.push(`=?utf-8?q?${w}?=`);
      w = "";
    }
    w += u;
  }
  words.push(`=?utf-8?q?${w}?=`);
  return words.join("\r\n ");
};

const heldSpellings: Array<[string, (s: string) => string]> = [
  [
    "`od -An -tx1` of the request",
    (s) => (hex(dump(s)).match(/.{1,32}/g) as string[]).map((l) => ` ${(l.match(/../g) as string[]).join(" ")}`).join("\n"),
  ],
  ["`xxd -p` (60 hex digits a line)", (s) => wrap(hex(dump(s)), 60, "\n")],
  ["Python bytes.hex(' ') standing alone on its line", (s) => `hex:\n${pairs(s).join(" ")}\n`],
  [
    'Java getBytes("UTF-16") (BOM, big-endian) in base64, text after the secret',
    (s) => `{"b":"${Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(`Bearer ${s}\r\n`, "utf16le").swap16()]).toString("base64")}"}`,
  ],
  [
    "Python repr of UTF-16LE bytes (b's\\x00k\\x00...')",
    (s) => `b'${Array.from(Buffer.from(s, "utf16le"), (b) => (b === 0 ? "\\x00" : String.fromCharCode(b))).join("")}'`,
  ],
  ["base64 percent-encoded with %0D%0A between MIME lines", (s) => `m=${encodeURIComponent(wrap(b64(dump(s)), 76, "\r\n"))}`],
  ["PHP json_encode of a PEM block (\\n and \\/ together)", (s) => JSON.stringify({ pem: wrap(b64(dump(s)), 64, "\n") }).replaceAll("/", "\\/")],
  ["Python email.header Q words, folded", (s) => `X-Echo: ${qWords(`Authorization: Bearer ${s}`)}\r\n`],
  [
    "HTML numeric references, upper-case X and zero-padded",
    (s) => Array.from(s, (c) => `&#X${c.charCodeAt(0).toString(16).padStart(4, "0")};`).join(""),
  ],
  ["XML text with .NET's &#xD; for CR in wrapped base64", (s) => `<b>${wrap(b64(dump(s)), 76, "&#xD;\n")}</b>`],
  [
    "JSON \\u escapes of every character (jsesc escapeEverything)",
    (s) => Array.from(s, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
  ],
];

describe("red21 held: spellings the decoded reading covers, whole and streamed in every chunk size 1..48", () => {
  for (const secret of [TOKEN, JWT, B64_SECRET]) {
    it.each(heldSpellings)(`${secret.slice(0, 6)}…: %s`, (_name, spell) => {
      const body = `${"filler line of an answer\n".repeat(30)}${spell(secret)}\n${"after\n".repeat(30)}`;
      expect(whole(body, [secret]).toString()).toContain("[REDACTED]");
      for (let size = 1; size <= 48; size++) {
        const out = streamed(body, [secret], size).toString();
        expect(out, `chunks of ${size}`).toContain("[REDACTED]");
        const view = decodedView(enc.encode(out), false);
        const readings = [out, view ? dec.decode(view.bytes) : out];
        for (const r of readings) expect(r.replace(/\s/g, "")).not.toContain(secret);
      }
    });
  }
});

describe("red21 held: a redaction takes whole escapes (the answer still parses, no dangling escape)", () => {
  it("JSON \\u-escaped secret inside a JSON string: the result parses and holds no backslash-u remains", () => {
    const esc = Array.from(TOKEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const body = `{"a":"x${esc}y","b":"\\u0041${esc}"}`;
    const out = whole(body, [TOKEN]).toString();
    const parsed = JSON.parse(out) as { a: string; b: string };
    expect(parsed.a).toBe("x[REDACTED]y");
    expect(parsed.b).toBe("A[REDACTED]");
  });
  it("HTML references: no '&#' is left half-cut", () => {
    const body = `<p>a&#115;${Array.from(TOKEN, (c) => `&#${c.charCodeAt(0)};`).join("")}&#98;</p>`;
    const out = whole(body, [TOKEN]).toString();
    expect(out).toBe("<p>a&#115;[REDACTED]&#98;</p>");
  });
  it("quoted-printable with a soft break inside the secret: the escapes around it stay whole", () => {
    const body = `x=3D${TOKEN.slice(0, 20)}=\r\n${TOKEN.slice(20)}=3Dy`;
    expect(whole(body, [TOKEN]).toString()).toBe("x=3D[REDACTED]=3Dy");
  });
});

describe("red21 held: no new oracle, no exception, clean answers unchanged", () => {
  it("a piece cut short on one line with the agent's guess of the rest on the next is not redacted unless whole (and whole is the secret)", () => {
    const piece = TOKEN.slice(0, -1);
    for (const guess of ["A", "B", "x"]) {
      expect(whole(`${piece}\n  ${guess}`, [TOKEN]).toString()).not.toContain("[REDACTED]");
    }
  });
  it("random answers over the escape alphabet are left byte for byte as they were, whole and streamed; nothing throws", () => {
    const alphabet = enc.encode("=?&#;%\\uxXbBqQ0123456789abcdefABCDEF \r\n\t:_-/+.sk");
    let seed = 21;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const secrets = [TOKEN, ...injectedSecrets({ type: "basic" }, "sk_test_0123:x")];
    for (let n = 0; n < 200; n++) {
      const body = Uint8Array.from({ length: 50 + (rand() % 400) }, () => alphabet[rand() % alphabet.length] as number);
      expect(Buffer.from(scrubBytes(body, must(scrubberFor(secrets)))).equals(Buffer.from(body))).toBe(true);
      expect(streamed(body, secrets, 1 + (rand() % 9)).equals(Buffer.from(body))).toBe(true);
    }
  });
  it("a body of unterminated escapes at every chunk end does not throw and is unchanged", () => {
    const body = "%\\u00\\x=?utf-8?B?&#x1;&#99999999;\\ud83d\\u".repeat(50);
    expect(streamed(body, [TOKEN], 3).toString()).toBe(body);
    expect(whole(body, [TOKEN]).toString()).toBe(body);
  });
});
