// Masks every string value and object key of an LLM request body (OpenAI chat/responses,
// Anthropic messages), including JSON carried inside strings such as tool-call arguments,
// while leaving the structural fields the provider relies on untouched.
import type { Masker } from "./masker.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Fields whose string value is protocol structure, never user content. */
const STRUCTURAL_KEYS = new Set([
  "model",
  "role",
  "type",
  "id",
  "tool_call_id",
  "tool_use_id",
  "call_id",
  "previous_response_id",
  "stream",
  "object",
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
  "signature",
  "encrypted_content",
  "cache_control",
  "anthropic-version",
  "file_id",
]);

/** Objects whose `name` is a tool or function name (kept so tool calls still resolve). */
const TOOL_TYPES = new Set(["function", "tool_use", "server_tool_use", "function_call", "custom", "mcp_call", "tool"]);

/** Inline binary (images, audio, documents): base64 is not text and would read as a secret. */
function isBinaryPayload(key: string, parent: { [key: string]: JsonValue }): boolean {
  if (key === "data" && (parent.type === "base64" || parent.type === "redacted_thinking" || "format" in parent)) return true;
  if ((key === "url" || key === "image_url") && typeof parent[key] === "string") {
    const v = parent[key];
    return typeof v === "string" && v.startsWith("data:");
  }
  return false;
}

const MAX_EMBEDDED_JSON = 4 * 1024 * 1024;

type Visit = (s: string, isKey: boolean) => string;

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
    const keepValue = (STRUCTURAL_KEYS.has(k) && typeof v !== "object") || (k === "name" && toolLike) || isBinaryPayload(k, value);
    const childFrame: Frame = { inTools: frame.inTools || k === "tools" || k === "functions" || k === "tool_choice" || k === "function" };
    // Keys inside tool definitions are JSON-schema structure and stay as they are.
    const newKey = STRUCTURAL_KEYS.has(k) || childFrame.inTools ? k : visit(k, true);
    out[newKey] = keepValue ? v : transform(v, visit, childFrame);
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
 * Returns a copy of `value` with PII masked in every content string and key. All strings are
 * masked together, in document order, so values split across neighbouring messages are found.
 * Throws PiiBudgetError when detection cannot complete.
 */
export function maskJsonStrings(value: JsonValue, masker: Masker): JsonValue {
  const values: string[] = [];
  const keys: string[] = [];
  transform(
    value,
    (s, isKey) => {
      (isKey ? keys : values).push(s);
      return s;
    },
    { inTools: false },
  );
  // Values are scanned as one sequence (seams included); keys each on their own.
  const maskedValues = masker.maskTexts(values);
  const maskedKeys = keys.map((k) => masker.maskText(k));
  let v = 0;
  let k = 0;
  return transform(value, (_s, isKey) => (isKey ? maskedKeys[k++] : maskedValues[v++]) ?? "", { inTools: false });
}
