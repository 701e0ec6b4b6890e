// Invitations: the only way into an org. Adding a member answers with an invitation whatever the
// e-mail (its account is never looked up, so neither the answer nor its timing says whether one
// exists); the invitee accepts with the token, signed in as the invited account, or, when no
// account has that e-mail, by creating it (or by taking over an account that is in no org at
// all, with the taker's own password; see README "Invitations and proof of an address"). Tokens are shown once, stored as SHA-256, expire, and a new invitation to the same
// e-mail revokes the earlier one.
import { recordAudit } from "../audit/audit.js";
import type { OrgAccess } from "../authz/org-access.js";
import { makeDb } from "../data/db.js";
import { type InvitationRow, InvitationStore, invitationByTokenHash } from "../data/invitation-store.js";
import { type Role, OrgData } from "../data/org-data.js";
import { PlatformData, type UserRow } from "../data/platform-data.js";
import { AppError, conflict, unauthorized } from "../errors.js";
import type { UserPrincipal } from "../http/context.js";
import { bytesToBase64url, randomBytes, sha256Hex } from "./crypto.js";
import { newId } from "../ids.js";
import { normalizeEmail } from "./login-throttle.js";
import { revokeGrantsOf } from "../oauth/server.js";
import { hashPassword } from "./passwords.js";
import { forgetSessions } from "./sessions.js";
import { forgetTokens } from "./tokens.js";

export const INVITE_TOKEN_PREFIX = "pal_invite_";
export const INVITATION_TTL_MS = 7 * 86_400_000;

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

export function invitationStatus(row: InvitationRow, now = Date.now()): InvitationStatus {
  if (row.acceptedAt !== null) return "accepted";
  if (row.revokedAt !== null) return "revoked";
  return row.expiresAt <= now ? "expired" : "pending";
}

export interface NewInvitation {
  email: string;
  role: Role;
  password?: string | undefined;
}

/** Invites an e-mail to the caller's org (admins; owners for the owner role, checked by the route). */
export async function inviteMember(env: Env, access: OrgAccess, input: NewInvitation): Promise<{ row: InvitationRow; token: string }> {
  const email = normalizeEmail(input.email);
  // Only this org's own members are looked up (its admins can list them anyway), never accounts.
  if (await access.data.memberByEmail(email)) throw conflict("already a member");
  const token = INVITE_TOKEN_PREFIX + bytesToBase64url(randomBytes(32));
  const row = await new InvitationStore(makeDb(env.DB), access.orgId).create({
    email,
    role: input.role,
    tokenSha256: await sha256Hex(token),
    passwordHash: input.password ? await hashPassword(input.password) : null,
    invitedBy: access.userId,
    expiresAt: Date.now() + INVITATION_TTL_MS,
  });
  await recordAudit(env, {
    orgId: access.orgId,
    actor: { type: "user", id: access.userId },
    action: "member.invite",
    resource: { type: "invitation", id: row.id },
    result: "success",
    reason: `role:${access.role}`,
    details: { role: row.role, initialPassword: row.passwordHash !== null },
  });
  return { row, token };
}

export async function revokeInvitation(env: Env, access: OrgAccess, id: string): Promise<boolean> {
  const revoked = await new InvitationStore(makeDb(env.DB), access.orgId).revoke(id);
  if (!revoked) return false;
  await recordAudit(env, {
    orgId: access.orgId,
    actor: { type: "user", id: access.userId },
    action: "invitation.revoke",
    resource: { type: "invitation", id },
    result: "success",
    reason: `role:${access.role}`,
  });
  return true;
}

export interface Accepted {
  orgId: string;
  userId: string;
  email: string;
  role: Role;
  /** The acceptance created the account. */
  created: boolean;
}

const invalidInvitation = () => unauthorized("invalid, used or expired invitation");

/**
 * Accepts an invitation. Signed in (a session, not an API key): the session's account must be the
 * invited one. Not signed in: when no account has the invited e-mail, which the acceptance then
 * creates with `password` (or the one the inviting admin set, marked provisional), or when the
 * existing account is in no org at all, which the acceptance then takes over with the caller's own
 * `password`, ending everything the earlier holder had (`takeOverAccount`).
 */
