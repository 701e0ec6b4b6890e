// Org-scoped SCIM state: members with their externalId, names and active flag (scim_users), and
// teams with the identity provider's externalId (scim_groups). Every query is bound to one org.
import { and, asc, count, eq, inArray, isNull, ne, type SQL, sql } from "drizzle-orm";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { memberships, users, scimUsers, scimGroups, teams, teamMemberships } = tables;

/** D1 binds at most 100 parameters per statement: lists of ids go in chunks that leave room for the scope. */
export const IN_CHUNK = 90;

export function chunks<T>(items: T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ScimMemberRow {
  userId: string;
  email: string;
  role: "owner" | "admin" | "member";
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  deactivatedAt: number | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface ScimGroupRow {
  teamId: string;
  name: string;
  externalId: string | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface MemberFilter {
  userName?: string | undefined;
  externalId?: string | undefined;
}

export interface GroupFilter {
  displayName?: string | undefined;
  externalId?: string | undefined;
}

export interface ScimUserFields {
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
}

export class ScimStore extends OrgScoped {
  private memberSelect() {
    return this.db
      .select({
        userId: memberships.userId,
        email: users.email,
        role: memberships.role,
        externalId: scimUsers.externalId,
        givenName: scimUsers.givenName,
        familyName: scimUsers.familyName,
        displayName: scimUsers.displayName,
        deactivatedAt: scimUsers.deactivatedAt,
        createdAt: memberships.createdAt,
        updatedAt: scimUsers.updatedAt,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)));
  }

  private memberWhere(filter: MemberFilter): SQL {
    return this.scope(
      memberships,
      filter.userName !== undefined ? eq(users.email, filter.userName) : undefined,
      filter.externalId !== undefined ? eq(scimUsers.externalId, filter.externalId) : undefined,
    );
  }

  member(userId: string): Promise<ScimMemberRow | undefined> {
    return this.memberSelect()
      .where(this.scope(memberships, eq(memberships.userId, userId)))
      .get();
  }

  /** A page of members (SCIM startIndex is 1-based; offset here is 0-based) and the total that match. */
  async listMembers(filter: MemberFilter, offset: number, limit: number): Promise<{ rows: ScimMemberRow[]; total: number }> {
    const where = this.memberWhere(filter);
    const rows = limit === 0 ? [] : await this.memberSelect().where(where).orderBy(asc(memberships.userId)).limit(limit).offset(offset).all();
    const [total] = await this.db
      .select({ n: count() })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
      .where(where)
      .all();
    return { rows, total: total?.n ?? 0 };
  }

  /** How many orgs the account belongs to (an account shared with another org keeps its e-mail and password). */
  async orgCountOfUser(userId: string): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(memberships).where(eq(memberships.userId, userId)).all();
    return row?.n ?? 0;
  }

  /** Adds the account as a member (role member) with its SCIM fields, atomically. */
  async addMember(userId: string, fields: ScimUserFields, deactivatedAt: number | null) {
    const now = Date.now();
    await this.db.batch([
      this.db.insert(memberships).values({ orgId: this.orgId, userId, role: "member" }),
      this.db.insert(scimUsers).values({ orgId: this.orgId, userId, ...fields, deactivatedAt, updatedAt: now }),
    ]);
  }

  /** Writes the member's SCIM fields and active state; the e-mail too when given (an account of this org alone). */
  async writeMember(userId: string, fields: ScimUserFields, deactivatedAt: number | null, email?: string) {
    const now = Date.now();
    const upsert = this.db
      .insert(scimUsers)
      .values({ orgId: this.orgId, userId, ...fields, deactivatedAt, updatedAt: now })
      .onConflictDoUpdate({ target: [scimUsers.orgId, scimUsers.userId], set: { ...fields, deactivatedAt, updatedAt: now } });
    if (email !== undefined && !(await this.renameAccount(userId, email))) return false;
    await upsert;
    return true;
  }

  /**
   * Renames an account that holds no password and belongs to this org alone, in one conditional
   * statement (a password or a second org arriving meanwhile makes it false); false on a taken e-mail.
   */
  private async renameAccount(userId: string, email: string): Promise<boolean> {
    const otherOrgs = this.db
      .select({ n: sql<number>`count(*)` })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), ne(memberships.orgId, this.orgId)));
    try {
      const row = await this.db
        .update(users)
        .set({ email })
        .where(and(eq(users.id, userId), isNull(users.passwordHash), sql`(${otherOrgs}) = 0`))
        .returning({ id: users.id })
        .get();
      return row !== undefined;
    } catch (error) {
      if (String(error).includes("UNIQUE")) return false;
      throw error;
    }
  }

  // ── groups (teams) ────────────────────────────────────────────────────────
  private groupSelect() {
    return this.db
      .select({ teamId: teams.id, name: teams.name, externalId: scimGroups.externalId, createdAt: teams.createdAt, updatedAt: scimGroups.updatedAt })
      .from(teams)
      .leftJoin(scimGroups, and(eq(scimGroups.orgId, teams.orgId), eq(scimGroups.teamId, teams.id)));
  }

  private groupWhere(filter: GroupFilter): SQL {
    return this.scope(
      teams,
      filter.displayName !== undefined ? eq(teams.name, filter.displayName) : undefined,
      filter.externalId !== undefined ? eq(scimGroups.externalId, filter.externalId) : undefined,
    );
  }

  group(teamId: string): Promise<ScimGroupRow | undefined> {
    return this.groupSelect()
      .where(this.scope(teams, eq(teams.id, teamId)))
      .get();
  }

  async listGroups(filter: GroupFilter, offset: number, limit: number): Promise<{ rows: ScimGroupRow[]; total: number }> {
    const where = this.groupWhere(filter);
    const rows = limit === 0 ? [] : await this.groupSelect().where(where).orderBy(asc(teams.id)).limit(limit).offset(offset).all();
    const [total] = await this.db
      .select({ n: count() })
      .from(teams)
      .leftJoin(scimGroups, and(eq(scimGroups.orgId, teams.orgId), eq(scimGroups.teamId, teams.id)))
      .where(where)
      .all();
    return { rows, total: total?.n ?? 0 };
  }

  /** The members of each team, by team id. */
  async groupMembers(teamIds: string[]): Promise<Map<string, Array<{ userId: string; email: string }>>> {
    const byTeam = new Map<string, Array<{ userId: string; email: string }>>(teamIds.map((id) => [id, []]));
    for (const part of chunks(teamIds)) {
      const rows = await this.db
        .select({ teamId: teamMemberships.teamId, userId: teamMemberships.userId, email: users.email })
        .from(teamMemberships)
        .innerJoin(users, eq(users.id, teamMemberships.userId))
        .where(this.scope(teamMemberships, inArray(teamMemberships.teamId, part)))
        .orderBy(asc(teamMemberships.userId))
        .all();
      for (const r of rows) byTeam.get(r.teamId)?.push({ userId: r.userId, email: r.email });
    }
    return byTeam;
  }

  /** Which of these ids are members of the org. */
  async memberIds(userIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const part of chunks(userIds)) {
      const rows = await this.db
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(this.scope(memberships, inArray(memberships.userId, part)))
        .all();
      for (const r of rows) found.add(r.userId);
    }
    return found;
  }

  /** Creates the team with its SCIM externalId and members (role member), atomically. */
  async createGroup(name: string, externalId: string | null, memberIds: string[]): Promise<string> {
    const id = newId("team");
    const now = Date.now();
    await this.db.batch([
      this.db.insert(teams).values({ id, orgId: this.orgId, name }),
      this.db.insert(scimGroups).values({ orgId: this.orgId, teamId: id, externalId, updatedAt: now }),
      ...memberIds.map((userId) => this.db.insert(teamMemberships).values({ orgId: this.orgId, teamId: id, userId, role: "member" })),
    ]);
    return id;
  }

  /**
   * Writes the team's name, externalId and exact member set in one batch: members who stay keep
   * their team role, new ones join as members, the others leave (deleted by id, in chunks, so a
   * team of any size stays within D1's bound-parameter limit).
   */
  async writeGroup(teamId: string, name: string, externalId: string | null, memberIds: string[]) {
    const now = Date.now();
    const wanted = new Set(memberIds);
    const current = await this.db
      .select({ userId: teamMemberships.userId })
      .from(teamMemberships)
      .where(this.scope(teamMemberships, eq(teamMemberships.teamId, teamId)))
      .all();
    const leavers = current.map((r) => r.userId).filter((id) => !wanted.has(id));
    await this.db.batch([
      this.db
        .update(teams)
        .set({ name })
        .where(this.scope(teams, eq(teams.id, teamId))),
      this.db
        .insert(scimGroups)
        .values({ orgId: this.orgId, teamId, externalId, updatedAt: now })
        .onConflictDoUpdate({ target: [scimGroups.orgId, scimGroups.teamId], set: { externalId, updatedAt: now } }),
      ...chunks(leavers).map((part) =>
        this.db.delete(teamMemberships).where(this.scope(teamMemberships, eq(teamMemberships.teamId, teamId), inArray(teamMemberships.userId, part))),
      ),
      ...memberIds.map((userId) =>
        this.db.insert(teamMemberships).values({ orgId: this.orgId, teamId, userId, role: "member" }).onConflictDoNothing(),
      ),
    ]);
  }

  async deleteGroup(teamId: string) {
    await this.db.delete(teams).where(this.scope(teams, eq(teams.id, teamId)));
  }
}
