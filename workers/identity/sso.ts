// Single sign-on for an org: configuration, the start of a login (a single-use pending row plus
// a browser-bound cookie holding the PKCE verifier), and the callback (the row consumed once,
// the cookie matched, the code redeemed, the ID token checked) ending in a user and a session.
// Users arrive just in time (allowed domains only) and IdP groups map to roles and teams.
import type { z } from "zod";
import type { GroupMappingSchema, SsoConfigSchema } from "../../schema/sso.js";
import { recordAudit } from "../audit/audit.js";
import { type Db, makeDb } from "../data/db.js";
import { LoginData } from "../data/login-data.js";
import { OrgData, type Role } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { PolicyStore } from "../data/policy-store.js";
import { type IdentityProviderRow, SsoStore, orgOfDomain, overlappingDomainClaims } from "../data/sso-store.js";
import { AppError, badRequest, forbidden, notFound } from "../errors.js";
import { newId } from "../ids.js";
import { forgetCredentials, openCredential, sealSecret } from "../vault/credentials.js";
import { sha256Hex, timingSafeEqual } from "./crypto.js";
import { auditLogin } from "./login.js";
import { normalizeEmail } from "./login-throttle.js";
import { authorizationRequest, discover, type IdTokenClaims, redeemCode, ssoFailed, verifiedEmailOf } from "./oidc.js";
import { type IssuedSession, issueSession } from "./sessions.js";

export const SSO_CALLBACK_PATH = "/api/v1/sso/callback";
/** The browser cookie of a login in flight: its PKCE verifier, which also binds the callback to this browser. */
export const SSO_COOKIE = "__Host-pal_sso";
export const SSO_LOGIN_TTL_SECONDS = 600;

type GroupMapping = z.infer<typeof GroupMappingSchema>;
type SsoConfig = z.output<typeof SsoConfigSchema>;

const allowPrivate = (env: Env) => env.ALLOW_PRIVATE_UPSTREAMS === "true";
export const redirectUriFor = (origin: string) => `${origin}${SSO_CALLBACK_PATH}`;

export function mappingsOf(row: IdentityProviderRow): GroupMapping[] {
  return JSON.parse(row.groupMappings) as GroupMapping[];
}

/**
 * Saves an org's provider after checking what can be checked: the secret's credential exists,
 * mapped teams are the org's, and the issuer's discovery document answers for that issuer.
 */
export async function putSsoConfig(env: Env, orgId: string, config: SsoConfig): Promise<void> {
  const db = makeDb(env.DB);
  const credentials = new PolicyStore(db, orgId);
  const secretName = config.clientSecretCredential ?? DEFAULT_SECRET_CREDENTIAL;
  const existingSecret = await credentials.credentialByName(secretName);
  if (!existingSecret && config.clientSecret === undefined) {
    throw badRequest("clientSecretCredential: no credential of this org has that name", { field: "clientSecretCredential" });
  }
  const org = new OrgData(db, orgId);
  for (const teamId of new Set(config.groupMappings.flatMap((m) => (m.teamId ? [m.teamId] : [])))) {
    if (!(await org.team(teamId))) throw badRequest("groupMappings: a teamId is not a team of this org", { field: "groupMappings" });
  }
  const domains = [...new Set(config.allowedDomains)];
  const released = await claimsToTakeOver(db, orgId, domains);
  await discover(config.issuer, allowPrivate(env));
  // Everything is checked: only now is anything written.
  if (config.clientSecret !== undefined) await storeClientSecret(env, credentials, secretName, existingSecret?.id, config.clientSecret);
  try {
    await new SsoStore(db, orgId).putProvider(
      {
        displayName: config.displayName,
        issuer: config.issuer,
        clientId: config.clientId,
        clientSecretCredential: secretName,
        groupMappings: JSON.stringify(config.groupMappings),
        defaultRole: config.defaultRole,
      },
      domains,
      released,
    );
  } catch (error) {
    // A domain claimed by another org in the meantime (primary key): the batch changed nothing.
    if (/UNIQUE|PRIMARY KEY|constraint/i.test(`${String(error)} ${String((error as Error).cause ?? "")}`)) {
      throw domainTaken();
    }
    throw error;
  }
  for (const { holder, domain } of released) {
    await recordAudit(env, {
      orgId: holder.orgId,
      actor: { type: "system", id: "sso" },
      action: "sso.domain_released",
      resource: { type: "identity_provider", id: holder.orgId },
      result: "success",
      reason: "claimed_by_vouched_org",
      details: { domain, claimedBy: orgId },
    });
  }
}

