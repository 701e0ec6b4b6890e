// PII on the exits other than the LLM proxy: egress request bodies and query strings, tool-call
// arguments, MCP/HTTP tool results. The same detectors as the proxy; the verdict is block or
// allow (values cannot be masked and restored there), plus the categories to audit.
import {
  ENTITY_CATEGORIES,
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
 * Control characters and undecodable bytes: a body holding any is not read as plain text, so a
 * NUL or a stray byte cannot hide the text around it.
 */
const NOT_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]+/g;
/** Past this share of such characters a body is binary (an image, an archive, UTF-16), not text with stray bytes. */
const BINARY_SHARE = 0.1;
/** Shortest run of printable characters read in a binary body (`strings` reads 4; shorter than any value the patterns find but an e-mail, and far fewer chance runs in random bytes). */
const MIN_RUN = 8;

/**
 * The readings of a body with control characters or bytes that are not UTF-8; null for text.
 * Text with a few stray bytes: the text with them as separators and without them (a value split
 * by them). A binary body: its printable runs of 8+ characters in ASCII/UTF-8, UTF-16LE and
 * UTF-16BE, one per line (like `strings`), so random bytes are not glued into false findings.
 */
function textRuns(text: string, bytesOf: () => Uint8Array): { readings: string[]; binary: boolean } | null {
  NOT_TEXT.lastIndex = 0;
  let hidden = 0;
  for (let m = NOT_TEXT.exec(text); m; m = NOT_TEXT.exec(text)) hidden += m[0].length;
  if (hidden === 0) return null;
  if (hidden < text.length * BINARY_SHARE) return { readings: [text.replace(NOT_TEXT, " "), text.replace(NOT_TEXT, "")], binary: false };
  const bytes = bytesOf();
  return { readings: [printableRuns(bytes, 1, 0), printableRuns(bytes, 2, 0), printableRuns(bytes, 2, 1)], binary: true };
}

/** Runs of printable ASCII (tab included) read every `step` bytes from `offset`, the other bytes of each unit zero. */
function printableRuns(bytes: Uint8Array, step: 1 | 2, offset: 0 | 1): string {
  const runs: string[] = [];
  let run = "";
  for (let i = 0; i + step <= bytes.length; i += step) {
    const b = bytes[i + offset] ?? 0;
    const zeroPad = step === 1 || (bytes[i + 1 - offset] ?? 1) === 0;
    if (zeroPad && ((b >= 0x20 && b < 0x7f) || b === 0x09)) run += String.fromCharCode(b);
    else {
      if (run.length >= MIN_RUN) runs.push(run);
      run = "";
    }
  }
  if (run.length >= MIN_RUN) runs.push(run);
  return runs.join("\n");
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
  /** Printable runs of a binary body: pattern detectors only (names in random bytes are noise). */
  binaryRuns: string[];
  /** Every key and value in order, for the split-value check under `block` (a card cut across fields). */
  ordered: string[];
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
  const decoded = segments.map((s) => percentDecoded(s));
  into.sequences.push(decoded);
  into.ordered.push(...decoded);
  if (url.pathname.includes("+")) into.sequences.push(segments.map((s) => percentDecoded(s, true)));
  queryStrings(url.search, into);
}

function queryStrings(query: string, into: Collected): void {
  formFields(query.includes("?") ? query.slice(query.indexOf("?") + 1) : query, into);
}

/** The fields of a query string or form body: names as identifiers, values read together in order. */
function formFields(encoded: string, into: Collected): void {
  const values: string[] = [];
  for (const [k, v] of new URLSearchParams(encoded)) {
    into.identifiers.push(k);
    values.push(v);
    into.ordered.push(k, v);
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
  const runs = textRuns(text, () => (typeof body === "string" ? new TextEncoder().encode(body) : body));
  if (runs) {
    if (runs.binary) into.binaryRuns.push(...runs.readings);
    else for (const reading of runs.readings) into.sequences.push([reading]);
    into.ordered.push(...runs.readings);
    return;
  }
  const json = rawJsonStrings(text);
  if (json) {
    into.sequences.push(json.values);
    into.identifiers.push(...json.identifiers);
    into.ordered.push(...json.ordered);
  } else if ((contentType ?? "").toLowerCase().includes("application/x-www-form-urlencoded")) {
    formFields(text, into);
  } else {
    into.sequences.push([text]);
    into.ordered.push(text);
  }
}

/** The strings of the data: parsed JSON, URL (or query), each header, and the body. */
function stringsOf(data: OutboundData): Collected {
  const into: Collected = { sequences: [], identifiers: [], binaryRuns: [], ordered: [] };
  // Tool arguments are read like a raw body: every string, key and number, no key exempt.
  if (data.json !== undefined) {
    const found = rawJsonStrings(JSON.stringify(data.json) ?? "");
    if (found) {
      into.sequences.push(found.values);
      into.identifiers.push(...found.identifiers);
      into.ordered.push(...found.ordered);
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

/** What both maskers found: counts added, blocked categories united. */
function merged(main: Masker, other: Masker | null): { counts: Partial<Record<PiiCategory, number>>; blockedCategories: PiiCategory[] } {
  const a = main.result();
  if (!other) return a;
  const b = other.result();
  const counts = { ...a.counts };
  for (const c of Object.keys(b.counts) as PiiCategory[]) counts[c] = (counts[c] ?? 0) + (b.counts[c] ?? 0);
  return { counts, blockedCategories: PII_CATEGORIES.filter((c) => a.blockedCategories.includes(c) || b.blockedCategories.includes(c)) };
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
  const { sequences, identifiers, binaryRuns, ordered } = stringsOf(data);
  // Binary runs get the pattern detectors only: the name tagger reads random letters as names.
  const patternMasker =
    binaryRuns.length > 0
      ? new Masker({ ...policy, ...Object.fromEntries(ENTITY_CATEGORIES.map((c) => [c, "allow"])) }, options.lists, options.detect)
      : null;
  let failed: PiiBudgetReason | undefined = data.unreadable;
  try {
    for (const sequence of sequences) if (sequence.length > 0) masker.maskTexts(sequence);
    for (const id of identifiers) masker.maskIdentifier(id);
    masker.checkSplitValues(ordered);
    for (const reading of binaryRuns) patternMasker?.maskTexts([reading]);
  } catch (error) {
    if (!(error instanceof PiiBudgetError)) throw error;
    failed = error.reason;
  }
  const found = merged(masker, patternMasker);
  const entries = Object.entries(found.counts).filter((e): e is [PiiCategory, number] => typeof e[1] === "number");
  const auditEntry =
    audit && (entries.length > 0 || failed)
      ? { categories: entries.map(([c]) => c), counts: entries.map(([, n]) => n), ...(failed ? { failed } : {}) }
      : null;
  const blocked = found.blockedCategories;
  const action = blocked.length > 0 || (failed !== undefined && failMode === "closed") ? "block" : "allow";
  return { action, blockedCategories: blocked, audit: auditEntry, ...(failed ? { failed } : {}) };
}
