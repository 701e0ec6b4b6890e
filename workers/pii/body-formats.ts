// The formats a request body or header value can carry text in, undone the way the receiving
// server undoes them, for the exits' PII scan (outbound.ts): media-type parameters, MIME
// multipart parts, quoted-printable, UTF-16/UTF-32, compressed-file signatures, JSON comments,
// the text of XML/HTML, base64 tokens in free text and the text runs of binary data. Pure
// functions over strings and bytes. Each is a few lines of a standard's grammar, so no library
// is pulled in (the npm MIME parsers are Node-stream based and do not decode transfer encodings).
import { base64TextOf } from "./json.js";

/** A media type, lower-cased, and its parameters (names lower-cased, quotes removed). */
export interface MediaType {
  type: string;
  params: Map<string, string>;
}

export function mediaTypeOf(contentType: string | null | undefined): MediaType {
  const [type = "", ...rest] = (contentType ?? "").split(";");
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    let value = p.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, "$1");
    params.set(p.slice(0, eq).trim().toLowerCase(), value);
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Bytes as a string of the same length, one character per byte (positions in it are byte offsets). */
export function byteString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

function bytesOfByteString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export interface BodyPart {
  /** Header fields of the part, names lower-cased, in order. */
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/**
 * The parts of a MIME multipart body (RFC 2046; form-data, mixed, related, alternative…):
 * delimiters at line starts, LF or CRLF line ends, folded header lines joined. The preamble and
 * epilogue come back as parts without headers. Null when the boundary never occurs.
 */
export function multipartParts(bytes: Uint8Array, boundary: string): BodyPart[] | null {
  if (boundary === "") return null;
  const text = byteString(bytes);
  const delimiter = `--${boundary}`;
  const starts: number[] = [];
  for (let at = text.indexOf(delimiter); at >= 0; at = text.indexOf(delimiter, at + delimiter.length)) {
    if (at === 0 || text[at - 1] === "\n") starts.push(at);
  }
  if (starts.length === 0) return null;
  const parts: BodyPart[] = [];
  const preamble = text.slice(0, lineEndBefore(text, starts[0] ?? 0));
  if (preamble.trim() !== "") parts.push({ headers: [], body: bytesOfByteString(preamble) });
  for (let i = 0; i < starts.length; i++) {
    const start = (starts[i] ?? 0) + delimiter.length;
    if (text.startsWith("--", start)) {
      const epilogue = text.slice(start + 2);
      if (epilogue.trim() !== "") parts.push({ headers: [], body: bytesOfByteString(epilogue) });
      break;
    }
    const next = starts[i + 1];
    const lineEnd = text.indexOf("\n", start);
    if (lineEnd < 0) break;
    const raw = text.slice(lineEnd + 1, next === undefined ? text.length : lineEndBefore(text, next));
    const blank = /\r?\n\r?\n/.exec(raw);
    const headerText = raw.startsWith("\r\n") || raw.startsWith("\n") ? "" : blank ? raw.slice(0, blank.index) : raw;
    const bodyStart = raw.startsWith("\r\n") ? 2 : raw.startsWith("\n") ? 1 : blank ? blank.index + blank[0].length : raw.length;
    const headers: Array<[string, string]> = [];
    for (const line of headerText.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
    parts.push({ headers, body: bytesOfByteString(raw.slice(bodyStart)) });
  }
  return parts;
}

/** Where the line break before a delimiter at `at` starts (the break belongs to the delimiter). */
function lineEndBefore(text: string, at: number): number {
  if (at >= 2 && text.slice(at - 2, at) === "\r\n") return at - 2;
  if (at >= 1 && text[at - 1] === "\n") return at - 1;
  return at;
}

/** Quoted-printable (RFC 2045): `=XX` is a byte, `=` at a line end is a soft break. */
export function quotedPrintableDecoded(bytes: Uint8Array): Uint8Array {
  const text = byteString(bytes)
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return bytesOfByteString(text);
}

/** Base64 with line breaks and spaces (as MIME writes it), or null when it is not base64. */
export function base64Decoded(bytes: Uint8Array): Uint8Array | null {
  const text = byteString(bytes).replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  try {
    const std = text.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    return bytesOfByteString(atob(std + "=".repeat((4 - (std.length % 4)) % 4)));
  } catch {
    return null;
  }
}

/** A part or body decoded of its Content-Transfer-Encoding (base64, quoted-printable); other values leave it as it is. */
export function transferDecoded(bytes: Uint8Array, encoding: string | undefined): Uint8Array {
  const e = (encoding ?? "").trim().toLowerCase();
  if (e === "base64") return base64Decoded(bytes) ?? bytes;
  if (e === "quoted-printable") return quotedPrintableDecoded(bytes);
  return bytes;
}

/**
 * Compressed or archive formats by their leading bytes. gzip and zlib streams are decoded before
 * the scan (workers/egress/content-decoding.ts); archives and the others cannot be read and make
 * a scan incomplete.
 */
export function compressedFormatOf(bytes: Uint8Array): "gzip" | "zlib" | "archive" | null {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0x1f && at(1) === 0x8b) return "gzip";
  const starts = (magic: readonly number[]) => magic.every((b, i) => at(i) === b);
  const archive =
    starts([0x50, 0x4b, 0x03, 0x04]) || // zip (also docx/xlsx/jar)
    starts([0x50, 0x4b, 0x05, 0x06]) || // empty zip
    starts([0x50, 0x4b, 0x07, 0x08]) || // spanned zip
    (starts([0x42, 0x5a, 0x68]) && at(3) >= 0x31 && at(3) <= 0x39) || // bzip2 ("BZh" and the block size)
    starts([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) || // xz
    starts([0x28, 0xb5, 0x2f, 0xfd]) || // zstd
    starts([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) || // 7z
    starts([0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]) || // rar
    starts([0x04, 0x22, 0x4d, 0x18]) || // lz4 frame
    starts([0x1f, 0x9d]) || // compress (.Z)
    starts([0x4c, 0x5a, 0x49, 0x50, 0x01]); // lzip
  if (archive) return "archive";
  // A zlib stream: CMF 0x78 and the FLG bytes zlib writes (text never starts "x" and a control byte or one of these).
  if (at(0) === 0x78 && (at(1) === 0x01 || at(1) === 0x9c || at(1) === 0xda)) return "zlib";
  return null;
}

/**
 * The text of bytes in a declared or marked Unicode encoding other than UTF-8: a byte-order mark
 * or a `charset` of UTF-16/UTF-32 (both byte orders read when the order is not given); null for
 * anything else (read as UTF-8). Other charsets go through TextDecoder when the runtime knows them.
 */
export function unicodeTexts(bytes: Uint8Array, charset: string | undefined): string[] | null {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xfe && at(2) === 0 && at(3) === 0) return [utf32(bytes.subarray(4), true)];
  if (at(0) === 0 && at(1) === 0 && at(2) === 0xfe && at(3) === 0xff) return [utf32(bytes.subarray(4), false)];
  if (at(0) === 0xff && at(1) === 0xfe) return [decode("utf-16le", bytes.subarray(2))];
  if (at(0) === 0xfe && at(1) === 0xff) return [decode("utf-16be", bytes.subarray(2))];
  const cs = (charset ?? "").trim().toLowerCase().replace(/_/g, "-");
  if (cs === "" || cs === "utf-8" || cs === "utf8" || cs === "us-ascii") return null;
  if (cs === "utf-32le" || cs === "ucs-4le") return [utf32(bytes, true)];
  if (cs === "utf-32be" || cs === "ucs-4be") return [utf32(bytes, false)];
  if (cs === "utf-32" || cs === "ucs-4") return [utf32(bytes, true), utf32(bytes, false)];
  if (cs === "utf-16le" || cs === "ucs-2le") return [decode("utf-16le", bytes)];
  if (cs === "utf-16be" || cs === "ucs-2be") return [decode("utf-16be", bytes)];
  if (cs === "utf-16" || cs === "ucs-2" || cs === "unicode") return [decode("utf-16le", bytes), decode("utf-16be", bytes)];
  try {
    return [new TextDecoder(cs).decode(bytes)];
  } catch {
    return null;
  }
}

function decode(encoding: "utf-16le" | "utf-16be", bytes: Uint8Array): string {
  return new TextDecoder(encoding).decode(bytes);
}

function utf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chars: string[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const cp = view.getUint32(i, littleEndian);
    chars.push(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : "\ufffd");
  }
  return chars.join("");
}

/** JSON with `//` and `/* *\/` comments (JSONC, JSON5 style) outside strings removed; null when it has none. */
export function withoutJsonComments(text: string): string | null {
  if (!text.includes("/")) return null;
  let out = "";
  let changed = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
      out += " ";
      changed = true;
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close < 0 ? text.length : close + 2;
      out += " ";
      changed = true;
    } else {
      out += c;
      i++;
    }
  }
  return changed ? out : null;
}

