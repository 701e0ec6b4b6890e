// Masks every string value and object key of an LLM request body (OpenAI chat/responses,
// Anthropic messages), tool schemas, tool names and ids included, and JSON carried inside strings
// such as tool-call arguments. Every string meets the pattern detectors; provider ids, signatures
// and undecodable base64 skip only the entity tagger; base64 text is decoded and scanned; only
// base64 whose bytes are image/audio/video/PDF media passes unscanned. Numbers are read as the
// digits the provider receives and meet the pattern detectors too (a card as a JSON number).
import { PiiBudgetError } from "./errors.js";
import type { Masker } from "./masker.js";
import {
  type MediaReader,
  dataUrlParts,
  decodeBase64,
  decodeForgivingBase64,
  forgivingCompact,
  isBase64,
  mediaReader,
  needsForgiving,
} from "./media.js";

export { decodeBase64 } from "./media.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Fields whose string value is protocol vocabulary ("user", "text", "gpt-4o"): scanned one by one
 * like identifiers, outside the sequence of content strings, so they do not stand between two
 * parts of a message that are scanned as one text.
 */
const VOCABULARY_KEYS = new Set([
  "model",
  "role",
  "type",
  "object",
  "status",
  "finish_reason",
  "stop_reason",
  "media_type",
  "mime_type",
  "detail",
  "format",
  "encoding_format",
  "reasoning_effort",
  "service_tier",
  "truncation",
  "tool_choice",
  "anthropic-version",
]);

/** Fields that carry ids; exempt from the entity tagger only when the value has the shape of a provider-issued id. */
const ID_KEYS = new Set(["id", "tool_call_id", "tool_use_id", "call_id", "previous_response_id", "file_id", "item_id", "response_id"]);

/**
 * Ids OpenAI and Anthropic issue: one of their prefixes ("call_", "toolu_", "resp_", "msg_",
 * "fc_", "rs_", "chatcmpl-"…) and 16-64 random base62 characters with letters and digits. Such an
 * id is still scanned by every pattern detector (a "ghp_…" token has the same shape); only the
 * entity tagger skips it. Any other value is scanned like a key.
 */
const PROVIDER_ID =
  /^(?:call|toolu|srvtoolu|msg|msgbatch|chatcmpl|resp|fc|rs|ctc|mcp|mcpr|mcpl|ig|ws|file|batch|run|step|asst|thread|cmpl|req|ci|tc|compact)[_-](?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{16,64}$/;

/** Opaque values providers issue and expect back unchanged (thinking signatures, encrypted reasoning). */
const OPAQUE_KEYS = new Set(["signature", "encrypted_content"]);

/** Objects whose `name` is a tool or function name (scanned as an identifier so tool calls still resolve). */
const TOOL_TYPES = new Set(["function", "tool_use", "server_tool_use", "function_call", "custom", "mcp_call", "tool"]);

/**
 * How a string is scanned:
 * - content: every detector, in the document-order sequence of content strings (seams included);
 * - identifier: every detector on its own (names only when it holds a space);
 * - opaque: every pattern detector on its own, no entity tagger and no generic high-entropy rule
 *   (provider ids, signatures, base64 the proxy cannot read as text: random-looking by nature);
 * - text64: base64 of UTF-8 text (a document a client encoded): decoded, scanned as content and
 *   re-encoded when something in it is masked;
 * - media: base64 whose bytes start with an image, audio, video or PDF signature: not scanned.
 */
type ScanKind = "content" | "identifier" | "opaque" | "text64" | "media";

/** Leading bytes of the binary formats providers accept inline. */
const MEDIA_MAGIC: ReadonlyArray<readonly number[]> = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x52, 0x49, 0x46, 0x46], // RIFF: WebP, WAV
  [0x25, 0x50, 0x44, 0x46], // %PDF
  [0x49, 0x44, 0x33], // MP3 with ID3
  [0xff, 0xfb],
  [0xff, 0xf3],
  [0xff, 0xf2], // MP3 frames
  [0x4f, 0x67, 0x67, 0x53], // Ogg
  [0x66, 0x4c, 0x61, 0x43], // FLAC
  [0x1a, 0x45, 0xdf, 0xa3], // WebM / Matroska
];

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
/** Control characters other than tab, line feed, form feed and carriage return: bytes, not text. */
const CONTROL = /[\x00-\x08\x0B\x0E-\x1F\x7F]/;

