// The secret scrubber on its own: whole and partial forms, any chunking of a stream, answers that
// hold no secret left byte for byte. The public-API attacks are test/attacks/secret-partial-echo.test.ts.
import { describe, expect, it } from "vitest";
import { StreamScrubber, injectedSecret, scrubBytes, scrubHeaders, scrubText, scrubberFor } from "../../../workers/egress/scrub.js";

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

/** A deterministic pseudo-random generator (tests must not depend on chance). */
function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe("partial forms", () => {
  it.each([
    ["a start", TOKEN.slice(0, 12)],
    ["all but the last byte", TOKEN.slice(0, -1)],
    ["an end", TOKEN.slice(-12)],
    ["a middle", TOKEN.slice(10, 24)],
    ["the percent-encoded start", encodeURIComponent(TOKEN).slice(0, 24)],
    ["a base64 window", btoa(TOKEN).slice(5, 25)],
  ])("%s is redacted", (_name, piece) => {
    const out = scrubText(`seen ${piece}.`, [TOKEN]);
    expect(out).toBe("seen [REDACTED].");
  });

  it("a run shorter than the bound is left (the secret's public prefix and chance overlaps)", () => {
    for (const text of ["keys start sk_live_", `build ${TOKEN.slice(8, 14)} ok`, `tail ${TOKEN.slice(-5)}`]) {
      expect(scrubText(text, [TOKEN])).toBe(text);
    }
  });

  it("the bound follows the secret's length: a quarter of it plus one, 8 to 12 bytes", () => {
    const short = "pw-7Hq2Lx9Zk"; // 12 characters: runs of 8 are redacted
    expect(scrubText(`x ${short.slice(0, 8)} y`, [short])).toBe("x [REDACTED] y");
    expect(scrubText(`x ${short.slice(0, 7)} y`, [short])).toBe(`x ${short.slice(0, 7)} y`);
    // 40 characters: runs of 11 are redacted.
    expect(scrubText(`x ${TOKEN.slice(0, 10)} y`, [TOKEN])).toBe(`x ${TOKEN.slice(0, 10)} y`);
    expect(scrubText(`x ${TOKEN.slice(0, 11)} y`, [TOKEN])).toBe("x [REDACTED] y");
  });

  it.each([
    ["a usual token (every offset indexed)", TOKEN, 11],
    ["a 3 KiB key (every piece-th offset indexed, every byte looked up)", keyFile(3 * 1024), 12],
  ])("%s: every window of the bound's length is redacted, wherever it starts", (_name, secret, bound) => {
    const scrubber = must(scrubberFor([secret]));
    for (let at = 0; at + bound <= secret.length; at++) {
      const text = `<${secret.slice(at, at + bound)}>`;
      expect(decoder.decode(scrubBytes(encoder.encode(text), scrubber)), `${at}`).toBe("<[REDACTED]>");
    }
    for (const at of [0, 7, Math.floor(secret.length / 2), secret.length - bound + 1]) {
      const text = `<${secret.slice(at, at + bound - 1)}>`;
      expect(decoder.decode(scrubBytes(encoder.encode(text), scrubber))).toBe(text);
    }
  });

  it("a long key cut anywhere and streamed shows no run past the bound", () => {
    const secret = keyFile(16 * 1024);
    const body = encoder.encode(`key: ${secret.slice(0, 9000)}\n...${secret.slice(12_000, 12_040)} end`);
    const out = streamed(body, [secret], [100, 4000, 3, 5000]);
    expect(out).toBe("key: [REDACTED]\n...[REDACTED] end");
  });

  it("a secret too short for runs is redacted whole only", () => {
    expect(scrubText("a k3y5 b k3y c", ["k3y5"])).toBe("a [REDACTED] b k3y c");
  });

  it("a basic credential's user name is no secret; its password and base64 are", () => {
    const secret = injectedSecret({ type: "basic" }, "release-automation-bot:Zq8-mW2-pL5-xR9");
    const same = "owner: release-automation-bot:";
    expect(scrubText(same, [secret])).toBe(same);
    expect(scrubText("release-automation-bot:Zq8-mW2-p", [secret])).toBe("[REDACTED]");
    expect(scrubText("release-automation-bot:Zq8-mW2", [secret])).toBe("release-automation-bot:Zq8-mW2");
    expect(scrubText(`Basic ${btoa("release-automation-bot:Zq8-mW2-pL5-xR9").slice(0, 40)}`, [secret])).toBe("Basic [REDACTED]");
    // The base64 of the user name alone holds no password bit.
    const userOnly = btoa("release-automation-bot:").slice(0, 28);
    expect(scrubText(userOnly, [secret])).toBe(userOnly);
  });

  it("a header holding a run is replaced outright, others kept", () => {
    const headers = new Headers({ "x-debug": `Bearer ${TOKEN.slice(0, 15)}`, "x-ok": "fine" });
    const out = scrubHeaders(headers, must(scrubberFor([TOKEN])));
    expect([out.get("x-debug"), out.get("x-ok")]).toEqual(["[REDACTED]", "fine"]);
  });
});

