// Notifications: the audit events a person should act on (a call waiting for approval, a spend
// threshold or limit reached, an agent or the org suspended) posted to the org's Slack-compatible
// incoming webhook as `{"text": …}`. Driven by the org's AuditLog alarm from the stored trail,
// like the sink (sink.ts): at least once, in order, resumable, retried with backoff.
import type { AuditRow } from "../data/audit-data.js";
import { type PushResult, assertPushUrl, push } from "./push.js";
import { loadKeyring } from "../vault/keyring.js";
import { type VaultRecord, decryptSecret, encryptSecret } from "../vault/vault.js";

/** The actions that notify, and the text of each. */
export const NOTIFY_ACTIONS = ["approval.request", "spend.threshold", "spend.limit_reached", "agent.suspend", "org.suspend"] as const;
export type NotifyAction = (typeof NOTIFY_ACTIONS)[number];

export const NOTIFY_TIMEOUT_MS = 10_000;
/** Events read per alarm run; each notifying event is one POST (incoming webhooks take one message). */
export const NOTIFY_SCAN_BATCH = 200;
export const NOTIFY_POSTS_PER_RUN = 20;

/** The URL is the webhook's credential (Slack's carries its secret in the path), so it is sealed. */
const vaultAad = (orgId: string) => ({ orgId, credentialId: "notify-webhook" });

export function assertWebhookUrl(raw: string, allowPrivate: boolean): URL {
  return assertPushUrl(raw, allowPrivate, "webhookUrl", "the webhook");
}

export async function sealWebhookUrl(env: Env, orgId: string, url: string): Promise<VaultRecord> {
  return encryptSecret(await loadKeyring(env.VAULT_KEYS), url, vaultAad(orgId));
}

export async function openWebhookUrl(env: Env, orgId: string, sealed: VaultRecord): Promise<string> {
  return decryptSecret(await loadKeyring(env.VAULT_KEYS), sealed, vaultAad(orgId));
}

function parseDetails(row: AuditRow): Record<string, unknown> {
  if (row.details === null) return {};
  try {
    const value: unknown = JSON.parse(row.details);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const dollars = (micros: unknown) => (typeof micros === "number" ? `$${(micros / 1_000_000).toFixed(2)}` : "?");
const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "?");

/** The message of one event, or null when the event does not notify. */
export function notificationText(row: AuditRow): string | null {
  const d = parseDetails(row);
  switch (row.action) {
    case "approval.request":
      return `:hourglass: Agent ${row.actorId} is waiting for approval of its ${text(d.kind)} call (${text(d.subject)}). Approval ${text(row.resourceId)}: decide in the dashboard's Approvals page.`;
    case "spend.threshold":
      return `:warning: Spend of ${text(d.scope)}${d.scopeId ? ` ${text(d.scopeId)}` : ""} reached ${text(d.threshold)}% of its ${text(d.period)} limit (${dollars(d.spentMicros)} of ${dollars(d.limitMicros)}).`;
    case "spend.limit_reached":
      return `:no_entry: Spend limit reached for ${text(d.scope)}${d.scopeId ? ` ${text(d.scopeId)}` : ""} (${text(d.period)}, ${dollars(d.limitMicros)}): new calls are refused.`;
    case "agent.suspend":
      return `:octagonal_sign: Agent ${text(row.resourceId)} was suspended by ${row.actorId}${d.reason ? `: ${text(d.reason)}` : ""}.`;
    case "org.suspend":
      return `:rotating_light: Every agent of the org was suspended by ${row.actorId} (incident switch)${d.reason ? `: ${text(d.reason)}` : ""}.`;
    default:
      return null;
  }
}

/** POSTs one message; any 2xx counts as delivered. */
export function postNotification(url: string, message: string, allowPrivate: boolean): Promise<PushResult> {
  const headers = { "content-type": "application/json", "user-agent": "palisade-notify/1" };
  return push(
    { url, allowPrivate, field: "webhookUrl", what: "the webhook", who: "webhook", timeoutMs: NOTIFY_TIMEOUT_MS },
    headers,
    JSON.stringify({ text: message }),
  );
}
