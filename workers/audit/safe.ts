// Last line of defence before an event is stored: details keep only small scalar values, and
// anything that looks like a credential, token or masked value is replaced. Callers should
// never pass such values; this catches the mistake instead of persisting it forever.
import { AUDIT_LIMITS } from "../../schema/api.js";
import { canonicalJson } from "./chain.js";

export const REDACTED = "[redacted]";

/** Keys whose values are secrets or personal data by name, whatever they contain. */
const SENSITIVE_KEY =
  /pass(word|phrase)?|secret|token|api[-_]?key|authori[sz]ation|cookie|bearer|private[-_]?key|session|jwt|signature|otp|pin$|e-?mail|phone/i;
/** Values shaped like credentials: our tokens, bearer/basic headers, JWTs, provider keys, PEM, long opaque strings. */
const SENSITIVE_VALUE = [
  /pal_[a-z]+_[A-Za-z0-9_-]{8,}/,
  /\b(bearer|basic)\s+\S{8,}/i,
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/,
  /\b(sk|pk|rk|ghp|gho|ghs|xox[abprs]|AKIA|ASIA)[-_][A-Za-z0-9_-]{8,}/,
  /-----BEGIN [A-Z ]*KEY-----/,
  /[A-Za-z0-9+/_=-]{40,}/,
];
/** Values that are the output of PII masking or partial masking ("j***@x.com", "[EMAIL_1]", "••••1234"). */
const MASKED_VALUE = [/\*{3,}/, /•{2,}/, /\[(EMAIL|PHONE|NAME|SSN|IBAN|CARD|IP|ADDRESS|PERSON|PII)[_A-Z]*(_\d+)?\]/i, /x{4,}\d{2,}/i];

const MAX_DEPTH = 3;
const MAX_ITEMS = 50;
// Long enough for a command line or an output tail; the whole details object stays under 4 KiB.
const MAX_STRING = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates, so every stored string has one UTF-8 form (the hash depends on it). */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, "\uFFFD");
}

const UNSAFE_VALUE = [...SENSITIVE_VALUE, ...MASKED_VALUE];
/** Lower-case letters only, shorter than 40: no shape above can match (each needs another character or more length). */
const PLAIN_WORD = /^[a-z]{0,39}$/;

export function unsafeString(value: string): boolean {
  if (PLAIN_WORD.test(value)) return false;
  return UNSAFE_VALUE.some((re) => re.test(value));
}

function clean(value: unknown, depth: number): unknown {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") return unsafeString(value) ? REDACTED : wellFormed(value.slice(0, MAX_STRING));
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => clean(v, depth + 1));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value).slice(0, MAX_ITEMS)) {
      if (v === undefined) continue;
      // Ids ("tokenId", "sessionId") name a record, not its secret.
      const sensitive = SENSITIVE_KEY.test(key) && !/Ids?$/.test(key);
      out[wellFormed(key.slice(0, 64))] = sensitive ? REDACTED : clean(v, depth + 1);
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

/** Free-text fields (reason): a credential-shaped value is replaced, the rest kept short. */
export function safeText(value: string | null | undefined, max: number): string | null {
  if (value === undefined || value === null || value === "") return null;
  return unsafeString(value) ? REDACTED : wellFormed(value.slice(0, max));
}
