// Last line of defence before an event is stored: details keep only small scalar values, values
// under secret-naming keys are replaced, and free text (output tails, reasons, command lines,
// paths) keeps its words while credentials, labelled secrets ("password=…") and what the PII
// detectors find (e-mails, phone numbers, cards, IBANs, tax ids, secrets) are masked in place.
// Callers should never pass such values; this catches the mistake instead of persisting it forever.
import { AUDIT_LIMITS } from "../../schema/api.js";
import { type PiiCategory, PiiDetector } from "../pii/index.js";
import { canonicalJson } from "./chain.js";

export const REDACTED = "[redacted]";
/** What a detected value of a category becomes: says what was there, never what it was. */
export const redactedAs = (category: PiiCategory) => `[redacted:${category}]`;

/** Keys whose values are secrets or personal data by name, whatever they contain. */
const SENSITIVE_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|authori[sz]ation|cookie|bearer|private[-_]?key|session|jwt|signature|otp|pin$|e-?mail|phone/i;
/**
 * Credential shapes, masked where they occur: our tokens, bearer/basic credentials, JWTs, provider
 * keys, PEM blocks (to their end line, or to the end of the text), long opaque strings.
 */
const CREDENTIAL_SHAPES = [
  /pal_[a-z]+_[A-Za-z0-9_-]{8,}/,
  /\b(bearer|basic)\s+\S{8,}/i,
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}(\.[A-Za-z0-9_-]*)?/,
  /\b(sk|pk|rk|ghp|gho|ghs|xox[abprs]|AKIA|ASIA)[-_][A-Za-z0-9_-]{8,}/,
  /-----BEGIN [A-Z ]*KEY-----(?:[\s\S]*?-----END [A-Z ]*KEY-----|[\s\S]*)/,
  /[A-Za-z0-9+/_=-]{40,}/,
];
const CREDENTIAL_SPANS = CREDENTIAL_SHAPES.map((re) => new RegExp(re.source, `${re.flags}g`));
/**
 * Values that are the output of PII masking or partial masking ("j***@x.com", "[EMAIL_1]",
 * "••••1234"): what surrounds them may be the rest of the value, so the whole string goes.
 */
const MASKED_VALUE = [/\*{3,}/, /•{2,}/, /\[(EMAIL|PHONE|NAME|SSN|IBAN|CARD|IP|ADDRESS|PERSON|PII)[_A-Z]*(_\d+)?\]/i, /x{4,}\d{2,}/i];

/** Names that label a secret in free text ("DB_PASSWORD=…", "accessToken: …", "X-Api-Key: …"). */
const SECRET_NAME =
  "(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credentials?|authorization|auth|cookie|session(?:[-_]?id)?|signature)";
/**
 * A labelled secret: the name (whole, or the last part of a longer key: "DB_PASSWORD",
 * "accessToken", "--api-key"), ":" or "=", and the value (quoted, or up to a delimiter), with an
 * optional auth scheme before it. The name and separator stay readable; the value is masked.
 */
const LABELLED_SECRET = new RegExp(
  String.raw`((?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*?${SECRET_NAME}(?:[-_.][A-Za-z0-9]+)*["']?\s*[:=]\s*)((?:(?:bearer|basic|digest|token)\s+)?(?:"[^"]*"|'[^']*'|[^\s,;&"'<>{}[\]]+))`,
  "gi",
);
/** A password in a URL's user info ("postgres://app:pw@db") or a curl-style "-u user:password". */
const USERINFO_PASSWORD = /(\/\/[^\s/:@]*:)([^\s/@]+)(?=@)|((?:^|\s)(?:-u|--user)\s+[^\s:]+:)(\S+)/g;
/** An argv flag whose next element is its secret value ("--token", "s3cr3t"). */
const SECRET_FLAG = new RegExp(`^--?[A-Za-z0-9_.-]*${SECRET_NAME}$`, "i");
/** An argv flag whose next element is "user:password" (curl, wget, httpie). */
const USER_FLAG = /^(-u|--user|--auth)$/;
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
/**
 * A content digest under a key that names one ("imageDigest"): it names public content (an image
 * the host imported), so it is kept whole although it has the shape of a long opaque string.
 */