function stringEnd(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/**
 * The text of an XML or HTML document as a reader of its elements sees it, in document order:
 * character data between tags (CDATA sections unwrapped) and attribute values. Null when the
 * text has no tags.
 */
export function markupTexts(text: string): string[] | null {
  if (!/<[A-Za-z!?/][^>]*>/.test(text)) return null;
  const out: string[] = [];
  const cdata = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<([A-Za-z!?/][^>]*)>|([^<]+)|</g;
  for (let m = cdata.exec(text); m; m = cdata.exec(text)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) {
      const attribute = /=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g;
      for (let a = attribute.exec(m[2]); a; a = attribute.exec(m[2])) out.push(a[1] ?? a[2] ?? a[3] ?? "");
    } else if (m[3] !== undefined && m[3].trim() !== "") out.push(m[3].trim());
  }
  return out;
}

/** Shortest base64 token read inside free text (shorter ones are ordinary words and ids). */
const MIN_FREE_BASE64 = 12;
const BASE64_TOKEN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;
const MAX_BASE64_DEPTH = 4;

/**
 * The texts base64 carries inside `text`: the whole value (or a `data:` URL), and each token of
 * 12+ base64 characters in free text, read again for base64 inside (a few levels deep).
 */
export function base64Texts(text: string, depth = 0): string[] {
  if (depth >= MAX_BASE64_DEPTH || text.length < 8) return [];
  const out: string[] = [];
  const whole = base64TextOf(text.trim());
  if (whole !== undefined) out.push(whole, ...base64Texts(whole, depth + 1));
  else if (text.length >= MIN_FREE_BASE64) {
    // matchAll works on a copy of the pattern: the recursive calls cannot move this loop's position.
    for (const m of text.matchAll(BASE64_TOKEN)) {
      const decoded = base64TextOf(m[0]);
      if (decoded !== undefined) out.push(decoded, ...base64Texts(decoded, depth + 1));
    }
  }
  return out;
}

