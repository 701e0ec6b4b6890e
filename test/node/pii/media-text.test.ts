// Inline media passes unchanged, but under a block rule its text runs are read: text behind a
// forged image signature (or in an image's metadata) cannot carry a blocked value to the provider.
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { type JsonValue, jsonStrings, Masker, maskJsonStrings, PiiBudgetError } from "../../../workers/pii/index.js";
import { MAX_INFLATED_BYTES, MAX_INFLATED_CHUNKS } from "../../../workers/pii/media.js";

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

// Red team round 11: values a reader of the bytes recovers that the printable-run reader missed.
const policy = { credit_card: "block", email: "block", phone: "block", iban: "block", person: "block" } as const;
const latin = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const utf16 = (s: string, littleEndian: boolean) => Array.from(s).flatMap((c) => (littleEndian ? [c.charCodeAt(0), 0] : [0, c.charCodeAt(0)]));
/** A PNG chunk (CRC left zero: readers of metadata do not check it). */
const chunk = (type: string, data: number[]) => [0, 0, data.length >> 8, data.length & 255, ...latin(type), ...data, 0, 0, 0, 0];
const png = (...chunks: number[][]) => [
  ...PNG,
  ...chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]),
  ...noise,
  ...chunks.flat(),
  ...chunk("IEND", []),
];
const zlib = (s: string | number[]) => Array.from(deflateSync(typeof s === "string" ? Buffer.from(s, "latin1") : Uint8Array.from(s)));

function blocked(request: JsonValue, p: Record<string, "block" | "mask"> = policy): string[] {
  const m = new Masker(p);
  maskJsonStrings(request, m);
  return m.result().blockedCategories;
}
const openaiImage = (url: string): JsonValue => ({
  model: "gpt-x",
  messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
});

describe("inline media: text a reader of the bytes recovers", () => {
  it.each([
    ["UTF-16LE text", [...PNG, ...noise, ...utf16("Card 4111 1111 1111 1111", true)]],
    ["UTF-16BE text", [...PNG, ...noise, ...utf16("Card 4111 1111 1111 1111", false)]],
    ["UTF-16LE text at an odd offset", [...PNG, ...noise, 0x41, ...utf16("jane.roe@example.org", true)]],
    ["card groups apart by NUL bytes", [...PNG, ...noise, ...latin("4111\u00001111\u00001111\u00001111")]],
    ["card groups apart by other control bytes", [...PNG, ...noise, ...latin("4111\u0001\u00021111\u001f1111\u007f1111")]],
    ["an e-mail cut by a NUL byte", [...PNG, ...noise, ...latin("jane.roe\u0000@example.org")]],
    ["fullwidth digits in UTF-8", [...PNG, ...noise, ...ascii("card ４１１１ １１１１ １１１１ １１１１")]],
  ])("refuses %s", (_, bytes) => {
    expect(blocked(imageRequest(b64(bytes)))).not.toEqual([]);
  });

  it.each([
    ["zTXt", () => chunk("zTXt", [...latin("Comment\u0000\u0000"), ...zlib("Card 4111 1111 1111 1111")])],
    ["compressed iTXt", () => chunk("iTXt", [...latin("Comment\u0000\u0001\u0000en\u0000\u0000"), ...zlib("reach jane.roe@example.org")])],
    [
      "iCCP (a compressed colour profile)",
      () => chunk("iCCP", [...latin("icc\u0000\u0000"), ...zlib([...noise, ...latin("desc Card 4111 1111 1111 1111")])]),
    ],
  ])("inflates a %s chunk and refuses the value in it", (_, make) => {
    expect(blocked(imageRequest(b64(png(make()))))).not.toEqual([]);
  });

  it("refuses (fail closed) when compressed chunks expand past the cap, and when one is corrupt", () => {
    const bomb = chunk("zTXt", [...latin("Comment\u0000\u0000"), ...zlib(new Array(MAX_INFLATED_BYTES + 1).fill(0x20))]);
    expect(bomb.length).toBeLessThan(16 * 1024);
    expect(() => maskJsonStrings(imageRequest(b64(png(bomb))), new Masker(policy))).toThrow(PiiBudgetError);
    const many = Array.from({ length: MAX_INFLATED_CHUNKS + 1 }, () => chunk("zTXt", [...latin("k\u0000\u0000"), ...zlib("x")]));
    expect(() => maskJsonStrings(imageRequest(b64(png(...many))), new Masker(policy))).toThrow(PiiBudgetError);
    const corrupt = chunk("zTXt", [...latin("Comment\u0000\u0000"), 0x78, 0x9c, 0xff, 0xff, 0xff, 0xff]);
    expect(() => maskJsonStrings(imageRequest(b64(png(corrupt))), new Masker(policy))).toThrow(PiiBudgetError);
    // A policy that blocks nothing never inflates anything.
    expect(() => maskJsonStrings(imageRequest(b64(png(bomb))), new Masker({ credit_card: "mask" }))).not.toThrow();
  });

  it("reads e-mails in the bytes as addresses are written, not the ones random bytes spell", () => {
    const inBytes = (s: string) => imageRequest(b64([...PNG, ...noise, ...ascii(s), ...noise]));
    for (const address of ["jane.roe@example.org", "JANE.ROE@EXAMPLE.ORG", "Jane.Roe@Example.org", "jd@acme.de"])
      expect(blocked(inBytes(` ${address} `))).toEqual(["email"]);
    // Spelled by chance in compressed pixels (seen in the bench's random images): no real domain,
    // a one-character domain, a top-level domain in mixed case, letters in no written case.
    for (const noiseAddress of ["Qf8@i.Gh", "Bb@9.va", "Vr@BP.Mv", "wVP@9Q3.uz", "x@example.org"])
      expect(blocked(inBytes(` ${noiseAddress} `))).toEqual([]);
  });

  it("passes chunk type letters met by chance in pixel data (no keyword, no zlib header)", () => {
    const chance = [
      [...latin("zTXt"), ...noise.slice(0, 90)],
      [...latin("iCCP"), 0x9f, 0x00, 0x00, 0x13, 0x07, 0x00],
      [...latin("zTXt"), ...latin("k\u0000\u0000"), 0x13, 0x9f, 0x00, 0x07],
      [...latin("iTXt"), ...latin("k\u0000\u0001\u0000\u0000\u0000"), 0x13, 0x9f, 0x00, 0x07],
    ];
    for (const bytes of chance) {
      const request = imageRequest(b64(png(chunk("IDAT", [0, 0, 0, 200, ...bytes, ...noise]))));
      expect(maskJsonStrings(request, new Masker(policy))).toEqual(request);
    }
  });

  it("reads a person's name in an image's text chunks under person: block, and only there", () => {
    const named = (c: number[]) => imageRequest(b64(png(c)));
    expect(blocked(named(chunk("tEXt", latin("Patient\u0000Margaret Okonkwo, ward 4"))))).toEqual(["person"]);
    expect(blocked(named(chunk("zTXt", [...latin("Author\u0000\u0000"), ...zlib("Photo by Margaret Okonkwo")])))).toEqual(["person"]);
    expect(blocked(named(chunk("tEXt", latin("Patient\u0000Margaret Okonkwo, ward 4"))), { person: "mask", credit_card: "block" })).toEqual([]);
    // The tagger does not read runs outside the text chunks (random letters pass for names there).
    expect(blocked(imageRequest(b64([...PNG, ...noise, ...ascii("Margaret Okonkwo, ward 4")])))).toEqual([]);
  });

  it("passes the metadata texts images usually carry under a policy that blocks names", () => {
    const texts = [
      "Software\u0000Adobe Photoshop 2023 (Windows)",
      "Software\u0000Created with GIMP",
      "Comment\u0000Screenshot",
      "Copyright\u0000Copyright Apple Inc., 2017",
      "Description\u0000Display P3",
      "Title\u0000sRGB IEC61966-2.1",
      "Model\u0000Canon EOS 5D Mark IV",
      "XML:com.adobe.xmp\u0000Adobe XMP Core 5.6-c140 79.160451, 2017/05/06-01:08:21",
    ];
    expect(blocked(imageRequest(b64(png(...texts.map((t) => chunk("tEXt", latin(t)))))))).toEqual([]);
  });

  it("passes a large image of random-looking bytes (compressed pixels) under a policy that blocks everything it can", () => {
    // A fixed xorshift stream: the same bytes on every run.
    let x = 0x9e3779b9;
    const pixels = Array.from({ length: 1_000_000 }, () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x & 255;
    });
    expect(blocked(imageRequest(Buffer.from([...PNG, ...pixels]).toString("base64")))).toEqual([]);
  });
});

