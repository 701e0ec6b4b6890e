// Inline media (base64 images, audio, PDF in LLM request bodies) as a `block` rule reads them:
// `data:` URLs as the WHATWG data: URL processor reads them, and the text a reader of the bytes
// recovers: runs in 8-bit/UTF-8 and in UTF-16 of either byte order, pieces cut by control bytes
// read as one, and PNG's compressed text chunks inflated (node:zlib, which workerd provides under
// nodejs_compat) within a per-request cap. The bytes themselves are never rewritten.
import { constants, inflateSync } from "node:zlib";
import { PiiBudgetError } from "./errors.js";

/** Bytes of strict base64 (standard or URL-safe alphabet, padding optional), or undefined. */
export function decodeBase64(s: string): Uint8Array | undefined {
  if (!isBase64(s)) return undefined;
  try {
    const std = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    const bin = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$|^[A-Za-z0-9_-]*={0,2}$/;

/** Whether `s` is strict base64 (standard or URL-safe alphabet, padding optional) of at least 3 bytes. */
export function isBase64(s: string): boolean {
  return s.length >= 4 && s.length % 4 !== 1 && BASE64.test(s);
}

/** ASCII whitespace, which forgiving-base64 drops (WHATWG Infra). */
const ASCII_WHITESPACE = /[\t\n\f\r ]+/g;
const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g;

/**
 * Bytes of a base64 payload as a lenient reader decodes it: percent escapes undone (the data: URL
 * processor percent-decodes the body first) and ASCII whitespace dropped (forgiving-base64), so a
 * payload wrapped in lines or spelled with escapes is read as the provider reads it.
 */
export function decodeForgivingBase64(payload: string): Uint8Array | undefined {
  return decodeBase64(forgivingCompact(payload));
}

/** `payload` with percent escapes undone and ASCII whitespace dropped (see decodeForgivingBase64). */
export function forgivingCompact(payload: string): string {
  if (!needsForgiving(payload)) return payload;
  const unescaped = payload.includes("%")
    ? payload.replace(PERCENT_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : payload;
  return unescaped.replace(ASCII_WHITESPACE, "");
}

/** Whether a payload decodes only once whitespace or percent escapes are taken out (its characters are then scanned as well). */
export function needsForgiving(payload: string): boolean {
  return /[\t\n\f\r %]/.test(payload);
}

/** A data: URL's scheme after what the URL parser strips first (leading C0 controls and spaces), any case. */
const DATA_SCHEME = /^[\u0000-\u0020]*data:/i;
/** The media type's end that marks a base64 body: ";", any spaces, "base64" in any case (WHATWG fetch, data: URL processor). */
const BASE64_MARKER = /;\u0020*base64$/i;

/**
 * The split of a base64 `data:` URL into its header (through the comma, as written) and its
 * payload, or undefined. Read as the WHATWG URL parser and data: URL processor do: tabs and line
 * breaks anywhere are dropped, the scheme and the ";base64" marker match in any case,
 * whitespace around the media type is ignored ("DATA:image/png ; BASE64 ,…" is still base64) and
 * a fragment ("#…") is left out of the payload.
 */
export function dataUrlParts(v: string): { head: string; payload: string } | undefined {
  const comma = v.indexOf(",");
  if (comma < 0) return undefined;
  const head = v.slice(0, comma + 1);
  const parsed = head.replace(/[\t\n\r]/g, "");
  const scheme = DATA_SCHEME.exec(parsed);
  if (!scheme) return undefined;
  const mediaType = parsed.slice(scheme[0].length, -1).replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "");
  if (!BASE64_MARKER.test(mediaType)) return undefined;
  // The URL parser keeps a fragment apart from the body ("…AAAA#note"): it is no part of the payload.
  const hash = v.indexOf("#", comma + 1);
  return { head, payload: v.slice(comma + 1, hash < 0 ? undefined : hash) };
}

/** Fewest characters a reading keeps (as `strings` does, a little longer: fewer chance runs in random bytes). */
const MIN_TEXT = 6;
/** Control bytes (or UTF-16 units) between two pieces of text that still join them: a value cut by NULs or padding. */
const MAX_GAP = 3;
/** Most bytes inflated from compressed chunks per request: past it the scan cannot complete (a zip bomb). */
export const MAX_INFLATED_BYTES = 4 * 1024 * 1024;
/** Most compressed chunks inflated per request (each costs a call, whatever its size). */
export const MAX_INFLATED_CHUNKS = 64;

/** What a block rule reads in one media payload. */
export interface MediaText {
  /** Runs of text in the bytes, one a line: read by the pattern detectors. */
  runs: string;
  /**
   * Text the file declares as text (PNG's text chunks): read for names too. Runs found elsewhere
   * in the bytes are not: the name tagger takes random letters ("Jlu Urq") for names.
   */
  written: string;
}

/**
 * Between two runs: a line break alone would let a detector read across it ("x@" and "yz.de" are
 * a loose e-mail split by a line break), so a sign no value holds stands on a line of its own.
 */
const RUN_SEPARATOR = "\n~\n";

/** Reads media payloads for one request, sharing the inflation cap; throws PiiBudgetError("size") past it. */
export type MediaReader = (payload: string) => MediaText;

export function mediaReader(limits = { bytes: MAX_INFLATED_BYTES, chunks: MAX_INFLATED_CHUNKS }): MediaReader {
  let bytesLeft = limits.bytes;
  let chunksLeft = limits.chunks;
  const inflate = (compressed: Uint8Array): Uint8Array => {
    if (chunksLeft-- <= 0) throw new PiiBudgetError("size");
    let out: Uint8Array;
    try {
      // A truncated stream gives what it holds (a lenient viewer shows that much); a corrupt one
      // cannot be read, so the scan cannot vouch for it.
      out = inflateSync(compressed, { maxOutputLength: Math.max(1, bytesLeft), finishFlush: constants.Z_SYNC_FLUSH });
    } catch (error) {
      throw new PiiBudgetError(error instanceof RangeError ? "size" : "encoding");
    }
    bytesLeft -= out.byteLength;
    if (bytesLeft < 0) throw new PiiBudgetError("size");
    return out;
  };
  return (payload) => {
    const bytes = decodeForgivingBase64(dataUrlParts(payload)?.payload ?? payload);
    if (!bytes) return { runs: "", written: "" };
    const runs = textReadings(bytes);
    const written: string[] = [];
    for (const chunk of pngTextChunks(bytes, inflate)) {
      if (chunk.inflated) for (const run of textReadings(chunk.inflated)) runs.push(run);
      if (chunk.text !== undefined) written.push(chunk.text);
    }
    return { runs: runs.join(RUN_SEPARATOR), written: written.join(RUN_SEPARATOR) };
  };
}

/** The text readings of `bytes`: 8-bit/UTF-8 runs and UTF-16 runs in both byte orders and alignments. */
export function textReadings(bytes: Uint8Array): string[] {
  const out = utf8Runs(bytes);
  // One push per run: spreading many runs as arguments could overflow the stack.
  for (const littleEndian of [true, false]) for (const offset of [0, 1]) for (const run of utf16Runs(bytes, littleEndian, offset)) out.push(run);
  return out;
}

const CONTROL_BYTE = new Uint8Array(128);
for (let b = 0; b < 128; b++) CONTROL_BYTE[b] = (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f ? 1 : 0;

/**
 * Length of the well-formed UTF-8 sequence of a text character (see TEXT_CHARACTER) at `i`, or 0.
 * Other characters end a run: random bytes hold a valid 2-byte sequence every few dozen bytes.
 */
function utf8TextAt(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  const n = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : 0;
  if (n === 0 || i + n > bytes.length) return 0;
  let cp = lead & (n === 2 ? 0x1f : 0x0f);
  for (let k = 1; k < n; k++) {
    const b = bytes[i + k] ?? 0;
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  return (n === 3 && cp < 0x800) || textClasses()[cp] !== 1 ? 0 : n;
}

/**
 * Groups of text: runs of text units where up to MAX_GAP control units between two runs join
 * them. A group with gaps is given twice: without them (as the detectors read control
 * characters, so "jane.roe\0@example.org" reads whole) and with each gap as one space
 * ("Card\x004111…" reads as two words).
 */
class Groups {
  readonly out: string[] = [];
  #start = -1;
  #end = -1;
  #text = 0;
  #gap = 0;
  #gaps = false;

  constructor(readonly decode: (start: number, end: number) => string) {}

  text(start: number, end: number, count: number): void {
    if (this.#start < 0) this.#start = start;
    else if (this.#gap > 0) this.#gaps = true;
    this.#end = end;
    this.#text += count;
    this.#gap = 0;
  }

  gap(): void {
    if (this.#start < 0) return;
    if (++this.#gap > MAX_GAP) this.close();
  }

  close(): void {
    if (this.#start < 0) return;
    if (this.#text >= MIN_TEXT) {
      const written = this.decode(this.#start, this.#end);
      if (!this.#gaps) this.out.push(written);
      else this.out.push(written.replace(GAP_RUN, ""), written.replace(GAP_RUN, " "));
    }
    this.#start = -1;
    this.#text = 0;
    this.#gap = 0;
    this.#gaps = false;
  }
}

const utf8 = new TextDecoder("utf-8");
/** Control characters between the pieces of a group (UTF-16 adds the C1 controls and the byte-order mark). */
const GAP_RUN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff]+/g;

/** Runs of printable ASCII and UTF-8 text characters (fullwidth digits, accented letters), control bytes as gaps. */
function utf8Runs(bytes: Uint8Array): string[] {
  const groups = new Groups((start, end) => utf8.decode(bytes.subarray(start, end)));
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      if (CONTROL_BYTE[b]) groups.gap();
      else groups.text(i, i + 1, 1);
      i++;
      continue;
    }
    const n = utf8TextAt(bytes, i);
    if (n === 0) {
      groups.close();
      i++;
    } else {
      groups.text(i, i + n, 1);
      i += n;
    }
  }
  groups.close();
  return groups.out;
}

/** Per BMP code point: 1 text, 2 control (a gap), 0 anything else (ends a group). Built on first use. */
let classes: Uint8Array | undefined;
/**
 * Text characters outside ASCII: letters of the Latin, Greek and Cyrillic scripts, decimal digits
 * of any script, punctuation, spaces and currency signs (what values and names are written in,
 * fullwidth forms included). CJK and other large blocks are left out: random bytes read as UTF-16
 * are mostly such characters, and would be read as endless text.
 */
const TEXT_CHARACTER = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Nd}\p{P}\p{Zs}\p{Sc}\t\n\r]/u;
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff]/;

function textClasses(): Uint8Array {
  if (classes) return classes;
  const table = new Uint8Array(0x10000);
  for (let u = 0; u < 0x10000; u++) {
    if (u >= 0xd800 && u <= 0xdfff) continue;
    const c = String.fromCharCode(u);
    table[u] = CONTROL_CHARACTER.test(c) ? 2 : TEXT_CHARACTER.test(c) || (u >= 0x20 && u < 0x7f) ? 1 : 0;
  }
  classes = table;
  return table;
}

/** Runs of UTF-16 text (see UTF16_TEXT) in one byte order, starting at byte `offset`. */
function utf16Runs(bytes: Uint8Array, littleEndian: boolean, offset: number): string[] {
  const table = textClasses();
  const unitAt = (i: number) => (littleEndian ? (bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8) : ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  const groups = new Groups((start, end) => {
    let s = "";
    for (let i = start; i < end; i += 2) s += String.fromCharCode(unitAt(i));
    return s;
  });
  for (let i = offset; i + 1 < bytes.length; i += 2) {
    const c = table[unitAt(i)];
    if (c === 1) groups.text(i, i + 2, 1);
    else if (c === 2) groups.gap();
    else groups.close();
  }
  groups.close();
  return groups.out;
}

/** A zlib stream's first two bytes (RFC 1950): deflate, a window of 32 KiB or less, the header checksum. */
function zlibHeader(stream: Uint8Array): boolean {
  const cmf = stream[0] ?? 0;
  const flg = stream[1] ?? 0;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const latin1 = new TextDecoder("latin1");

/** PNG chunk types that carry text: tEXt (Latin-1), zTXt (Latin-1, deflated), iTXt (UTF-8, deflated when flagged), iCCP (a deflated ICC profile). */
type TextChunkType = "tEXt" | "zTXt" | "iTXt" | "iCCP";

/** The text chunk type spelled at `at`, or undefined; checked from the last letter, which random bytes seldom match. */
function textChunkTypeAt(bytes: Uint8Array, at: number): TextChunkType | undefined {
  if (bytes[at + 3] === 0x74 && bytes[at + 2] === 0x58) {
    const [first, second] = [bytes[at], bytes[at + 1]];
    if (second === 0x45) return first === 0x74 ? "tEXt" : undefined;
    if (second === 0x54) return first === 0x7a ? "zTXt" : first === 0x69 ? "iTXt" : undefined;
    return undefined;
  }
  return bytes[at + 3] === 0x50 && bytes[at + 2] === 0x43 && bytes[at + 1] === 0x43 && bytes[at] === 0x69 ? "iCCP" : undefined;
}

/**
 * PNG's text-bearing chunks, found by their type wherever they stand (a walker that follows chunk
 * lengths loses its way at one forged length; a four-letter type code occurs in random bytes once
 * in four billion): tEXt, zTXt and iTXt give their keyword and text, iCCP its inflated profile
 * (which carries text of its own). A chunk's data runs for its declared length or to the end of
 * the bytes. Chunk CRCs are not checked: a metadata reader does not need them either.
 */
function* pngTextChunks(bytes: Uint8Array, inflate: (compressed: Uint8Array) => Uint8Array): Generator<{ text?: string; inflated?: Uint8Array }> {
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 12; at + 4 <= bytes.length; at++) {
    const type = textChunkTypeAt(bytes, at);
    if (type === undefined) continue;
    const data = bytes.subarray(at + 4, Math.min(bytes.length, at + 4 + view.getUint32(at - 4)));
    const keywordEnd = data.indexOf(0);
    // A keyword (1-79 Latin-1 characters, then a NUL) tells a chunk from the type's letters met by
    // chance in pixel data; so does a zlib header before a stream is inflated.
    if (keywordEnd < 1 || keywordEnd > 79 || !data.subarray(0, keywordEnd).every((b) => (b >= 0x20 && b < 0x7f) || b > 0xa0)) continue;
    const keyword = latin1.decode(data.subarray(0, keywordEnd));
    if (type === "tEXt") yield { text: `${keyword}\n${latin1.decode(data.subarray(keywordEnd + 1))}` };
    else if (type === "zTXt" || type === "iCCP") {
      const stream = data.subarray(keywordEnd + 2);
      if (!zlibHeader(stream)) continue;
      const inflated = inflate(stream);
      yield type === "zTXt" ? { text: `${keyword}\n${latin1.decode(inflated)}`, inflated } : { inflated };
    } else {
      const compressed = data[keywordEnd + 1] === 1;
      // Language tag and translated keyword, each ended by a NUL, come before the text.
      const languageEnd = data.indexOf(0, keywordEnd + 3);
      const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
      if (translatedEnd < 0) continue;
      const body = data.subarray(translatedEnd + 1);
      if (compressed && !zlibHeader(body)) continue;
      const text = compressed ? inflate(body) : body;
      const head = utf8.decode(data.subarray(keywordEnd + 3, translatedEnd)).replace(/\0/g, "\n");
      yield { text: `${keyword}\n${head}\n${utf8.decode(text)}`, ...(compressed ? { inflated: text } : {}) };
    }
  }
}
