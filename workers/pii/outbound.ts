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
import {
  type BodyPart,
  type MediaType,
  NOT_TEXT,
  base64Texts,
  binaryReadings,
  compressedFormatOf,
  markupTexts,
  mediaTypeOf,
  multipartParts,
  transferDecoded,
  unicodeTexts,
  withoutControls,
  withoutJsonComments,
  withoutTerminalEscapes,
  hiddenCount,
} from "./body-formats.js";
import { appendAll, rawJsonStrings } from "./raw-json.js";
import { Masker, type MaskerOptions } from "./masker.js";
import { holdsReference } from "./references.js";

export interface OutboundData {
  /** Which exit the data leaves by (selects the policy's rules). */
  exit: PiiExit;
  /** Content-Type of `body`: JSON and form bodies are read field by field, text as text. */
  contentType?: string | null;
  /** Request body or tool result, decoded of its content encoding; read as bodyStrings describes. */
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
  /** Binary bodies: only their text runs are read (binaryReadings, lazily, within the scan's budget), by the pattern detectors (names in random bytes are noise). */
  binaryBodies: { bytes: Uint8Array; utf8: string }[];
  /** Every key and value in order, for the split-value check under `block` (a card cut across fields). */
  ordered: string[];
  /** Header values in order: read by the split check with the body's strings after them. */
  headerValues: string[];
  /** Where the body's strings start in `ordered`. */
  bodyStart: number;
  /**
   * Runs also split-checked on their own (the URL path): in `ordered` a number after them (a
   * query's "?page=1") would make their numbers read as part of a longer list, not as a card.
   */
  ownRuns: string[][];
  /** Set when part of the data cannot be read (a compressed file the scan does not open). */
  unreadable?: PiiBudgetReason;
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
  // Matrix parameters (";a=4111;b=1111") are fields of their segment: the split check reads their names and values apart.
  const fields = decoded.flatMap((s) => (s.includes(";") ? s.split(/[;=]/).filter((f) => f !== "") : [s]));
  appendAll(into.ordered, fields);
  into.ownRuns.push(fields);
  if (url.pathname.includes("+")) into.sequences.push(segments.map((s) => percentDecoded(s, true)));
  queryStrings(url.search, into);
}

function queryStrings(query: string, into: Collected): void {
  formFields(query.includes("?") ? query.slice(query.indexOf("?") + 1) : query, into);
}

/**
 * The fields of a query string or form body: names as identifiers, values read together in order
 * and decoded of base64. Fields are split at `&`, and at `;` too when it occurs (the W3C's old
 * recommendation, which Python's cgi, Perl's CGI and some Java servers follow).
 */
function formFields(encoded: string, into: Collected): void {
  // A field separator that is also an HTML reference ("q=jane.doe&commat;example.com") splits the value a reader
  // that decodes references first reads whole: the fields are read joined as one text too.
  if (holdsReference(encoded)) into.sequences.push([percentDecoded(encoded, true)]);
  const readings = encoded.includes(";") ? [encoded, encoded.replaceAll(";", "&")] : [encoded];
  for (const reading of readings) {
    const values: string[] = [];
    for (const [k, v] of new URLSearchParams(reading)) {
      into.identifiers.push(k);
      values.push(v);
      into.ordered.push(k, v);
      addBase64Texts(v, into);
    }
    into.sequences.push(values);
  }
}

/** How deep bodies nest (multipart parts, decoded parts) before the rest is read as text. */
const MAX_BODY_DEPTH = 4;
/** Past this share of control characters or undecodable bytes a body is binary (an image, an archive), not text with stray bytes. */
const BINARY_SHARE = 0.1;

/**
 * The strings of a body, read as the receiving server reads it: a compressed file fails the scan
 * (gzip is decoded before, by content-decoding.ts); multipart parts one by one, each decoded of
 * its transfer encoding and read by its own type; UTF-16/UTF-32 by byte-order mark or charset;
 * binary data by its text runs; text with a few control bytes with them as separators and
 * without; raw JSON (comments removed when it has some) by every string and number, whatever
 * its declared type; form fields (`&` and `;` separated); XML/HTML by its text between tags;
 * any other text as text. Text, form and multipart values are read again decoded of base64.
 */
function bodyStrings(body: string | Uint8Array, contentType: string | null | undefined, into: Collected, depth = 0): void {
  const media = mediaTypeOf(contentType);
  if (typeof body !== "string" && compressedFormatOf(body) !== null) {
    into.unreadable = "encoding";
    return;
  }
  const boundary = media.type.startsWith("multipart/") ? media.params.get("boundary") : undefined;
  if (boundary && depth < MAX_BODY_DEPTH) {
    const parts = multipartParts(typeof body === "string" ? new TextEncoder().encode(body) : body, boundary);
    if (parts) return partStrings(parts, into, depth);
  }
  if (typeof body === "string") return textStrings(body, media, () => new TextEncoder().encode(body), into);
  const unicode = unicodeTexts(body, media.params.get("charset"));
  if (unicode) {
    for (const text of unicode) textStrings(text, media, () => new TextEncoder().encode(text), into);
    return;
  }
  textStrings(new TextDecoder("utf-8").decode(body), media, () => body, into);
}

