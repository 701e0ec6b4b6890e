// Red team 19b: the "a run the agent itself sent is left alone" exemption, the scrubber alone.
// Each test asserts the SAFE outcome: a failing test is a finding.
//
// The oracle: the agent knows a few bytes of the secret (a public prefix, or the start a cut echo
// showed, which the bound allows) and sends "known + candidate" for every candidate next byte. An
// upstream reflects its input after a transformation. If the scrubber redacts the reflection of
// the right candidate only, the agent learns the byte, and the next, and so on.
import { describe, expect, it } from "vitest";
import { scrubBytes, scrubberFor, scrubText } from "../../../workers/egress/scrub.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const RAND = "4Zq9TbX2mKw7Lr0PcV5hYs8NdF3gJ6uA1eRtQoWiSyUpHkMjBnCvEx_l2a7zG9qD4fW8sK1rT6yH3uL0oP5iM2bN7vC";
const PAT = `github_pat_${RAND.slice(0, 82)}`; // 93 characters: raw bound 12
const PASSWORD = `Xk7&mQ2<pL9>vR4"tW8'nB3&cZ6<`; // 28 characters: raw bound 8
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

function must<T>(value: T | null): T {
  if (value === null) throw new Error("no scrubber");
  return value;
}
const bin = (s: string | Uint8Array) => {
  let out = "";
  for (const b of typeof s === "string" ? encoder.encode(s) : s) out += String.fromCharCode(b);
  return out;
};
const b64 = (s: string) => btoa(bin(s));
const hex = (s: string) => [...encoder.encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");
const utf16 = (s: string) => {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    out[2 * i] = s.charCodeAt(i) & 255;
    out[2 * i + 1] = s.charCodeAt(i) >> 8;
  }
  return out;
};

/** Does the reflection (bytes the upstream answered) of what the agent sent come back altered? */
function redacted(secret: string, _agentSent: Array<string | Uint8Array>, answer: string | Uint8Array): boolean {
  // Since this red team, what the agent sent plays no part: only a whole secret is redacted.
  const scrubber = must(scrubberFor([secret]));
  const bytes = typeof answer === "string" ? encoder.encode(answer) : answer;
  const out = scrubBytes(bytes, scrubber);
  return decoder.decode(out) !== decoder.decode(bytes);
}

/**
 * Runs the oracle: from `known`, for each next byte, sends every candidate and keeps those whose
 * reflection came back redacted (a small beam: the scrubber folds case, so a base64 or raw echo
 * may accept two candidates, of which only the right one goes on). Returns the longest prefix the
 * candidates left agree on (compared case-insensitively when the alphabet has no capitals) and
 * how many candidates are left.
 */
function rebuild(
  secret: string,
  known: string,
  window: number,
  send: (guess: string) => Array<string | Uint8Array>,
  reflect: (guess: string) => string | Uint8Array,
  alphabet = ALPHABET,
): string {
  let beam = [known];
  while ((beam[0] as string).length < secret.length) {
    const next: string[] = [];
    for (const prefix of beam) {
      const tail = prefix.slice(-window);
      for (const c of alphabet) if (redacted(secret, send(tail + c), reflect(tail + c))) next.push(prefix + c);
    }
    if (next.length === 0 || next.length > 32) break;
    beam = next;
  }
  // What every candidate agrees on is what the agent has learned.
  let agreed = beam[0] as string;
  for (const b of beam) while (!b.startsWith(agreed)) agreed = agreed.slice(0, -1);
  const fold = !/[A-Z]/.test(alphabet);
  const truth = fold ? secret.toLowerCase() : secret;
  let right = 0;
  while (right < agreed.length && agreed[right] === truth[right]) right++;
  return agreed.slice(0, right);
}
/** Lower case, digits and "_": an echo the scrubber matches case-insensitively cannot tell capitals apart. */
const FOLDED = "abcdefghijklmnopqrstuvwxyz0123456789_";

