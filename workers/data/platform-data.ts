// Tables that are not org-scoped (users, orgs, sessions) and the global token-hash lookup.
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
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
   * Replaces the password of an account an invitation reclaims, only if it is still the one the
   * caller read (compare-and-set: two reclaims at once cannot both win). The account's other
   * sign-in state goes with it: TOTP factor, recovery codes, identity-provider links (sessions are
   * revoked by the caller, which also evicts them from the isolate's cache).
   */
  async reclaimAccount(userId: string, expectedPasswordHash: string | null, passwordHash: string): Promise<boolean> {
    const replaced = await this.db
      .update(users)
      .set({ passwordHash, passwordProvisional: false })
      .where(and(eq(users.id, userId), expectedPasswordHash === null ? isNull(users.passwordHash) : eq(users.passwordHash, expectedPasswordHash)))
      .returning({ id: users.id })
      .get();
    if (!replaced) return false;
    await this.db.batch([
      this.db.delete(userMfa).where(eq(userMfa.userId, userId)),
      this.db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)),
      this.db.delete(userIdpLinks).where(eq(userIdpLinks.userId, userId)),
    ]);
    return true;
  }

  /** Every membership of the account, active or deactivated, in any org. */
  async membershipCount(userId: string): Promise<number> {
    const rows = await this.db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, userId)).all();
    return rows.length;
  }

  /** Sets the password of an account that has none; false if it has one (set meanwhile or before). */
  async setFirstPassword(userId: string, passwordHash: string, passwordProvisional = false): Promise<boolean> {
    const row = await this.db
      .update(users)
      .set({ passwordHash, passwordProvisional })
      .where(and(eq(users.id, userId), isNull(users.passwordHash)))
      .returning({ id: users.id })
      .get();
    return row !== undefined;
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
  insertSession(userId: string, jtiSha256: string, expiresAt: number) {
    return this.db
      .insert(sessions)
      .values({ id: newId("ses"), userId, jtiSha256, expiresAt })
      .returning()
      .get();
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

  async touchToken(id: string, now: number) {
    await this.db.update(tokens).set({ lastUsedAt: now }).where(eq(tokens.id, id));
  }
}
