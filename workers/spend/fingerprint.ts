// What identifies one request under an Idempotency-Key: SHA-256 of its canonical form, stored with the key.
import canonicalize from "canonicalize";
import { sha256Hex } from "../identity/crypto.js";

/**
 * SHA-256 hex of the agent's request as the provider would act on it: the API (kind, endpoint)
 * and the body in RFC 8785 canonical JSON (the `canonicalize` package, rather than a hand-rolled
 * key sort), so the same request sent with other whitespace or key order is the same request. A
 * body holding a lone UTF-16 surrogate (which JCS refuses) is hashed as plain JSON under another
 * prefix, so the two forms never meet.
 */
export async function requestFingerprint(kind: string, endpoint: string, body: unknown): Promise<string> {
  let form: string;
  try {
    form = `jcs\u0000${canonicalize(body)}`;
  } catch {
    form = `json\u0000${JSON.stringify(body)}`;
  }
  return sha256Hex(`${kind}\u0000${endpoint}\u0000${form}`);
}
