// The audit sink: an org's events pushed to an HTTPS webhook (a SIEM's HTTP collector) as
// NDJSON in chain order, each batch signed with HMAC-SHA256 under the org's sink secret. The
// org's AuditLog object drives delivery from its alarm (audit-log.ts): at least once, resumable
// from the last acknowledged seq, retried with exponential backoff.
import { AppError } from "../errors.js";
import { bytesToBase64url, bytesToHex, randomBytes } from "../identity/crypto.js";
import { checkDestination } from "../egress/url-safety.js";
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

/**
 * Refuses URLs a webhook may not use: not https (http only where private upstreams are allowed,
 * i.e. local development), user info, private, loopback, metadata and other non-public hosts.
 */
export function assertSinkUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("validation_failed", "url: not an absolute URL");
  }
  if (url.protocol !== "https:" && !(allowPrivate && url.protocol === "http:")) {
    throw new AppError("validation_failed", "url: the audit sink must use https");
  }
  const check = checkDestination(url, { allowPrivate });
  if (!check.ok) throw new AppError("validation_failed", `url: refused destination (${check.class.replaceAll("_", " ")})`);
  return url;
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

export type DeliveryResult = { ok: true } | { ok: false; error: string };

/** POSTs one batch (the export's NDJSON lines, in seq order); any 2xx acknowledges all of it. */
export async function deliverBatch(url: string, secret: string, orgId: string, rows: AuditRow[], allowPrivate: boolean): Promise<DeliveryResult> {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return { ok: true };
  // Checked again at send time: the rules may have changed since the sink was set.
  try {
    assertSinkUrl(url, allowPrivate);
  } catch (error) {
    return { ok: false, error: error instanceof AppError ? error.message : "url refused" };
  }
  const body = rows.map((row) => exportLine("ndjson", row)).join("");
  const headers = {
    "content-type": "application/x-ndjson",
    "user-agent": "palisade-audit-sink/1",
    [SIGNATURE_HEADER]: await signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
    "x-palisade-org": orgId,
    "x-palisade-seq-range": `${first.seq}-${last.seq}`,
  };
  try {
    // Redirects are not followed: a 3xx could point the trail anywhere.
    const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(SINK_TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true };
    return { ok: false, error: `receiver answered ${response.status}` };
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    return { ok: false, error: name === "TimeoutError" ? `no answer within ${SINK_TIMEOUT_MS / 1000} s` : "receiver unreachable" };
  }
}

export function sinkBackoffMs(failures: number): number {
  return Math.min(SINK_RETRY_MAX_MS, SINK_RETRY_BASE_MS * 2 ** Math.min(Math.max(failures - 1, 0), 16));
}