/** Control characters and undecodable bytes: what separates the text runs of binary data. */
export const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]+/g;
/** Terminal escape sequences: CSI (`ESC [ … m`, colours and cursor moves) and OSC (`ESC ] … BEL` or `ESC \\`). */
const TERMINAL_ESCAPE = /\u001b\[[0-9;:?<=>]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-9;:?<=>]*[ -/]*[@-~]/g;

/** `text` without its terminal escape sequences (as a terminal shows it); null when it has none. */
export function withoutTerminalEscapes(text: string): string | null {
  if (!text.includes("\u001b") && !text.includes("\u009b")) return null;
  const shown = text.replace(TERMINAL_ESCAPE, "");
  return shown === text ? null : shown;
}

/** `text` without terminal escape sequences and control characters (a value cut by them, as a terminal or a lenient reader shows it); null when it has none. */
export function withoutControls(text: string): string | null {
  NOT_TEXT.lastIndex = 0;
  if (!NOT_TEXT.test(text)) return null;
  NOT_TEXT.lastIndex = 0;
  return text.replace(TERMINAL_ESCAPE, "").replace(NOT_TEXT, "");
}

/** Shortest group of runs read in binary data (`strings` reads 4; fewer chance runs in random bytes). */
const MIN_RUN = 8;
/** Runs at most this many non-text characters apart are read as one (values split by a few bytes). */
const MAX_GAP = 3;
/**
 * Shortest run joined across any gap: random bytes decode to runs of one or two characters between
 * undecodable bytes, and joining those glued whole megabytes of junk into "text". Shorter runs
 * join only across a single control character (a value cut byte by byte).
 */