const DIGEST_KEY = /[dD]igest$/;
const CONTENT_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Structured categories only: named entities would blur actions and ids, and cost far more. */
const AUDIT_PII_CATEGORIES: readonly PiiCategory[] = ["email", "phone", "credit_card", "iban", "tax_id", "secret"];
let detector: PiiDetector | undefined;

const MAX_DEPTH = 3;
const MAX_ITEMS = 50;
// Long enough for a command line or an output tail; the whole details object stays under 4 KiB.
const MAX_STRING = 1024;
/** Most characters of one string that are scanned (a sandbox's output tail fits whole). */
const MAX_SCAN = 4096;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates, so every stored string has one UTF-8 form (the hash depends on it). */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, "\uFFFD");
}

/** Lower-case letters only, shorter than 40: no shape above can match and no detector can find anything. */
const PLAIN_WORD = /^[a-z]{0,39}$/;
/**
 * Something every rule above and every detector used here needs, one of: a delimiter of a
 * labelled secret, e-mail, URL user info or escape ("@ : = %"), a masked value's mark, an auth
 * scheme, a PEM or JWT start, a provider key prefix, a run of 15 token characters (the shortest
 * key shape), or six digits (the fewest of any phone, card, IBAN or tax id). Most short values
 * (methods, hosts, model names, states) have none and skip the scan.
 */
const MAY_HOLD_SENSITIVE =
  /[@:=%*•[]|bearer|basic|BEGIN|eyJ|\b(?:sk|pk|rk|gh[pos]|xox[a-z]|AKIA|ASIA)[-_]|x{4}\d\d|[A-Za-z0-9_+/=-]{15}|\d(?:\D*\d){5}/i;

/** Whether a value holds a credential shape or a masked value (it would not be stored as is). */
export function unsafeString(value: string): boolean {
  if (PLAIN_WORD.test(value)) return false;
  return MASKED_VALUE.some((re) => re.test(value)) || CREDENTIAL_SHAPES.some((re) => re.test(value));
}

/**
 * Masks credentials, labelled secrets and detected personal data in a free text, keeping the
 * rest, then cuts it to `max` characters. A value cut off where scanning stops is dropped, not
 * kept in part. If detection cannot finish, the whole text is replaced (fail closed).
 */
export function maskFreeText(value: string, max = MAX_STRING): string {
  if (PLAIN_WORD.test(value)) return value;
  const text = wellFormed(value.length > MAX_SCAN ? value.slice(0, MAX_SCAN).replace(/\S*$/, "") : value);
  if (!MAY_HOLD_SENSITIVE.test(text)) return text.length > max ? text.slice(0, max) : text;
  if (MASKED_VALUE.some((re) => re.test(text))) return REDACTED;
  let masked: string;
  try {
    masked = maskText(text);
    // A value may hide behind percent-escapes ("%2B44%2020…"): if the decoded text holds more, keep that, masked.
    if (PERCENT_ESCAPE.test(text)) {
      const decoded = percentDecoded(text);
      if (decoded !== text) {
        const maskedDecoded = maskText(decoded);
        if (maskedDecoded !== decoded) masked = maskedDecoded;
      }
    }
  } catch (error) {
    console.error("audit free-text masking failed; value replaced", { error: String(error) });
    return REDACTED;
  }
  return masked.length > max ? masked.slice(0, max) : masked;
}

function maskText(input: string): string {
  let text = input;
  for (const re of CREDENTIAL_SPANS) text = text.replace(re, REDACTED);
  text = text.replace(LABELLED_SECRET, (_, label: string) => `${label}${REDACTED}`);
  text = text.replace(USERINFO_PASSWORD, (m, url?: string, _pw?: string, flag?: string) =>
    url !== undefined ? `${url}${REDACTED}` : flag !== undefined ? `${flag}${REDACTED}` : m,
  );
  detector ??= new PiiDetector({ categories: AUDIT_PII_CATEGORIES });
  const findings = detector.detect(text, detector.newBudget(), { entities: false });
  for (let i = findings.length - 1; i >= 0; i--) {
    const f = findings[i];
    if (f) text = text.slice(0, f.start) + redactedAs(f.category) + text.slice(f.end);
  }
  return text;
}

/** Decodes percent-escapes run by run; a run that is not valid UTF-8 stays as it was. */
function percentDecoded(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * The last `max` characters of a free text (an output tail), starting at a whole word so the cut
 * never leaves the end of a value behind; mask it with maskFreeText (toRecord does).
 */
export function textTail(value: string, max: number): string {
  if (value.length <= max) return value;
  return value.slice(-max).replace(/^\S*\s?/, "");
}

function clean(value: unknown, depth: number): unknown {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") return maskFreeText(value);
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    // In an argument list, the element after "--password" / "--token" is that secret, and
    // the one after "-u" is "user:password".
    return value.slice(0, MAX_ITEMS).map((v, i) => {
      const flag = i > 0 ? value[i - 1] : undefined;
      if (typeof flag === "string" && SECRET_FLAG.test(flag)) return REDACTED;
      if (typeof flag === "string" && USER_FLAG.test(flag) && typeof v === "string" && v.includes(":")) {
        return `${maskFreeText(v.slice(0, v.indexOf(":")))}:${REDACTED}`;
      }
      return clean(v, depth + 1);
    });
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value).slice(0, MAX_ITEMS)) {
      if (v === undefined) continue;
      // Ids ("tokenId", "sessionId") name a record, not its secret.
      const sensitive = SENSITIVE_KEY.test(key) && !/Ids?$/.test(key);
      const digest = DIGEST_KEY.test(key) && typeof v === "string" && CONTENT_DIGEST.test(v);
      out[wellFormed(key.slice(0, 64))] = sensitive ? REDACTED : digest ? v : clean(v, depth + 1);
    }
    return out;
  }
  return REDACTED; // functions, bigints, symbols: nothing an audit reader needs
}