describe("inline media: data: URLs as the WHATWG data: URL processor reads them", () => {
  const withCard = [...PNG, ...noise, ...ascii("tEXtComment\0card 4111 1111 1111 1111"), ...noise];
  it.each([
    ["an upper-case scheme and marker", `DATA:image/png;BASE64,${b64(withCard)}`],
    ["spaces around the marker and a leading space", ` data:image/png ; base64,${b64(withCard)}`],
    ["a line break inside the scheme", `da\nta:image/png;base64,${b64(withCard)}`],
    ["base64 wrapped at 60 characters", `data:image/png;base64,${b64(withCard).replace(/.{60}/g, "$&\n")}`],
    ["base64 wrapped at 76 with CRLF", `data:image/png;base64,${b64(withCard).replace(/.{76}/g, "$&\r\n")}`],
    ["a fragment after the payload", `data:image/png;base64,${b64(withCard)}#page=1`],
    ["percent-escaped base64", `data:image/png;base64,${b64(withCard).replace(/[+/=]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`],
  ])("reads %s as the image it is", (_, url) => {
    expect(blocked(openaiImage(url))).toContain("credit_card");
  });

  it("scans the characters of a payload that decodes only once whitespace is dropped (text written between the lines)", () => {
    const clean = b64([...PNG, ...noise]);
    const url = `data:image/png;base64,${clean.slice(0, 60)}\nCard 4111 1111 1111 1111\n${clean.slice(60)}`;
    const m = new Masker({ credit_card: "mask" });
    const out = JSON.stringify(maskJsonStrings(openaiImage(url), m));
    expect(out).not.toContain("4111 1111 1111 1111");
    const withNote = openaiImage(`data:image/png;base64,${clean}#Card 4111 1111 1111 1111`);
    expect(JSON.stringify(maskJsonStrings(withNote, new Masker({ credit_card: "mask" })))).not.toContain("4111 1111 1111 1111");
    // A cleanly wrapped image goes on as it came.
    const wrapped = openaiImage(`data:image/png;base64,${clean.replace(/.{60}/g, "$&\n")}`);
    expect(maskJsonStrings(wrapped, new Masker(policy))).toEqual(wrapped);
  });
});
