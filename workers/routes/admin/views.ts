// Row -> API shape mappers, and the audit call every admin mutation makes.
import type { Context } from "hono";
import { recordAudit } from "../../audit/audit.js";
import { iso, isoOrNull } from "../../data/db.js";
import type { InvitationRow } from "../../data/invitation-store.js";
import type { AgentRow, OrgRow, ProjectRow, TeamRow, TokenRow } from "../../data/org-data.js";
import { invitationStatus } from "../../identity/invitations.js";
import { recordedAmr } from "../../identity/tokens.js";
import type { OrgAccess } from "../../authz/org-access.js";
import type { AppEnv } from "../../http/context.js";

export const orgView = (o: OrgRow) => ({
  id: o.id,
  name: o.name,
  suspendedAt: isoOrNull(o.suspendedAt),
  suspendReason: o.suspendReason,
  createdAt: iso(o.createdAt),
});

export const teamView = (t: TeamRow) => ({ id: t.id, orgId: t.orgId, name: t.name, createdAt: iso(t.createdAt) });

export const projectView = (p: ProjectRow) => ({
  id: p.id,
  orgId: p.orgId,
  name: p.name,
  teamId: p.teamId,
  createdAt: iso(p.createdAt),
});

export const agentView = (a: AgentRow, tokenPrefix: string | null = null) => ({
  id: a.id,
  orgId: a.orgId,
  name: a.name,
  teamId: a.teamId,
  projectId: a.projectId,
  parentAgentId: a.parentAgentId,
  createdBy: a.createdBy,
  autonomy: a.autonomy,
  status: a.status,
  suspendedAt: isoOrNull(a.suspendedAt),
  suspendReason: a.suspendReason,
  tokenPrefix,
  createdAt: iso(a.createdAt),
});

export const apiKeyView = (t: TokenRow) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  userId: t.subjectId,
  createdAt: iso(t.createdAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
  signIn: keySignInView(t),
});

/** How the key's minting session signed in; null for a key minted before that was recorded (password only). */
function keySignInView(t: TokenRow) {
  const amr = recordedAmr(t.signInAmr);
  return amr ? { amr, ssoOrg: t.signInSsoOrg } : null;
}

/** An invitation as admins see it: never its token or the password set for the account. */
export const invitationView = (i: InvitationRow) => ({
  id: i.id,
  orgId: i.orgId,
  email: i.email,
  role: i.role,
  status: invitationStatus(i),
  invitedBy: i.invitedBy,
  expiresAt: iso(i.expiresAt),
  acceptedAt: isoOrNull(i.acceptedAt),
  createdAt: iso(i.createdAt),
});

/** Records a successful admin mutation by the calling user. */
export function auditAdmin(
  c: Context<AppEnv>,
  access: OrgAccess,
  action: string,
  resource: { type: string; id?: string | null },
  details?: Record<string, unknown>,
) {
  return recordAudit(c.env, {
    orgId: access.orgId,
    actor: { type: "user", id: access.userId },
    action,
    resource,
    result: "success",
    reason: `role:${access.role}`,
    traceId: c.get("traceId"),
    ...(details ? { details } : {}),
  });
}
