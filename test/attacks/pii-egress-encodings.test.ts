// Attack class: a blocked value in a body whose bytes are not plain UTF-8 text: UTF-16/UTF-32 (by
// byte-order mark, declared charset, or neither), a compressed file sent without Content-Encoding
// (gzip, zlib, gzip in gzip, zip and other archives), binary data with the value in short runs
// between control bytes, fullwidth digits or a fullwidth at sign. The egress scan decodes what it
// can and refuses, under a blocking rule, what it cannot read.
import { beforeAll, describe, it } from "vitest";
import { ascii, compressed, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

let agent: { token: string };
beforeAll(async () => {
  agent = await egressPiiAgent("pii-egress-encodings");
});

const TEXT = "card 4111 1111 1111 1111 mail jane.roe@example.org";
function units(text: string, width: 2 | 4, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(text.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) {
    if (width === 2) view.setUint16(i * 2, text.charCodeAt(i), littleEndian);
    else view.setUint32(i * 4, text.charCodeAt(i), littleEndian);
  }
  return out;
}

describe("Unicode encodings other than UTF-8", () => {
  it("attack: a UTF-32 body, big-endian declared, little-endian with a BOM, and undeclared, is refused", async () => {
    await expectRefused(agent, "/e", { headers: { "content-type": "text/plain; charset=UTF-32BE" }, rawBody: units(TEXT, 4, false) });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "text/plain" },
      rawBody: new Uint8Array([0xff, 0xfe, 0, 0, ...units(TEXT, 4, true)]),
    });
    await expectRefused(agent, "/e", { headers: { "content-type": "application/octet-stream" }, rawBody: units(TEXT, 4, false) });
  });
  it("attack: a UTF-16 JSON body (declared utf-16 without a BOM, and big-endian with one) is refused", async () => {
    const json = '{"a":"4111 1111","b":"1111 1111"}';
    await expectRefused(agent, "/e", { headers: { "content-type": "application/json; charset=utf-16" }, rawBody: units(json, 2, true) });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/json" },
      rawBody: new Uint8Array([0xfe, 0xff, ...units(json, 2, false)]),
    });
  });
});

describe("compressed files without a Content-Encoding", () => {
  it("attack: an application/gzip upload, a gzip inside a gzip, and a zlib stream are refused", async () => {
    const csv = ascii("name,card\njane,4111111111111111\n");
    await expectRefused(agent, "/e", { headers: { "content-type": "application/gzip" }, rawBody: await compressed(csv, "gzip") });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/octet-stream" },
      rawBody: await compressed(await compressed(csv, "gzip"), "gzip"),
    });
    await expectRefused(agent, "/e", { headers: { "content-type": "application/zlib" }, rawBody: await compressed(csv, "deflate") });
  });
  it("attack: a gzip file declared text/plain and sent with Content-Encoding: identity is refused", async () => {
    await expectRefused(agent, "/e", {
      headers: { "content-type": "text/plain", "content-encoding": "identity" },
      rawBody: await compressed(ascii(TEXT), "gzip"),
    });
  });
  it("attack: archives the scan does not open (zip, bzip2, xz, zstd, 7z) fail closed", async () => {
    for (const magic of [
      [0x50, 0x4b, 0x03, 0x04],
      [0x42, 0x5a, 0x68, 0x39],
      [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
      [0x28, 0xb5, 0x2f, 0xfd],
      [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c],
    ]) {
      await expectRefused(agent, "/e", {
        headers: { "content-type": "application/octet-stream" },
        rawBody: new Uint8Array([...magic, 1, 2, 3, 4, 5, 6, 7, 8]),
      });
    }
  });
  it("control: a gzip file holding no personal data is delivered", async () => {
    await expectDelivered(agent, "/e", {
      headers: { "content-type": "application/gzip" },
      rawBody: await compressed(ascii("sku,qty\nA-100,3\nB-200,7\n"), "gzip"),
    });
  });
});

describe("binary bodies", () => {
  const header = new Array(40).fill(1);
  it("attack: card groups of four between control bytes (1, 2 and 3 bytes apart) are refused", async () => {
    for (const gap of ["\x01", "\x02\x03", "\x01\x02\x03"]) {
      await expectRefused(agent, "/e", {
        headers: { "content-type": "application/octet-stream" },
        rawBody: ascii(["4111", "1111", "1111", "1111"].join(gap)),
      });
    }
  });
  it("attack: an e-mail cut by single control bytes in binary data is refused", async () => {
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/octet-stream" },
      rawBody: new Uint8Array([...header, ...ascii("jane\x01.roe\x02@exam\x03ple.org")]),
    });
  });
  it("attack: fullwidth digits, and a fullwidth at sign, in UTF-8 after binary bytes are refused", async () => {
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/octet-stream" },
      rawBody: new Uint8Array([
        ...header,
        ...ascii("\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"),
      ]),
    });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/octet-stream" },
      rawBody: new Uint8Array([...header, 0xff, 0xfe, ...ascii("jane.roe\uff20example.org")]),
    });
  });
  it("control: random-looking binary data with short digit runs is delivered", async () => {
    // A deterministic pseudo-random body (xorshift), as an image or a model file holds.
    const bytes = new Uint8Array(4096);
    let x = 2463534242;
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    await expectDelivered(agent, "/e", { headers: { "content-type": "application/octet-stream" }, rawBody: bytes });
  });
});