const MIN_JOINED_RUN = 3;

/** What a code unit is to groupedRuns: an undecodable byte (U+FFFD), a control character, text, or text values are made of. */
const UNDECODED = 0;
const CONTROL = 1;
const TEXT = 2;
/** ASCII letters and digits, "@", ".", "+", "_", "-". */
const VALUE = 3;

/** The class of every UTF-16 unit: below U+00A0 as above (tab, LF and CR are text), above it all is text but U+FFFD. A table, not branches: random bytes would mispredict half of them. */
const UNIT_CLASSES = (() => {
  const classes = new Uint8Array(0x10000).fill(TEXT);
  classes.fill(CONTROL, 0, 0xa0);
  for (let c = 0x20; c < 0x7f; c++) classes[c] = /[0-9A-Za-z@.+_-]/.test(String.fromCharCode(c)) ? VALUE : TEXT;
  for (const c of [0x09, 0x0a, 0x0d]) classes[c] = TEXT;
  classes[0xfffd] = UNDECODED;
  return classes;
})();
/** The class of a byte read as one unit: ASCII as above, any other byte undecodable. */
const BYTE_CLASSES = UNIT_CLASSES.slice(0, 0x100).fill(UNDECODED, 0x80);

/** The class of each UTF-16 unit of `chars`. */
function charClasses(chars: string): Uint8Array {
  const classes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) classes[i] = UNIT_CLASSES[chars.charCodeAt(i)] as number;
  return classes;
}

/**
 * How many units of `text` are control characters or undecodable bytes (what NOT_TEXT matches),
 * counted up to `enough`. The pattern's native scan, not a loop over every unit: most bodies are
 * text with none, and the gateway reads every one.
 */
export function hiddenCount(text: string, enough = Number.POSITIVE_INFINITY): number {
  let hidden = 0;
  NOT_TEXT.lastIndex = 0;
  for (let m = NOT_TEXT.exec(text); m && hidden < enough; m = NOT_TEXT.exec(text)) hidden += m[0].length;
  return hidden;
}

/**
 * The runs of text in a sequence of code units (`classes`, one per unit; `slice` builds a run's
 * string): runs at most `maxGap` non-text units apart are joined by `joiner` when both hold 3+
 * characters or one control character (not an undecodable byte) parts them, and a joined group is
 * kept when it holds 8+ characters; one group a line, like `strings`, so random bytes are not
 * glued into false findings. Strings are built only for kept groups. One pass over a byte array:
 * a binary body of megabytes is read this way nine times.
 */
function groupedRuns(classes: Uint8Array, slice: (start: number, end: number) => string, joiner: string, maxGap: number): string {
  const length = classes.length;
  const lines: string[] = [];
  // The open group's runs as start, end pairs in group[0, groupSize): reused, never shrunk.
  const group: number[] = [];
  let groupSize = 0;
  let groupLength = 0;
  let lastEnd = -1;
  let lastStrong = false;
  let lastValue = false;
  let i = 0;
  while (i < length) {
    if ((classes[i] as number) < TEXT) {
      i++;
      continue;
    }
    const start = i;
    let value = true;
    for (; i < length; i++) {
      const c = classes[i] as number;
      if (c < TEXT) break;
      if (c !== VALUE) value = false;
    }
    const runLength = i - start;
    const gap = start - lastEnd;
    const strong = runLength >= MIN_JOINED_RUN;
    let joins = false;
    if (groupSize > 0 && gap <= maxGap) {
      if ((strong && lastStrong) || (gap === 1 && classes[lastEnd] !== UNDECODED)) joins = true;
      else if (value && lastValue) {
        // Short runs of the characters values are made of join across one byte of any kind, or a
        // few control bytes ("4\xff1\xff1…", "41\x00\x0011…"): random bytes seldom make such runs.
        joins = true;
        if (gap > 1) for (let k = lastEnd; k < start; k++) if (classes[k] === UNDECODED) joins = false;
      }
    }
    if (!joins) {
      if (groupLength >= MIN_RUN) lines.push(groupText(group, groupSize, slice, joiner));
      groupSize = 0;
      groupLength = 0;
    }
    group[groupSize++] = start;
    group[groupSize++] = i;
    groupLength += runLength;
    lastEnd = i;
    lastStrong = strong;
    lastValue = value;
  }
  if (groupLength >= MIN_RUN) lines.push(groupText(group, groupSize, slice, joiner));
  return lines.join("\n");
}

