// Org-scoped storage of invitations, and the one global lookup: by token hash (the hash names its org).
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { newId } from "../ids.js";
import { type Db, tables } from "./db.js";
import type { Role } from "./org-data.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { invitations } = tables;

export type InvitationRow = typeof invitations.$inferSelect;

/** An invitation by the SHA-256 of its token, whatever its org (the accepting caller has no org yet). */
export function invitationByTokenHash(db: Db, sha256: string): Promise<InvitationRow | undefined> {
  return db.select().from(invitations).where(eq(invitations.tokenSha256, sha256)).get();
}

const pending = (now: number) => and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, now));

export class InvitationStore extends OrgScoped {
  list(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(invitations)
      .where(this.scope(invitations, after ? gt(invitations.id, after) : undefined))
      .orderBy(asc(invitations.id))
      .limit(page.limit + 1)
      .all();
  }

  invitation(id: string) {
    return this.db
      .select()
      .from(invitations)
      .where(this.scope(invitations, eq(invitations.id, id)))
      .get();
  }

  /** Creates an invitation; the e-mail's earlier pending invitations to this org are revoked with it (one live token per person). */
  async create(values: { email: string; role: Role; tokenSha256: string; passwordHash: string | null; invitedBy: string; expiresAt: number }) {
    const now = Date.now();
    const [, inserted] = await this.db.batch([
      this.db
        .update(invitations)
        .set({ revokedAt: now })
        .where(this.scope(invitations, eq(invitations.email, values.email), pending(now))),
      this.db
        .insert(invitations)
        .values({ ...values, id: newId("inv", now), orgId: this.orgId })
        .returning(),
    ]);
    const row = inserted[0];
    if (!row) throw new Error("invitation insert returned nothing");
    return row;
  }

  revoke(id: string) {
    const now = Date.now();
    return this.db
      .update(invitations)
      .set({ revokedAt: now })
      .where(this.scope(invitations, eq(invitations.id, id), pending(now)))
      .returning()
      .get();
  }

  /** Marks a pending invitation accepted by `userId`; undefined if it was no longer pending (first claim wins). */
  claim(id: string, userId: string, now: number) {
    return this.db
      .update(invitations)
      .set({ acceptedAt: now, acceptedBy: userId, passwordHash: null })
      .where(this.scope(invitations, eq(invitations.id, id), pending(now)))
      .returning()
      .get();
  }

  /** Undoes a claim whose membership could not be created, so the invitation can be used again. */
  async unclaim(id: string, passwordHash: string | null) {
    await this.db
      .update(invitations)
      .set({ acceptedAt: null, acceptedBy: null, passwordHash })
      .where(this.scope(invitations, eq(invitations.id, id)));
  }
}
