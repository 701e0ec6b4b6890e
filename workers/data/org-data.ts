// The only way to reach org-scoped tables: orgData(db, orgId) binds every query to one org,
// so a handler cannot read or write another org's rows by passing a foreign id.
import { and, asc, eq, gt, inArray, isNull, like, or, type SQL } from "drizzle-orm";
import { AppError } from "../errors.js";
import { ID_PATTERN, newId } from "../identity/crypto.js";
import { type Db, tables } from "./db.js";
import type { PageRequest } from "./pagination.js";

const { teams, teamMemberships, projects, agents, tokens, memberships, users, orgs } = tables;

export type TeamRow = typeof teams.$inferSelect;
export type ProjectRow = typeof projects.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type Role = (typeof memberships.$inferSelect)["role"];
export type TokenKind = TokenRow["kind"];

/** Names of sandbox session tokens: this prefix and the sandbox id. */
export const SANDBOX_TOKEN_PREFIX = "sandbox:";

/** Fetches one extra row so the caller can tell whether there is a next page. */
const take = (page: PageRequest) => page.limit + 1;

export function orgData(db: Db, orgId: string): OrgData {
  return new OrgData(db, orgId);
}

/**
 * Base of every org-scoped store: it cannot be built without a valid org id, and its
 * `scope()` starts every predicate with org_id = that org.
 */
export abstract class OrgScoped {
  constructor(
    protected readonly db: Db,
    readonly orgId: string,
  ) {
    if (!ID_PATTERN.test(orgId)) throw new AppError("internal", "org-scoped access without a valid org id");
  }

  protected scope<T extends { orgId: Parameters<typeof eq>[0] }>(table: T, ...conds: Array<SQL | undefined>): SQL {
    return and(eq(table.orgId, this.orgId), ...conds) as SQL;
  }
}

export class OrgData extends OrgScoped {
  org() {
    return this.db.select().from(orgs).where(eq(orgs.id, this.orgId)).get();
  }

  async renameOrg(name: string) {
    return this.db.update(orgs).set({ name }).where(eq(orgs.id, this.orgId)).returning().get();
  }

  async deleteOrg() {
    await this.db.delete(orgs).where(eq(orgs.id, this.orgId));
  }

  // ── members ──────────────────────────────────────────────────────────────
  membership(userId: string) {
    return this.db
      .select()
      .from(memberships)
      .where(this.scope(memberships, eq(memberships.userId, userId)))
      .get();
  }

  /** The membership of the account with this e-mail, if it is a member of this org. */
  memberByEmail(email: string) {
    return this.db
      .select({ userId: memberships.userId, role: memberships.role })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(this.scope(memberships, eq(users.email, email)))
      .get();
  }

