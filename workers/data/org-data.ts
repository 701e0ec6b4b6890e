// Org-scoped access to the org itself, members, teams, projects, agents and tokens; every query is bound to one org.
import { and, asc, eq, exists, getTableColumns, gt, inArray, isNull, ne, or, type SQL, sql } from "drizzle-orm";
import { AppError } from "../errors.js";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { teams, teamMemberships, projects, agents, tokens, memberships, users, orgs, scimUsers, sessions } = tables;

export type OrgRow = typeof orgs.$inferSelect;
export type TeamRow = typeof teams.$inferSelect;
export type ProjectRow = typeof projects.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type Role = (typeof memberships.$inferSelect)["role"];
export type TokenKind = TokenRow["kind"];

/** Names of sandbox session tokens: this prefix and the sandbox id. */
export const SANDBOX_TOKEN_PREFIX = "sandbox:";

/** A token's conditions for being live at `now`: not revoked, not lapsed. */
const liveAt = (now: number) => [isNull(tokens.revokedAt), or(isNull(tokens.expiresAt), gt(tokens.expiresAt, now))];

/** Fetches one extra row so the caller can tell whether there is a next page. */
const take = (page: PageRequest) => page.limit + 1;

export class OrgData extends OrgScoped {
  org() {
    return this.db.select().from(orgs).where(eq(orgs.id, this.orgId)).get();
  }

  setOrgSuspension(state: { suspendedAt: number | null; suspendReason: string | null }) {
    return this.db.update(orgs).set(state).where(eq(orgs.id, this.orgId)).returning().get();
  }

  /** Every agent with what decides whether it may act again after an org-wide suspension. */
  agentsWithSuspension() {
    return this.db
      .select({ id: agents.id, parentAgentId: agents.parentAgentId, suspendedAt: agents.suspendedAt })
      .from(agents)
      .where(this.scope(agents))
      .all();
  }

  async renameOrg(name: string) {
    return this.db.update(orgs).set({ name }).where(eq(orgs.id, this.orgId)).returning().get();
  }

  async deleteOrg() {
    await this.db.delete(orgs).where(eq(orgs.id, this.orgId));
  }