/**
 * Whether the org's SSO configuration names this credential as its client secret: it cannot then
 * be deleted or renamed (409), and only owners, who alone change SSO, may replace its secret.
 */
export async function isSsoClientSecret(env: Env, orgId: string, credentialName: string): Promise<boolean> {
  return (await new SsoStore(makeDb(env.DB), orgId).provider())?.clientSecretCredential === credentialName;
}

const domainTaken = () => new AppError("conflict", "an allowed domain, or a parent or subdomain of it, is claimed by another organization");

/**
 * The claims of other orgs this org's domains take over, or 409. A domain is held by one org, and
 * no other org may hold a parent or a subdomain of it. A claim proves nothing by itself, so a
 * claim is "vouched" when an owner or admin of the holding org signs in with a password to an
 * account on that very domain (`hasManagerOnDomain`). An unvouched claim of the same domain, or of
 * a subdomain, gives way to an org vouched for the domain (the squatter loses it); otherwise the
 * first claim stands (409).
 */
async function claimsToTakeOver(db: Db, orgId: string, domains: string[]): Promise<Array<{ holder: SsoStore; domain: string }>> {
  const released: Array<{ holder: SsoStore; domain: string }> = [];
  const self = new SsoStore(db, orgId);
  for (const domain of domains) {
    for (const claim of await overlappingDomainClaims(db, domain)) {
      if (claim.orgId === orgId) continue;
      const holder = new SsoStore(db, claim.orgId);
      const sameOrSubdomain = claim.domain === domain || claim.domain.endsWith(`.${domain}`);
      if (!sameOrSubdomain || (await holder.hasManagerOnDomain(claim.domain)) || !(await self.hasManagerOnDomain(domain))) throw domainTaken();
      released.push({ holder, domain: claim.domain });
    }
  }
  return released;
}

/** The credential a client secret given inline is kept in, unless the config names one. */
export const DEFAULT_SECRET_CREDENTIAL = "sso-client-secret";

async function storeClientSecret(env: Env, store: PolicyStore, name: string, existingId: string | undefined, secret: string) {
  const id = existingId ?? newId("cred");
  const sealed = await sealSecret(env, store.orgId, id, secret);
  if (existingId) await store.updateCredential(id, sealed);
  else await store.insertCredential({ id, name, inject: JSON.stringify({ type: "bearer" }), ...sealed });
  forgetCredentials(store.orgId);
}

export interface StartedSsoLogin {
  location: string;
  /** Value of the SSO_COOKIE to set on the browser. */
  verifier: string;
}

/** Finds the org to sign in to: by id, or by the domain of an e-mail. 404 when it has no provider. */
export async function ssoOrgFor(env: Env, target: { org?: string | undefined; email?: string | undefined }): Promise<string> {
  const db = makeDb(env.DB);
  const orgId = target.org ?? (await orgOfDomain(db, domainOf(target.email ?? "")));
  if (!orgId || !(await new SsoStore(db, orgId).provider())) throw notFound("single sign-on for this organization");
  return orgId;
}

export async function startSsoLogin(env: Env, orgId: string, origin: string): Promise<StartedSsoLogin> {
  const provider = await new SsoStore(makeDb(env.DB), orgId).provider();
  if (!provider) throw notFound("single sign-on for this organization");
  const metadata = await discover(provider.issuer, allowPrivate(env));
  const redirectUri = redirectUriFor(origin);
  const request = await authorizationRequest(metadata, provider.clientId, redirectUri);
  await new LoginData(makeDb(env.DB)).startSsoLogin({
    stateSha256: await sha256Hex(request.state),
    orgId,
    nonce: request.nonce,
    verifierSha256: await sha256Hex(request.verifier),
    redirectUri,
    expiresAt: Date.now() + SSO_LOGIN_TTL_SECONDS * 1000,
  });
  return { location: request.url.toString(), verifier: request.verifier };
}

