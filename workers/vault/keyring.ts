// Versioned AES-256 master keys of the credential vault, read from the VAULT_KEYS secret ("v2:<b64>,v1:<b64>", first = current).
import { AppError } from "../errors.js";
import { base64ToBytes } from "../identity/crypto.js";

export interface Keyring {
  /** Version used for new ciphertexts. */
  readonly current: string;
  readonly keys: ReadonlyMap<string, CryptoKey>;
}

const ENTRY = /^(v\d{1,6}):([A-Za-z0-9+/]{43}=)$/;

// One secret value per isolate in practice; caching the imported keys avoids an importKey per request.
let cached: { secret: string; keyring: Promise<Keyring> } | null = null;

/** Parses and imports the keys. Errors never include the secret or any part of it. */
export function loadKeyring(secret: string): Promise<Keyring> {
  if (cached !== null && cached.secret === secret) return cached.keyring;
  const keyring = importKeyring(secret);
  cached = { secret, keyring };
  keyring.catch(() => {
    if (cached?.keyring === keyring) cached = null;
  });
  return keyring;
}

async function importKeyring(secret: string): Promise<Keyring> {
  const entries = secret
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (entries.length === 0) throw new AppError("internal", "VAULT_KEYS is empty");
  const keys = new Map<string, CryptoKey>();
  let current: string | null = null;
  for (const [position, entry] of entries.entries()) {
    const match = ENTRY.exec(entry);
    if (match === null) throw new AppError("internal", `VAULT_KEYS entry ${position + 1} is not "v<n>:<base64 of 32 bytes>"`);
    const version = match[1] ?? "";
    const bytes = base64ToBytes(match[2] ?? "");
    if (bytes.byteLength !== 32) throw new AppError("internal", `VAULT_KEYS entry ${position + 1} is not 32 bytes`);
    if (keys.has(version)) throw new AppError("internal", `VAULT_KEYS lists version ${version} twice`);
    keys.set(version, await crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]));
    current ??= version;
  }
  if (current === null) throw new AppError("internal", "VAULT_KEYS is empty");
  return { current, keys };
}
