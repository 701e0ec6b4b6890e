// An org's single sign-on settings: its OpenID provider, the e-mail domains it answers for, its
// sign-in rules (require SSO / MFA, break-glass owner) and the links from IdP subjects to users.
import { eq, inArray } from "drizzle-orm";
import { type Db, tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { identityProviders, identityProviderDomains, orgLoginPolicies, userIdpLinks } = tables;

export type IdentityProviderRow = typeof identityProviders.$inferSelect;
export type LoginPolicyRow = typeof orgLoginPolicies.$inferSelect;

export interface IdentityProviderValues {
  displayName: string;
  issuer: string;
  clientId: string;
  clientSecretCredential: string;
  groupMappings: string;
  defaultRole: "admin" | "member";
}

export class SsoStore extends OrgScoped {
  provider() {
    return this.db.select().from(identityProviders).where(this.scope(identityProviders)).get();
  }

  domains() {
    return this.db
      .select({ domain: identityProviderDomains.domain })
      .from(identityProviderDomains)
      .where(this.scope(identityProviderDomains))
      .all()
      .then((rows) => rows.map((r) => r.domain).sort());
  }

  /**
   * Replaces the provider and its domains in one batch. A domain another org holds makes the
   * insert fail (primary key), and the batch leaves nothing changed.
   */
  async putProvider(values: IdentityProviderValues, domains: string[]) {
    const now = Date.now();
    const row = { orgId: this.orgId, ...values, updatedAt: now };
    await this.db.batch([
      this.db
        .insert(identityProviders)
        .values(row)
        .onConflictDoUpdate({ target: identityProviders.orgId, set: { ...values, updatedAt: now } }),
      this.db.delete(identityProviderDomains).where(this.scope(identityProviderDomains)),
      ...domains.map((domain) => this.db.insert(identityProviderDomains).values({ domain, orgId: this.orgId })),
    ]);
  }

  async deleteProvider() {
    const [deleted] = await this.db.batch([
      this.db.delete(identityProviders).where(this.scope(identityProviders)).returning(),
      this.db.delete(identityProviderDomains).where(this.scope(identityProviderDomains)),
      this.db.update(orgLoginPolicies).set({ requireSso: false, updatedAt: Date.now() }).where(this.scope(orgLoginPolicies)),
    ]);
    return deleted.length > 0;
  }

  loginPolicy() {
    return this.db.select().from(orgLoginPolicies).where(this.scope(orgLoginPolicies)).get();
  }

  putLoginPolicy(values: { requireSso: boolean; requireMfa: boolean; breakGlassUserId: string | null }) {
    const now = Date.now();
    return this.db
      .insert(orgLoginPolicies)
      .values({ orgId: this.orgId, ...values, updatedAt: now })
      .onConflictDoUpdate({ target: orgLoginPolicies.orgId, set: { ...values, updatedAt: now } })
      .returning()
      .get();
  }

  linkedUser(subject: string) {
    return this.db
      .select({ userId: userIdpLinks.userId })
      .from(userIdpLinks)
      .where(this.scope(userIdpLinks, eq(userIdpLinks.subject, subject)))
      .get();
  }

  async link(subject: string, userId: string) {
    await this.db.insert(userIdpLinks).values({ orgId: this.orgId, subject, userId }).onConflictDoNothing();
  }
}

/** Sign-in rules of several orgs at once (a password login checks every org of the account). */
export async function loginPoliciesOf(db: Db, orgIds: string[]): Promise<LoginPolicyRow[]> {
  if (orgIds.length === 0) return [];
  return db.select().from(orgLoginPolicies).where(inArray(orgLoginPolicies.orgId, orgIds)).all();
}

/** The org whose provider answers for this e-mail domain, if any. */
export async function orgOfDomain(db: Db, domain: string): Promise<string | undefined> {
  const row = await db
    .select({ orgId: identityProviderDomains.orgId })
    .from(identityProviderDomains)
    .innerJoin(identityProviders, eq(identityProviders.orgId, identityProviderDomains.orgId))
    .where(eq(identityProviderDomains.domain, domain))
    .get();
  return row?.orgId;
}

/** The org holding a domain claim, whether or not its provider is still configured. */
export async function orgOfDomainClaim(db: Db, domain: string): Promise<string | undefined> {
  const row = await db
    .select({ orgId: identityProviderDomains.orgId })
    .from(identityProviderDomains)
    .where(eq(identityProviderDomains.domain, domain))
    .get();
  return row?.orgId;
}
