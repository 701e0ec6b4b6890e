// Org-scoped storage of policies (with versions and attachments), vault credentials and LLM providers.
import { and, asc, desc, eq, gt, inArray, or, type SQL } from "drizzle-orm";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { policies, policyVersions, policyAttachments, credentials, providers, piiLists } = tables;

export type PolicyRow = typeof policies.$inferSelect;
export type PolicyAttachmentRow = typeof policyAttachments.$inferSelect;
export type CredentialRow = typeof credentials.$inferSelect;
export type ProviderRow = typeof providers.$inferSelect;
export type PolicyScope = PolicyAttachmentRow["scope"];

export class PolicyStore extends OrgScoped {
  // ── policies ─────────────────────────────────────────────────────────────
  list(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(policies)
      .where(this.scope(policies, after ? gt(policies.id, after) : undefined))
      .orderBy(asc(policies.id))
      .limit(page.limit + 1)
      .all();
  }

  get(id: string) {
    return this.db
      .select()
      .from(policies)
      .where(this.scope(policies, eq(policies.id, id)))
      .get();
  }

  /** Creates the policy and its version 1 together. */
  async create(name: string, doc: string, userId: string) {
    const id = newId("pol");
    const now = Date.now();
    const [rows] = await this.db.batch([
      this.db.insert(policies).values({ id, orgId: this.orgId, name, doc, version: 1, updatedBy: userId, updatedAt: now }).returning(),
      this.db.insert(policyVersions).values({ orgId: this.orgId, policyId: id, version: 1, doc, createdBy: userId }),
    ]);
    return rows[0];
  }

  /**
   * Saves a new version if nobody saved one since `expectedVersion` (optimistic concurrency):
   * returns undefined when the stored version moved on.
   */
  async update(id: string, expectedVersion: number, name: string, doc: string, userId: string) {
    const version = expectedVersion + 1;
    const [rows] = await this.db.batch([
      this.db
        .update(policies)
        .set({ name, doc, version, updatedBy: userId, updatedAt: Date.now() })
        .where(this.scope(policies, eq(policies.id, id), eq(policies.version, expectedVersion)))
        .returning(),
      this.db
        .insert(policyVersions)
        .select(
          this.db
            .select({
              orgId: policies.orgId,
              policyId: policies.id,
              version: policies.version,
              doc: policies.doc,
              createdBy: policies.updatedBy,
              createdAt: policies.updatedAt,
            })
            .from(policies)
            .where(this.scope(policies, eq(policies.id, id), eq(policies.version, version))),
        )
        // A lost race leaves the update matching nothing; the other writer's version row stays.
        .onConflictDoNothing(),
    ]);
    return rows[0];
  }

  async remove(id: string) {
    return this.db
      .delete(policies)
      .where(this.scope(policies, eq(policies.id, id)))
      .returning()
      .get();
  }

  versions(policyId: string) {
    return this.db
      .select()
      .from(policyVersions)
      .where(this.scope(policyVersions, eq(policyVersions.policyId, policyId)))
      .orderBy(desc(policyVersions.version))
      .all();
  }

  // ── attachments ──────────────────────────────────────────────────────────
  attachments(policyId: string) {
    return this.db
      .select()
      .from(policyAttachments)
      .where(this.scope(policyAttachments, eq(policyAttachments.policyId, policyId)))
      .orderBy(asc(policyAttachments.createdAt))
      .all();
  }

  attach(policyId: string, scope: PolicyScope, scopeId: string) {
    return this.db.insert(policyAttachments).values({ orgId: this.orgId, policyId, scope, scopeId }).onConflictDoNothing().returning().get();
  }

  detach(policyId: string, scope: PolicyScope, scopeId: string) {
    return this.db
      .delete(policyAttachments)
      .where(
        this.scope(
          policyAttachments,
          eq(policyAttachments.policyId, policyId),
          eq(policyAttachments.scope, scope),
          eq(policyAttachments.scopeId, scopeId),
        ),
      )
      .returning()
      .get();
  }

