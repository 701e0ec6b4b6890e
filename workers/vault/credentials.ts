// Sealing and opening org credentials: the only place a stored secret is decrypted.
import type { CredentialRow } from "../data/policy-store.js";
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
    secret = await decryptSecret(keyring, { ciphertext: row.ciphertext, iv: row.iv, keyVersion: row.keyVersion }, { orgId: row.orgId, credentialId: row.id });
  } catch (error) {
    throw new AppError("internal", "a credential could not be decrypted", { cause: error });
  }
  return { name: row.name, secret, inject: injectOf(row) };
}

export function injectOf(row: CredentialRow): InjectSpec {
  return InjectSpecSchema.parse(JSON.parse(row.inject));
}
