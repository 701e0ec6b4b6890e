// The secret scrubber on its own: a whole secret in any spelling is redacted under any chunking of
// a stream, a piece of one never (that would be an oracle), answers without one are left byte for
// byte, and a request holding a long piece is flagged as a probe. The public-API attacks are
// test/attacks/credential-echo.test.ts and the red-team files beside it.
import { describe, expect, it } from "vitest";
import { seeded } from "../../support/seeded.js";
import { StreamScrubber, injectedSecrets, probeIn, scrubBytes, scrubHeaders, scrubText, scrubberFor } from "../../../workers/egress/scrub.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TOKEN = "sk_live_4f9Qz7/Xw+2LmN8pR0tV6yB1cD3eF5gH";

function longestRun(text: string, secret: string): number {
  let best = 0;
  for (let i = 0; i < secret.length; i++)
    for (let j = i + best + 1; j <= secret.length; j++) {
      if (text.includes(secret.slice(i, j))) best = j - i;
      else break;
    }
  return best;
}

function must<T>(value: T | null): T {
  if (value === null) throw new Error("no scrubber");
  return value;
}

/** The body streamed through a scrubber in the given chunk lengths (the rest in one chunk). */
function streamed(body: Uint8Array, secrets: Parameters<typeof scrubberFor>[0], cuts: number[]): string {
  const scrubber = new StreamScrubber(must(scrubberFor(secrets)));
  const out: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, body.length]) {
    out.push(scrubber.push(body.subarray(at, Math.min(body.length, at + cut))));
    at = Math.min(body.length, at + cut);
  }
  const rest = scrubber.flush();
  if (rest) out.push(rest);
  return out.map((o) => decoder.decode(o, { stream: true })).join("");
}

/** A long secret: a key file's base64 on one line (a credential holds no line break). */
function keyFile(length: number): string {
  const random = seeded(length);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  while (out.length < length) out += alphabet[Math.floor(random() * 64)];
  return out;
}

const b64 = (s: string) => btoa(String.fromCharCode(...encoder.encode(s)));
const PASSWORD = "Xk7&mQ2<pL9>vR4tW8nB3&cZ6<";