  /** Every policy attached to any of the given targets, with the scope it is attached at. */
  attachedTo(targets: Array<{ scope: PolicyScope; id: string }>) {
    const match = or(...targets.map((t) => and(eq(policyAttachments.scope, t.scope), eq(policyAttachments.scopeId, t.id)) as SQL));
    return this.db
      .select({ policy: policies, scope: policyAttachments.scope })
      .from(policyAttachments)
      .innerJoin(policies, eq(policies.id, policyAttachments.policyId))
      .where(this.scope(policyAttachments, match))
      .all();
  }

  // ── credentials ──────────────────────────────────────────────────────────
  listCredentials(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(credentials)
      .where(this.scope(credentials, after ? gt(credentials.id, after) : undefined))
      .orderBy(asc(credentials.id))
      .limit(page.limit + 1)
      .all();
  }

  allCredentials() {
    return this.db.select().from(credentials).where(this.scope(credentials)).all();
  }

  credential(id: string) {
    return this.db
      .select()
      .from(credentials)
      .where(this.scope(credentials, eq(credentials.id, id)))
      .get();
  }

  credentialByName(name: string) {
    return this.db
      .select()
      .from(credentials)
      .where(this.scope(credentials, eq(credentials.name, name)))
      .get();
  }

  credentialsByNames(names: string[]) {
    if (names.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(credentials)
      .where(this.scope(credentials, inArray(credentials.name, names)))
      .all();
  }

  insertCredential(values: Omit<CredentialRow, "orgId" | "createdAt" | "updatedAt">) {
    return this.db
      .insert(credentials)
      .values({ ...values, orgId: this.orgId, updatedAt: Date.now() })
      .returning()
      .get();
  }

  updateCredential(id: string, patch: Partial<Pick<CredentialRow, "name" | "ciphertext" | "iv" | "keyVersion" | "inject">>) {
    return this.db
      .update(credentials)
      .set({ ...patch, updatedAt: Date.now() })
      .where(this.scope(credentials, eq(credentials.id, id)))
      .returning()
      .get();
  }

  removeCredential(id: string) {
    return this.db
      .delete(credentials)
      .where(this.scope(credentials, eq(credentials.id, id)))
      .returning()
      .get();
  }

  // ── providers ────────────────────────────────────────────────────────────
  listProviders(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(providers)
      .where(this.scope(providers, after ? gt(providers.id, after) : undefined))
      .orderBy(asc(providers.id))
      .limit(page.limit + 1)
      .all();
  }

  allProviders() {
    return this.db.select().from(providers).where(this.scope(providers)).all();
  }

  provider(id: string) {
    return this.db
      .select()
      .from(providers)
      .where(this.scope(providers, eq(providers.id, id)))
      .get();
  }

  providersUsingCredential(credentialId: string) {
    return this.db
      .select()
      .from(providers)
      .where(this.scope(providers, eq(providers.credentialId, credentialId)))
      .all();
  }

  insertProvider(values: Omit<ProviderRow, "id" | "orgId" | "createdAt" | "updatedAt">) {
    return this.db
      .insert(providers)
      .values({ ...values, id: newId("prv"), orgId: this.orgId, updatedAt: Date.now() })
      .returning()
      .get();
  }

  updateProvider(id: string, patch: Partial<Pick<ProviderRow, "name" | "baseUrl" | "credentialId" | "models">>) {
    return this.db
      .update(providers)
      .set({ ...patch, updatedAt: Date.now() })
      .where(this.scope(providers, eq(providers.id, id)))
      .returning()
      .get();
  }

  removeProvider(id: string) {
    return this.db
      .delete(providers)
      .where(this.scope(providers, eq(providers.id, id)))
      .returning()
      .get();
  }

  // ── PII lists ────────────────────────────────────────────────────────────
  piiLists() {
    return this.db.select().from(piiLists).where(this.scope(piiLists)).get();
  }

  savePiiLists(allow: string, deny: string) {
    const updatedAt = Date.now();
    return this.db
      .insert(piiLists)
      .values({ orgId: this.orgId, allow, deny, updatedAt })
      .onConflictDoUpdate({ target: piiLists.orgId, set: { allow, deny, updatedAt } })
      .returning()
      .get();
  }
}