  listMembers(page: PageRequest, after?: string) {
    return this.db
      .select({ id: users.id, email: users.email, role: memberships.role, createdAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(this.scope(memberships, after ? gt(memberships.userId, after) : undefined))
      .orderBy(asc(memberships.userId))
      .limit(take(page))
      .all();
  }

  addMember(userId: string, role: Role) {
    return this.db.insert(memberships).values({ orgId: this.orgId, userId, role }).onConflictDoNothing().returning().get();
  }

  setMemberRole(userId: string, role: Role) {
    return this.db
      .update(memberships)
      .set({ role })
      .where(this.scope(memberships, eq(memberships.userId, userId)))
      .returning()
      .get();
  }

  async removeMember(userId: string) {
    await this.db.batch([
      this.db.delete(teamMemberships).where(this.scope(teamMemberships, eq(teamMemberships.userId, userId))),
      this.db
        .update(tokens)
        .set({ revokedAt: Date.now() })
        .where(this.scope(tokens, eq(tokens.kind, "admin"), eq(tokens.subjectId, userId), isNull(tokens.revokedAt))),
      this.db.delete(memberships).where(this.scope(memberships, eq(memberships.userId, userId))),
    ]);
  }

  async countOwners() {
    const rows = await this.db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(this.scope(memberships, eq(memberships.role, "owner")))
      .all();
    return rows.length;
  }

  // ── teams ────────────────────────────────────────────────────────────────
  listTeams(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(teams)
      .where(this.scope(teams, after ? gt(teams.id, after) : undefined))
      .orderBy(asc(teams.id))
      .limit(take(page))
      .all();
  }

  team(id: string) {
    return this.db
      .select()
      .from(teams)
      .where(this.scope(teams, eq(teams.id, id)))
      .get();
  }

  createTeam(name: string) {
    return this.db
      .insert(teams)
      .values({ id: newId("team"), orgId: this.orgId, name })
      .returning()
      .get();
  }

  updateTeam(id: string, patch: { name?: string | undefined }) {
    return this.db
      .update(teams)
      .set(patch)
      .where(this.scope(teams, eq(teams.id, id)))
      .returning()
      .get();
  }

  deleteTeam(id: string) {
    return this.db
      .delete(teams)
      .where(this.scope(teams, eq(teams.id, id)))
      .returning()
      .get();
  }

  teamRole(teamId: string, userId: string) {
    return this.db
      .select({ role: teamMemberships.role })
      .from(teamMemberships)
      .where(this.scope(teamMemberships, eq(teamMemberships.teamId, teamId), eq(teamMemberships.userId, userId)))
      .get();
  }

  teamsOfUser(userId: string) {
    return this.db
      .select({ teamId: teamMemberships.teamId, role: teamMemberships.role })
      .from(teamMemberships)
      .where(this.scope(teamMemberships, eq(teamMemberships.userId, userId)))
      .all();
  }

  listTeamMembers(teamId: string) {
    return this.db
      .select({ userId: users.id, email: users.email, role: teamMemberships.role })
      .from(teamMemberships)
      .innerJoin(users, eq(users.id, teamMemberships.userId))
      .where(this.scope(teamMemberships, eq(teamMemberships.teamId, teamId)))
      .orderBy(asc(users.id))
      .all();
  }

  setTeamMember(teamId: string, userId: string, role: "admin" | "member") {
    return this.db
      .insert(teamMemberships)
      .values({ orgId: this.orgId, teamId, userId, role })
      .onConflictDoUpdate({ target: [teamMemberships.teamId, teamMemberships.userId], set: { role } })
      .returning()
      .get();
  }

  removeTeamMember(teamId: string, userId: string) {
    return this.db
      .delete(teamMemberships)
      .where(this.scope(teamMemberships, eq(teamMemberships.teamId, teamId), eq(teamMemberships.userId, userId)))
      .returning()
      .get();
  }

  // ── projects ─────────────────────────────────────────────────────────────
  listProjects(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(projects)
      .where(this.scope(projects, after ? gt(projects.id, after) : undefined))
      .orderBy(asc(projects.id))
      .limit(take(page))
      .all();
  }

  project(id: string) {
    return this.db
      .select()
      .from(projects)
      .where(this.scope(projects, eq(projects.id, id)))
      .get();
  }

  createProject(values: { name: string; teamId: string | null }) {
    return this.db
      .insert(projects)
      .values({ id: newId("prj"), orgId: this.orgId, ...values })
      .returning()
      .get();
  }

  updateProject(id: string, patch: { name?: string | undefined; teamId?: string | null | undefined }) {
    return this.db
      .update(projects)
      .set(patch)
      .where(this.scope(projects, eq(projects.id, id)))
      .returning()
      .get();
  }

  deleteProject(id: string) {
    return this.db
      .delete(projects)
      .where(this.scope(projects, eq(projects.id, id)))
      .returning()
      .get();
  }

  // ── agents ───────────────────────────────────────────────────────────────
  /** Lists agents; `visibleTo` restricts a plain member to their teams' agents and their own. */
  listAgents(page: PageRequest, after?: string, visibleTo?: { userId: string; teamIds: string[] }) {
    const visibility = visibleTo
      ? or(eq(agents.createdBy, visibleTo.userId), visibleTo.teamIds.length ? inArray(agents.teamId, visibleTo.teamIds) : undefined)
      : undefined;
    return this.db
      .select()
      .from(agents)
      .where(this.scope(agents, after ? gt(agents.id, after) : undefined, visibility))
      .orderBy(asc(agents.id))
      .limit(take(page))
      .all();
  }

  agent(id: string) {
    return this.db
      .select()
      .from(agents)
      .where(this.scope(agents, eq(agents.id, id)))
      .get();
  }

  /** Every agent of a team, or of the whole org when teamId is null. */
  agentsIn(teamId: string | null) {
    return this.db
      .select({ id: agents.id })
      .from(agents)
      .where(this.scope(agents, teamId ? eq(agents.teamId, teamId) : undefined))
      .all();
  }

  subagents(parentId: string) {
    return this.db
      .select()
      .from(agents)
      .where(this.scope(agents, eq(agents.parentAgentId, parentId)))
      .all();
  }

  /** Creates the agent and its first token in one D1 batch (both or neither). */
  async createAgentWithToken(values: Omit<typeof agents.$inferInsert, "id" | "orgId">, token: { sha256: string; prefix: string }) {
    const id = newId("agt");
    const [created] = await this.db.batch([
      this.db
        .insert(agents)
        .values({ ...values, id, orgId: this.orgId })
        .returning(),
      this.db.insert(tokens).values({
        id: newId("tok"),
        orgId: this.orgId,
        kind: "agent",
        subjectId: id,
        sha256: token.sha256,
        prefix: token.prefix,
      }),
    ]);
    const row = created[0];
    if (!row) throw new AppError("internal", "agent insert returned nothing");
    return row;
  }

  updateAgent(id: string, patch: Partial<Pick<AgentRow, "name" | "teamId" | "projectId" | "autonomy" | "status">>) {
    return this.db
      .update(agents)
      .set(patch)
      .where(this.scope(agents, eq(agents.id, id)))
      .returning()
      .get();
  }

  async deleteAgent(id: string) {
    const subjects = [id, ...(await this.subagents(id)).map((a) => a.id)];
    await this.db.batch([
      this.db
        .update(tokens)
        .set({ revokedAt: Date.now() })
        .where(this.scope(tokens, eq(tokens.kind, "agent"), inArray(tokens.subjectId, subjects), isNull(tokens.revokedAt))),
      this.db.delete(agents).where(this.scope(agents, inArray(agents.id, subjects.slice(1)))),
      this.db.delete(agents).where(this.scope(agents, eq(agents.id, id))),
    ]);
    return subjects;
  }

  // ── tokens ───────────────────────────────────────────────────────────────
  activeTokens(kind: TokenKind, subjectId: string) {
    return this.db
      .select()
      .from(tokens)
      .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.subjectId, subjectId), isNull(tokens.revokedAt)))
      .all();
  }

  /** The active token prefix of each subject that has one (for list views), in chunks under D1's bound-parameter limit. */
  async activeTokenPrefixes(kind: TokenKind, subjectIds: string[]): Promise<Map<string, string>> {
    const prefixes = new Map<string, string>();
    for (let i = 0; i < subjectIds.length; i += 90) {
      const rows = await this.db
        .select({ subjectId: tokens.subjectId, prefix: tokens.prefix })
        .from(tokens)
        .where(this.scope(tokens, eq(tokens.kind, kind), inArray(tokens.subjectId, subjectIds.slice(i, i + 90)), isNull(tokens.revokedAt)))
        .all();
      for (const r of rows) prefixes.set(r.subjectId, r.prefix);
    }
    return prefixes;
  }

  /** Revokes every live token of the subjects; returns the revoked hashes (for cache eviction). */
  async revokeTokens(kind: TokenKind, subjectIds: string[]): Promise<string[]> {
    if (subjectIds.length === 0) return [];
    const rows = await this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.kind, kind), inArray(tokens.subjectId, subjectIds), isNull(tokens.revokedAt)))
      .returning({ sha256: tokens.sha256 })
      .all();
    return rows.map((r) => r.sha256);
  }

  /**
   * Revokes the subject's live tokens and inserts a new one atomically (rotation). Its sandbox
   * session tokens ("sandbox:…") go too: a session never outlives the credential it came from.
   */
  async replaceToken(kind: TokenKind, subjectId: string, token: { sha256: string; prefix: string; name?: string | null }) {
    const live = await this.activeTokens(kind, subjectId);
    await this.db.batch([
      this.db
        .update(tokens)
        .set({ revokedAt: Date.now() })
        .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.subjectId, subjectId), isNull(tokens.revokedAt))),
      this.db.insert(tokens).values({ id: newId("tok"), orgId: this.orgId, kind, subjectId, ...token }),
    ]);
    return live.map((t) => t.sha256);
  }

  /** Revokes the live sandbox session tokens of these agents; returns their hashes (for cache eviction). */
  async revokeSandboxTokens(agentIds: string[]): Promise<string[]> {
    if (agentIds.length === 0) return [];
    const rows = await this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(
        this.scope(
          tokens,
          eq(tokens.kind, "agent"),
          inArray(tokens.subjectId, agentIds),
          like(tokens.name, `${SANDBOX_TOKEN_PREFIX}%`),
          isNull(tokens.revokedAt),
        ),
      )
      .returning({ sha256: tokens.sha256 })
      .all();
    return rows.map((r) => r.sha256);
  }

  insertToken(kind: TokenKind, subjectId: string, token: { sha256: string; prefix: string; name?: string | null; expiresAt?: number | null }) {
    return this.db
      .insert(tokens)
      .values({ id: newId("tok"), orgId: this.orgId, kind, subjectId, ...token })
      .returning()
      .get();
  }

  listTokens(kind: TokenKind, page: PageRequest, after?: string, subjectId?: string) {
    return this.db
      .select()
      .from(tokens)
      .where(
        this.scope(tokens, eq(tokens.kind, kind), subjectId ? eq(tokens.subjectId, subjectId) : undefined, after ? gt(tokens.id, after) : undefined),
      )
      .orderBy(asc(tokens.id))
      .limit(take(page))
      .all();
  }

  /** Revokes the live tokens of a subject that carry this name (e.g. one sandbox session). */
  async revokeNamedTokens(kind: TokenKind, subjectId: string, name: string): Promise<string[]> {
    const rows = await this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.subjectId, subjectId), eq(tokens.name, name), isNull(tokens.revokedAt)))
      .returning({ sha256: tokens.sha256 })
      .all();
    return rows.map((r) => r.sha256);
  }

  token(kind: TokenKind, id: string) {
    return this.db
      .select()
      .from(tokens)
      .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.id, id)))
      .get();
  }

  revokeTokenById(kind: TokenKind, id: string) {
    return this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.id, id), isNull(tokens.revokedAt)))
      .returning()
      .get();
  }
}
