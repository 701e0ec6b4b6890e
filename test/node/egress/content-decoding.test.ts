// decodedForScan: the agent's request body decoded of its Content-Encoding for the PII scan,
// capped against compression bombs; codings the runtime cannot decode are reported unreadable.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodedForScan } from "../../../workers/egress/content-decoding.js";

const TEXT = "card 4111 1111 1111 1111";

async function packed(bytes: Uint8Array, format: "gzip" | "deflate" | "deflate-raw"): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream(format))).arrayBuffer());
}
const text = (r: Awaited<ReturnType<typeof decodedForScan>>) =>
  r.body === null ? null : typeof r.body === "string" ? r.body : new TextDecoder().decode(r.body);

describe("decodedForScan", () => {
  const plain = new TextEncoder().encode(TEXT);

  it("passes a body without coding (or identity) through unchanged", async () => {
    expect(await decodedForScan(TEXT, null)).toEqual({ body: TEXT });
    expect(text(await decodedForScan(plain, " Identity "))).toBe(TEXT);
    expect(await decodedForScan(null, "gzip")).toEqual({ body: null });
  });

  it("decodes gzip, x-gzip, deflate (zlib or raw), in any case, layered codings last first", async () => {
    expect(text(await decodedForScan(await packed(plain, "gzip"), "GZIP"))).toBe(TEXT);
    expect(text(await decodedForScan(new Uint8Array(gzipSync(plain)), "x-gzip"))).toBe(TEXT);
    expect(text(await decodedForScan(await packed(plain, "deflate"), "deflate"))).toBe(TEXT);
    expect(text(await decodedForScan(await packed(plain, "deflate-raw"), "deflate"))).toBe(TEXT);
    const layered = await packed(await packed(plain, "deflate"), "gzip");
    expect(text(await decodedForScan(layered, "deflate, gzip"))).toBe(TEXT);
  });

  it("reports codings it cannot decode and corrupt streams as unreadable", async () => {
    for (const coding of ["br", "zstd", "compress", "constructor", "__proto__"]) {
      expect(await decodedForScan(plain, coding)).toEqual({ body: null, unreadable: "encoding" });
    }
    expect(await decodedForScan(plain, "gzip")).toEqual({ body: null, unreadable: "encoding" });
    const gz = await packed(plain, "gzip");
    expect(await decodedForScan(gz.subarray(0, gz.length - 10), "gzip")).toEqual({ body: null, unreadable: "encoding" });
  });

  it("stops a compression bomb at the cap", async () => {
    const bomb = await packed(new Uint8Array(4 * 1024 * 1024), "gzip");
    expect(await decodedForScan(bomb, "gzip", 1024 * 1024)).toEqual({ body: null, unreadable: "size" });
    expect((await decodedForScan(bomb, "gzip", 8 * 1024 * 1024)).body).toHaveLength(4 * 1024 * 1024);
  });
});