/** A kept group's runs (start, end pairs in group[0, size)) joined. */
function groupText(group: readonly number[], size: number, slice: (start: number, end: number) => string, joiner: string): string {
  const parts: string[] = [];
  for (let k = 0; k < size; k += 2) parts.push(slice(group[k] as number, group[k + 1] as number));
  return parts.join(joiner);
}

/** The text runs of `chars` (see groupedRuns; `classes` when already computed): runs a few control characters or undecodable bytes apart joined, groups of 8+ characters kept. */
export function joinedRuns(chars: string, joiner = " ", maxGap = MAX_GAP, classes = charClasses(chars)): string {
  return groupedRuns(classes, (start, end) => chars.slice(start, end), joiner, maxGap);
}

/**
 * The readings of binary bytes: text runs (`joinedRuns`) read as UTF-8 (fullwidth digits, `＠`),
 * as single bytes, and as UTF-16 and UTF-32 in both byte orders; and the UTF-8 runs split by one
 * control byte glued together (a value cut by a single byte); the same of the text as a terminal
 * shows it, when it holds terminal escapes. Lazy, so that a scan past its size
 * budget stops before building the rest; a reading the same as an earlier one is not repeated.
 */
export function* binaryReadings(bytes: Uint8Array, utf8: string): Generator<string> {
  const seen: string[] = [];
  // Text coloured by terminal escapes reads as a terminal shows it, whatever bytes pad it.
  const shown = escapedValues(utf8);
  // Both UTF-8 readings use the same classes, computed when the first is read.
  let classes: Uint8Array | undefined;
  const utf8Classes = () => {
    classes ??= charClasses(utf8);
    return classes;
  };
  const readings = [
    () => joinedRuns(utf8, " ", MAX_GAP, utf8Classes()),
    () => joinedRuns(utf8, "", 1, utf8Classes()),
    () => (shown === "" ? "" : joinedRuns(shown)),
    () => (shown === "" ? "" : joinedRuns(shown, "", 1)),
    () => unitRuns(bytes, 1, 0),
    () => unitRuns(bytes, 2, 0),
    () => unitRuns(bytes, 2, 1),
    () => unitRuns(bytes, 4, 0),
    () => unitRuns(bytes, 4, 3),
  ];
  for (const read of readings) {
    const reading = read();
    if (reading === "" || seen.includes(reading)) continue;
    seen.push(reading);
    yield reading;
  }
}

/**
 * Terminal escapes before a character of a value ("4111\x1b[0m1111", a colour per digit), read where
 * one starts. At most 16 in a row: unbounded, a body of escapes alone ("\x1b[m" repeated) was read
 * to its end from every escape (128 KiB took 12 s); a longer row still matches from a later escape.
 */
const ESCAPES_BEFORE_VALUE = new RegExp(`(?:${TERMINAL_ESCAPE.source}){1,16}(?=[0-9A-Za-z@.+_-])`, "y");
/** Characters read on each side of such an escape. */
const ESCAPE_WINDOW = 80;

