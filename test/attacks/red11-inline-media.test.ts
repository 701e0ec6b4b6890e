// Red team s11, attack class: a value the policy blocks, carried inside inline media (base64 images
// in Anthropic content blocks and OpenAI data: URLs). The last round reads media only when the
// policy blocks something (workers/pii/json.ts `readsMedia`), and then only the bytes' printable
// runs of 6+ characters with the pattern detectors. These requests carry the value in ways a reader
// of the image (or the provider's storage) still recovers: compressed metadata, UTF-16 text,
// groups apart by NUL bytes, a data URL spelled as WHATWG's data: URL processor accepts it, and a
// name under a policy that blocks names. Each "attack" test asserts the safe outcome (422
// pii_blocked, the provider saw nothing), so it FAILS while the bypass works. Every bypass here
// gets the same verdict from maskJsonStrings at 3d4e932a (compared black-box): the round's
// `readsMedia` switch did not open them (media were read for a block rule only before it, too).
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

describe("HELD controls (refused today)", () => {
  it("a card in a PNG tEXt chunk (Anthropic image block) is refused", async () => {
    expectRefused(await anthropicImage(textChunkImage));
  });
  it("a card in a PNG tEXt chunk (OpenAI data: URL) is refused", async () => {
    expectRefused(await openaiImage(`data:image/png;base64,${base64(textChunkImage)}`));
  });
});

describe("values the printable-run reader does not see", () => {
  it("attack: a card in a compressed PNG zTXt chunk (standard compressed metadata) reaches the provider", async () => {
    expectRefused(await anthropicImage(png(chunk("zTXt", concat("Comment\0\0", await zlib(encoder.encode(CARD_TEXT)))))));
  });
  it("attack: a card written in UTF-16LE inside an image reaches the provider", async () => {
    expectRefused(await anthropicImage(png(chunk("iTXt", utf16le(CARD_TEXT)))));
  });
  it("attack: a card whose four groups are apart by NUL bytes (4111\\0 1111\\0 …) reaches the provider", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "4111\x001111\x001111\x001111"))));
  });
  it("attack: an e-mail cut by one NUL byte (jane.roe\\0@example.org) inside an image reaches the provider", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "jane.roe\0@example.org"))));
  });
  it("attack: a person's name in an image's text under person: block reaches the provider (media runs get the pattern detectors only)", async () => {
    expectRefused(await anthropicImage(png(chunk("tEXt", "Patient\0Margaret Okonkwo, ward 4"))));
  });
});

describe("data: URLs spelled as the WHATWG data: URL processor accepts them", () => {
  it("attack: base64 wrapped at 60 characters (forgiving-base64 drops whitespace) hides a tEXt card", async () => {
    const wrapped = base64(textChunkImage).replace(/.{60}/g, "$&\n");
    expectRefused(await openaiImage(`data:image/png;base64,${wrapped}`));
  });
  it("attack: an upper-case scheme and parameter (DATA:image/png;BASE64,) hide a tEXt card", async () => {
    expectRefused(await openaiImage(`DATA:image/png;BASE64,${base64(textChunkImage)}`));
  });
});