const utf8Lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/** The UTF-8 text `bytes` hold, or undefined when they are not text. */
function asText(bytes: Uint8Array): string | undefined {
  // Most words read as base64 are not UTF-8, and the strict decoder throws for them (slow): the
  // lenient one marks them with U+FFFD instead. A U+FFFD the bytes spell out (EF BF BD) is left
  // to the strict decoder.
  const lenient = utf8Lenient.decode(bytes);
  if (lenient.includes("\ufffd")) {
    if (!holdsReplacementCharacter(bytes)) return undefined;
    try {
      const text = utf8Strict.decode(bytes);
      return CONTROL.test(text) ? undefined : text;
    } catch {
      return undefined;
    }
  }
  return CONTROL.test(lenient) ? undefined : lenient;
}

/** Whether `bytes` hold U+FFFD encoded (EF BF BD). */
function holdsReplacementCharacter(bytes: Uint8Array): boolean {
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) return true;
  return false;
}

/**
 * How a base64-looking payload is scanned: media is skipped, text decoded, anything else scanned
 * as opaque. Media fields and data: URLs are decoded as leniently as their readers decode them
 * (`forgiving`: whitespace and percent escapes dropped); a bare token in free text strictly.
 */
function base64Kind(payload: string, forgiving = true): ScanKind {
  const compact = forgiving ? forgivingCompact(payload) : payload;
  if (!isBase64(compact)) return "content";
  // The signature is in the first bytes: a large image is not decoded just to be told apart.
  const head = decodeBase64(compact.slice(0, 16)) ?? new Uint8Array();
  if (
    MEDIA_MAGIC.some((magic) => magic.every((b, i) => head[i] === b)) ||
    (head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70)
  ) {
    return "media"; // the last test: MP4 / MOV / M4A ("ftyp" at offset 4)
  }
  return asText(decodeBase64(compact) ?? new Uint8Array()) !== undefined ? "text64" : "opaque";
}

/**
 * The UTF-8 text a base64 payload or `data:…;base64,` URL carries, or undefined (not base64, media,
 * binary). The exits with no field context read every such value this way, whatever its key.
 */
export function base64TextOf(v: string): string | undefined {
  // Words of prose are base64-shaped too ("authentication"): the short ones that decode to no
  // text are remembered per isolate (bounded), since the same words come back in every prompt.
  const short = v.length <= NOT_TEXT64_LENGTH;
  if (short && notText64.has(v)) return undefined;
  const parts = dataUrlParts(v);
  const payload = parts?.payload ?? v;
  const text =
    payload.length < 8 || base64Kind(payload, parts !== undefined) !== "text64"
      ? undefined
      : asText((parts ? decodeForgivingBase64(payload) : decodeBase64(payload)) ?? new Uint8Array());
  if (text === undefined && short) {
    if (notText64.size >= NOT_TEXT64_ENTRIES) notText64.clear();
    notText64.add(v);
  }
  return text;
}
const NOT_TEXT64_LENGTH = 48;
const NOT_TEXT64_ENTRIES = 4096;
const notText64 = new Set<string>();

/**
 * Provider-issued opaque values (signatures, encrypted reasoning) are base64 or similar tokens and
 * never hold whitespace; one that does is text someone wrote there, read as content.
 */
const WRITTEN_TEXT = /\S\s+\S/;

