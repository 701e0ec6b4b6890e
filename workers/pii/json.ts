// Masks every string value and object key of an LLM request body (OpenAI chat/responses,
// Anthropic messages), tool schemas, tool names and ids included, and JSON carried inside strings
// such as tool-call arguments. Only provider-issued ids and blobs the proxy recognises, and long
// base64 binary, pass unscanned.
import type { Masker } from "./masker.js";

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

/** Fields that carry ids; exempt only when the value has the shape of a provider-issued id. */
const ID_KEYS = new Set(["id", "tool_call_id", "tool_use_id", "call_id", "previous_response_id", "file_id", "item_id", "response_id"]);

/**
 * Ids OpenAI and Anthropic issue: a short lower-case prefix ("call_", "toolu_", "resp_", "msg_",
 * "fc_", "rs_", "chatcmpl-") and 16-64 random base62 or hex characters with letters and digits.
 * A value the proxy cannot recognise as one is scanned like any other string.
 */
const PROVIDER_ID = /^[a-z]{2,12}[_-](?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{16,64}$/;

/** Opaque values providers issue and expect back unchanged (thinking signatures, encrypted reasoning). */
const OPAQUE_KEYS = new Set(["signature", "encrypted_content"]);
/** Base64 without spaces holding a letter, as providers issue and clients encode binary; 16+ characters. */
const BASE64_BLOB = /^(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{16,}={0,2}$/;

/** Objects whose `name` is a tool or function name (scanned as an identifier so tool calls still resolve). */
const TOOL_TYPES = new Set(["function", "tool_use", "server_tool_use", "function_call", "custom", "mcp_call", "tool"]);

/**
 * Inline binary (images, audio, documents) in base64: the provider decodes it, so its characters
 * never reach the model as text, and it would read as a secret. Only strict base64 counts;
 * anything else in these fields ("data" beside a "format", say) is scanned as text.
 */
function isBinaryPayload(key: string, parent: { [key: string]: JsonValue }): boolean {
  const v = parent[key];
  if (typeof v !== "string") return false;
  if (key === "data" && (parent.type === "base64" || parent.type === "redacted_thinking" || "format" in parent || "media_type" in parent)) {
    return BASE64_BLOB.test(v);
  }
  if ((key === "url" || key === "image_url" || key === "file_data") && v.startsWith("data:")) {
    const comma = v.indexOf(",");
    return comma > 0 && v.slice(0, comma).endsWith(";base64") && BASE64_BLOB.test(v.slice(comma + 1));
  }
  return false;
}

/** Values sent through unscanned: recognised provider ids, provider-issued opaque blobs, inline binary. */
function isExempt(key: string, parent: { [key: string]: JsonValue }): boolean {
  const v = parent[key];
  if (typeof v !== "string") return false;
  if (ID_KEYS.has(key)) return PROVIDER_ID.test(v);
  if (OPAQUE_KEYS.has(key)) return BASE64_BLOB.test(v);
  return isBinaryPayload(key, parent);
}

const MAX_EMBEDDED_JSON = 4 * 1024 * 1024;

/** A content string (masked in document order, seams included) or an identifier (a key or a tool name, masked on its own). */
type Visit = (s: string, identifier: boolean) => string;

interface Frame {
  /** Inside a tool/function definition or a tool choice. */
  inTools: boolean;
}

/**
 * Walks `value` in document order. `visit` sees each maskable string and returns its
 * replacement; strings that hold a JSON object or array are walked inside and re-serialised
 * only if something inside changed.
 */
function transform(value: JsonValue, visit: Visit, frame: Frame): JsonValue {
  if (typeof value === "string") return transformString(value, visit);
  if (Array.isArray(value)) return value.map((v) => transform(v, visit, frame));
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: JsonValue } = {};
  const toolLike = frame.inTools || (typeof value.type === "string" && TOOL_TYPES.has(value.type));
  for (const [k, v] of Object.entries(value)) {
    const childFrame: Frame = { inTools: frame.inTools || k === "tools" || k === "functions" || k === "tool_choice" || k === "function" };
    // Every key is scanned, tool-schema property names included.
    const newKey = visit(k, true);
    if (isExempt(k, value)) out[newKey] = v;
    else if (typeof v === "string" && (VOCABULARY_KEYS.has(k) || ID_KEYS.has(k) || (k === "name" && toolLike))) out[newKey] = visit(v, true);
    else out[newKey] = transform(v, visit, childFrame);
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
      return deepEqual(parsed, inner) ? s : JSON.stringify(inner);
    }
  }
  return visit(s, false);
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

/**
 * Every string of `value` the masker sees, in document order: content values, and identifiers
 * (keys, tool names, protocol vocabulary and ids) that are scanned one by one.
 */
export function jsonStrings(value: JsonValue): { values: string[]; identifiers: string[] } {
  const values: string[] = [];
  const identifiers: string[] = [];
  transform(
    value,
    (s, identifier) => {
      (identifier ? identifiers : values).push(s);
      return s;
    },
    { inTools: false },
  );
  return { values, identifiers };
}

/**
 * Returns a copy of `value` with PII masked in every content string and key. All strings are
 * masked together, in document order, so values split across neighbouring messages are found.
 * Throws PiiBudgetError when detection cannot complete.
 */
export function maskJsonStrings(value: JsonValue, masker: Masker): JsonValue {
  const { values, identifiers } = jsonStrings(value);
  // Values are scanned as one sequence (seams included); keys and tool names each on their own.
  const maskedValues = masker.maskTexts(values);
  const maskedIdentifiers = identifiers.map((k) => masker.maskIdentifier(k));
  let v = 0;
  let k = 0;
  return transform(value, (_s, identifier) => (identifier ? maskedIdentifiers[k++] : maskedValues[v++]) ?? "", { inTools: false });
}
