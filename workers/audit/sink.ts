// The audit sink: an org's events pushed to an HTTPS webhook (a SIEM's HTTP collector) as
// NDJSON in chain order, each batch signed with HMAC-SHA256 under the org's sink secret. The
// org's AuditLog object drives delivery from its alarm (audit-log.ts): at least once, resumable
// from the last acknowledged seq, retried with exponential backoff.
import { bytesToBase64url, bytesToHex, randomBytes } from "../identity/crypto.js";
import { type PushResult, assertPushUrl, push } from "./push.js";
import type { AuditRow } from "../data/audit-data.js";
import { exportLine } from "./query.js";
import { decryptSecret, encryptSecret, type VaultRecord } from "../vault/vault.js";
import { loadKeyring } from "../vault/keyring.js";

export const SIGNATURE_HEADER = "x-palisade-signature";
export const SINK_BATCH = 100;
/** A receiver that has not answered by then counts as failed (the batch is sent again later). */
export const SINK_TIMEOUT_MS = 10_000;
export const SINK_RETRY_BASE_MS = 2_000;
export const SINK_RETRY_MAX_MS = 300_000;
/** Batches sent per alarm run, so one run stays short; the next run follows at once. */
export const SINK_BATCHES_PER_RUN = 10;

/** The vault binds the sealed secret to the org and to this purpose. */
const vaultAad = (orgId: string) => ({ orgId, credentialId: "audit-sink" });

/** The sink's URL rule (push.ts): https, public, no user info. */
export function assertSinkUrl(raw: string, allowPrivate: boolean): URL {
  return assertPushUrl(raw, allowPrivate, "url", "the audit sink");
}

export function newSinkSecret(): string {
  return `whsec_${bytesToBase64url(randomBytes(32))}`;
}

export async function sealSinkSecret(env: Env, orgId: string, secret: string): Promise<VaultRecord> {
  return encryptSecret(await loadKeyring(env.VAULT_KEYS), secret, vaultAad(orgId));
}

export async function openSinkSecret(env: Env, orgId: string, sealed: VaultRecord): Promise<string> {
  return decryptSecret(await loadKeyring(env.VAULT_KEYS), sealed, vaultAad(orgId));
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the timestamp is signed with the
 * body so a receiver can refuse replays older than its tolerance.
 */
export async function signatureHeader(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${unixSeconds}.${body}`));
  return `t=${unixSeconds},v1=${bytesToHex(new Uint8Array(mac))}`;
}

/** POSTs one batch (the export's NDJSON lines, in seq order); any 2xx acknowledges all of it. */
export async function deliverBatch(url: string, secret: string, orgId: string, rows: AuditRow[], allowPrivate: boolean): Promise<PushResult> {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return { ok: true };
  const body = rows.map((row) => exportLine("ndjson", row)).join("");
  const headers = {
    "content-type": "application/x-ndjson",
    "user-agent": "palisade-audit-sink/1",
    [SIGNATURE_HEADER]: await signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
    "x-palisade-org": orgId,
    "x-palisade-seq-range": `${first.seq}-${last.seq}`,
  };
  return push({ url, allowPrivate, field: "url", what: "the audit sink", who: "receiver", timeoutMs: SINK_TIMEOUT_MS }, headers, body);
}

export function sinkBackoffMs(failures: number): number {
  return Math.min(SINK_RETRY_MAX_MS, SINK_RETRY_BASE_MS * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}