describe("a whole secret, in any spelling an upstream uses, is redacted", () => {
  it.each([
    ["raw", (t: string) => t],
    ["upper-cased", (t: string) => t.toUpperCase()],
    ["percent-encoded", encodeURIComponent],
    ["percent-encoded in lower-case hex", (t: string) => encodeURIComponent(t).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ["percent-encoded twice", (t: string) => encodeURIComponent(encodeURIComponent(t))],
    ["JSON-escaped", (t: string) => JSON.stringify(t).slice(1, -1)],
    ["Go JSON escapes", (t: string) => JSON.stringify(t).slice(1, -1).replace(/&/g, "\\u0026").replace(/</g, "\\u003c").replace(/>/g, "\\u003e")],
    ["HTML-escaped", (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")],
    ["hex", (t: string) => Array.from(encoder.encode(t), (b) => b.toString(16).padStart(2, "0")).join("")],
    ["base64", b64],
  ])("%s", (_name, spell) => {
    for (const secret of [TOKEN, PASSWORD]) {
      const text = `seen: ${spell(secret)} end`;
      expect(scrubText(text, [secret])).toBe("seen: [REDACTED] end");
    }
  });

  it.each([
    ["base64 of 'Bearer ' + token (the token at another offset of its groups)", (t: string) => b64(`Bearer ${t}`)],
    ["base64 of a header line", (t: string) => b64(`Authorization: Bearer ${t}\r\n`)],
    ["base64url of a JSON dump", (t: string) => b64(`{"auth":"${t}","n":1}`).replaceAll("+", "-").replaceAll("/", "_")],
  ])("%s: no more than the two bytes at each end that share a group with other bytes are left", (_name, spell) => {
    const out = scrubText(`dump ${spell(TOKEN)} end`, [TOKEN]);
    expect(out).toContain("[REDACTED]");
    const left = (out.match(/[A-Za-z0-9+/_-]{4,}/g) ?? []).map((w) => {
      try {
        return atob(
          w
            .replaceAll("-", "+")
            .replaceAll("_", "/")
            .padEnd(Math.ceil(w.length / 4) * 4, "="),
        );
      } catch {
        return "";
      }
    });
    expect(longestRun(left.join(" "), TOKEN)).toBeLessThanOrEqual(2);
  });

  it("a header holding one is replaced outright, others kept; a header named with one is dropped", () => {
    const out = scrubHeaders(new Headers({ "x-debug": `Bearer ${TOKEN}`, "x-ok": "fine" }), must(scrubberFor([TOKEN])));
    expect([out.get("x-debug"), out.get("x-ok")]).toEqual(["[REDACTED]", "fine"]);
    const named = scrubHeaders(
      new Headers({ "x-ok": "fine", [`x-seen-${TOKEN.replace(/[/+]/g, "")}`]: "1" }),
      must(scrubberFor([TOKEN.replace(/[/+]/g, "")])),
    );
    expect([...named.keys()]).toEqual(["x-ok"]);
  });

  it("a secret beyond ASCII, in UTF-8 and in UTF-16LE, is redacted", () => {
    const secret = "pässwörd-Ünïcode-42€";
    const utf16 = (t: string) => Uint8Array.from(Array.from(t, (u) => [u.charCodeAt(0) & 255, u.charCodeAt(0) >> 8]).flat());
    expect(scrubText(`echo ${secret} end`, [secret])).toBe("echo [REDACTED] end");
    const out = scrubBytes(utf16(`echo ${secret} end`), must(scrubberFor([secret])));
    expect(Buffer.from(out).includes(Buffer.from(utf16(secret)))).toBe(false);
    expect(Buffer.from(out).includes(Buffer.from("[REDACTED]"))).toBe(true);
  });

  it("base64 broken into lines (MIME every 76, PEM every 64, CRLF or LF) is redacted, whole and streamed; the line breaks around it stay", () => {
    const dump = b64(`Authorization: Bearer ${TOKEN}\r\nX-Other: 1\r\n`);
    for (const [width, eol] of [
      [76, "\r\n"],
      [64, "\n"],
      [20, "\n"],
    ] as const) {
      const lines = (dump.match(new RegExp(`.{1,${width}}`, "g")) ?? []).join(eol);
      const body = `begin${eol}${lines}${eol}end`;
      for (const out of [scrubText(body, [TOKEN]), streamed(encoder.encode(body), [TOKEN], [7, 30, 5, 64])]) {
        expect(out).toContain("[REDACTED]");
        expect(out.startsWith(`begin${eol}`) && out.endsWith(`${eol}end`)).toBe(true);
      }
    }
  });

  it("a secret too short to index is redacted whole", () => {
    expect(scrubText("a k3y5 b k3y c", ["k3y5"])).toBe("a [REDACTED] b k3y c");
  });

  it("a long key (3 KiB, indexed every few bytes) is redacted whole at any offset of a body", () => {
    const key = keyFile(3 * 1024);
    for (const pad of [0, 1, 2, 3, 4, 5, 6, 7]) expect(scrubText(`${"x".repeat(pad)}<${key}>`, [key])).toBe(`${"x".repeat(pad)}<[REDACTED]>`);
  });
});

describe("a piece of a secret is left as it is", () => {
  // Redacting pieces was tried (red teams 19 and 19b): an upstream that hands the agent's text back
  // (reflected, or stored and read back) would tell it which guess is a piece, byte by byte.
  it.each([
    ["a start", TOKEN.slice(0, 20)],
    ["all but the last byte", TOKEN.slice(0, -1)],
    ["an end", TOKEN.slice(-20)],
    [
      "guesses of the next byte after a known start",
      [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"].map((c) => TOKEN.slice(0, 11) + c).join("-"),
    ],
  ])("%s", (_name, piece) => {
    expect(scrubText(`seen ${piece}.`, [TOKEN])).toBe(`seen ${piece}.`);
  });
});

describe("basic credentials", () => {
  it("the user name is no secret; the password and the whole are", () => {
    const secrets = injectedSecrets({ type: "basic" }, "release-automation-bot:Zq8-mW2-pL5-xR9");
    expect(scrubText("owner: release-automation-bot", secrets)).toBe("owner: release-automation-bot");
    expect(scrubText("login release-automation-bot:Zq8-mW2-pL5-xR9 ok", secrets)).toBe("login [REDACTED] ok");
    expect(scrubText("pw=Zq8-mW2-pL5-xR9&next=1", secrets)).toBe("pw=[REDACTED]&next=1");
    expect(scrubText(`Basic ${b64("release-automation-bot:Zq8-mW2-pL5-xR9")}`, secrets)).toBe("Basic [REDACTED]");
  });

  it("a key sent as the user name (placeholder or empty password) is a secret alone too, also in the header short of its last group", () => {
    const key = "sk_live_51HqLxYKz8Vw3Nc2Rp7Tb0Qm9";
    for (const password of ["", "X", "x-oauth-basic"]) {
      const secrets = injectedSecrets({ type: "basic" }, `${key}:${password}`);
      expect(scrubText(`account ${key} not found`, secrets)).toBe("account [REDACTED] not found");
      const header = b64(`${key}:${password}`);
      const out = scrubText(`Authorization: Basic ${header.slice(0, -4)}`, secrets);
      expect(out).toContain("[REDACTED]");
      expect(out.length).toBeLessThan(`Authorization: Basic ${header.slice(0, -4)}`.length - 30);
    }
  });
});

describe("probes: a request holding a long piece of the credential", () => {
  it.each([
    ["a piece of the bound's length (11 of 40 characters)", `GET /?q=${TOKEN.slice(5, 16)}`, true],
    ["guesses of the next byte after 11 known", `GET /?q=${[..."abcdefghijklmnopqrstuvwxyz"].map((c) => TOKEN.slice(24, 35) + c).join("-")}`, true],
    ["a piece percent-encoded byte by byte", `GET /?q=${Array.from(encoder.encode(TOKEN.slice(0, 12)), (b) => `%${b.toString(16)}`).join("")}`, true],
    ["a shorter piece", `GET /?q=${TOKEN.slice(5, 15)}`, false],
    ["an ordinary request", "GET /search?q=weather&key=sk_live_", false],
  ])("%s: %s", (_name, request, probe) => {
    expect(probeIn([TOKEN], [request])).toBe(probe);
  });

  it("the floor follows the alphabet: 12 digits of a numeric key, 10 of a hex one", () => {
    expect(probeIn(["83920174650192837465"], ["id=39201746501"])).toBe(false);
    expect(probeIn(["83920174650192837465"], ["id=392017465019"])).toBe(true);
    expect(probeIn(["9f8e7d6c5b4a39281716f5e4d3c2b1a0"], ["x=9f8e7d6c5"])).toBe(false);
    expect(probeIn(["9f8e7d6c5b4a39281716f5e4d3c2b1a0"], ["x=9F8E7D6C5B"])).toBe(true);
  });
});

describe("streams", () => {
  it("a whole secret split at any places across chunks is redacted; what surrounds it passes", () => {
    const random = seeded(7);
    for (let trial = 0; trial < 200; trial++) {
      const body = encoder.encode(`prefix ${"z".repeat(Math.floor(random() * 90))}${TOKEN} suffix`);
      const cuts = Array.from({ length: 6 }, () => 1 + Math.floor(random() * 20));
      const out = streamed(body, [TOKEN], cuts);
      expect(out, `${cuts}`).toMatch(/^prefix z*\[REDACTED\] suffix$/);
    }
  });

  it("a 16 KiB key cut and streamed: the whole one is redacted, the piece left", () => {
    const secret = keyFile(16 * 1024);
    const body = encoder.encode(`key: ${secret}\n...${secret.slice(12_000, 12_040)} end`);
    const out = streamed(body, [secret], [100, 4000, 3, 5000]);
    expect(out).toBe(`key: [REDACTED]\n...${secret.slice(12_000, 12_040)} end`);
  });

  it("an answer without the secret passes byte for byte under any chunking", () => {
    const random = seeded(11);
    const bytes = new Uint8Array(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    const text = encoder.encode("The build for sk_live_ keys ran 0123456789 times; see /Xw+2 and cD3eF5 notes. ".repeat(500));
    for (const body of [bytes, text]) {
      expect(Buffer.from(scrubBytes(body, must(scrubberFor([TOKEN])))).equals(body)).toBe(true);
      const scrubber = new StreamScrubber(must(scrubberFor([TOKEN])));
      const parts: Uint8Array[] = [];
      for (let at = 0; at < body.length; at += 4093) parts.push(scrubber.push(body.subarray(at, at + 4093)).slice());
      parts.push(scrubber.flush() ?? new Uint8Array(0));
      expect(Buffer.concat(parts).equals(body)).toBe(true);
    }
  });

  it("a degenerate secret against a body made of it ends, redacted", () => {
    const secret = "a".repeat(40);
    const out = decoder.decode(scrubBytes(encoder.encode("a".repeat(300_000)), must(scrubberFor([secret]))));
    expect(out).toBe("[REDACTED]");
  });
});
