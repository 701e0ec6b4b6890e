// PII on the exits other than the LLM proxy: egress request bodies and query strings, tool-call
// arguments, MCP/HTTP tool results. The same detectors as the proxy; the verdict is block or
// allow (values cannot be masked and restored there), plus the categories to audit.
import {
  PII_CATEGORIES,
  type PiiCategory,
  type PiiExit,
  type PiiExitAction,
  type PiiExitRule,
  type PiiExits,
  type PiiLists,
  type PiiPolicy,
} from "../../schema/pii.js";
import { PiiBudgetError, type PiiBudgetReason } from "./errors.js";
import { type JsonStrings, type JsonValue, jsonStrings } from "./json.js";
import { Masker, type MaskerOptions } from "./masker.js";

export interface OutboundData {
  /** Which exit the data leaves by (selects the policy's rules). */
  exit: PiiExit;
  /** Content-Type of `body`: JSON and form bodies are read field by field, text as text. */
  contentType?: string | null;
  /** Request body or tool result; bytes are read as UTF-8 when they look like text. */
  body?: string | Uint8Array | null;
  /** Query string (with or without "?") or a whole URL whose query is scanned. */
  query?: string | null;
  /** Already parsed JSON (tool-call arguments). */
  json?: unknown;
}

export interface OutboundVerdict {
  action: "allow" | "block";
  /** Categories found whose rule is "block" (the answer may name these, never the values). */
  blockedCategories: PiiCategory[];
  /** What to record in the audit event: categories found and their counts; null when audit is off or nothing was found. */
  audit: { categories: PiiCategory[]; counts: number[]; failed?: PiiBudgetReason } | null;
  /** Set when the scan could not complete (the action then follows the rule's failMode). */
  failed?: PiiBudgetReason;
}

/** Strictest rules over several policies: block wins per category, audit if any asks, fail closed if any does. */
export function mergePiiExits(sections: ReadonlyArray<PiiExits | undefined>): PiiExits | null {
  let merged: PiiExits | null = null;
  for (const section of sections) {
    if (!section) continue;
    merged ??= {};
    for (const exit of Object.keys(section) as PiiExit[]) {
      const rule = section[exit];
      if (!rule) continue;
      const into: PiiExitRule = merged[exit] ?? {};
      for (const c of PII_CATEGORIES) if (rule[c] === "block" || (rule[c] === "allow" && into[c] === undefined)) into[c] = rule[c];
      if (rule.default === "block" || (rule.default === "allow" && into.default === undefined)) into.default = rule.default;
      if (rule.audit !== undefined) into.audit = (into.audit ?? false) || rule.audit;
      if (rule.failMode === "closed" || (rule.failMode === "open" && into.failMode === undefined)) into.failMode = rule.failMode;
      merged[exit] = into;
    }
  }
  return merged;
}

function actionOf(rule: PiiExitRule | undefined, category: PiiCategory): PiiExitAction {
  return rule?.[category] ?? rule?.default ?? "allow";
}

/** Bytes as text when they read as text (UTF-8 without NUL in the first KB); null for binary. */
function asText(body: string | Uint8Array): string | null {
  if (typeof body === "string") return body;
  if (body.subarray(0, 1024).includes(0)) return null;
  return new TextDecoder("utf-8").decode(body);
}

/** The strings of a body, by content type: JSON strings and keys, form fields, or the text itself. */
function stringsOf(data: OutboundData): { values: string[]; identifiers: string[]; opaque: string[]; ordered: string[]; binary: boolean } {
  const values: string[] = [];
  const identifiers: string[] = [];
  const opaque: string[] = [];
  const ordered: string[] = [];
  const add = (found: JsonStrings) => {
    values.push(...found.values);
    identifiers.push(...found.identifiers);
    opaque.push(...found.opaque);
    ordered.push(...found.ordered);
  };
  const addPair = (k: string, v: string) => {
    identifiers.push(k);
    values.push(v);
    ordered.push(k, v);
  };
  let binary = false;
  if (data.json !== undefined) add(jsonStrings(toJson(data.json)));
  if (data.query) {
    const q = data.query.includes("?") ? data.query.slice(data.query.indexOf("?") + 1) : data.query;
    for (const [k, v] of new URLSearchParams(q)) addPair(k, v);
  }
  if (data.body !== undefined && data.body !== null) {
    const text = asText(data.body);
    const type = (data.contentType ?? "").toLowerCase();
    if (text === null) binary = true;
    else if (/\bjson\b|\+json/.test(type) || (!type && /^\s*[[{]/.test(text))) {
      const parsed = parseJson(text);
      if (parsed === undefined) {
        values.push(text);
        ordered.push(text);
      } else add(jsonStrings(parsed));
    } else if (type.includes("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(text)) addPair(k, v);
    } else {
      values.push(text);
      ordered.push(text);
    }
  }
  return { values, identifiers, opaque, ordered, binary };
}

function parseJson(text: string): JsonValue | undefined {
  try {
    return toJson(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** A JSON value from something JSON.parse or a caller produced: anything else becomes its string form. */
function toJson(v: unknown): JsonValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return String(v);
}

/**
 * Scans data leaving by `data.exit` under `exits` (the merged `piiExits` of the agent's policies;
 * null = none: allow, audit what is found). Never throws for the data's sake: an incomplete scan
 * blocks under failMode "closed" (the default when the rule blocks anything) and allows otherwise.
 */
export function scanOutbound(
  exits: PiiExits | null | undefined,
  data: OutboundData,
  options: { lists?: PiiLists; detect?: MaskerOptions } = {},
): OutboundVerdict {
  const rule = exits?.[data.exit];
  const blocks = PII_CATEGORIES.some((c) => actionOf(rule, c) === "block");
  const failMode = rule?.failMode ?? (blocks ? "closed" : "open");
  const audit = rule?.audit ?? true;
  if (!blocks && !audit) return { action: "allow", blockedCategories: [], audit: null };
  // The masker counts what it finds; "block" categories are the ones the verdict refuses.
  const policy: PiiPolicy = Object.fromEntries(PII_CATEGORIES.map((c) => [c, actionOf(rule, c) === "block" ? "block" : "mask"]));
  const masker = new Masker(policy, options.lists, options.detect);
  const { values, identifiers, opaque, ordered } = stringsOf(data);
  let failed: PiiBudgetReason | undefined;
  try {
    masker.maskTexts(values);
    for (const id of identifiers) masker.maskIdentifier(id);
    for (const o of opaque) masker.maskOpaque(o);
    masker.checkSplitValues(ordered);
  } catch (error) {
    if (!(error instanceof PiiBudgetError)) throw error;
    failed = error.reason;
  }
  const found = masker.result();
  const entries = Object.entries(found.counts).filter((e): e is [PiiCategory, number] => typeof e[1] === "number");
  const auditEntry =
    audit && (entries.length > 0 || failed)
      ? { categories: entries.map(([c]) => c), counts: entries.map(([, n]) => n), ...(failed ? { failed } : {}) }
      : null;
  const blocked = found.blockedCategories;
  const action = blocked.length > 0 || (failed !== undefined && failMode === "closed") ? "block" : "allow";
  return { action, blockedCategories: blocked, audit: auditEntry, ...(failed ? { failed } : {}) };
}