describe("red19b: upstream transformations the exemption does not undo", () => {
  // 1. The thresholds count bytes of the FORM, the exemption looks at what the agent sent in its own
  //    spelling: an expanding form (hex 2x, UTF-16LE 2x, base64 4/3) reaches its bound with fewer
  //    secret bytes than a raw run the agent sent needs to count as "sent".
  it("attack: an upstream that answers the agent's input in hex (a hex dump, a JSON-RPC/web3 API) is no oracle", () => {
    const known = rebuild(
      PAT,
      "githu", // 5 public bytes
      5,
      (g) => [`POST /echo\n`, g],
      (g) => `{"result":"0x${hex(g)}"}`,
    );
    console.log(`hex echo: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: an upstream that answers the agent's input in base64 (a contents API, isBase64Encoded, a binary echo) is no oracle", () => {
    const known = rebuild(
      PAT,
      "github_p", // 8 public bytes
      8,
      (g) => [g],
      (g) => `{"content":"${b64(g)}","encoding":"base64"}`,
    );
    console.log(`base64 echo: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: an upstream that answers in UTF-16LE (a .NET service) is no oracle", () => {
    const known = rebuild(
      PAT,
      "githu",
      5,
      (g) => [g],
      (g) => new Uint8Array([...encoder.encode("echo: "), ...utf16(g)]),
      FOLDED, // the scrubber folds case: the agent learns the secret less the case of its letters
    );
    console.log(`utf-16 echo: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: an upstream that percent-encodes the agent's input (a Location, a link) is no oracle for a password with symbols", () => {
    // Raw bound of the 28-character password: 8. Its percent form reaches 12 bytes in 4-6 characters.
    const alphabet = `${ALPHABET}&<>"'!#$%()*+,-./:;=?@[]^{|}~`;
    const known = rebuild(
      PASSWORD,
      PASSWORD.slice(0, 5),
      5,
      (g) => [`{"next":${JSON.stringify(g)}}`],
      (g) => `HTTP/1.1 302 Found\r\nlocation: /login?next=${encodeURIComponent(g)}\r\n\r\n`,
      alphabet,
    );
    console.log(`percent echo: rebuilt ${known.length}/${PASSWORD.length}: ${JSON.stringify(known)}`);
    expect(known.length).toBeLessThanOrEqual(7);
  });

  // 2. Decodings an upstream plausibly applies that the exemption does not undo (it undoes percent,
  //    JSON and named HTML escapes only).
  it("attack: XML/HTML numeric character references decoded by the upstream (&#x..;) are no oracle", () => {
    // One character of the 12 sent as &#xNN; : no run of 12 in the agent's text.
    const spell = (g: string) => `${g.slice(0, 6)}&#x${g.charCodeAt(6).toString(16)};${g.slice(7)}`;
    const known = rebuild(
      PAT,
      "github_pat_",
      11,
      (g) => [`<search><q>${spell(g)}</q></search>`],
      (g) => `<result><q>${g}</q><hits>0</hits></result>`,
      FOLDED,
    );
    console.log(`numeric entity: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: base64 the agent sends with a line break (MIME), decoded and echoed by the upstream, is no oracle", () => {
    // 12 bytes at a group boundary: 16 base64 characters, broken after 8 (no run of 12 in what was sent).
    const spell = (g: string) => {
      const e = b64(g);
      return `${e.slice(0, 8)}\r\n${e.slice(8)}`;
    };
    const known = rebuild(
      PAT,
      "github_pat_",
      11,
      (g) => [`{"raw":"${spell(g)}"}`],
      (g) => `{"subject":"${g}"}`,
      FOLDED,
    );
    console.log(`MIME base64: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: two fields the upstream joins (first + last, or separators stripped) are no oracle", () => {
    const known = rebuild(
      PAT,
      "github_pat_",
      11,
      (g) => [`{"first":"${g.slice(0, 6)}","last":"${g.slice(6)}"}`],
      (g) => `{"name":"${g}"}`,
      FOLDED,
    );
    console.log(`joined fields: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: full-width characters an upstream NFKC-normalises are no oracle", () => {
    const wide = (s: string) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    const known = rebuild(
      PAT,
      "github_pat_",
      11,
      (g) => [`q=${wide(g)}`],
      (g) => `results for ${wide(g).normalize("NFKC")}`,
      FOLDED,
    );
    console.log(`NFKC: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });

  it("attack: Python/JS \\x escapes decoded by the upstream are no oracle", () => {
    const spell = (g: string) => `${g.slice(0, 6)}\\x${g.charCodeAt(6).toString(16)}${g.slice(7)}`;
    const known = rebuild(
      PAT,
      "github_pat_",
      11,
      (g) => [`{"q":"${spell(g)}"}`],
      (g) => `matched ${g}`,
      FOLDED,
    );
    console.log(`\\x escape: rebuilt ${known.length}/${PAT.length}: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });
});

describe("red19b: legitimate answers", () => {
  it("the agent's own text, a piece of the secret echoed whole, comes back as sent", () => {
    // The agent knows (or was told) the secret's first 20 bytes and the upstream echoes them.
    const answer = `you asked about ${PAT.slice(0, 20)}`;
    expect(scrubText(answer, [PAT])).toBe(answer);
  });
});