describe("what the agent sent itself", () => {
  it("its own guesses come back as sent, so a reflecting upstream tells it nothing; the secret's own echo beside them is redacted", () => {
    const known = TOKEN.slice(0, 10);
    const guesses = [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"].map((c) => known + c).join("-");
    const request = `GET /search?q=${guesses}`;
    const answer = `no results for ${guesses}; you sent Bearer ${TOKEN}`;
    expect(scrubText(answer, [TOKEN], [request])).toBe(`no results for ${guesses}; you sent Bearer [REDACTED]`);
  });

  it("a guess sent in escapes the upstream undoes (every byte percent-encoded, JSON \\u escapes) is its own too", () => {
    const guess = TOKEN.slice(0, 12);
    const percentAll = Array.from(encoder.encode(guess), (b) => `%${b.toString(16).padStart(2, "0")}`).join("");
    const jsonAll = JSON.stringify({ q: [...guess].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("") }).replaceAll(
      "\\\\",
      "\\",
    );
    for (const request of [`GET /?q=${percentAll}`, jsonAll]) expect(scrubText(`echo ${guess}`, [TOKEN], [request])).toBe(`echo ${guess}`);
  });

  it("a longer run than the agent sent is redacted (its guess does not cover the secret's echo)", () => {
    expect(scrubText(`echo ${TOKEN.slice(0, 20)}`, [TOKEN], [`q=${TOKEN.slice(0, 12)}`])).toBe("echo [REDACTED]");
  });
});

describe("more spellings", () => {
  const b64 = (s: string) => btoa(String.fromCharCode(...encoder.encode(s)));
  it.each([
    ["base64 of 'Bearer ' + token (the token at another offset of its groups)", (t: string) => b64(`Bearer ${t}`)],
    ["base64 of a header line", (t: string) => b64(`Authorization: Bearer ${t}\r\n`)],
    ["HTML-escaped", (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")],
    ["Go JSON escapes", (t: string) => t.replace(/&/g, "\\u0026").replace(/</g, "\\u003c")],
    ["percent-encoded twice", (t: string) => encodeURIComponent(encodeURIComponent(t))],
    ["hex", (t: string) => Array.from(encoder.encode(t), (b) => b.toString(16).padStart(2, "0")).join("")],
  ])("%s is redacted", (_name, spell) => {
    const password = "Xk7&mQ2<pL9>vR4tW8nB3&cZ6<";
    for (const secret of [TOKEN, password]) {
      const out = scrubText(`seen: ${spell(secret)} end`, [secret]);
      expect(out.startsWith("seen: ") && out.includes("[REDACTED]") && out.endsWith(" end"), out).toBe(true);
      expect(out.length).toBeLessThan(`seen: ${spell(secret)} end`.length);
    }
  });

  it("a key sent as a basic user name (placeholder or empty password) is secret", () => {
    for (const password of ["", "X", "x-oauth-basic"]) {
      const secret = injectedSecret({ type: "basic" }, `sk_live_51HqLxYKz8Vw3Nc2Rp7Tb0Qm9:${password}`);
      expect(scrubText("account sk_live_51HqLxYKz8Vw3 not found", [secret])).toBe("account [REDACTED] not found");
    }
  });

  it("a numeric key's runs are redacted from 12 digits, a hex key's from 10", () => {
    const numeric = "83920174650192837465";
    expect(scrubText("id 39201746501 ok", [numeric])).toBe("id 39201746501 ok");
    expect(scrubText("id 392017465019 ok", [numeric])).toBe("id [REDACTED] ok");
    const hex = "9f8e7d6c5b4a39281716f5e4d3c2b1a0";
    expect(scrubText("x 9f8e7d6c5 y", [hex])).toBe("x 9f8e7d6c5 y");
    expect(scrubText("x 9F8E7D6C5B y", [hex])).toBe("x [REDACTED] y");
  });
});

describe("streams", () => {
  it("a secret cut at every length and split at every place shows no run past the bound", () => {
    const random = seeded(7);
    for (let cut = 12; cut <= TOKEN.length; cut += 3) {
      const body = encoder.encode(`prefix ${"z".repeat(Math.floor(random() * 90))}${TOKEN.slice(0, cut)} suffix`);
      for (let trial = 0; trial < 12; trial++) {
        const cuts = Array.from({ length: 6 }, () => 1 + Math.floor(random() * 20));
        const out = streamed(body, [TOKEN], cuts);
        expect(longestRun(out, TOKEN), `${cut} ${cuts}`).toBeLessThanOrEqual(11);
        expect(out.startsWith("prefix ")).toBe(true);
        expect(out.endsWith(" suffix")).toBe(true);
      }
    }
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
    const body = encoder.encode("a".repeat(300_000));
    const out = decoder.decode(scrubBytes(body, must(scrubberFor([secret]))));
    expect(out).toBe("[REDACTED]");
  });
});
