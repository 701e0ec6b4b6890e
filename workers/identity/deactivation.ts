// Withdrawing a person from one org at once (SCIM deactivation or delete): their admin keys in
// the org and their OAuth grants for the org's agents are revoked. Sessions are account-wide, so
// they end only when the account has no other active membership: one org's decision never signs
// the person out of another org. Where sessions live on, the org is closed to them by orgAccess,
// which reads the membership from D1 on every request (no cache window). The MCP gateway also
// checks the person's membership on every OAuth call, so a grant whose revocation has not reached
// KV everywhere is refused anyway.
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { PlatformData } from "../data/platform-data.js";
import { OrgData } from "../data/org-data.js";
import { revokeGrantsOf } from "../oauth/server.js";
import { revokeSessionsOfUser } from "./sessions.js";
import { forgetTokens } from "./tokens.js";

export async function withdrawMember(env: Env, orgId: string, userId: string, actor: { type: "system" | "user"; id: string }, reason: string) {
  const elsewhere = (await new PlatformData(makeDb(env.DB)).orgsOfUser(userId)).some((o) => o.id !== orgId);
  const sessions = elsewhere ? 0 : await revokeSessionsOfUser(env, userId);
  const keys = await new OrgData(makeDb(env.DB), orgId).revokeTokens("admin", [userId]);
  forgetTokens(keys.map((k) => k.sha256));
  const grants = await revokeGrantsOf(env, userId, { orgId });
  await recordAudit(env, {
    orgId,
    actor,
    action: "user.access.revoke",
    resource: { type: "user", id: userId },
    result: "success",
    reason,
    details: { signedOut: sessions, sessionsKept: elsewhere, adminKeys: keys.length, oauthGrants: grants },
  });
}
