// Sealing and opening org credentials: the only place a stored secret is decrypted.
import { makeDb } from "../data/db.js";
import { type CredentialRow, PolicyStore } from "../data/policy-store.js";
import { InjectSpecSchema, type InjectSpec } from "../../schema/credentials.js";
import { AppError } from "../errors.js";
import { loadKeyring } from "./keyring.js";
import { type VaultRecord, decryptSecret, encryptSecret } from "./vault.js";

export async function sealSecret(env: Env, orgId: string, credentialId: string, secret: string): Promise<VaultRecord> {
  return encryptSecret(await loadKeyring(env.VAULT_KEYS), secret, { orgId, credentialId });
}

export interface OpenedCredential {
  name: string;
  secret: string;
  inject: InjectSpec;
}

export async function openCredential(env: Env, row: CredentialRow): Promise<OpenedCredential> {
  const keyring = await loadKeyring(env.VAULT_KEYS);
  let secret: string;
  try {
    secret = await decryptSecret(
      keyring,
      { ciphertext: row.ciphertext, iv: row.iv, keyVersion: row.keyVersion },
      { orgId: row.orgId, credentialId: row.id },
    );
  } catch (error) {
    throw new AppError("internal", "a credential could not be decrypted", { cause: error });
  }
  return { name: row.name, secret, inject: injectOf(row) };
}

export function injectOf(row: CredentialRow): InjectSpec {
  return InjectSpecSchema.parse(JSON.parse(row.inject));
}

/**
 * Opened credentials are kept in isolate memory for a few seconds so a hot egress path does not
 * decrypt on every call; the entry is keyed by the row's version (updatedAt), so a replaced
 * secret is never served from the cache.
 */
const openedCache = new Map<string, { value: OpenedCredential; expires: number }>();
export const OPENED_CREDENTIAL_TTL_MS = 4_000;

export async function openCredentialCached(env: Env, row: CredentialRow): Promise<OpenedCredential> {
  const key = `${row.orgId}:${row.id}:${row.updatedAt}:${row.keyVersion}`;
  const now = Date.now();
  const hit = openedCache.get(key);
  if (hit && hit.expires > now) return hit.value;
  const value = await openCredential(env, row);
  if (openedCache.size > 2_000) openedCache.clear();
  openedCache.set(key, { value, expires: now + OPENED_CREDENTIAL_TTL_MS });
  return value;
}

/** The org's credential rows (ciphertext only), cached briefly per isolate for the gateway's hot path. */
const rowsCache = new Map<string, { rows: CredentialRow[]; expires: number }>();

export async function credentialRowsOf(env: Env, orgId: string): Promise<CredentialRow[]> {
  const now = Date.now();
  const hit = rowsCache.get(orgId);
  if (hit && hit.expires > now) return hit.rows;
  const rows = await new PolicyStore(makeDb(env.DB), orgId).allCredentials();
  if (rowsCache.size > 2_000) rowsCache.clear();
  rowsCache.set(orgId, { rows, expires: now + OPENED_CREDENTIAL_TTL_MS });
  return rows;
}

/** Called after any credential change so this isolate never serves the old row. */
export function forgetCredentials(orgId: string) {
  rowsCache.delete(orgId);
}