export async function acceptInvitation(env: Env, caller: UserPrincipal | undefined, input: { token: string; password?: string | undefined }) {
  if (!input.token.startsWith(INVITE_TOKEN_PREFIX)) throw invalidInvitation();
  const db = makeDb(env.DB);
  const now = Date.now();
  const row = await invitationByTokenHash(db, await sha256Hex(input.token));
  if (!row || invitationStatus(row, now) !== "pending") throw invalidInvitation();
  const store = new InvitationStore(db, row.orgId);
  const data = new OrgData(db, row.orgId);
  const platform = new PlatformData(db);

  let accepted: Accepted;
  if (caller) {
    if (caller.via !== "session") throw new AppError("forbidden", "accept an invitation signed in with a session, not an API key");
    const user = await platform.user(caller.userId);
    if (!user || normalizeEmail(user.email) !== row.email) throw new AppError("forbidden", "this invitation is for another account");
    if (await data.membership(user.id)) throw conflict("already a member");
    if (!(await store.claim(row.id, user.id, now))) throw invalidInvitation();
    // Added only while the caller's session is live: an invitation taking the account over after
    // this request was authenticated revokes that session in the same transaction, so its new
    // holder never joins through the old holder's acceptance.
    if (!(await data.addMemberWhileSessionLive(user.id, row.role, await sha256Hex(caller.jti)))) {
      await store.unclaim(row.id, row.passwordHash);
      if (await data.membership(user.id)) throw conflict("already a member");
      throw unauthorized("your session ended: sign in again to accept this invitation");
    }
    accepted = { orgId: row.orgId, userId: user.id, email: row.email, role: row.role, created: false };
  } else {
    // A password the inviting admin chose is provisional: nobody proved the address with it.
    const provisional = !input.password && row.passwordHash !== null;
    const passwordHash = input.password ? await hashPassword(input.password) : row.passwordHash;
    const existing = await platform.userByEmail(row.email);
    if (existing) {
      // An existing account is taken over by a link accepted without a session only when it is in
      // no org at all (no membership in any state, deactivated included): an org that keeps a
      // member relies on that account, however its password was set. The taker must choose their
      // own password (an inviter-chosen one would just move the squat). Any other account signs in
      // to accept.
      if (!input.password || !passwordHash) throw unauthorized("sign in as the invited account to accept this invitation");
      if (!(await store.claim(row.id, existing.id, now))) throw invalidInvitation();
      if (!(await takeOverAccount(env, existing, passwordHash, { orgId: row.orgId, role: row.role }))) {
        await store.unclaim(row.id, row.passwordHash);
        throw unauthorized("sign in as the invited account to accept this invitation");
      }
      accepted = { orgId: row.orgId, userId: existing.id, email: row.email, role: row.role, created: false };
    } else {
      if (!passwordHash) throw new AppError("validation_failed", "password: required to create the account");
      const userId = newId("usr");
      if (!(await store.claim(row.id, userId, now))) throw invalidInvitation();
      const user = await platform.insertUserIfAbsent(row.email, passwordHash, userId, provisional);
      if (!user) {
        // The account was created meanwhile: it has to sign in to accept.
        await store.unclaim(row.id, row.passwordHash);
        throw unauthorized("sign in as the invited account to accept this invitation");
      }
      await data.addMember(user.id, row.role);
      accepted = { orgId: row.orgId, userId: user.id, email: row.email, role: row.role, created: true };
    }
  }
  await recordAudit(env, {
    orgId: row.orgId,
    actor: { type: "user", id: accepted.userId },
    action: "invitation.accept",
    resource: { type: "invitation", id: row.id },
    result: "success",
    details: { role: accepted.role, accountCreated: accepted.created, invitedBy: row.invitedBy },
  });
  return accepted;
}

/**
 * The one way an invitation takes over an existing account (with or without a password, made by
 * hand or by SSO just-in-time provisioning): `PlatformData.takeOverAccount` sets the taker's
 * password and ends in the same transaction whatever the earlier holder had (sessions, admin keys,
 * TOTP factor and recovery codes, identity-provider links, MFA challenges through the credentials
 * epoch) and adds the taker's membership, refusing an account that is in any org. Then this isolate forgets the ended sessions and
 * keys, OAuth grants (kept outside D1) are revoked, and the accepting org is told
 * (`user.address_reclaimed`). False when the account changed meanwhile or is in an org.
 */
async function takeOverAccount(env: Env, account: UserRow, passwordHash: string, join: { orgId: string; role: Role }): Promise<boolean> {
  const ended = await new PlatformData(makeDb(env.DB)).takeOverAccount(account.id, account, passwordHash, join);
  if (!ended) return false;
  forgetSessions(ended.endedSessionJtiHashes);
  forgetTokens(ended.endedKeyHashes);
  const grants = await revokeGrantsOf(env, account.id);
  await recordAudit(env, {
    orgId: join.orgId,
    actor: { type: "system", id: "invitations" },
    action: "user.address_reclaimed",
    resource: { type: "user", id: account.id },
    result: "success",
    reason: "invitation_accepted_with_own_password",
    details: {
      hadPassword: account.passwordHash !== null,
      signedOut: ended.endedSessionJtiHashes.length,
      adminKeys: ended.endedKeyHashes.length,
      oauthGrants: grants,
    },
  });
  return true;
}
