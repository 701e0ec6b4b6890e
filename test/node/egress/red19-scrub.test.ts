// Red team 19: the scrubber alone. Each test asserts the safe / correct outcome.
import { describe, expect, it } from "vitest";
import { seeded } from "../../support/seeded.js";
import { StreamScrubber, scrubBytes, scrubberFor, scrubText } from "../../../workers/egress/scrub.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function must<T>(value: T | null): T {
  if (value === null) throw new Error("no scrubber");
  return value;
}

const b64 = (s: string) => {
  let bin = "";
  for (const b of encoder.encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
};
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const formField = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
/** The forms the change names, each with its bound (min(12, max(8, ceil(n/4)+1)) since red team 19). */
function forms(secret: string): Array<[string, number]> {
  const all = [
    secret,
    encodeURIComponent(secret),
    lowerHex(encodeURIComponent(secret)),
    encodeURI(secret),
    formField(secret),
    lowerHex(formField(secret)),
    JSON.stringify(secret).slice(1, -1),
    b64(secret),
    b64(secret).replace(/=+$/, ""),
    b64(secret).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""),
  ];
  return [...new Set(all)].map((f) => [f, f.length >= 8 ? Math.min(12, Math.max(8, Math.ceil(f.length / 4) + 1)) : Infinity]);
}
function streamed(body: Uint8Array, secrets: string[], cuts: number[]): Uint8Array {
  const scrubber = new StreamScrubber(must(scrubberFor(secrets)));
  const out: Uint8Array[] = [];
  let at = 0;
  let k = 0;
  while (at < body.length) {
    const n = cuts[k++ % cuts.length] as number;
    out.push(scrubber.push(body.subarray(at, at + n)).slice());
    at += n;
  }
  const rest = scrubber.flush();
  if (rest) out.push(rest);
  return Buffer.concat(out);
}

const CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=-_.~!*'()&%\"\\ :@";

// Since red team 19b only whole secrets are redacted (a redacted piece is an oracle): in random
// bodies of whole forms and pieces, neither whole nor streamed output holds a whole form. (They may
// differ in pieces next to a redaction, which are not redacted by design.)
describe("red19: no whole form survives, whole or streamed", () => {
  it.each([19, 23, 29, 31])("fuzz (seed %i): random secrets, whole forms and pieces of them, random chunking", (seed) => {
    const random = seeded(seed);
    const pick = (s: string) => s[Math.floor(random() * s.length)] as string;
    const failures: string[] = [];
    for (let round = 0; round < 300; round++) {
      const n = 8 + Math.floor(random() * 80);
      const secrets = [Array.from({ length: n }, () => pick(CHARS)).join("")];
      if (random() < 0.3) secrets.push(Array.from({ length: 8 + Math.floor(random() * 40) }, () => pick(CHARS)).join(""));
      let body = "";
      for (let p = 0; p < 6; p++) {
        const s = secrets[Math.floor(random() * secrets.length)] as string;
        const fs = forms(s);
        const [f] = fs[Math.floor(random() * fs.length)] as [string, number];
        const a = random() < 0.5 ? 0 : Math.floor(random() * f.length);
        const b = random() < 0.5 ? f.length : a + Math.floor(random() * (f.length - a + 1));
        body += `${"xyz ".slice(0, Math.floor(random() * 4))}${f.slice(a, b)}`;
      }
      const bytes = encoder.encode(body);
      const wholeText = decoder.decode(scrubBytes(bytes, must(scrubberFor(secrets))));
      const cuts = Array.from({ length: 5 }, () => 1 + Math.floor(random() * 12));
      const streamText = decoder.decode(streamed(bytes, secrets, cuts));
      for (const s of secrets)
        for (const [f] of forms(s))
          for (const out of [wholeText, streamText])
            if (out.includes(f)) failures.push(`whole form left: ${JSON.stringify({ secret: s, form: f, body, out })}`);
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});

// Cost (measured, not asserted: `npx tsx` timings in docs/benchmarks.md): degenerate secrets against
// bodies made of them end, redacted; a long random secret against its own windows is redacted.
describe("red19: degenerate and long secrets", () => {
  it.each([
    ["a 16 KiB secret of one repeated byte, against 64 KiB of it", "a".repeat(16 * 1024), "a".repeat(64 * 1024)],
    ["a 16 KiB secret of period 7, against 64 KiB of it", "abcdefg".repeat(2341), "abcdefg".repeat(9363)],
    ["a 2 KiB secret of one repeated byte, against 64 KiB of it", "a".repeat(2048), "a".repeat(64 * 1024)],
  ])("%s: it ends, and no whole secret is left", (_n, secret, body) => {
    const out = decoder.decode(scrubBytes(encoder.encode(body), must(scrubberFor([secret]))));
    expect(out).toContain("[REDACTED]");
    expect(out.includes(secret)).toBe(false);
  });

  it("a 2 KiB random secret against 64 KiB of its 30-byte windows: the windows (pieces) are left as they are", () => {
    const random = seeded(7);
    const secret = Array.from({ length: 2048 }, () => CHARS[Math.floor(random() * 62)]).join("");
    const body = Array.from({ length: 2000 }, () => secret.slice(Math.floor(random() * 2000), Math.floor(random() * 2000) + 30)).join(" ");
    expect(decoder.decode(scrubBytes(encoder.encode(body), must(scrubberFor([secret]))))).toBe(body);
  });
});

describe("red19: text paths", () => {
  it("scrubText leaves a message with a lone surrogate-free text byte for byte when it holds no secret", () => {
    const text = "Incorrect API key provided: \u00e9\u{1F600} done";
    expect(scrubText(text, ["sk-abcdef0123456789abcdef0123456789"])).toBe(text);
  });
  it("scrubText on a message with an unpaired surrogate and a secret keeps the rest of the text", () => {
    const key = "sk-abcdef0123456789abcdef0123456789";
    const text = `bad key ${key} \ud800 tail`;
    const out = scrubText(text, [key]);
    expect(out).toBe("bad key [REDACTED] \ud800 tail");
  });
});
