// Credential encryption: AES-256-GCM under the keyring's current key, bound to the owning org and credential by AAD.
import { z } from "zod";
import { AppError } from "../errors.js";
import { base64ToBytes, randomBytes } from "../identity/crypto.js";
import type { Keyring } from "./keyring.js";

/** What is stored per secret (D1 columns ciphertext, iv, key_version). */
export const VaultRecordSchema = z.object({
  ciphertext: z.string().min(1),
  iv: z.string().min(1),
  keyVersion: z.string().regex(/^v\d{1,6}$/),
});
export type VaultRecord = z.infer<typeof VaultRecordSchema>;

/** Binds a ciphertext to its row: a record copied to another org or credential fails to decrypt. */
export interface VaultAad {
  orgId: string;
  credentialId: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const IV_BYTES = 12;

function aadBytes(aad: VaultAad): Uint8Array {
  // JSON array: unambiguous whatever characters the ids hold.
  return encoder.encode(JSON.stringify(["palisade.credential.v1", aad.orgId, aad.credentialId]));
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

const decryptFailed = () => new AppError("internal", "stored credential could not be decrypted");

export async function encryptSecret(keyring: Keyring, plaintext: string, aad: VaultAad): Promise<VaultRecord> {
  const key = keyring.keys.get(keyring.current);
  if (key === undefined) throw new AppError("internal", "vault has no current key");
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aadBytes(aad), tagLength: 128 },
    key,
    encoder.encode(plaintext),
  );
  return { ciphertext: bytesToBase64(new Uint8Array(ciphertext)), iv: bytesToBase64(iv), keyVersion: keyring.current };
}

/** Throws AppError("internal") without detail on an unknown key version, tampering or a wrong AAD. */
export async function decryptSecret(keyring: Keyring, record: VaultRecord, aad: VaultAad): Promise<string> {
  const key = keyring.keys.get(record.keyVersion);
  if (key === undefined) throw new AppError("internal", "vault key version of a stored credential is not configured");
  let iv: Uint8Array;
  let data: Uint8Array;
  try {
    iv = base64ToBytes(record.iv);
    data = base64ToBytes(record.ciphertext);
  } catch (cause) {
    throw new AppError("internal", "stored credential could not be decrypted", { cause });
  }
  if (iv.byteLength !== IV_BYTES) throw decryptFailed();
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aadBytes(aad), tagLength: 128 }, key, data);
    return decoder.decode(plain);
  } catch {
    throw decryptFailed();
  }
}

export function needsReencrypt(keyring: Keyring, record: VaultRecord): boolean {
  return record.keyVersion !== keyring.current;
}

/** The record under the current key, or null when it already is (nothing to write). */
export async function reencryptRecord(keyring: Keyring, record: VaultRecord, aad: VaultAad): Promise<VaultRecord | null> {
  if (!needsReencrypt(keyring, record)) return null;
  return encryptSecret(keyring, await decryptSecret(keyring, record, aad), aad);
}

/**
 * Rotation step for a batch of rows: returns the rows that changed. Old keys stay in
 * VAULT_KEYS until every row reports the current version, so reads never stop working.
 */
export async function rotateRecords<T extends { record: VaultRecord; aad: VaultAad }>(
  keyring: Keyring,
  rows: readonly T[],
): Promise<Array<T & { rotated: VaultRecord }>> {
  const out: Array<T & { rotated: VaultRecord }> = [];
  for (const row of rows) {
    const rotated = await reencryptRecord(keyring, row.record, row.aad);
    if (rotated !== null) out.push({ ...row, rotated });
  }
  return out;
}
