// Withdrawing a person from an org at once (SCIM deactivation or delete): their sessions end,
// their admin keys in the org are revoked and their OAuth grants for the org's agents are revoked.
// The MCP gateway also checks the person's membership on every OAuth call, so a grant whose
// revocation has not reached KV everywhere is refused anyway.
import { recordAudit } from "../audit/audit.js";
import { makeDb } from "../data/db.js";
import { ScimStore } from "../data/scim-store.js";
import { revokeGrantsOf } from "../oauth/server.js";
import { revokeSessionsOfUser } from "./sessions.js";
import { forgetTokens } from "./tokens.js";

export async function withdrawMember(env: Env, orgId: string, userId: string, actor: { type: "system" | "user"; id: string }, reason: string) {
  const sessions = await revokeSessionsOfUser(env, userId);
  const keys = await new ScimStore(makeDb(env.DB), orgId).revokeAdminKeys(userId);
  forgetTokens(keys.map((k) => k.sha256));
  const grants = await revokeGrantsOf(env, userId, { orgId });
  await recordAudit(env, {
    orgId,
    actor,
    action: "user.access.revoke",
    resource: { type: "user", id: userId },
    result: "success",
    reason,
    details: { signedOut: sessions, adminKeys: keys.length, oauthGrants: grants },
  });
}
