// An org's single sign-on settings: its OpenID provider, the e-mail domains it answers for, its
// sign-in rules (require SSO / MFA, break-glass owner) and the links from IdP subjects to users.
import { and, eq, inArray, isNotNull, isNull, like, or, sql } from "drizzle-orm";
import { type Db, tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { identityProviders, identityProviderDomains, orgLoginPolicies, userIdpLinks, memberships, users, scimUsers } = tables;

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
   * Replaces the provider and its domains in one batch, first removing `released` (claims other
   * orgs lose to this one, each removed through its own org's store). A domain another org holds
   * makes the insert fail (primary key), and the batch leaves nothing changed.
   */
  async putProvider(values: IdentityProviderValues, domains: string[], released: Array<{ holder: SsoStore; domain: string }> = []) {
    const now = Date.now();
    const row = { orgId: this.orgId, ...values, updatedAt: now };
    await this.db.batch([
      this.db
        .insert(identityProviders)
        .values(row)
        .onConflictDoUpdate({ target: identityProviders.orgId, set: { ...values, updatedAt: now } }),
      ...released.map(({ holder, domain }) => holder.releaseDomain(domain)),
      this.db.delete(identityProviderDomains).where(this.scope(identityProviderDomains)),
      ...domains.map((domain) => this.db.insert(identityProviderDomains).values({ domain, orgId: this.orgId })),
    ]);
  }

  /** The statement removing this org's claim of a domain (run in another org's putProvider batch). */
  releaseDomain(domain: string) {
    return this.db.delete(identityProviderDomains).where(this.scope(identityProviderDomains, eq(identityProviderDomains.domain, domain)));
  }

  /**
   * Whether an active owner or admin of the org signs in with a password to an account whose
   * e-mail is on exactly this domain (accounts made just in time by SSO have no password).
   */
  async hasManagerOnDomain(domain: string): Promise<boolean> {
    const row = await this.db
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .leftJoin(scimUsers, and(eq(scimUsers.orgId, memberships.orgId), eq(scimUsers.userId, memberships.userId)))
      .where(
        this.scope(
          memberships,
          inArray(memberships.role, ["owner", "admin"]),
          isNull(scimUsers.deactivatedAt),
          isNotNull(users.passwordHash),
          sql`lower(${users.email}) like ${`%@${domain}`}`,
        ),
      )
      .get();
    return row !== undefined;
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

/**
 * Claims overlapping a domain: the domain itself, a parent of it, or a subdomain of it (an org's
 * provider answering for `example.com` and another's for `eu.example.com` would split one mail
 * domain's people between two orgs).
 */
export async function overlappingDomainClaims(db: Db, domain: string): Promise<Array<{ domain: string; orgId: string }>> {
  const labels = domain.split(".");
  const parents = labels.slice(1, -1).map((_, i) => labels.slice(i + 1).join("."));
  const rows = await db
    .select({ domain: identityProviderDomains.domain, orgId: identityProviderDomains.orgId })
    .from(identityProviderDomains)
    .where(or(inArray(identityProviderDomains.domain, [domain, ...parents]), like(identityProviderDomains.domain, `%.${domain}`)))
    .all();
  // The schema allows no LIKE wildcard in a domain; checked again here all the same.
  return rows.filter((r) => r.domain === domain || parents.includes(r.domain) || r.domain.endsWith(`.${domain}`));
}