export interface SsoCallback {
  code?: string | undefined;
  state?: string | undefined;
  iss?: string | undefined;
  error?: string | undefined;
  /** The SSO_COOKIE the browser sent. */
  verifier: string | undefined;
  origin: string;
}

const invalidLogin = () => new AppError("bad_request", "invalid, expired or already used sign-in; start again");

/** Completes a login. Every refusal leaves nothing behind but the used pending row and an audit event. */
export async function completeSsoLogin(env: Env, ctx: { waitUntil(p: Promise<unknown>): void }, input: SsoCallback): Promise<IssuedSession> {
  if (!input.state) throw invalidLogin();
  const pending = await new LoginData(makeDb(env.DB)).consumeSsoLogin(await sha256Hex(input.state));
  if (!pending) throw invalidLogin();
  const audit = (result: "success" | "denied", reason: string, userId?: string) =>
    ctx.waitUntil(
      recordAudit(env, {
        orgId: pending.orgId,
        actor: userId ? { type: "user", id: userId } : { type: "system", id: "sso" },
        action: "user.login",
        resource: { type: "user", id: userId ?? null },
        result,
        reason,
      }),
    );
  // The callback must come back to the browser that started it (login CSRF, a stolen code or state).
  if (!input.verifier || !timingSafeEqual(await sha256Hex(input.verifier), pending.verifierSha256)) {
    audit("denied", "sso_browser_mismatch");
    throw new AppError("bad_request", "this sign-in was started in another browser; start again");
  }
  if (pending.redirectUri !== redirectUriFor(input.origin)) {
    audit("denied", "sso_redirect_uri_mismatch");
    throw invalidLogin();
  }
  const db = makeDb(env.DB);
  const store = new SsoStore(db, pending.orgId);
  const provider = await store.provider();
  if (!provider) throw notFound("single sign-on for this organization");
  if (input.error || !input.code) {
    audit("denied", "sso_provider_error");
    throw new AppError("unauthorized", "the identity provider did not sign you in");
  }
  // RFC 9207: a response naming another issuer is a mix-up.
  if (input.iss !== undefined && input.iss !== provider.issuer) {
    audit("denied", "sso_issuer_mismatch");
    throw ssoFailed("iss parameter of another issuer");
  }
  const metadata = await discover(provider.issuer, allowPrivate(env));
  const secretRow = await new PolicyStore(db, pending.orgId).credentialByName(provider.clientSecretCredential);
  if (!secretRow) throw new AppError("unavailable", "single sign-on is misconfigured: its client secret credential is missing");
  let claims: IdTokenClaims;
  try {
    claims = await redeemCode({
      metadata,
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: (await openCredential(env, secretRow)).secret,
      code: input.code,
      verifier: input.verifier,
      redirectUri: pending.redirectUri,
      nonce: pending.nonce,
    });
  } catch (error) {
    audit("denied", "sso_token_refused");
    throw error;
  }
  const claimed = verifiedEmailOf(claims);
  if (!claimed) {
    audit("denied", claims.email === undefined ? "sso_no_email" : "sso_email_not_verified");
    throw ssoFailed("ID token carries no e-mail verified by the provider");
  }
  const email = normalizeEmail(claimed);
  if (!(await store.domains()).includes(domainOf(email))) {
    audit("denied", "sso_domain_not_allowed");
    throw forbidden("your e-mail domain is not allowed to sign in to this organization");
  }
  const provisioned = await provisionUser(env, store, provider, claims.sub, email, claims.groups ?? []);
  if (provisioned === undefined) {
    audit("denied", "sso_account_exists_elsewhere");
    throw ssoFailed("an account with this e-mail exists and is not a member of this org");
  }
  const { userId, credentialsEpoch } = provisioned;
  audit("success", "sso", userId);
  // Other orgs of the account see the login too (as password logins do).
  ctx.waitUntil(auditOtherOrgs(env, userId, pending.orgId));
  return issueSession(env, userId, ["sso"], pending.orgId, credentialsEpoch);
}

