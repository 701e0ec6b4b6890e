// An org's OpenTelemetry export settings: the endpoint rule (the audit sink's push-target rule,
// plus no query), headers sealed in the vault, and the per-isolate cached lookup the gateway
// makes on every call (a few seconds, like the other per-org gateway inputs).
import { assertPushUrl } from "../audit/push.js";
import { makeDb } from "../data/db.js";
import { type TelemetryConfigRow, TelemetryStore } from "../data/telemetry-store.js";
import { FRAMING_HEADERS } from "../../schema/credentials.js";
import { AppError } from "../errors.js";
import { loadKeyring } from "../vault/keyring.js";
import { type VaultRecord, decryptSecret, encryptSecret } from "../vault/vault.js";

export const TRACES_PATH = "/v1/traces";
const CACHE_MS = 4_000;

/** Headers the exporter sets itself or the transport owns. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([...FRAMING_HEADERS, "content-encoding", "user-agent"]);

export interface TelemetryConfig {
  orgId: string;
  endpoint: string;
  includeContent: boolean;
  sampleRatio: number;
  sealedHeaders: VaultRecord | null;
}

/**
 * The collector's traces URL: a push target like the audit sink's (https, public, no user info),
 * with no query or fragment (credentials belong in the sealed headers, and the URL is shown back).
 * A URL without a path gets the OTLP default /v1/traces.
 */
export function assertTelemetryEndpoint(raw: string, allowPrivate: boolean): URL {
  const url = assertPushUrl(raw, allowPrivate, "endpoint", "the OTLP endpoint");
  if (url.search !== "" || url.hash !== "" || raw.includes("?") || raw.includes("#")) {
    throw new AppError("validation_failed", "endpoint: no query or fragment (send credentials as headers)");
  }
  if (url.pathname === "/") url.pathname = TRACES_PATH;
  return url;
}

/** Header names lower-cased; names the exporter owns and duplicates refused. */
export function checkHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw new AppError("validation_failed", `headers: ${lower} is set by the exporter`);
    if (lower in out) throw new AppError("validation_failed", `headers: ${lower} given twice`);
    out[lower] = value;
  }
  return out;
}

/** The vault binds the sealed headers to the org and to this purpose. */
const vaultAad = (orgId: string) => ({ orgId, credentialId: "telemetry-headers" });

export async function sealHeaders(env: Env, orgId: string, headers: Record<string, string>): Promise<VaultRecord> {
  return encryptSecret(await loadKeyring(env.VAULT_KEYS), JSON.stringify(headers), vaultAad(orgId));
}

const opened = new WeakMap<VaultRecord, Promise<Record<string, string>>>();

/** The export headers, opened once per cached config. */
export function openHeaders(env: Env, config: TelemetryConfig): Promise<Record<string, string>> {
  const sealed = config.sealedHeaders;
  if (!sealed) return Promise.resolve({});
  let headers = opened.get(sealed);
  if (!headers) {
    headers = loadKeyring(env.VAULT_KEYS).then(
      async (keyring) => JSON.parse(await decryptSecret(keyring, sealed, vaultAad(config.orgId))) as Record<string, string>,
    );
    opened.set(sealed, headers);
  }
  return headers;
}

export function configOfRow(row: TelemetryConfigRow): TelemetryConfig {
  const sealed =
    row.headersCiphertext && row.headersIv && row.headersKeyVersion
      ? { ciphertext: row.headersCiphertext, iv: row.headersIv, keyVersion: row.headersKeyVersion }
      : null;
  return { orgId: row.orgId, endpoint: row.endpoint, includeContent: row.includeContent, sampleRatio: row.sampleRatio, sealedHeaders: sealed };
}

const cache = new Map<string, { config: TelemetryConfig | null; expires: number }>();

/** The org's settings, or null when it exports nothing: one D1 read per org per isolate every few seconds. */
export async function telemetryConfigOf(env: Env, orgId: string): Promise<TelemetryConfig | null> {
  const now = Date.now();
  const hit = cache.get(orgId);
  if (hit && hit.expires > now) return hit.config;
  const row = await new TelemetryStore(makeDb(env.DB), orgId).get();
  const config = row ? configOfRow(row) : null;
  if (cache.size > 2_000) cache.clear();
  cache.set(orgId, { config, expires: now + CACHE_MS });
  return config;
}

export function forgetTelemetryConfig(orgId: string) {
  cache.delete(orgId);
}