  // ── members ──────────────────────────────────────────────────────────────
  /** The member's role, and when SCIM deactivated them in this org (null while active). */
  membership(userId: string) {
    return this.db
      .select({ ...getTableColumns(memberships), deactivatedAt: scimUsers.deactivatedAt })
      .from(memberships)
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
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

  /**
   * Adds the member only while the account's credentials epoch is still `epoch` (read when the
   * sign-in was checked), in one statement: an invitation that took the account over in between
   * bumped the epoch, and its new holder must not inherit a membership the old holder's sign-in
   * earned. True when the account is a member at that epoch (added now or already).
   */
  addMemberAtEpoch(userId: string, role: Role, epoch: number): Promise<boolean> {
    return this.#addMemberWhile(userId, role, eq(users.credentialsEpoch, epoch));
  }

  /**
   * Adds the member only while the session (by its jti's hash) that asked is live, in one
   * statement: a takeover revokes the old holder's sessions in the same transaction that moves the
   * account, so a request authenticated just before it cannot add the new holder to an org.
   */
  addMemberWhileSessionLive(userId: string, role: Role, jtiSha256: string): Promise<boolean> {
    const live = exists(
      this.db
        .select({ one: sql`1` })
        .from(sessions)
        .where(and(eq(sessions.jtiSha256, jtiSha256), eq(sessions.userId, users.id), isNull(sessions.revokedAt))),
    );
    return this.#addMemberWhile(userId, role, live);
  }

  async #addMemberWhile(userId: string, role: Role, condition: SQL | undefined): Promise<boolean> {
    const holds = and(eq(users.id, userId), condition);
    const [, current] = await this.db.batch([
      this.db
        .insert(memberships)
        .select(
          this.db
            .select({
              orgId: sql<string>`${this.orgId}`.as("org_id"),
              userId: users.id,
              role: sql<Role>`${role}`.as("role"),
              createdAt: sql<number>`(unixepoch('subsec') * 1000)`.as("created_at"),
            })
            .from(users)
            .where(holds),
        )
        .onConflictDoNothing(),
      this.db
        .select({ one: sql`1` })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(this.scope(memberships, and(eq(memberships.userId, userId), holds))),
    ]);
    return current.length === 1;
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
      this.db.delete(scimUsers).where(this.scope(scimUsers, eq(scimUsers.userId, userId))),
      this.db.delete(memberships).where(this.scope(memberships, eq(memberships.userId, userId))),
    ]);
  }

  /** Owners SCIM has not deactivated: the ones who can still manage the org. */
  async countActiveOwners() {
    const rows = await this.db
      .select({ userId: memberships.userId })
      .from(memberships)
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
      .where(this.scope(memberships, eq(memberships.role, "owner"), isNull(scimUsers.deactivatedAt)))
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

  /** Ids of the projects of these teams. */
  async projectIdsOfTeams(teamIds: string[]): Promise<string[]> {
    if (teamIds.length === 0) return [];
    const rows = await this.db
      .select({ id: projects.id })
      .from(projects)
      .where(this.scope(projects, inArray(projects.teamId, teamIds)))
      .all();
    return rows.map((r) => r.id);
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

  /** Every agent of the org with what decides which policies reach it (scopes and parent). */
  agentScopes() {
    return this.db
      .select({ id: agents.id, teamId: agents.teamId, projectId: agents.projectId, parentAgentId: agents.parentAgentId })
      .from(agents)
      .where(this.scope(agents))
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

  /**
   * Subagents of the parent that can still act: active, with a live token (not revoked, not lapsed:
   * a session-minted subagent whose session lapsed can never act again). Binds (org, parent).
   */
  private static readonly LIVE_SUBAGENTS = `(SELECT count(*) FROM agents a WHERE a.org_id = ?1 AND a.parent_agent_id = ?2 AND a.status = 'active'
    AND EXISTS (SELECT 1 FROM tokens t WHERE t.org_id = a.org_id AND t.kind = 'agent' AND t.subject_id = a.id AND t.revoked_at IS NULL
    AND (t.expires_at IS NULL OR t.expires_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000)))`;

  /** Whether this subagent counts among its parent's live subagents (LIVE_SUBAGENTS). */
  async isLiveSubagent(subagent: Pick<AgentRow, "id" | "status">): Promise<boolean> {
    if (subagent.status !== "active") return false;
    const now = Date.now();
    return (await this.activeTokens("agent", subagent.id)).some((t) => t.expiresAt === null || t.expiresAt > now);
  }

  async liveSubagents(parentId: string): Promise<number> {
    const row = await this.db.$client.prepare(`SELECT ${OrgData.LIVE_SUBAGENTS} AS n`).bind(this.orgId, parentId).first<{ n: number }>();
    return row?.n ?? 0;
  }

  /** The token the parent minted with (its id) is live at `now`: not revoked, not lapsed. Binds (org, parent, now, token id as ?11). */
  private static readonly MINTING_TOKEN_LIVE = `EXISTS (SELECT 1 FROM tokens s WHERE s.org_id = ?1 AND s.kind = 'agent' AND s.id = ?11
    AND s.subject_id = ?2 AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?9))`;

  /**
   * Creates a subagent and its first token in one transaction, only while the parent has fewer
   * than `maxLive` live subagents and, when the parent mints it itself, while the token it mints
   * with (`mintedWith`, a sandbox session's or its own) is live: both are checked inside the
   * transaction, so concurrent creates cannot pass the bound, and a mint that a rotation,
   * revocation or the session's end overtakes writes nothing (those revoke in one statement: a
   * subagent written before it is revoked with them). `token.name` binds the new token to a session.
   * `narrowing`: a policy (already saved) attached to the subagent in the same transaction, so no
   * subagent is ever written without the narrowing its parent gave it.
   */
  async createSubagentWithToken(
    values: Omit<typeof agents.$inferInsert, "id" | "orgId" | "parentAgentId" | "teamId" | "projectId"> & { id?: string; parentAgentId: string },
    token: { sha256: string; prefix: string; name?: string | null; expiresAt?: number | null },
    maxLive: number,
    mintedWith: string | null,
    narrowing: string | null = null,
  ): Promise<AgentRow | "limit" | "credential_ended" | "parent_inactive"> {
    const id = values.id ?? newId("agt");
    const now = Date.now();
    const d1 = this.db.$client;
    // Raw statements: drizzle's batch takes only its query builders, and the bound needs INSERT … SELECT … WHERE.
    const [inserted] = await d1.batch([
      d1
        .prepare(
          // Placed with its parent and never above it as the parent's row stands in this transaction (a move or a
          // lowering batched with its subagents' is either before it, and read here, or after it, and updates it too),
          // and only under a parent that may act (not suspended).
          `INSERT INTO agents (id, org_id, name, team_id, project_id, parent_agent_id, created_by, autonomy, status, created_at)
           SELECT ?3, ?1, ?4, p.team_id, p.project_id, ?2, ?7, MIN(?8, p.autonomy), 'active', ?9 FROM agents p
           WHERE p.org_id = ?1 AND p.id = ?2 AND p.status = 'active' AND p.suspended_at IS NULL AND ${OrgData.LIVE_SUBAGENTS} < ?10
           AND (?11 IS NULL OR ${OrgData.MINTING_TOKEN_LIVE})`,
        )
        // ?5 and ?6 stay unbound in meaning (the placement is the parent's): the shared bounds above number ?9 and ?11.
        .bind(this.orgId, values.parentAgentId, id, values.name, null, null, values.createdBy, values.autonomy ?? 3, now, maxLive, mintedWith),
      d1
        .prepare(
          `INSERT INTO tokens (id, org_id, kind, subject_id, sha256, prefix, name, expires_at, created_at)
           SELECT ?2, ?1, 'agent', ?3, ?4, ?5, ?7, ?8, ?6 WHERE EXISTS (SELECT 1 FROM agents WHERE org_id = ?1 AND id = ?3)`,
        )
        .bind(this.orgId, newId("tok"), id, token.sha256, token.prefix, now, token.name ?? null, token.expiresAt ?? null),
      ...(narrowing === null
        ? []
        : [
            d1
              .prepare(
                `INSERT INTO policy_attachments (org_id, policy_id, scope, scope_id, created_at)
                 SELECT ?1, ?2, 'agent', ?3, ?4 WHERE EXISTS (SELECT 1 FROM agents WHERE org_id = ?1 AND id = ?3)`,
              )
              .bind(this.orgId, narrowing, id, now),
          ]),
    ]);
    const agent = inserted?.meta.changes ? await this.agent(id) : undefined;
    if (agent) return agent;
    const parent = await this.agent(values.parentAgentId);
    if (parent?.status !== "active" || parent.suspendedAt !== null) return "parent_inactive";
    return mintedWith === null || (await this.liveToken(values.parentAgentId, mintedWith)) ? "limit" : "credential_ended";
  }

  /**
   * Gives a subagent that does not count among its parent's live subagents a token again (its other
   * tokens revoked) and makes it active, in one transaction, only while the parent has fewer than
   * `maxLive` live subagents: concurrent rotations cannot pass the bound, and one refused writes
   * nothing. The revoked tokens, or "limit".
   */
  async reviveSubagent(
    subagentId: string,
    parentId: string,
    token: { sha256: string; prefix: string; name?: string | null; expiresAt?: number | null },
    maxLive: number,
  ): Promise<Array<{ id: string; sha256: string }> | "limit"> {
    const tokenId = newId("tok");
    const now = Date.now();
    const d1 = this.db.$client;
    const given = "EXISTS (SELECT 1 FROM tokens WHERE org_id = ?1 AND id = ?3)";
    const [inserted, revoked] = await d1.batch([
      d1
        .prepare(
          `INSERT INTO tokens (id, org_id, kind, subject_id, sha256, prefix, name, expires_at, created_at)
           SELECT ?3, ?1, 'agent', ?4, ?5, ?6, ?7, ?8, ?9 WHERE ${OrgData.LIVE_SUBAGENTS} < ?10`,
        )
        .bind(this.orgId, parentId, tokenId, subagentId, token.sha256, token.prefix, token.name ?? null, token.expiresAt ?? null, now, maxLive),
      d1
        .prepare(
          `UPDATE tokens SET revoked_at = ?5 WHERE org_id = ?1 AND kind = 'agent' AND subject_id = ?4 AND revoked_at IS NULL AND id <> ?3 AND ${given} RETURNING id, sha256`,
        )
        .bind(this.orgId, parentId, tokenId, subagentId, now),
      d1.prepare(`UPDATE agents SET status = 'active' WHERE org_id = ?1 AND id = ?4 AND ${given}`).bind(this.orgId, parentId, tokenId, subagentId),
    ]);
    if (!inserted?.meta.changes) return "limit";
    return (revoked?.results ?? []) as Array<{ id: string; sha256: string }>;
  }

  /** The agent's token by id, while it is live (not revoked, not lapsed). */
  liveToken(subjectId: string, tokenId: string) {
    return this.db
      .select({ id: tokens.id })
      .from(tokens)
      .where(this.scope(tokens, eq(tokens.kind, "agent"), eq(tokens.id, tokenId), eq(tokens.subjectId, subjectId), ...liveAt(Date.now())))
      .get();
  }

  /**
   * Changes a parent agent and, in the same transaction, its subagents with it: placed where it goes, none left above its
   * autonomy. A subagent minted concurrently is written either before (and updated here) or after (placed from this row).
   */
  async updateParentAgent(id: string, patch: Partial<Pick<AgentRow, "name" | "teamId" | "projectId" | "autonomy">>): Promise<AgentRow | undefined> {
    const moving = patch.teamId !== undefined || patch.projectId !== undefined;
    const [updated] = await this.db.batch([
      this.db
        .update(agents)
        .set(patch)
        .where(this.scope(agents, eq(agents.id, id)))
        .returning(),
      ...(moving
        ? [
            this.db
              .update(agents)
              .set({
                teamId: sql`(SELECT p.team_id FROM agents p WHERE p.org_id = ${this.orgId} AND p.id = ${id})`,
                projectId: sql`(SELECT p.project_id FROM agents p WHERE p.org_id = ${this.orgId} AND p.id = ${id})`,
              })
              .where(this.scope(agents, eq(agents.parentAgentId, id))),
          ]
        : []),
      ...(patch.autonomy !== undefined
        ? [
            this.db
              .update(agents)
              .set({ autonomy: sql`MIN(${agents.autonomy}, ${patch.autonomy})` })
              .where(this.scope(agents, eq(agents.parentAgentId, id))),
          ]
        : []),
    ]);
    return updated[0];
  }

  /** Renames a subagent or sets its autonomy, never above its parent's as the parent's row stands in this write. */
  updateSubagent(id: string, parentId: string, patch: Partial<Pick<AgentRow, "name" | "autonomy">>) {
    const { autonomy, ...rest } = patch;
    return this.db
      .update(agents)
      .set({
        ...rest,
        ...(autonomy === undefined
          ? {}
          : { autonomy: sql`MIN(${autonomy}, (SELECT p.autonomy FROM agents p WHERE p.org_id = ${this.orgId} AND p.id = ${parentId}))` }),
      })
      .where(this.scope(agents, eq(agents.id, id)))
      .returning()
      .get();
  }

  updateAgent(id: string, patch: Partial<Pick<AgentRow, "name" | "teamId" | "projectId" | "autonomy" | "status" | "suspendedAt" | "suspendReason">>) {
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

  /** Revokes every live token of the subjects; returns the revoked tokens' ids and hashes (for cache eviction). */
  async revokeTokens(kind: TokenKind, subjectIds: string[]): Promise<Array<{ id: string; sha256: string }>> {
    if (subjectIds.length === 0) return [];
    return this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.kind, kind), inArray(tokens.subjectId, subjectIds), isNull(tokens.revokedAt)))
      .returning({ id: tokens.id, sha256: tokens.sha256 })
      .all();
  }

  /** Marks agents revoked (no live token) or active again (a new token was issued). */
  async setAgentStatus(agentIds: string[], status: AgentRow["status"]) {
    if (agentIds.length === 0) return;
    await this.db
      .update(agents)
      .set({ status })
      .where(this.scope(agents, inArray(agents.id, agentIds)));
  }

  /**
   * Revokes the subject's live tokens and inserts a new one atomically (rotation). Its sandbox
   * session tokens ("sandbox:…") go too: a session never outlives the credential it came from.
   * Returns the revoked tokens' ids and hashes.
   */
  async replaceToken(kind: TokenKind, subjectId: string, token: { sha256: string; prefix: string; name?: string | null; expiresAt?: number | null }) {
    const [revoked] = await this.db.batch([
      this.db
        .update(tokens)
        .set({ revokedAt: Date.now() })
        .where(this.scope(tokens, eq(tokens.kind, kind), eq(tokens.subjectId, subjectId), isNull(tokens.revokedAt)))
        .returning({ id: tokens.id, sha256: tokens.sha256 }),
      this.db.insert(tokens).values({ id: newId("tok"), orgId: this.orgId, kind, subjectId, ...token }),
    ]);
    return revoked;
  }

  /**
   * The sandbox session the agent was minted in (a subagent created with a session token: its
   * first token is that session's), or null; an agent that merely runs sandboxes has a plain first token.
   */
  async sessionNameOfAgent(agentId: string): Promise<string | null> {
    const first = await this.db
      .select({ name: tokens.name })
      .from(tokens)
      .where(this.scope(tokens, eq(tokens.kind, "agent"), eq(tokens.subjectId, agentId)))
      .orderBy(asc(tokens.createdAt), asc(tokens.id))
      .limit(1)
      .get();
    return first?.name?.startsWith(SANDBOX_TOKEN_PREFIX) ? first.name : null;
  }

  /** A live token of another subject under this session name (the sandbox's own session token), or undefined once the session ended. */
  liveSessionToken(name: string, exceptSubjectId: string) {
    const now = Date.now();
    return this.db
      .select({ id: tokens.id, expiresAt: tokens.expiresAt })
      .from(tokens)
      .where(this.scope(tokens, eq(tokens.kind, "agent"), eq(tokens.name, name), ne(tokens.subjectId, exceptSubjectId), ...liveAt(now)))
      .limit(1)
      .get();
  }

  /** `signIn` (admin keys): how the minting session signed in, which org rules judge the key by. */
  insertToken(
    kind: TokenKind,
    subjectId: string,
    token: { sha256: string; prefix: string; name?: string | null; expiresAt?: number | null },
    signIn?: { amr: readonly string[]; ssoOrgId?: string | undefined },
  ) {
    const recorded = signIn ? { signInAmr: JSON.stringify(signIn.amr), signInSsoOrg: signIn.ssoOrgId ?? null } : {};
    return this.db
      .insert(tokens)
      .values({ id: newId("tok"), orgId: this.orgId, kind, subjectId, ...token, ...recorded })
      .returning()
      .get();
  }

  /** Notes that a token was refused for `rule`; true only the first time for that rule (one audit event). */
  async noteRefusedForRule(id: string, rule: string): Promise<boolean> {
    const changed = await this.db
      .update(tokens)
      .set({ refusedForRule: rule })
      .where(this.scope(tokens, eq(tokens.id, id), or(isNull(tokens.refusedForRule), ne(tokens.refusedForRule, rule))))
      .returning({ id: tokens.id })
      .all();
    return changed.length > 0;
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

  /**
   * Revokes the live agent tokens that carry this name, whatever their subject (a sandbox's
   * session: its agent's token and those of subagents minted with it); returns what was revoked.
   */
  async revokeNamedTokens(name: string): Promise<Array<{ id: string; sha256: string; subjectId: string }>> {
    return this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.kind, "agent"), eq(tokens.name, name), isNull(tokens.revokedAt)))
      .returning({ id: tokens.id, sha256: tokens.sha256, subjectId: tokens.subjectId })
      .all();
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
