// Inline media passes unchanged, but under a block rule its text runs are read: text behind a
// forged image signature (or in an image's metadata) cannot carry a blocked value to the provider.
import { describe, expect, it } from "vitest";
import { type JsonValue, jsonStrings, Masker, maskJsonStrings } from "../../../workers/pii/index.js";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
const ascii = (s: string) => Array.from(new TextEncoder().encode(s));
/** Bytes that look like compressed image data: no printable run of 6. */
const noise = Array.from({ length: 400 }, (_, i) => [0x00, 0x9f, 0x1b, 0xc3, 0x07][i % 5] as number);

function imageRequest(data: string): JsonValue {
  return {
    model: "claude-x",
    messages: [
      {
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data } },
          { type: "text", text: "what is it?" },
        ],
      },
    ],
  };
}

describe("inline media under a block rule", () => {
  it.each([
    ["a card after a PNG signature", [...PNG, ...noise, ...ascii("card 4111 1111 1111 1111 exp 12/29")], "credit_card"],
    ["an e-mail in a metadata chunk", [...PNG, ...ascii("tEXtAuthor\0maria.kowalska@example.org"), ...noise], "email"],
  ])("refuses %s", (_, bytes, category) => {
    const m = new Masker({ credit_card: "block", email: "block" });
    const out = maskJsonStrings(imageRequest(b64(bytes)), m);
    expect(m.result().blockedCategories).toContain(category);
    expect(out).toEqual(imageRequest(b64(bytes)));
  });

  it("passes an image with no text in it, and changes nothing under mask", () => {
    const clean = b64([...PNG, ...noise]);
    const blocker = new Masker({ credit_card: "block", email: "block" });
    maskJsonStrings(imageRequest(clean), blocker);
    expect(blocker.result().blockedCategories).toEqual([]);
    const withCard = b64([...PNG, ...noise, ...ascii("card 4111 1111 1111 1111")]);
    const masker = new Masker({ credit_card: "mask" });
    expect(maskJsonStrings(imageRequest(withCard), masker)).toEqual(imageRequest(withCard));
    expect(masker.result().mapping).toEqual({});
  });

  it("decodes media only when asked (a policy without block never pays for it)", () => {
    const withCard = imageRequest(b64([...PNG, ...noise, ...ascii("card 4111 1111 1111 1111")]));
    expect(jsonStrings(withCard, { readMedia: false }).media).toEqual([]);
    expect(jsonStrings(withCard, { readMedia: true }).media.join("\n")).toContain("4111 1111 1111 1111");
    expect(new Masker({ credit_card: "mask" }).blocksAny).toBe(false);
    expect(new Masker({ credit_card: "block" }).blocksAny).toBe(true);
  });
});
