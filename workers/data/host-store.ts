// Org-scoped storage of host pools, hosts and sandboxes.
import { asc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { SANDBOX_TOKEN_PREFIX } from "./org-data.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { hostPools, hosts, sandboxes, tokens, agents } = tables;

export type HostPoolRow = typeof hostPools.$inferSelect;
export type HostRow = typeof hosts.$inferSelect;
export type SandboxRow = typeof sandboxes.$inferSelect;

/** States in which a sandbox may still be running on its host. */
const LIVE_STATES: SandboxRow["state"][] = ["pending", "starting", "running"];

export class HostStore extends OrgScoped {
  pool(id: string) {
    return this.db
      .select()
      .from(hostPools)
      .where(this.scope(hostPools, eq(hostPools.id, id)))
      .get();
  }

  poolByName(name: string) {
    return this.db
      .select()
      .from(hostPools)
      .where(this.scope(hostPools, eq(hostPools.name, name)))
      .get();
  }

  async ensurePool(name: string): Promise<HostPoolRow> {
    await this.db
      .insert(hostPools)
      .values({ id: newId("hpl"), orgId: this.orgId, name })
      .onConflictDoNothing();
    const pool = await this.poolByName(name);
    if (!pool) throw new Error("host pool vanished after insert");
    return pool;
  }

  listPools() {
    return this.db
      .select({
        pool: hostPools,
        hosts: sql<number>`count(${hosts.id})`,
      })
      .from(hostPools)
      .leftJoin(hosts, eq(hosts.poolId, hostPools.id))
      .where(this.scope(hostPools))
      .groupBy(hostPools.id)
      .orderBy(asc(hostPools.id))
      .all();
  }

  listHosts(page: PageRequest, after?: string) {
    return this.db
      .select({ host: hosts, pool: hostPools.name })
      .from(hosts)
      .innerJoin(hostPools, eq(hostPools.id, hosts.poolId))
      .where(this.scope(hosts, after ? gt(hosts.id, after) : undefined))
      .orderBy(asc(hosts.id))
      .limit(page.limit + 1)
      .all();
  }

  host(id: string) {
    return this.db
      .select({ host: hosts, pool: hostPools.name })
      .from(hosts)
      .innerJoin(hostPools, eq(hostPools.id, hosts.poolId))
      .where(this.scope(hosts, eq(hosts.id, id)))
      .get();
  }

  /** Active hosts of a pool; whether each is connected is the host's tunnel object's to say. */
  activeHosts(poolId: string) {
    return this.db
      .select()
      .from(hosts)
      .where(this.scope(hosts, eq(hosts.poolId, poolId), eq(hosts.status, "active")))
      .all();
  }

  /**
   * Consumes a one-time enrollment token and creates the host with its credential, atomically:
   * the token update only matches while the token is unused, so two daemons racing with the
   * same token cannot both enroll.
   */
  async enroll(enrollmentTokenId: string, poolId: string, name: string, version: string | null, credential: { sha256: string; prefix: string }) {
    const hostId = newId("host");
    const consumed = await this.db
      .update(tokens)
      .set({ revokedAt: Date.now() })
      .where(this.scope(tokens, eq(tokens.id, enrollmentTokenId), eq(tokens.kind, "host_enrollment"), isNull(tokens.revokedAt)))
      .returning({ id: tokens.id })
      .all();
    if (consumed.length !== 1) return undefined;
    await this.db.batch([
      this.db.insert(hosts).values({ id: hostId, orgId: this.orgId, poolId, name, version }),
      this.db.insert(tokens).values({ id: newId("tok"), orgId: this.orgId, kind: "host", subjectId: hostId, ...credential }),
    ]);
    return hostId;
  }

  async revokeHost(hostId: string) {
    const [, revoked] = await this.db.batch([
      this.db
        .update(hosts)
        .set({ status: "revoked" })
        .where(this.scope(hosts, eq(hosts.id, hostId))),
      this.db
        .update(tokens)
        .set({ revokedAt: Date.now() })
        .where(this.scope(tokens, eq(tokens.kind, "host"), eq(tokens.subjectId, hostId), isNull(tokens.revokedAt)))
        .returning({ sha256: tokens.sha256 }),
    ]);
    return revoked.map((r) => r.sha256);
  }

  // ── sandboxes ────────────────────────────────────────────────────────────
  /** With `visibleTo`, only sandboxes of the agents a member sees (of their teams, or created by them). */
  listSandboxes(page: PageRequest, after?: string, agentId?: string, visibleTo?: { userId: string; teamIds: string[] }) {
    const visible = visibleTo
      ? sql`${sandboxes.agentId} IN (SELECT id FROM ${agents} WHERE org_id = ${this.orgId} AND (created_by = ${visibleTo.userId} OR team_id IN ${visibleTo.teamIds.length ? visibleTo.teamIds : [""]}))`
      : undefined;
    return this.db
      .select()
      .from(sandboxes)
      .where(this.scope(sandboxes, after ? gt(sandboxes.id, after) : undefined, agentId ? eq(sandboxes.agentId, agentId) : undefined, visible))
      .orderBy(asc(sandboxes.id))
      .limit(page.limit + 1)
      .all();
  }

  sandbox(id: string) {
    return this.db
      .select()
      .from(sandboxes)
      .where(this.scope(sandboxes, eq(sandboxes.id, id)))
      .get();
  }

  /** Sandboxes the host still runs, as far as the edge knows. */
  liveSandboxesOnHost(hostId: string) {
    return this.db
      .select()
      .from(sandboxes)
      .where(this.scope(sandboxes, eq(sandboxes.hostId, hostId), inArray(sandboxes.state, LIVE_STATES)))
      .all();
  }

  /**
   * Pushes the session-token expiry of the host's live sandboxes (or of one of them) to `until`
   * of each: a token never gets shorter, and one that already lapsed stays lapsed.
   */
  async renewSandboxTokens(hostId: string, expiryOf: (sandbox: SandboxRow) => number, now: number, sandboxId?: string): Promise<number> {
    const live = (await this.liveSandboxesOnHost(hostId)).filter((s) => sandboxId === undefined || s.id === sandboxId);
    const [first, ...rest] = live.map((s) => {
      const until = expiryOf(s);
      return this.db
        .update(tokens)
        .set({ expiresAt: sql`max(${tokens.expiresAt}, ${until})` })
        .where(
          this.scope(
            tokens,
            eq(tokens.kind, "agent"),
            // The sandbox agent's session and the tokens of subagents minted with it.
            eq(tokens.name, `${SANDBOX_TOKEN_PREFIX}${s.id}`),
            isNull(tokens.revokedAt),
            // Only a session's own expiring tokens: one that never lapses is never given an expiry (a call's watch relies on it).
            gt(tokens.expiresAt, now),
          ),
        );
    });
    if (!first) return 0;
    await this.db.batch([first, ...rest]);
    return live.length;
  }

  liveSandboxesOfAgents(agentIds: string[]) {
    return this.db
      .select()
      .from(sandboxes)
      .where(this.scope(sandboxes, inArray(sandboxes.agentId, agentIds), inArray(sandboxes.state, LIVE_STATES)))
      .all();
  }

  /** Stores what a host advertised (its drivers and images). */
  setHostCapabilities(hostId: string, capabilities: string) {
    return this.db
      .update(hosts)
      .set({ capabilities })
      .where(this.scope(hosts, eq(hosts.id, hostId)))
      .run();
  }

  insertSandbox(
    values: Omit<
      SandboxRow,
      | "id"
      | "orgId"
      | "createdAt"
      | "updatedAt"
      | "exitCode"
      | "reason"
      | "imageDigest"
      | "driver"
      | "accelerator"
      | "isolation"
      | "image"
      | "askedLimits"
      | "runtime"
    > &
      Partial<Pick<SandboxRow, "isolation" | "image" | "imageDigest" | "askedLimits">>,
  ) {
    return this.db
      .insert(sandboxes)
      .values({ ...values, id: newId("sbx"), orgId: this.orgId, updatedAt: Date.now() })
      .returning()
      .get();
  }

  /**
   * Records the runtime the edge accepted for a sandbox (and its driver and accelerator), only if
   * none was accepted yet: the row as updated, or undefined when another report or the ack came first.
   */
  acceptSandboxRuntime(id: string, accepted: { runtime: string; driver: string; accelerator: string | null }) {
    return this.db
      .update(sandboxes)
      .set({ ...accepted, updatedAt: Date.now() })
      .where(this.scope(sandboxes, eq(sandboxes.id, id), isNull(sandboxes.runtime)))
      .returning()
      .get();
  }

  /** Updates a sandbox; with `onlyFrom`, only while it is still in one of those states. */
  updateSandbox(
    id: string,
    patch: Partial<Pick<SandboxRow, "state" | "exitCode" | "reason" | "hostId" | "imageDigest" | "driver" | "accelerator">>,
    onlyFrom?: SandboxRow["state"][],
  ) {
    return this.db
      .update(sandboxes)
      .set({ ...patch, updatedAt: Date.now() })
      .where(this.scope(sandboxes, eq(sandboxes.id, id), onlyFrom ? inArray(sandboxes.state, onlyFrom) : undefined))
      .returning()
      .get();
  }
}
