// Red team s11, attack class: a value the policy blocks, carried inside inline media (base64 images
// in Anthropic content blocks and OpenAI data: URLs). Media were read (only when the policy blocks
// something) for their printable runs of 6+ characters with the pattern detectors; these requests
// carried the value in ways a reader of the image (or the provider's storage) still recovers:
// compressed metadata, UTF-16 text, groups apart by NUL bytes, a data URL spelled as WHATWG's data:
// URL processor accepts it, and a name under a policy that blocks names. Each test asserts the
// safe outcome (422 pii_blocked, the provider saw nothing); all failed before the fix
// (workers/pii/media.ts, docs/pii.md "Inline media").
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red11-media");
  const agent = await createAgent(org, { name: "red11-media" });
  await attachPolicy(
    org,
    { name: "red11-media-block", pii: { credit_card: "block", email: "block", phone: "block", iban: "block", person: "block" } },
    { scope: "agent", id: agent.id },
  );
  token = agent.token;
});

const CARD_TEXT = "Card 4111 1111 1111 1111";
const encoder = new TextEncoder();
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
function concat(...parts: Array<Uint8Array | string>): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
async function zlib(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
}
const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A 1x1 PNG with the given chunks between IHDR and IEND (chunk CRCs are not checked by a metadata reader). */
const png = (...chunks: Array<Uint8Array | string>) =>
  concat(PNG_SIGNATURE, "\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\0\0\0\0", ...chunks, "\0\0\0\0IEND\xaeB`\x82");
const chunk = (type: string, data: Uint8Array | string) => {
  const bytes = typeof data === "string" ? concat(data) : data;
  return concat(new Uint8Array([0, 0, bytes.length >> 8, bytes.length & 255]), type, bytes, "\0\0\0\0");
};
const utf16le = (s: string) => new Uint8Array([...s].flatMap((c) => [c.charCodeAt(0), 0]));

const marker = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
async function providerSaw(m: string): Promise<boolean> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${m}`)).json()) as unknown[];
  return seen.length > 0;
}

/** An Anthropic message with one base64 image block and a line of text. */
async function anthropicImage(bytes: Uint8Array, mediaType = "image/png") {
  const m = marker();
  const res = await call("/llm/anthropic/v1/messages", {
    method: "POST",
    token,
    body: {
      model: "claude-test",
      max_tokens: 16,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: mediaType, data: base64(bytes) } },
            { type: "text", text: `describe ${m}` },
          ],
        },
      ],
    },
  });
  return { status: res.status, text: res.text, providerSawIt: await providerSaw(m) };
}

/** An OpenAI chat message with one image_url part holding `url` (a data: URL). */
async function openaiImage(url: string) {
  const m = marker();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: {
      model: "gpt-test",
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url } },
            { type: "text", text: `describe ${m}` },
          ],
        },
      ],
    },
  });
  return { status: res.status, text: res.text, providerSawIt: await providerSaw(m) };
}

function expectRefused(r: { status: number; text: string; providerSawIt: boolean }) {
  expect({ status: r.status, providerSawIt: r.providerSawIt }, r.text.slice(0, 200)).toEqual({ status: 422, providerSawIt: false });
}

const textChunkImage = png(chunk("tEXt", `Comment\0${CARD_TEXT}`));

describe("controls: cards in plain metadata", () => {
  it("a card in a PNG tEXt chunk (Anthropic image block) is refused", async () => {
    expectRefused(await anthropicImage(textChunkImage));
  });
  it("a card in a PNG tEXt chunk (OpenAI data: URL) is refused", async () => {
    expectRefused(await openaiImage(`data:image/png;base64,${base64(textChunkImage)}`));
  });
});

describe("values only a reader of the bytes recovers are refused", () => {
  it("a card in a compressed PNG zTXt chunk (standard compressed metadata) is refused", async () => {
    expectRefused(await anthropicImage(png(chunk("zTXt", concat("Comment\0\0", await zlib(encoder.encode(CARD_TEXT)))))));
  });
  it("a card written in UTF-16LE inside an image is refused", async () => {
    expectRefused(await anthropicImage(png(chunk("iTXt", utf16le(CARD_TEXT)))));
  });
  it("a card whose four groups are apart by NUL bytes (4111\\0 1111\\0 …) is refused", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "4111\x001111\x001111\x001111"))));
  });
  it("an e-mail cut by one NUL byte (jane.roe\\0@example.org) inside an image is refused", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "jane.roe\0@example.org"))));
  });
  it("a person's name in an image's text chunk under person: block is refused", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "Patient\0Margaret Okonkwo, ward 4"))));
  });
});

describe("data: URLs spelled as the WHATWG data: URL processor accepts them are read", () => {
  it("base64 wrapped at 60 characters (forgiving-base64 drops whitespace): a tEXt card is refused", async () => {
    const wrapped = base64(textChunkImage).replace(/.{60}/g, "$&\n");
    expectRefused(await openaiImage(`data:image/png;base64,${wrapped}`));
  });
  it("an upper-case scheme and parameter (DATA:image/png;BASE64,): a tEXt card is refused", async () => {
    expectRefused(await openaiImage(`DATA:image/png;BASE64,${base64(textChunkImage)}`));
  });
});

describe("bounded work, and clean images pass", () => {
  it("a compressed chunk that expands past the cap (a zip bomb) is refused, fail closed", async () => {
    const bomb = await zlib(new Uint8Array(5 * 1024 * 1024));
    const r = await anthropicImage(png(chunk("zTXt", concat("Comment\0\0", bomb))));
    expectRefused(r);
    expect(r.text).toContain("could not be checked");
  });
  it("control: a PNG with a compressed colour profile and software and author-less text passes", async () => {
    const profile = await zlib(encoder.encode("desc\0\0\0Display P3\0cprt\0\0\0Copyright Apple Inc., 2017"));
    const r = await anthropicImage(png(chunk("iCCP", concat("icc\0\0", profile)), chunk("tEXt", "Software\0Adobe Photoshop 2023 (Windows)")));
    expect({ status: r.status, providerSawIt: r.providerSawIt }, r.text.slice(0, 200)).toEqual({ status: 200, providerSawIt: true });
  });
});
