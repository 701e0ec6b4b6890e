// The agent's request body as the upstream will read it, for the personal-data scan: its
// Content-Encoding undone with the runtime's DecompressionStream (WebCrypto's sibling; no library
// needed), capped so a small compressed body cannot expand without limit. The bytes sent
// upstream stay the ones the agent sent.
import { compressedFormatOf } from "../pii/body-formats.js";
import type { PiiBudgetReason } from "../pii/errors.js";

/** Largest decoded body the scan reads: the egress body limit (a scan of more fails its own budget anyway). */
export const MAX_DECODED_BYTES = 10 * 1024 * 1024;

type DecoderFormat = "gzip" | "deflate" | "deflate-raw";
/** Content codings the runtime decodes, by their HTTP names (workerd has no Brotli decoder, so "br" is unreadable). */
const DECODERS = new Map<string, DecoderFormat>([
  ["gzip", "gzip"],
  ["x-gzip", "gzip"],
  ["deflate", "deflate"],
]);

export type DecodedBody = { body: Uint8Array | string | null } | { body: null; unreadable: PiiBudgetReason };

/** How many gzip/zlib layers found by their leading bytes are opened (a file inside a file); more is unreadable. */
const MAX_SNIFFED_LAYERS = 4;

/**
 * `body` with every coding in `contentEncoding` undone (the last applied first), then, whatever
 * was declared, a gzip file or zlib stream recognised by its leading bytes (an `application/gzip`
 * upload) opened too, a few layers deep. An unknown coding, a corrupt stream or more than
 * `maxBytes` decoded gives `unreadable` instead, and the scan then counts as incomplete (refused
 * under a blocking rule); so do archives the scan does not open (zip, bzip2, xz, zstd, 7z…), in
 * outbound.ts.
 */
export async function decodedForScan(
  body: Uint8Array | string | null,
  contentEncoding: string | null,
  maxBytes = MAX_DECODED_BYTES,
): Promise<DecodedBody> {
  if (body === null) return { body };
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (typeof body === "string" && codings.length === 0) return { body };
  let bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  for (const coding of codings.reverse()) {
    const format = DECODERS.get(coding);
    if (!format) return { body: null, unreadable: "encoding" };
    // "deflate" is zlib-wrapped by the standard; some clients send it raw.
    let decoded = await decompress(bytes, format, maxBytes);
    if (decoded === null && format === "deflate") decoded = await decompress(bytes, "deflate-raw", maxBytes);
    if (decoded === "too_large") return { body: null, unreadable: "size" };
    if (decoded === null) return { body: null, unreadable: "encoding" };
    bytes = decoded;
  }
  for (let layer = 0; ; layer++) {
    const sniffed = compressedFormatOf(bytes);
    if (sniffed !== "gzip" && sniffed !== "zlib") break;
    if (layer === MAX_SNIFFED_LAYERS) return { body: null, unreadable: "encoding" };
    const decoded = await decompress(bytes, sniffed === "gzip" ? "gzip" : "deflate", maxBytes);
    if (decoded === "too_large") return { body: null, unreadable: "size" };
    if (decoded === null) return { body: null, unreadable: "encoding" };
    bytes = decoded;
  }
  return { body: bytes };
}

/** The decompressed bytes; "too_large" past `maxBytes` (reading stops there); null when the stream is corrupt. */
async function decompress(bytes: Uint8Array, format: DecoderFormat, maxBytes: number): Promise<Uint8Array | "too_large" | null> {
  const reader = new Blob([onArrayBuffer(bytes)]).stream().pipeThrough(new DecompressionStream(format)).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        return "too_large";
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The same bytes typed as backed by an ArrayBuffer (what Blob takes); copied only when shared memory backs them. */
function onArrayBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
}