/** How the string under `key` of `parent` is scanned, for the fields that are not plain content. */
function scanKindOf(key: string, parent: { [key: string]: JsonValue }, toolLike: boolean, kinds?: Map<string, ScanKind>): ScanKind {
  const v = parent[key];
  if (typeof v !== "string") return "content";
  if (ID_KEYS.has(key)) return PROVIDER_ID.test(v) ? "opaque" : "identifier";
  if (OPAQUE_KEYS.has(key)) return WRITTEN_TEXT.test(v) ? "content" : "opaque";
  if (VOCABULARY_KEYS.has(key) || (key === "name" && toolLike)) return "identifier";
  if (key === "data" && (parent.type === "base64" || parent.type === "redacted_thinking" || "format" in parent || "media_type" in parent)) {
    if (parent.type === "redacted_thinking") return WRITTEN_TEXT.test(v) ? "content" : "opaque";
    const mediaType = typeof parent.media_type === "string" ? parent.media_type : "";
    // Plain-text sources (Anthropic's {type: "text", media_type: "text/plain", data}) are content.
    if (parent.type === "text" || mediaType.startsWith("text/")) return "content";
    return remembered(kinds, v, () => base64Kind(v));
  }
  if (key === "url" || key === "image_url" || key === "file_data") {
    const parts = dataUrlParts(v);
    if (parts) return remembered(kinds, v, () => base64Kind(parts.payload));
  }
  return "content";
}

/** Payloads shorter than this are told apart again rather than remembered. */
const REMEMBERED_KIND_MIN = 4096;

function remembered(kinds: Map<string, ScanKind> | undefined, v: string, kindOf: () => ScanKind): ScanKind {
  if (!kinds || v.length < REMEMBERED_KIND_MIN) return kindOf();
  let kind = kinds.get(v);
  if (kind === undefined) {
    kind = kindOf();
    kinds.set(v, kind);
  }
  return kind;
}

