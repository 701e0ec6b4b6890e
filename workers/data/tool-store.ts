// Org-scoped storage of the tool registry and grants, approvals, Agent Guides, agent memory and threads.
import { and, asc, desc, eq, gt, inArray, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { tools, toolGrants, approvals, guides, guideVersions, memoryEntries, threads, threadMessages, memberships, projects, agents, scimUsers } =
  tables;

export type ToolRow = typeof tools.$inferSelect;
export type ToolGrantRow = typeof toolGrants.$inferSelect;
export type ApprovalRow = typeof approvals.$inferSelect;
export type GuideRow = typeof guides.$inferSelect;
export type GuideVersionRow = typeof guideVersions.$inferSelect;
export type MemoryRow = typeof memoryEntries.$inferSelect;
export type ThreadRow = typeof threads.$inferSelect;
export type MessageRow = typeof threadMessages.$inferSelect;
export type GrantScope = ToolGrantRow["scope"];

const take = (page: PageRequest) => page.limit + 1;

export class ToolStore extends OrgScoped {
  // ── tools ────────────────────────────────────────────────────────────────
  listTools(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(tools)
      .where(this.scope(tools, after ? gt(tools.id, after) : undefined))
      .orderBy(asc(tools.id))
      .limit(take(page))
      .all();
  }

  tool(id: string) {
    return this.db
      .select()
      .from(tools)
      .where(this.scope(tools, eq(tools.id, id)))
      .get();
  }

  toolByName(name: string) {
    return this.db
      .select()
      .from(tools)
      .where(this.scope(tools, eq(tools.name, name)))
      .get();
  }

  toolsOfServer(serverId: string) {
    return this.db
      .select()
      .from(tools)
      .where(this.scope(tools, eq(tools.serverId, serverId)))
      .all();
  }

  insertTool(values: Omit<ToolRow, "id" | "orgId" | "createdAt" | "updatedAt">) {
    return this.db
      .insert(tools)
      .values({ ...values, id: newId("tool"), orgId: this.orgId, updatedAt: Date.now() })
      .returning()
      .get();
  }

  updateTool(
    id: string,
    patch: Partial<
      Pick<
        ToolRow,
        "description" | "inputSchema" | "credentialId" | "credentialOverHttp" | "mutating" | "approved" | "definitionHash" | "quarantinedAt"
      >
    >,
  ) {
    return this.db
      .update(tools)
      .set({ ...patch, updatedAt: Date.now() })
      .where(this.scope(tools, eq(tools.id, id)))
      .returning()
      .get();
  }

  async removeTool(id: string) {
    await this.db.batch([
      this.db.delete(tools).where(this.scope(tools, eq(tools.serverId, id))),
      this.db.delete(tools).where(this.scope(tools, eq(tools.id, id))),
    ]);
  }

  toolsUsingCredential(credentialId: string) {
    return this.db
      .select()
      .from(tools)
      .where(this.scope(tools, eq(tools.credentialId, credentialId)))
      .all();
  }

  // ── grants ───────────────────────────────────────────────────────────────
  /**
   * The tool's grants; with `visibleTo`, only grants to those teams, to projects of those teams,
   * and to agents the member sees (of those teams, or created by them).
   */
  grants(toolId: string, visibleTo?: { userId: string; teamIds: string[] }) {
    const visible = visibleTo
      ? or(
          and(eq(toolGrants.scope, "team"), visibleTo.teamIds.length ? inArray(toolGrants.scopeId, visibleTo.teamIds) : sql`0`),
          and(
            eq(toolGrants.scope, "project"),
            sql`${toolGrants.scopeId} IN (SELECT id FROM ${projects} WHERE org_id = ${this.orgId} AND team_id IN ${visibleTo.teamIds.length ? visibleTo.teamIds : [""]})`,
          ),
          and(
            eq(toolGrants.scope, "agent"),
            sql`${toolGrants.scopeId} IN (SELECT id FROM ${agents} WHERE org_id = ${this.orgId} AND (created_by = ${visibleTo.userId} OR team_id IN ${visibleTo.teamIds.length ? visibleTo.teamIds : [""]}))`,
          ),
        )
      : undefined;
    return this.db
      .select()
      .from(toolGrants)
      .where(this.scope(toolGrants, eq(toolGrants.toolId, toolId), visible))
      .orderBy(asc(toolGrants.id))
      .all();
  }

  grant(toolId: string, scope: GrantScope, scopeId: string) {
    return this.db
      .insert(toolGrants)
      .values({ id: newId("tgr"), orgId: this.orgId, toolId, scope, scopeId })
      .onConflictDoNothing()
      .returning()
      .get();
  }

  revokeGrant(toolId: string, grantId: string) {
    return this.db
      .delete(toolGrants)
      .where(this.scope(toolGrants, eq(toolGrants.toolId, toolId), eq(toolGrants.id, grantId)))
      .returning()
      .get();
  }

  /** Approved tools granted to any of the targets (an agent, its team, its project). */
  grantedTools(targets: Array<{ scope: GrantScope; id: string }>) {
    const match = or(...targets.map((t) => and(eq(toolGrants.scope, t.scope), eq(toolGrants.scopeId, t.id)) as SQL));
    return this.db
      .selectDistinct({ tool: tools })
      .from(toolGrants)
      .innerJoin(tools, and(eq(tools.id, toolGrants.toolId), eq(tools.orgId, toolGrants.orgId)))
      .where(this.scope(toolGrants, match, eq(tools.approved, true)))
      .all();
  }

  // ── approvals ────────────────────────────────────────────────────────────
  insertApproval(values: Pick<ApprovalRow, "agentId" | "kind" | "subject" | "details" | "expiresAt" | "traceId"> & { tokenId?: string | null }) {
    return this.db
      .insert(approvals)
      .values({ ...values, id: newId("apr"), orgId: this.orgId, status: "pending" })
      .returning()
      .get();
  }

  approval(id: string) {
    return this.db
      .select()
      .from(approvals)
      .where(this.scope(approvals, eq(approvals.id, id)))
      .get();
  }

  /** "pending" means still decidable; "expired" includes pending rows past their time (their waiter may be gone). */
  listApprovals(page: PageRequest, after?: string, status?: ApprovalRow["status"], agentIds?: string[], now = Date.now()) {
    const byStatus =
      status === "pending"
        ? and(eq(approvals.status, "pending"), gt(approvals.expiresAt, now))
        : status === "expired"
          ? or(eq(approvals.status, "expired"), and(eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
          : status
            ? eq(approvals.status, status)
            : undefined;
    return this.db
      .select()
      .from(approvals)
      .where(
        this.scope(
          approvals,
          after ? gt(approvals.id, after) : undefined,
          byStatus,
          agentIds ? inArray(approvals.agentId, agentIds.length ? agentIds : [""]) : undefined,
        ),
      )
      .orderBy(asc(approvals.id))
      .limit(take(page))
      .all();
  }

  /** Decides a pending, unexpired approval; undefined when it was already decided or has expired. */
  decideApproval(id: string, status: "approved" | "denied", userId: string, reason: string | null, now = Date.now()) {
    return this.db
      .update(approvals)
      .set({ status, decidedBy: userId, decidedAt: now, reason })
      .where(this.scope(approvals, eq(approvals.id, id), eq(approvals.status, "pending"), gt(approvals.expiresAt, now)))
      .returning()
      .get();
  }

  /**
   * Denies the pending approvals of the agents, of calls made with the given tokens, or of the
   * whole org (their calls are being stopped); returns the rows denied. A decision made first wins.
   */
  async denyPendingApprovals(
    which: { agentIds: string[] } | { tokenIds: string[] } | { ids: string[] } | "all",
    reason: string,
    now = Date.now(),
  ): Promise<ApprovalRow[]> {
    const deny = (where?: SQL) =>
      this.db
        .update(approvals)
        .set({ status: "denied", decidedAt: now, reason })
        .where(this.scope(approvals, where, eq(approvals.status, "pending")))
        .returning()
        .all();
    if (which === "all") return deny();
    const [column, values] =
      "agentIds" in which
        ? [approvals.agentId, which.agentIds]
        : "tokenIds" in which
          ? [approvals.tokenId, which.tokenIds]
          : [approvals.id, which.ids];
    const denied: ApprovalRow[] = [];
    // D1 binds at most 100 parameters per statement.
    for (let i = 0; i < values.length; i += 90) denied.push(...(await deny(inArray(column, values.slice(i, i + 90)))));
    return denied;
  }

  /** Marks a pending approval expired once its time is up; undefined if it was decided first. */
  expireApproval(id: string, now = Date.now()) {
    return this.db
      .update(approvals)
      .set({ status: "expired", decidedAt: now })
      .where(this.scope(approvals, eq(approvals.id, id), eq(approvals.status, "pending"), lte(approvals.expiresAt, now)))
      .returning()
      .get();
  }

  // ── guides ───────────────────────────────────────────────────────────────
  listGuides(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(guides)
      .where(this.scope(guides, after ? gt(guides.id, after) : undefined))
      .orderBy(asc(guides.id))
      .limit(take(page))
      .all();
  }

  guide(id: string) {
    return this.db
      .select()
      .from(guides)
      .where(this.scope(guides, eq(guides.id, id)))
      .get();
  }

  guidesFor(targets: string[]) {
    return this.db
      .select()
      .from(guides)
      .where(this.scope(guides, inArray(guides.target, targets)))
      .all();
  }

  async createGuide(target: string, content: string, userId: string) {
    const id = newId("gde");
    const [rows] = await this.db.batch([
      this.db.insert(guides).values({ id, orgId: this.orgId, target, content, version: 1, updatedBy: userId, updatedAt: Date.now() }).returning(),
      this.db.insert(guideVersions).values({ orgId: this.orgId, guideId: id, version: 1, content, createdBy: userId }),
    ]);
    return rows[0];
  }

  /** Saves a new version if the stored one is still `expectedVersion` (optimistic concurrency). */
  async updateGuide(id: string, expectedVersion: number, content: string, userId: string) {
    const version = expectedVersion + 1;
    const [rows] = await this.db.batch([
      this.db
        .update(guides)
        .set({ content, version, updatedBy: userId, updatedAt: Date.now() })
        .where(this.scope(guides, eq(guides.id, id), eq(guides.version, expectedVersion)))
        .returning(),
      this.db
        .insert(guideVersions)
        .select(
          this.db
            .select({
              orgId: guides.orgId,
              guideId: guides.id,
              version: guides.version,
              content: guides.content,
              createdBy: guides.updatedBy,
              createdAt: guides.updatedAt,
            })
            .from(guides)
            .where(this.scope(guides, eq(guides.id, id), eq(guides.version, version))),
        )
        // A stale update changed nothing; its version row must not collide with the real one.
        .onConflictDoNothing(),
    ]);
    return rows[0];
  }

  removeGuide(id: string) {
    return this.db
      .delete(guides)
      .where(this.scope(guides, eq(guides.id, id)))
      .returning()
      .get();
  }

  guideVersions(guideId: string) {
    return this.db
      .select()
      .from(guideVersions)
      .where(this.scope(guideVersions, eq(guideVersions.guideId, guideId)))
      .orderBy(desc(guideVersions.version))
      .all();
  }

  // ── memory (always one agent's) ──────────────────────────────────────────
  listMemory(agentId: string, page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(memoryEntries)
      .where(this.scope(memoryEntries, eq(memoryEntries.agentId, agentId), after ? gt(memoryEntries.id, after) : undefined))
      .orderBy(asc(memoryEntries.id))
      .limit(take(page))
      .all();
  }

  memory(agentId: string, key: string) {
    return this.db
      .select()
      .from(memoryEntries)
      .where(this.scope(memoryEntries, eq(memoryEntries.agentId, agentId), eq(memoryEntries.key, key)))
      .get();
  }

  putMemory(agentId: string, key: string, value: string) {
    const now = Date.now();
    return this.db
      .insert(memoryEntries)
      .values({ id: newId("mem"), orgId: this.orgId, agentId, key, value, updatedAt: now })
      .onConflictDoUpdate({ target: [memoryEntries.orgId, memoryEntries.agentId, memoryEntries.key], set: { value, updatedAt: now } })
      .returning()
      .get();
  }

  removeMemory(agentId: string, key: string) {
    return this.db
      .delete(memoryEntries)
      .where(this.scope(memoryEntries, eq(memoryEntries.agentId, agentId), eq(memoryEntries.key, key)))
      .returning()
      .get();
  }

  // ── threads (one agent and one user) ─────────────────────────────────────
  /** An active member of the org (one SCIM deactivated is not). */
  isMember(userId: string) {
    return this.db
      .select({ userId: memberships.userId })
      .from(memberships)
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
      .where(this.scope(memberships, eq(memberships.userId, userId), isNull(scimUsers.deactivatedAt)))
      .get();
  }

  createThread(agentId: string, userId: string, title: string | null) {
    return this.db
      .insert(threads)
      .values({ id: newId("thr"), orgId: this.orgId, agentId, userId, title })
      .returning()
      .get();
  }

  /** Threads of one agent, optionally with one user only. */
  listThreads(agentId: string, page: PageRequest, after?: string, userId?: string) {
    return this.db
      .select()
      .from(threads)
      .where(
        this.scope(threads, eq(threads.agentId, agentId), userId ? eq(threads.userId, userId) : undefined, after ? gt(threads.id, after) : undefined),
      )
      .orderBy(asc(threads.id))
      .limit(take(page))
      .all();
  }

  thread(agentId: string, id: string) {
    return this.db
      .select()
      .from(threads)
      .where(this.scope(threads, eq(threads.agentId, agentId), eq(threads.id, id)))
      .get();
  }

  messages(threadId: string, page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(threadMessages)
      .where(this.scope(threadMessages, eq(threadMessages.threadId, threadId), after ? gt(threadMessages.id, after) : undefined))
      .orderBy(asc(threadMessages.id))
      .limit(take(page))
      .all();
  }

  addMessage(threadId: string, role: MessageRow["role"], content: string) {
    return this.db
      .insert(threadMessages)
      .values({ id: newId("msg"), orgId: this.orgId, threadId, role, content })
      .returning()
      .get();
  }
}