/** Canonical JSON of the cleaned details, or null; oversized details keep only their key names. */
export function safeDetails(details: Record<string, unknown> | undefined): string | null {
  if (!details || Object.keys(details).length === 0) return null;
  const json = canonicalJson(clean(details, 0));
  if (json.length <= AUDIT_LIMITS.detailsJson) return json;
  return canonicalJson({
    truncated: true,
    keys: Object.keys(details)
      .slice(0, MAX_ITEMS)
      .map((k) => k.slice(0, 64)),
  });
}

/** A UUID, or a W3C trace or span id (32 or 16 hex digits), with a letter in it: an id by its shape. */
const ID_SHAPE = /^(?=.*[a-f])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}|[0-9a-f]{16})$/i;
/** At most this many digits in a short label: fewer than any card, phone, national id or account number. */
const LABEL_MAX_DIGITS = 6;
const digitCount = (text: string) => text.replace(/\D/g, "").length;
/** A run between separators that looks like key material: long, or mixing letters and digits at length. */
const secretLikeRun = (run: string) => run.length >= 16 || (run.length >= 10 && /\d/.test(run) && /[a-z]/i.test(run));

/**
 * Whether a caller's trace id (already within CLIENT_TRACE_PATTERN) may be kept as sent: it has a
 * standard id shape (a UUID, a W3C trace or span id) or is a short label (few digits, no run that
 * looks like a key), and the free-text cleaner finds nothing in it. Anything else is kept only as
 * a keyed hash (workers/audit/client-trace.ts): whatever a value glues, splits or encodes, only a
 * value with none of a number's digits or a key's length survives verbatim.
 */
export function keepsClientTraceIdVerbatim(value: string): boolean {
  if (maskFreeText(value, value.length) !== value) return false;
  if (ID_SHAPE.test(value)) return true;
  return digitCount(value) <= LABEL_MAX_DIGITS && !value.split(/[._-]/).some(secretLikeRun);
}

/** Free-text fields (reason): masked like details' strings, cut to `max`. */
export function safeText(value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null || value === "") return null;
  return maskFreeText(value, max);
}