function encodeBase64(text: string, like: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  let out = btoa(bin);
  if (/[-_]/.test(like)) out = out.replace(/\+/g, "-").replace(/\//g, "_");
  if (!like.endsWith("=")) out = out.replace(/=+$/, "");
  return out;
}

/** Decodes a text64 value (a bare payload or a data: URL), lets `visit` rewrite the text, re-encodes it if it changed. */
function transformText64(v: string, visit: Visit): string {
  const parts = dataUrlParts(v) ?? { head: "", payload: v };
  const text = asText(decodeForgivingBase64(parts.payload) ?? new Uint8Array()) ?? "";
  const masked = visit(text, "content");
  return masked === text ? v : parts.head + encodeBase64(masked, parts.payload);
}

const MAX_EMBEDDED_JSON = 4 * 1024 * 1024;

/**
 * Sees each scanned string with how it is scanned and returns its replacement. A number is seen
 * as its digits ("number"); a replacement other than those digits takes the number's place.
 */
interface Visit {
  (s: string, kind: "content" | "identifier" | "opaque" | "number" | "media" | "mediaWritten"): string;
  /** Reads inline media for their text: set only under a `block` rule (decoding a large image costs). */
  readMedia?: MediaReader | undefined;
  /** How base64 payloads were told apart, kept between the two walks of maskJsonStrings (a large image is checked once). */
  base64Kinds?: Map<string, ScanKind>;
}

interface Frame {
  /** Inside a tool/function definition or a tool choice. */
  inTools: boolean;
  /** A value of the request object itself (max_tokens, temperature): a parameter, not content. */
  parameter?: boolean;
  /** The request object itself. */
  root?: boolean;
}

/**
 * The integer digits of a number as the provider receives it, exponent forms written out
 * (41111111111111110e-1 and 4.111111111111111e15 both read 4111111111111111). The sign and a
 * fraction are left out: "-4111…" holds the same card, and the fraction of a measurement or an
 * embedding is nobody's number.
 */
export function numberDigits(n: number): string {
  return Number.isFinite(n) ? BigInt(Math.trunc(Math.abs(n))).toString() : "";
}

/**
 * Fewer digits than any value the pattern detectors read in a bare number (phones and national
 * ids have 7+, cards 12+): such numbers (counts, prices, the items of an embedding) are not scanned.
 */
const MIN_NUMBER_DIGITS = 7;

/** A number JSON.parse could not keep exactly: embedded JSON holding one is re-serialised so the provider gets the digits that were scanned. */
function hasInexactNumber(v: JsonValue): boolean {
  if (typeof v === "number") return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (Array.isArray(v)) return v.some(hasInexactNumber);
  if (v !== null && typeof v === "object") return Object.values(v).some(hasInexactNumber);
  return false;
}

/**
 * Walks `value` in document order. `visit` sees each maskable string and returns its
 * replacement; strings that hold a JSON object or array are walked inside and re-serialised
 * only if something inside changed.
 */
function transform(value: JsonValue, visit: Visit, frame: Frame): JsonValue {
  if (typeof value === "string") return transformString(value, visit);
  if (typeof value === "number") {
    const digits = numberDigits(value);
    if (frame.parameter || digits.length < MIN_NUMBER_DIGITS) return value;
    const replaced = visit(digits, "number");
    return replaced === digits ? value : replaced;
  }
  if (Array.isArray(value)) return value.map((v) => transform(v, visit, { inTools: frame.inTools }));
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: JsonValue } = {};
  const toolLike = frame.inTools || (typeof value.type === "string" && TOOL_TYPES.has(value.type));
  for (const [k, v] of Object.entries(value)) {
    const childFrame: Frame = {
      inTools: frame.inTools || k === "tools" || k === "functions" || k === "tool_choice" || k === "function",
      parameter: frame.root === true,
    };
    // Every key is scanned, tool-schema property names included.
    const newKey = visit(k, "identifier");
    const kind = scanKindOf(k, value, toolLike, visit.base64Kinds);
    if (typeof v !== "string" || kind === "content") out[newKey] = transform(v, visit, childFrame);
    else if (kind === "media") {
      // The bytes go on unchanged; their text is read so a block rule sees what rides in them.
      if (visit.readMedia) {
        const { runs, written } = visit.readMedia(v);
        visit(runs, "media");
        visit(written, "mediaWritten");
      }
      // A payload that decodes only once its whitespace or escapes are dropped, or a data: URL
      // with a fragment, carries characters of its own to the provider: they meet the pattern
      // detectors too.
      const parts = dataUrlParts(v);
      const payload = parts?.payload ?? v;
      const ownCharacters = needsForgiving(payload) || (parts !== undefined && parts.head.length + payload.length < v.length);
      out[newKey] = ownCharacters ? visit(v, "opaque") : v;
    } else if (kind === "text64") {
      // The characters themselves are scanned too: a value can be an IBAN and valid base64 of text at once.
      const raw = visit(v, "opaque");
      const decoded = transformText64(v, visit);
      out[newKey] = raw !== v ? raw : decoded;
    } else out[newKey] = visit(v, kind);
  }
  return out;
}

function transformString(s: string, visit: Visit): JsonValue {
  const t = s.trimStart();
  if ((t.startsWith("{") || t.startsWith("[")) && s.length <= MAX_EMBEDDED_JSON) {
    const parsed = tryParse(s);
    if (parsed !== undefined) {
      // Embedded JSON (tool arguments, tool results) is content, whatever encloses it.
      const inner = transform(parsed, visit, { inTools: false });
      return deepEqual(parsed, inner) && !hasInexactNumber(parsed) ? s : JSON.stringify(inner);
    }
  }
  return visit(s, "content");
}

function tryParse(s: string): JsonValue | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return isJsonValue(v) && typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

function isJsonValue(v: unknown): v is JsonValue {
  // JSON.parse only ever yields JSON values; this guard narrows the type without a cast.
  return v === null || ["string", "number", "boolean", "object"].includes(typeof v);
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i] ?? null));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i] ?? "";
    if (k !== kb[i]) return false;
    if (!deepEqual(a[k] ?? null, b[k] ?? null)) return false;
  }
  return true;
}