async function auditOtherOrgs(env: Env, userId: string, exceptOrgId: string) {
  const orgs = await new PlatformData(makeDb(env.DB)).orgsOfUser(userId);
  if (orgs.some((o) => o.id !== exceptOrgId)) {
    await Promise.all(
      orgs
        .filter((o) => o.id !== exceptOrgId)
        .map((o) =>
          recordAudit(env, {
            orgId: o.id,
            actor: { type: "user", id: userId },
            action: "user.login",
            resource: { type: "user", id: userId },
            result: "success",
            reason: `sso:${exceptOrgId}`,
          }),
        ),
    );
  }
}

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** The role the person's groups give (the highest mapped one), or undefined when none maps a role. */
export function roleFromGroups(mappings: GroupMapping[], groups: string[]): "admin" | "member" | undefined {
  let best: "admin" | "member" | undefined;
  for (const m of mappings) {
    if (m.role && groups.includes(m.group) && (!best || RANK[m.role] > RANK[best])) best = m.role;
  }
  return best;
}

/**
 * The Palisade user of an IdP identity: the one linked to (org, sub); else the account with that
 * e-mail only if it is already a member of this org (the org admitted it, so linking it to the
 * org's provider is the org's own decision); else a new account without a password (just in time).
 * An account with that e-mail outside the org is never handed to the org's provider: undefined
 * (the person is invited, signs in with their own credentials and accepts; see README). Membership,
 * role and teams then follow the groups; an owner's role is never changed by the provider.
 */
async function provisionUser(
  env: Env,
  store: SsoStore,
  provider: IdentityProviderRow,
  subject: string,
  email: string,
  groups: string[],
): Promise<{ userId: string; credentialsEpoch: number } | undefined> {
  const db = makeDb(env.DB);
  const platform = new PlatformData(db);
  const org = new OrgData(db, store.orgId);
  const mappings = mappingsOf(provider);
  const mappedRole = roleFromGroups(mappings, groups);
  let userId = (await store.linkedUser(subject))?.userId;
  if (!userId) {
    const existing = await platform.userByEmail(email);
    if (existing) {
      const membership = await org.membership(existing.id);
      if (!membership || membership.deactivatedAt !== null) return undefined;
      userId = existing.id;
    } else {
      userId = (await platform.insertUser(email, null)).id;
      await recordAudit(env, {
        orgId: store.orgId,
        actor: { type: "system", id: "sso" },
        action: "user.jit_provisioned",
        resource: { type: "user", id: userId },
        result: "success",
        details: { role: mappedRole ?? provider.defaultRole, groups: groups.length },
      });
    }
    await store.link(subject, userId);
  }
  // Read once the account is resolved: an invitation taking it over after this point (which ends
  // the link) leaves the session unstored.
  const account = await platform.user(userId);
  if (!account) return undefined;
  const membership = await org.membership(userId);
  if (!membership) {
    if (!(await org.addMemberAtEpoch(userId, mappedRole ?? provider.defaultRole, account.credentialsEpoch))) return undefined;
  } else if (mappedRole && membership.role !== "owner" && membership.role !== mappedRole) {
    await org.setMemberRole(userId, mappedRole);
    await recordAudit(env, {
      orgId: store.orgId,
      actor: { type: "system", id: "sso" },
      action: "member.role_changed",
      resource: { type: "user", id: userId },
      result: "success",
      reason: "sso_group_mapping",
      details: { role: mappedRole },
    });
  }
  for (const teamId of new Set(mappings.filter((m) => m.teamId && groups.includes(m.group)).map((m) => m.teamId as string))) {
    // A team deleted since the mapping was saved is skipped; the rest still apply.
    if (!(await org.team(teamId))) continue;
    if (!(await org.teamRole(teamId, userId))) await org.setTeamMember(teamId, userId, "member");
  }
  return { userId, credentialsEpoch: account.credentialsEpoch };
}

export function domainOf(email: string): string {
  const at = email.lastIndexOf("@");
  return at < 0 ? "" : email.slice(at + 1).toLowerCase();
}

/** Logout, audited in every org of the account. */
export async function auditLogout(env: Env, userId: string): Promise<void> {
  await auditLogin(env, userId, "success", "session_ended", null, "user.logout");
}