/**
 * The stretches of `utf8` around terminal escapes inside a value, as a terminal shows them (one a
 * line; "" when there are none): a coloured value in binary data, read without reading all of a
 * large body twice (random bytes hold an escape now and then). Escapes are found by their first
 * character, not by a pattern tried at every position of megabytes.
 */
function escapedValues(utf8: string): string {
  const ranges: Array<[number, number]> = [];
  let esc = utf8.indexOf("\u001b");
  let csi = utf8.indexOf("\u009b");
  while (esc !== -1 || csi !== -1) {
    const at = esc === -1 ? csi : csi === -1 ? esc : Math.min(esc, csi);
    let next = at + 1;
    if (at > 0 && (UNIT_CLASSES[utf8.charCodeAt(at - 1)] as number) === VALUE) {
      ESCAPES_BEFORE_VALUE.lastIndex = at;
      const m = ESCAPES_BEFORE_VALUE.exec(utf8);
      if (m) {
        next = at + m[0].length;
        const from = Math.max(0, at - ESCAPE_WINDOW);
        const to = Math.min(utf8.length, next + ESCAPE_WINDOW);
        const last = ranges.at(-1);
        if (last && from <= last[1]) last[1] = to;
        else ranges.push([from, to]);
      }
    }
    if (esc !== -1 && esc < next) esc = utf8.indexOf("\u001b", next);
    if (csi !== -1 && csi < next) csi = utf8.indexOf("\u009b", next);
  }
  return ranges.map(([from, to]) => utf8.slice(from, to).replace(TERMINAL_ESCAPE, "")).join("\n");
}

/** Whether a quarter or more of the first 64 KiB of `bytes` are zero. */
function mostlyZeros(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 65536);
  let zeros = 0;
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) zeros++;
  return zeros * 4 >= sample.length;
}

/** Characters built per `String.fromCharCode` call (its arguments go on the stack). */
const CHUNK = 8192;

/**
 * The text runs of `bytes` read one unit of `step` bytes at a time (see groupedRuns): a unit is
 * the byte at `offset` when the unit's other bytes are zero; a byte outside ASCII, or a unit with
 * other bytes set, reads as an undecodable byte (U+FFFD), a zero-padded control byte as control.
 */
function unitRuns(bytes: Uint8Array, step: 1 | 2 | 4, offset: number): string {
  const count = Math.floor(bytes.length / step);
  let codes = bytes;
  let classes: Uint8Array;
  if (step === 1) {
    classes = new Uint8Array(count);
    for (let u = 0; u < count; u++) classes[u] = BYTE_CLASSES[bytes[u] as number] as number;
  } else {
    // Each unit's byte and class; a new array is all UNDECODED. A wider unit is text only if its
    // other bytes are zero, so only units holding a zero byte are read (found natively): random
    // bytes cost a few thousand reads, not one per unit.
    codes = new Uint8Array(count);
    classes = new Uint8Array(count);
    const read = (u: number) => {
      const at = u * step;
      for (let j = 0; j < step; j++) if (j !== offset && bytes[at + j] !== 0) return;
      const b = bytes[at + offset] as number;
      codes[u] = b;
      classes[u] = BYTE_CLASSES[b] as number;
    };
    // Text in UTF-16 or UTF-32 (or zero padding) is mostly zero bytes: there every unit is read in turn.
    if (mostlyZeros(bytes)) for (let u = 0; u < count; u++) read(u);
    else {
      let lastRead = -1;
      for (let z = bytes.indexOf(0); z !== -1 && z < count * step; z = bytes.indexOf(0, z + 1)) {
        const u = Math.floor(z / step);
        if (u === lastRead || z - u * step === offset) continue;
        lastRead = u;
        read(u);
      }
    }
  }
  const slice = (start: number, end: number): string => {
    const parts: string[] = [];
    // Runs are text units only: every code is one ASCII character.
    for (let at = start; at < end; at += CHUNK) parts.push(String.fromCharCode(...codes.subarray(at, Math.min(end, at + CHUNK))));
    return parts.join("");
  };
  return groupedRuns(classes, slice, " ", MAX_GAP);
}
