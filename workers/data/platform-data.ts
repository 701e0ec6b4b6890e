// Tables that are not org-scoped (users, orgs, sessions) and the global token-hash lookup.
import { and, asc, eq, gt, isNull, notExists, sql } from "drizzle-orm";
import { newId } from "../ids.js";
import { type Db, tables } from "./db.js";

const { users, orgs, memberships, teamMemberships, sessions, tokens, scimUsers, userMfa, mfaRecoveryCodes, userIdpLinks } = tables;

export type UserRow = typeof users.$inferSelect;

export class PlatformData {
  constructor(private readonly db: Db) {}

  /** Org ids in id order, after `afterId` (system jobs that visit every org, a page at a time). */
  async orgIdsPage(afterId: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.db
      .select({ id: orgs.id })
      .from(orgs)
      .where(afterId === undefined ? undefined : gt(orgs.id, afterId))
      .orderBy(asc(orgs.id))
      .limit(limit);
    return rows.map((r) => r.id);
  }

  userByEmail(email: string) {
    return this.db.select().from(users).where(eq(users.email, email)).get();
  }

  user(id: string) {
    return this.db.select().from(users).where(eq(users.id, id)).get();
  }

  /** Inserts the first user only if the table is empty; returns undefined if one exists. */
  async insertFirstUser(email: string, passwordHash: string) {
    const id = newId("usr");
    const result = await this.db.run(
      sql`INSERT INTO users (id, email, password_hash) SELECT ${id}, ${email}, ${passwordHash} WHERE NOT EXISTS (SELECT 1 FROM users)`,
    );
    return result.meta.changes === 1 ? id : undefined;
  }

  insertUser(email: string, passwordHash: string | null) {
    return this.db
      .insert(users)
      .values({ id: newId("usr"), email, passwordHash })
      .returning()
      .get();
  }

  /** Inserts the user unless the e-mail already has an account (then undefined). */
  insertUserIfAbsent(email: string, passwordHash: string, id = newId("usr"), passwordProvisional = false) {
    return this.db.insert(users).values({ id, email, passwordHash, passwordProvisional }).onConflictDoNothing().returning().get();
  }

