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
import { rawJsonStrings } from "./raw-json.js";
import { Masker, type MaskerOptions } from "./masker.js";

export interface OutboundData {
  /** Which exit the data leaves by (selects the policy's rules). */
  exit: PiiExit;
  /** Content-Type of `body`: JSON and form bodies are read field by field, text as text. */
  contentType?: string | null;
  /** Request body or tool result, decoded of its content encoding; bytes are read as UTF-8, only their text runs when they hold control bytes. */
  body?: string | Uint8Array | null;
  /** Query string (with or without "?"); ignored when `url` is given. */
  query?: string | null;
  /** The request's URL: userinfo, host name, path segments and query are scanned. */
  url?: URL | null;
  /** Header fields the caller sets (names and values), without those the gateway controls. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /** Set when the body could not be made readable (an encoding not decoded, too large decoded): the scan is incomplete. */
  unreadable?: PiiBudgetReason;
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

/**
 * Control characters and undecodable bytes: a body holding any is read as binary, and only its
 * runs of text are scanned (like `strings`), so a NUL or a stray byte cannot hide the text around it.
 */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]+/g;

/**
 * The text runs of a body with control characters or bytes that are not UTF-8, in two readings:
 * the runs apart (a separator between them) and joined (a value split by the bytes). Null for text.
 */
function textRuns(text: string): string[] | null {
  NOT_TEXT.lastIndex = 0;
  if (!NOT_TEXT.test(text)) return null;
  return [text.replace(NOT_TEXT, " "), text.replace(NOT_TEXT, "")];
}

/** `%XX` sequences decoded as UTF-8 (malformed ones kept as they are); `plus` reads "+" as a space as forms do. */
export function percentDecoded(s: string, plus = false): string {
  const spaced = plus ? s.replaceAll("+", " ") : s;
  if (!spaced.includes("%")) return spaced;
  return spaced.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return new TextDecoder("utf-8").decode(bytes);
  });
}

/**
 * Strings to scan, in sequences: the strings of one sequence are scanned together in order (a
 * value split between neighbours is found), different sequences apart (unrelated neighbours such
 * as two headers are never read as one token). Identifiers (keys, names) are scanned one by one.
 */
interface Collected {
  sequences: string[][];
  identifiers: string[];
}

/**
 * What a URL carries besides its origin's host: userinfo, the host name, the path segments
 * (percent-decoded, and "+"-decoded as a form would read them) and the query's fields.
 */
function urlStrings(url: URL, into: Collected): void {
  if (url.username) into.sequences.push([percentDecoded(url.username)]);
  if (url.password) into.sequences.push([percentDecoded(url.password)]);
  // An IP literal is the destination the policy allowed, not data.
  if (!/^[\d.]+$|^\[/.test(url.hostname)) into.identifiers.push(url.hostname);
  const segments = url.pathname.split("/").filter((s) => s !== "");
  into.sequences.push(segments.map((s) => percentDecoded(s)));
  if (url.pathname.includes("+")) into.sequences.push(segments.map((s) => percentDecoded(s, true)));
  queryStrings(url.search, into);
}

function queryStrings(query: string, into: Collected): void {
  const q = query.includes("?") ? query.slice(query.indexOf("?") + 1) : query;
  const values: string[] = [];
  for (const [k, v] of new URLSearchParams(q)) {
    into.identifiers.push(k);
    values.push(v);
  }
  into.sequences.push(values);
}

/**
 * The strings of a body. Text runs only when it holds control characters or bytes that are not
 * UTF-8; every string and number of the raw JSON when it lexes as JSON (whatever its declared
 * type: duplicate keys and every key's value included); form fields; otherwise the text itself.
 */
function bodyStrings(body: string | Uint8Array, contentType: string | null | undefined, into: Collected): void {
  const text = typeof body === "string" ? body : new TextDecoder("utf-8").decode(body);
  const runs = textRuns(text);
  if (runs) {
    for (const reading of runs) into.sequences.push([reading]);
    return;
  }
  const json = rawJsonStrings(text);
  if (json) {
    into.sequences.push(json.values);
    into.identifiers.push(...json.identifiers);
  } else if ((contentType ?? "").toLowerCase().includes("application/x-www-form-urlencoded")) {
    const values: string[] = [];
    for (const [k, v] of new URLSearchParams(text)) {
      into.identifiers.push(k);
      values.push(v);
    }
    into.sequences.push(values);
  } else into.sequences.push([text]);
}

/** The strings of the data: parsed JSON, URL (or query), each header, and the body. */
function stringsOf(data: OutboundData): Collected {
  const into: Collected = { sequences: [], identifiers: [] };
  // Tool arguments are read like a raw body: every string, key and number, no key exempt.
  if (data.json !== undefined) {
    const found = rawJsonStrings(JSON.stringify(data.json) ?? "");
    if (found) {
      into.sequences.push(found.values);
      into.identifiers.push(...found.identifiers);
    } else if (data.json !== null) into.sequences.push([String(data.json)]);
  }
  if (data.url) urlStrings(data.url, into);
  else if (data.query) queryStrings(data.query, into);
  for (const [name, value] of data.headers ?? []) {
    into.identifiers.push(name);
    into.sequences.push([value]);
    if (value.includes("%")) into.sequences.push([percentDecoded(value)]);
  }
  if (data.body !== undefined && data.body !== null) bodyStrings(data.body, data.contentType, into);
  return into;
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
  const { sequences, identifiers } = stringsOf(data);
  let failed: PiiBudgetReason | undefined = data.unreadable;
  try {
    for (const sequence of sequences) if (sequence.length > 0) masker.maskTexts(sequence);
    for (const id of identifiers) masker.maskIdentifier(id);
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
