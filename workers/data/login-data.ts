// Sign-in state that belongs to a person or a browser rather than to one org: started SSO logins
// (found by their state before the org is known), TOTP factors, recovery codes and spent MFA challenges.
import { and, eq, gt, isNull, lt, notExists, sql } from "drizzle-orm";
import type { VaultRecord } from "../vault/vault.js";
import { type Db, tables } from "./db.js";

const { users, ssoLogins, userMfa, mfaRecoveryCodes, mfaChallengesSpent } = tables;

export type SsoLoginRow = typeof ssoLogins.$inferSelect;
export type UserMfaRow = typeof userMfa.$inferSelect;

export class LoginData {
  constructor(private readonly db: Db) {}

  async startSsoLogin(row: Omit<SsoLoginRow, "usedAt" | "createdAt">) {
    // Expired rows are swept here, so the table holds only logins still in flight.
    await this.db.batch([this.db.delete(ssoLogins).where(lt(ssoLogins.expiresAt, Date.now())), this.db.insert(ssoLogins).values(row)]);
  }

  /** Marks the login used and returns it, once: a second call, or one after expiry, gets undefined. */
  consumeSsoLogin(stateSha256: string, now = Date.now()) {
    return this.db
      .update(ssoLogins)
      .set({ usedAt: now })
      .where(and(eq(ssoLogins.stateSha256, stateSha256), isNull(ssoLogins.usedAt), gt(ssoLogins.expiresAt, now)))
      .returning()
      .get();
  }

  /**
   * Takes an MFA challenge for one second-factor attempt: true for the one caller that inserted its
   * row (one statement, so two requests with one challenge cannot both get true), and only while
   * the account's credentials epoch is still the challenge's (a takeover since ends it).
   */
  async claimMfaChallenge(challenge: { jtiSha256: string; userId: string; expiresAt: number; credentialsEpoch: number }): Promise<boolean> {
    const { jtiSha256, userId, expiresAt, credentialsEpoch } = challenge;
    const [, inserted] = await this.db.batch([
      this.db.delete(mfaChallengesSpent).where(lt(mfaChallengesSpent.expiresAt, Date.now())),
      this.db
        .insert(mfaChallengesSpent)
        .select(
          this.db
            .select({
              jtiSha256: sql<string>`${jtiSha256}`.as("jti_sha256"),
              userId: users.id,
              expiresAt: sql<number>`${expiresAt}`.as("expires_at"),
              createdAt: sql<number>`(unixepoch('subsec') * 1000)`.as("created_at"),
            })
            .from(users)
            .where(and(eq(users.id, userId), eq(users.credentialsEpoch, credentialsEpoch))),
        )
        .onConflictDoNothing()
        .returning({ jtiSha256: mfaChallengesSpent.jtiSha256 }),
    ]);
    return inserted.length === 1;
  }

  /** Gives a challenge back after an attempt that did not produce a session (a mistyped code). */
  async releaseMfaChallenge(jtiSha256: string) {
    await this.db.delete(mfaChallengesSpent).where(eq(mfaChallengesSpent.jtiSha256, jtiSha256));
  }

  /** The challenge is neither held nor spent, and its account's credentials epoch is still the challenge's. */
  async mfaChallengeOpen(challenge: { jtiSha256: string; userId: string; credentialsEpoch: number }): Promise<boolean> {
    const row = await this.db
      .select({ id: users.id })
      .from(users)
      .where(
        and(
          eq(users.id, challenge.userId),
          eq(users.credentialsEpoch, challenge.credentialsEpoch),
          notExists(this.db.select({ one: sql`1` }).from(mfaChallengesSpent).where(eq(mfaChallengesSpent.jtiSha256, challenge.jtiSha256))),
        ),
      )
      .get();
    return row !== undefined;
  }

  mfa(userId: string) {
    return this.db.select().from(userMfa).where(eq(userMfa.userId, userId)).get();
  }

  /** A new, not yet enabled factor; refused (undefined) while an enabled one exists. */
  async putPendingMfa(userId: string, sealed: VaultRecord) {
    return this.db
      .insert(userMfa)
      .values({ userId, ...sealed, enabledAt: null, lastStep: 0 })
      .onConflictDoUpdate({ target: userMfa.userId, set: { ...sealed, lastStep: 0 }, setWhere: isNull(userMfa.enabledAt) })
      .returning()
      .get();
  }

  /**
   * Accepts a TOTP step: only if it is later than the last one accepted, so a code is good once
   * (the compare-and-set is one statement, so two requests with one code cannot both pass).
   */
  async acceptStep(userId: string, step: number): Promise<boolean> {
    const row = await this.db
      .update(userMfa)
      .set({ lastStep: step })
      .where(and(eq(userMfa.userId, userId), lt(userMfa.lastStep, step)))
      .returning({ userId: userMfa.userId })
      .get();
    return row !== undefined;
  }

  /** Enables the factor and stores fresh recovery codes (hashes), replacing any older ones. */
  async enableMfa(userId: string, recoveryCodeHashes: string[]) {
    await this.db.batch([
      this.db.update(userMfa).set({ enabledAt: Date.now() }).where(eq(userMfa.userId, userId)),
      this.db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)),
      ...recoveryCodeHashes.map((codeSha256) => this.db.insert(mfaRecoveryCodes).values({ userId, codeSha256 })),
    ]);
  }

  async removeMfa(userId: string) {
    await this.db.batch([
      this.db.delete(userMfa).where(eq(userMfa.userId, userId)),
      this.db.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId)),
    ]);
  }

  /** Uses a recovery code once; true when it was unused. */
  async useRecoveryCode(userId: string, codeSha256: string): Promise<boolean> {
    const row = await this.db
      .update(mfaRecoveryCodes)
      .set({ usedAt: Date.now() })
      .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeSha256, codeSha256), isNull(mfaRecoveryCodes.usedAt)))
      .returning({ userId: mfaRecoveryCodes.userId })
      .get();
    return row !== undefined;
  }

  async unusedRecoveryCodes(userId: string): Promise<number> {
    const row = await this.db
      .select({ n: sql<number>`count(*)` })
      .from(mfaRecoveryCodes)
      .where(and(eq(mfaRecoveryCodes.userId, userId), isNull(mfaRecoveryCodes.usedAt)))
      .get();
    return row?.n ?? 0;
  }
}
