// A caller's x-palisade-trace-id as the audit keeps it: verbatim when it has a standard id shape
// (keepsClientTraceIdVerbatim), else "h:" and 16 hex digits of HMAC-SHA256 under a key derived from
// SESSION_SIGNING_KEY. The caller can still find its events (the audit query's clientTraceId
// filter is hashed the same way) while nothing the value carries is stored; the key makes the
// hash of a card or phone number impossible to reverse by trying every number.
import { base64ToBytes, bytesToHex } from "../identity/crypto.js";
import { keepsClientTraceIdVerbatim } from "./safe.js";

/** What a client may send as its own trace id; anything else is not recorded. */
export const CLIENT_TRACE_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;
/** A stored hashed client trace id; a client cannot send one (":" is outside CLIENT_TRACE_PATTERN). */
export const HASHED_CLIENT_TRACE = /^h:[0-9a-f]{16}$/;

const keys = new Map<string, Promise<CryptoKey>>();

/** The hashing key, derived from the session signing key so that key is never used directly. */
function traceKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = (async () => {
      const root = await crypto.subtle.importKey("raw", base64ToBytes(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const derived = await crypto.subtle.sign("HMAC", root, new TextEncoder().encode("palisade client trace id v1"));
      return crypto.subtle.importKey("raw", derived, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    })();
    keys.set(secret, key);
  }
  return key;
}

/** The client trace id to store for a header value, or null when the value is not one (shape or length). */
export async function clientTraceIdOf(env: Pick<Env, "SESSION_SIGNING_KEY">, header: string | null | undefined): Promise<string | null> {
  const given = header?.trim();
  if (!given || !CLIENT_TRACE_PATTERN.test(given)) return null;
  if (keepsClientTraceIdVerbatim(given)) return given;
  const mac = await crypto.subtle.sign("HMAC", await traceKey(env.SESSION_SIGNING_KEY), new TextEncoder().encode(given));
  return `h:${bytesToHex(new Uint8Array(mac)).slice(0, 16)}`;
}

/** An audit query's clientTraceId filter as stored: a stored hash as given, else the value hashed as on intake. */
export async function clientTraceIdFilter(env: Pick<Env, "SESSION_SIGNING_KEY">, given: string): Promise<string> {
  if (HASHED_CLIENT_TRACE.test(given)) return given;
  return (await clientTraceIdOf(env, given)) ?? given;
}