/** Each part of a multipart body: its header values, then its body decoded of its transfer encoding and read by its type. */
function partStrings(parts: BodyPart[], into: Collected, depth: number): void {
  for (const part of parts) {
    const header = (name: string) => part.headers.find(([n]) => n === name)?.[1];
    for (const [name, value] of part.headers) {
      into.identifiers.push(name);
      into.sequences.push([value]);
      if (value.includes("%")) into.sequences.push([percentDecoded(value)]);
      // A field or file name on its own, and without its extension ("jane.roe@example.org.txt").
      for (const [param, given] of mediaTypeOf(value).params) {
        if (param !== "name" && param !== "filename" && param !== "filename*") continue;
        const plain = param === "filename*" ? percentDecoded(given.replace(/^[^']*'[^']*'/, "")) : given;
        into.sequences.push([plain, plain.replace(/\.[A-Za-z0-9]{1,5}$/, "")]);
        // In the split check's order too, before the part's value: a field's name as a form's key, a file's name as a piece.
        into.ordered.push(param === "name" ? plain : plain.replace(/\.[A-Za-z0-9]{1,5}$/, ""));
      }
    }
    const decoded = transferDecoded(part.body, header("content-transfer-encoding"));
    bodyStrings(decoded, header("content-type") ?? "text/plain", into, depth + 1);
  }
}

/**
 * The control characters and undecodable bytes of a decoded body, counted only as far as the binary
 * share (one scan), and whether it is binary data: 10%+ of it such characters.
 */
function hiddenShare(text: string): { hidden: number; binary: boolean } {
  const enough = Math.max(1, Math.ceil(text.length * BINARY_SHARE));
  const hidden = hiddenCount(text, enough);
  return { hidden, binary: hidden >= enough };
}

/** The strings of a text body (see bodyStrings). */
function textStrings(text: string, media: MediaType, bytesOf: () => Uint8Array, into: Collected): void {
  // Terminal escapes (colours) are not bytes of binary data: the text is read as a terminal shows
  // it, and as it is (an escape's own text, such as a window title, is read there). Binary data
  // holds ESC bytes by chance: it is read by its runs below, never as one whole text.
  const shown = withoutTerminalEscapes(text);
  if (shown !== null && !hiddenShare(shown).binary) {
    into.sequences.push([text]);
    return textStrings(shown, media, () => new TextEncoder().encode(shown), into);
  }
  const { hidden, binary } = hiddenShare(text);
  if (binary) {
    // Not in the split check's order: its pieces are the short-gap joins of binaryReadings, and
    // the digit runs of random bytes, read across strings, pass for a card.
    into.binaryBodies.push({ bytes: bytesOf(), utf8: text });
    return;
  }
  if (hidden > 0) {
    for (const reading of [text.replace(NOT_TEXT, " "), withoutControls(text) ?? text]) {
      into.sequences.push([reading]);
      into.ordered.push(reading);
    }
    return;
  }
  const json = rawJsonStrings(text) ?? rawJsonStrings(withoutJsonComments(text) ?? "");
  if (json) {
    into.sequences.push(json.values);
    appendAll(into.identifiers, json.identifiers);
    appendAll(into.ordered, json.ordered);
    return;
  }
  if (media.type === "application/x-www-form-urlencoded") return formFields(text, into);
  into.sequences.push([text]);
  into.ordered.push(text);
  addBase64Texts(text, into);
  const markup = media.type.includes("xml") || media.type.includes("html") || text.trimStart().startsWith("<") ? markupTexts(text) : null;
  if (markup && markup.length > 0) {
    into.sequences.push(markup);
    appendAll(into.ordered, markup);
  }
}

/** The texts base64 in `value` carries, each read as another string (in the split check's order after the value). */
function addBase64Texts(value: string, into: Collected): void {
  for (const decoded of base64Texts(value)) {
    into.sequences.push([decoded]);
    into.ordered.push(decoded);
  }
}

/** The strings of the data: parsed JSON, URL (or query), each header, and the body. */
function stringsOf(data: OutboundData): Collected {
  const into: Collected = { sequences: [], identifiers: [], binaryBodies: [], ordered: [], headerValues: [], bodyStart: 0, ownRuns: [] };
  // Tool arguments are read like a raw body: every string, key and number, no key exempt.
  if (data.json !== undefined) {
    const found = rawJsonStrings(JSON.stringify(data.json) ?? "");
    if (found) {
      into.sequences.push(found.values);
      appendAll(into.identifiers, found.identifiers);
      appendAll(into.ordered, found.ordered);
    } else if (data.json !== null) into.sequences.push([String(data.json)]);
  }
  if (data.url) urlStrings(data.url, into);
  else if (data.query) queryStrings(data.query, into);
  for (const [name, value] of data.headers ?? []) {
    into.identifiers.push(name);
    into.sequences.push([value]);
    into.headerValues.push(value);
    if (value.includes("%")) into.sequences.push([percentDecoded(value)]);
    addBase64Texts(value, into);
  }
  into.bodyStart = into.ordered.length;
  if (data.body !== undefined && data.body !== null) {
    const transfer = data.headers?.find(([n]) => n.toLowerCase() === "content-transfer-encoding")?.[1];
    const body =
      transfer === undefined ? data.body : transferDecoded(typeof data.body === "string" ? new TextEncoder().encode(data.body) : data.body, transfer);
    bodyStrings(body, data.contentType, into);
  }
  return into;
}

/** How many of the body's first strings the split check reads after the headers (the rest is checked with the body). */
const BODY_STRINGS_AFTER_HEADERS = 4;

/** What the maskers found: counts added, blocked categories united. */
function merged(maskers: ReadonlyArray<Masker | null>): { counts: Partial<Record<PiiCategory, number>>; blockedCategories: PiiCategory[] } {
  const counts: Partial<Record<PiiCategory, number>> = {};
  const blocked = new Set<PiiCategory>();
  for (const masker of maskers) {
    if (!masker) continue;
    const r = masker.result();
    for (const c of Object.keys(r.counts) as PiiCategory[]) counts[c] = (counts[c] ?? 0) + (r.counts[c] ?? 0);
    for (const c of r.blockedCategories) blocked.add(c);
  }
  return { counts, blockedCategories: PII_CATEGORIES.filter((c) => blocked.has(c)) };
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
  const { sequences, identifiers, binaryBodies, ordered, headerValues, bodyStart, ownRuns, unreadable } = stringsOf(data);
  // Binary runs get the pattern detectors only: the name tagger reads random letters as names.
  const patternMasker =
    binaryBodies.length > 0
      ? new Masker({ ...policy, ...Object.fromEntries(ENTITY_CATEGORIES.map((c) => [c, "allow"])) }, options.lists, options.detect)
      : null;
  // Header values, then the body's first strings, for values split between headers or a header and the body.
  // Secrets are left out of this check: ordinary headers put high-entropy tokens side by side
  // (traceparent, then user-agent), whose join reads as one token.
  const headerSplitMasker =
    headerValues.length > 0
      ? new Masker({ ...policy, secret: policy.secret === "block" ? "mask" : policy.secret }, options.lists, options.detect)
      : null;
  const readBinaryBodies = () => {
    for (const { bytes, utf8 } of binaryBodies) for (const reading of binaryReadings(bytes, utf8)) patternMasker?.checkBinaryRuns(reading);
  };
  let failed: PiiBudgetReason | undefined = data.unreadable ?? unreadable;
  try {
    for (const sequence of sequences) if (sequence.length > 0) masker.maskTexts(sequence);
    for (const id of identifiers) masker.maskIdentifier(id);
    masker.checkSplitValues(ordered);
    // Only when nothing was refused yet: the same value found twice would count twice.
    if (masker.result().blockedCategories.length === 0) for (const run of ownRuns) masker.checkSplitValues(run);
    headerSplitMasker?.checkSplitValues([...headerValues, ...ordered.slice(bodyStart, bodyStart + BODY_STRINGS_AFTER_HEADERS)]);
    readBinaryBodies();
  } catch (error) {
    if (!(error instanceof PiiBudgetError)) throw error;
    failed = error.reason;
  }
  // Allowed despite the failure (failMode "open"): not with a value written plainly in it.
  if (failed !== undefined && failMode === "open") {
    masker.checkBlockedAfterFailure([...sequences.flat(), ...identifiers, ...headerValues], ordered);
    try {
      readBinaryBodies();
    } catch (error) {
      if (!(error instanceof PiiBudgetError)) throw error;
    }
  }
  const found = merged([masker, patternMasker, headerSplitMasker]);
  const entries = Object.entries(found.counts).filter((e): e is [PiiCategory, number] => typeof e[1] === "number");
  const auditEntry =
    audit && (entries.length > 0 || failed)
      ? { categories: entries.map(([c]) => c), counts: entries.map(([, n]) => n), ...(failed ? { failed } : {}) }
      : null;
  const blocked = found.blockedCategories;
  const action = blocked.length > 0 || (failed !== undefined && failMode === "closed") ? "block" : "allow";
  return { action, blockedCategories: blocked, audit: auditEntry, ...(failed ? { failed } : {}) };
}