  /**
   * Takes over an account an invitation is accepted for: sets the taker's password and ends
   * everything the earlier holder had, in one D1 batch (a transaction), so no moment exists where
   * the new password works and anything of the old holder still does. The first statement is a
   * compare-and-set on the account as the caller read it (password, credentials epoch) that also
   * requires the account to be in no org: no membership in any state, no SCIM record (deactivated
   * members keep both). Every later statement runs only if that one took effect; the epoch bump
   * makes sessions and MFA challenges issued before it unusable (`insertSession`,
   * `LoginData.claimMfaChallenge`). The last statement adds the taker's membership (`join`), so the
   * account is never org-less after a takeover and a second taker's compare-and-set cannot match.
   * Null when the account changed meanwhile or is in an org.
   */
  async takeOverAccount(
    userId: string,
    seen: { passwordHash: string | null; credentialsEpoch: number },
    passwordHash: string,
    join: { orgId: string; role: "owner" | "admin" | "member" },
  ): Promise<{ endedSessionJtiHashes: string[]; endedKeyHashes: string[] } | null> {
    const epoch = seen.credentialsEpoch + 1;
    const now = Date.now();
    const taken = sql`EXISTS (SELECT 1 FROM users WHERE id = ${userId} AND credentials_epoch = ${epoch} AND password_hash = ${passwordHash})`;
    const [replaced, endedSessions, endedKeys] = await this.db.batch([
      this.db
        .update(users)
        .set({ passwordHash, passwordProvisional: false, credentialsEpoch: epoch })
        .where(
          and(
            eq(users.id, userId),
            eq(users.credentialsEpoch, seen.credentialsEpoch),
            seen.passwordHash === null ? isNull(users.passwordHash) : eq(users.passwordHash, seen.passwordHash),
            notExists(this.db.select({ one: sql`1` }).from(memberships).where(eq(memberships.userId, userId))),
            notExists(this.db.select({ one: sql`1` }).from(scimUsers).where(eq(scimUsers.userId, userId))),
          ),
        )
        .returning({ id: users.id }),
      this.db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), taken))
        .returning({ jtiSha256: sessions.jtiSha256 }),
      this.db
        .update(tokens)
        .set({ revokedAt: now })
        .where(and(eq(tokens.kind, "admin"), eq(tokens.subjectId, userId), isNull(tokens.revokedAt), taken))
        .returning({ sha256: tokens.sha256 }),
      this.db.delete(memberships).where(and(eq(memberships.userId, userId), taken)),
      this.db.delete(teamMemberships).where(and(eq(teamMemberships.userId, userId), taken)),
      this.db.delete(userMfa).where(and(eq(userMfa.userId, userId), taken)),
      this.db.delete(mfaRecoveryCodes).where(and(eq(mfaRecoveryCodes.userId, userId), taken)),
      this.db.delete(userIdpLinks).where(and(eq(userIdpLinks.userId, userId), taken)),
      this.db.insert(memberships).select(
        this.db
          .select({
            orgId: sql<string>`${join.orgId}`.as("org_id"),
            userId: users.id,
            role: sql<typeof join.role>`${join.role}`.as("role"),
            createdAt: sql<number>`(unixepoch('subsec') * 1000)`.as("created_at"),
          })
          .from(users)
          .where(and(eq(users.id, userId), taken)),
      ),
    ]);
    if (replaced.length !== 1) return null;
    return { endedSessionJtiHashes: endedSessions.map((r) => r.jtiSha256), endedKeyHashes: endedKeys.map((r) => r.sha256) };
  }

  /** Every membership of the account, active or deactivated, in any org. */
  async membershipCount(userId: string): Promise<number> {
    const rows = await this.db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, userId)).all();
    return rows.length;
  }

  async deleteUser(id: string) {
    await this.db.delete(users).where(eq(users.id, id));
  }

  /** Creates an org with its first owner atomically. */
  async createOrg(name: string, ownerId: string) {
    const id = newId("org");
    const [rows] = await this.db.batch([
      this.db.insert(orgs).values({ id, name }).returning(),
      this.db.insert(memberships).values({ orgId: id, userId: ownerId, role: "owner" }),
    ]);
    const org = rows[0];
    if (!org) throw new Error("org insert returned nothing");
    return org;
  }

  /** The orgs where the account is an active member (an org where SCIM deactivated it is not one of them). */
  orgsOfUser(userId: string) {
    return this.db
      .select({
        id: orgs.id,
        name: orgs.name,
        role: memberships.role,
        suspendedAt: orgs.suspendedAt,
        suspendReason: orgs.suspendReason,
        createdAt: orgs.createdAt,
      })
      .from(memberships)
      .innerJoin(orgs, eq(orgs.id, memberships.orgId))
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
      .where(and(eq(memberships.userId, userId), isNull(scimUsers.deactivatedAt)))
      .orderBy(asc(orgs.id))
      .all();
  }

  /** The teams, in every org, of which the user is a team admin. */
  adminTeamsOfUser(userId: string) {
    return this.db
      .select({ orgId: teamMemberships.orgId, teamId: teamMemberships.teamId })
      .from(teamMemberships)
      .where(and(eq(teamMemberships.userId, userId), eq(teamMemberships.role, "admin")))
      .all();
  }

  // ── sessions ─────────────────────────────────────────────────────────────
  /**
   * Stores a session, only while the account's credentials epoch is still the one its sign-in was
   * checked under (a takeover in between leaves it unstored: false).
   */
  async insertSession(userId: string, jtiSha256: string, expiresAt: number, credentialsEpoch: number): Promise<boolean> {
    const result = await this.db.run(
      sql`INSERT INTO sessions (id, user_id, jti_sha256, expires_at) SELECT ${newId("ses")}, ${userId}, ${jtiSha256}, ${expiresAt} WHERE EXISTS (SELECT 1 FROM users WHERE id = ${userId} AND credentials_epoch = ${credentialsEpoch})`,
    );
    return result.meta.changes === 1;
  }

  sessionByJtiHash(jtiSha256: string) {
    return this.db.select().from(sessions).where(eq(sessions.jtiSha256, jtiSha256)).get();
  }

  async revokeSession(jtiSha256: string) {
    await this.db
      .update(sessions)
      .set({ revokedAt: Date.now() })
      .where(and(eq(sessions.jtiSha256, jtiSha256), isNull(sessions.revokedAt)));
  }

  /**
   * Revokes every live session of the account (sessions are not bound to an org: one sign-in
   * serves every org of the account). Returns the revoked sessions' jti hashes.
   */
  revokeSessionsOfUser(userId: string) {
    return this.db
      .update(sessions)
      .set({ revokedAt: Date.now() })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, Date.now())))
      .returning({ jtiSha256: sessions.jtiSha256 })
      .all();
  }

  // ── tokens (lookup by hash is global: the hash identifies its org) ────────
  tokenByHash(sha256: string) {
    return this.db.select().from(tokens).where(eq(tokens.sha256, sha256)).get();
  }

  /** When a token (by id) was revoked and when it lapses: a call in flight ends with it. */
  tokenLifetime(id: string) {
    return this.db.select({ revokedAt: tokens.revokedAt, expiresAt: tokens.expiresAt }).from(tokens).where(eq(tokens.id, id)).get();
  }

  async touchToken(id: string, now: number) {
    await this.db.update(tokens).set({ lastUsedAt: now }).where(eq(tokens.id, id));
  }
}