/** Every string of `value` the masker sees, by how it is scanned, and all of them in document order. */
export interface JsonStrings {
  /** Content strings, in document order (scanned as one sequence). */
  values: string[];
  /** Keys, tool names, protocol vocabulary and unrecognised ids (scanned one by one). */
  identifiers: string[];
  /** Provider ids, signatures, undecodable base64 (pattern detectors only). */
  opaque: string[];
  /** The digits of every number but the request's own parameters (pattern detectors only). */
  numbers: string[];
  /** The text runs inside inline media (images, audio, PDF): checked under block only, never rewritten. */
  media: string[];
  /** Text inline media declare as text, or runs of words in them: checked for names under block only. */
  mediaWritten: string[];
  /** Content, identifiers and numbers in document order, keys before their values: what split-value checks read. */
  ordered: string[];
}

/**
 * `readMedia`: decode inline media for their text (`media` and `mediaWritten` stay empty
 * otherwise). Throws PiiBudgetError when media hold more compressed text than one request may inflate.
 */
export function jsonStrings(
  value: JsonValue,
  options: { readMedia: boolean; base64Kinds?: Map<string, ScanKind> } = { readMedia: true },
): JsonStrings {
  const found: JsonStrings = { values: [], identifiers: [], opaque: [], numbers: [], media: [], mediaWritten: [], ordered: [] };
  const lists = {
    content: found.values,
    identifier: found.identifiers,
    opaque: found.opaque,
    number: found.numbers,
    media: found.media,
    mediaWritten: found.mediaWritten,
  };
  const collect: Visit = (s, kind) => {
    lists[kind].push(s);
    if (kind !== "opaque" && kind !== "media" && kind !== "mediaWritten") found.ordered.push(s);
    return s;
  };
  collect.readMedia = options.readMedia ? mediaReader() : undefined;
  if (options.base64Kinds) collect.base64Kinds = options.base64Kinds;
  transform(value, collect, { inTools: false, root: true });
  return found;
}

/**
 * Returns a copy of `value` with PII masked in every content string and key. All strings are
 * masked together, in document order, so values split across neighbouring messages are found;
 * under a `block` rule, values split anywhere across the request's strings are found too
 * (Masker.checkSplitValues). Throws PiiBudgetError when detection cannot complete.
 */
export function maskJsonStrings(value: JsonValue, masker: Masker): JsonValue {
  try {
    return maskAll(value, masker);
  } catch (error) {
    // The caller may forward the request under failMode "open": not with a value written plainly in it.
    if (error instanceof PiiBudgetError && masker.failMode === "open") {
      // Media read too where they can be (their inflation cap may be what failed).
      let strings: JsonStrings;
      try {
        strings = jsonStrings(value, { readMedia: true });
      } catch {
        strings = jsonStrings(value, { readMedia: false });
      }
      const { values, identifiers, opaque, numbers, media, mediaWritten, ordered } = strings;
      masker.checkBlockedAfterFailure([...values, ...identifiers, ...opaque, ...numbers, ...media, ...mediaWritten], ordered);
    }
    throw error;
  }
}

function maskAll(value: JsonValue, masker: Masker): JsonValue {
  const base64Kinds = new Map<string, ScanKind>();
  const { values, identifiers, opaque, numbers, media, mediaWritten, ordered } = jsonStrings(value, { readMedia: masker.blocksAny, base64Kinds });
  masker.readStyleSheets(ordered);
  // Values are scanned as one sequence (seams included); keys and tool names each on their own;
  // numbers like opaque strings (pattern detectors: a digit string is nobody's name).
  const masked = {
    content: masker.maskTexts(values),
    identifier: identifiers.map((k) => masker.maskIdentifier(k)),
    opaque: opaque.map((o) => masker.maskOpaque(o)),
    number: numbers.map((n) => masker.maskOpaque(n)),
    media: [] as string[],
    mediaWritten: [] as string[],
  };
  for (const runs of media) masker.checkBlockedOnly(runs);
  for (const written of mediaWritten) masker.checkBlockedOnly(written, { names: true });
  masker.checkSplitValues(ordered);
  const next = { content: 0, identifier: 0, opaque: 0, number: 0, media: 0, mediaWritten: 0 };
  const replace: Visit = (s, kind) => masked[kind][next[kind]++] ?? s;
  replace.base64Kinds = base64Kinds;
  return transform(value, replace, { inTools: false, root: true });
}
