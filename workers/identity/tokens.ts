// Bearer tokens ("pal_agent_…", "pal_admin_…", "pal_host_…", "pal_hostkey_…", "pal_scim_…"): minted random, shown
// once, stored as SHA-256 only, looked up through a short-lived per-isolate cache.
import { z } from "zod";
import { AuthMethodSchema } from "../../schema/api.js";
import { PlatformData } from "../data/platform-data.js";
import { makeDb } from "../data/db.js";
import type { TokenKind } from "../data/org-data.js";
import { bytesToBase64url, randomBytes, sha256Hex } from "./crypto.js";
import type { SignIn } from "./sessions.js";

export const TOKEN_PREFIX: Record<TokenKind, string> = {
  agent: "pal_agent_",
  admin: "pal_admin_",
  host_enrollment: "pal_host_",
  host: "pal_hostkey_",
  scim: "pal_scim_",
};

export interface MintedToken {
  token: string;
  sha256: string;
  /** Non-secret display prefix: the kind prefix plus 6 characters. */
  prefix: string;
}

export async function mintToken(kind: TokenKind): Promise<MintedToken> {
  const token = TOKEN_PREFIX[kind] + bytesToBase64url(randomBytes(32));
  return { token, sha256: await sha256Hex(token), prefix: token.slice(0, TOKEN_PREFIX[kind].length + 6) };
}

export function tokenKindOf(raw: string): TokenKind | undefined {
  // Longest prefix first: "pal_hostkey_" must not be read as "pal_host_".
  const kinds = (Object.keys(TOKEN_PREFIX) as TokenKind[]).sort((a, b) => TOKEN_PREFIX[b].length - TOKEN_PREFIX[a].length);
  return kinds.find((k) => raw.startsWith(TOKEN_PREFIX[k]));
}

export interface TokenRecord {
  id: string;
  kind: TokenKind;
  orgId: string;
  subjectId: string;
  /** Admin keys: how the minting session signed in (password only when not recorded). */
  signIn: SignIn;
}

const RecordedAmrSchema = z.array(AuthMethodSchema).min(1);

/** The sign-in an admin key was minted with, as stored; null when not recorded or unreadable. */
export function recordedAmr(stored: string | null): SignIn["amr"] | null {
  if (stored === null) return null;
  try {
    const parsed = RecordedAmrSchema.safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A key without a readable record counts as minted by a password-only session: the weakest sign-in. */
export function signInOfKey(row: { signInAmr: string | null; signInSsoOrg: string | null }): SignIn {
  const amr = recordedAmr(row.signInAmr);
  return amr ? { amr, ssoOrgId: row.signInSsoOrg ?? undefined } : { amr: ["pwd"], ssoOrgId: undefined };
}

/**
 * How long an isolate may trust a token lookup. Revocation writes D1 (the source of truth) and
 * evicts the local entry; every other isolate's entry expires within this window, so a revoked
 * token is refused everywhere within 5 seconds. KV is not consulted: it may lag by a minute.
 */
export const TOKEN_CACHE_TTL_MS = 4_000;
const MAX_CACHE_ENTRIES = 10_000;

type CacheEntry = { record: TokenRecord | null; expires: number };
const cache = new Map<string, CacheEntry>();

function remember(hash: string, record: TokenRecord | null, now: number) {
  if (cache.size >= MAX_CACHE_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(hash, { record, expires: now + TOKEN_CACHE_TTL_MS });
}

// Tokens read without an expiry: none is ever given one (renewals extend only expiring session
// tokens), so a call's lapse watch needs no read for them. Bounded like the cache above.
const neverLapsing = new Set<string>();

/** Whether this isolate read the token (by id) as one that never lapses. */
export function tokenNeverLapses(id: string): boolean {
  return neverLapsing.has(id);
}

/** Evicts hashes from this isolate's cache (called right after a revocation). */
export function forgetTokens(hashes: Iterable<string>) {
  for (const h of hashes) cache.delete(h);
}

/** Resolves a raw bearer token to its live record, or null if unknown, revoked or expired. */
export async function lookupToken(db: D1Database, raw: string, expected: TokenKind): Promise<TokenRecord | null> {
  if (tokenKindOf(raw) !== expected || raw.length > 200) return null;
  const hash = await sha256Hex(raw);
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.expires > now) return hit.record?.kind === expected ? hit.record : null;

  const row = await new PlatformData(makeDb(db)).tokenByHash(hash);
  const live = row && row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now) ? row : undefined;
  const record: TokenRecord | null = live
    ? { id: live.id, kind: live.kind, orgId: live.orgId, subjectId: live.subjectId, signIn: signInOfKey(live) }
    : null;
  if (live && live.expiresAt === null) {
    if (neverLapsing.size >= MAX_CACHE_ENTRIES) neverLapsing.clear();
    neverLapsing.add(live.id);
  }
  // Expiring tokens are not cached past their expiry.
  if (!live || live.expiresAt === null || live.expiresAt > now + TOKEN_CACHE_TTL_MS) remember(hash, record, now);
  return record?.kind === expected ? record : null;
}
