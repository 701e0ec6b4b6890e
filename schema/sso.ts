// Single sign-on (OpenID Connect), org sign-in rules and MFA: request and response schemas shared
// by the Worker, the dashboard and the tests.
import { z } from "zod";
import { ID_PREFIX, idOf } from "./api.js";
import { credentialName } from "./credentials.js";

const email = z.string().trim().toLowerCase().max(254).pipe(z.email());
const domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a DNS domain such as example.com");

/** Roles a group may grant; owners are named in Palisade, never by the identity provider. */
export const SsoRoleSchema = z.enum(["admin", "member"]);

export const GroupMappingSchema = z
  .strictObject({ group: z.string().min(1).max(256), role: SsoRoleSchema.optional(), teamId: idOf(ID_PREFIX.team).optional() })
  .refine((m) => m.role !== undefined || m.teamId !== undefined, { message: "a mapping needs a role, a teamId or both" });

export const SsoConfigSchema = z
  .strictObject({
    /** Shown as "Sign in with <displayName>". */
    displayName: z.string().trim().min(1).max(60),
    /** The provider's issuer identifier, exactly as its discovery document and ID tokens name it. */
    issuer: z.string().trim().max(2048).pipe(z.url()),
    clientId: z.string().trim().min(1).max(256),
    /** Name of an org credential holding the client secret (the vault keeps it; it is never returned). */
    clientSecretCredential: credentialName.optional(),
    /** The client secret itself, written into the vault (as `clientSecretCredential`, or "sso-client-secret"); never returned. */
    clientSecret: z.string().min(1).max(4096).optional(),
    /** E-mail domains this provider signs people in for; each domain belongs to one org. */
    allowedDomains: z.array(domain).min(1).max(50),
    groupMappings: z.array(GroupMappingSchema).max(200).default([]),
    /** Role of a just-in-time user no group gives a role. */
    defaultRole: SsoRoleSchema.default("member"),
  })
  .refine((c) => c.clientSecret !== undefined || c.clientSecretCredential !== undefined, {
    message: "give clientSecret or clientSecretCredential",
    path: ["clientSecret"],
  });

export const SsoConfigResponseSchema = z.object({
  orgId: z.string(),
  displayName: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  clientSecretCredential: z.string(),
  allowedDomains: z.array(z.string()),
  groupMappings: z.array(z.object({ group: z.string(), role: SsoRoleSchema.optional(), teamId: z.string().optional() })),
  defaultRole: SsoRoleSchema,
  /** Register exactly this redirect URI at the provider. */
  redirectUri: z.string(),
  updatedAt: z.string(),
});

export const LoginPolicyUpdateSchema = z.strictObject({
  requireSso: z.boolean().optional(),
  requireMfa: z.boolean().optional(),
  /** An owner who may still sign in with a password while SSO is required (null: nobody). */
  breakGlassUserId: idOf(ID_PREFIX.user).nullable().optional(),
});
export const LoginPolicySchema = z.object({
  orgId: z.string(),
  requireSso: z.boolean(),
  requireMfa: z.boolean(),
  breakGlassUserId: z.string().nullable(),
});

export const SsoDiscoverQuerySchema = z.strictObject({ email });
export const SsoDiscoverResponseSchema = z.object({
  sso: z.object({ orgId: z.string(), displayName: z.string(), startUrl: z.string() }).nullable(),
});

/** Sign-in starts for an org (its id) or for an e-mail (its domain finds the org). */
export const SsoStartQuerySchema = z
  .strictObject({ org: idOf(ID_PREFIX.org).optional(), email: email.optional() })
  .refine((q) => (q.org === undefined) !== (q.email === undefined), { message: "give exactly one of org or email" });

/** What a provider sends back (RFC 6749 §4.1.2, RFC 9207 `iss`); providers may add more, which is ignored. */
export const SsoCallbackQuerySchema = z.object({
  code: z.string().min(1).max(4096).optional(),
  state: z.string().min(1).max(512).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});

export const MfaChallengeResponseSchema = z.object({
  mfaRequired: z.literal(true),
  /** Proof of the checked password for POST /login/mfa (5 minutes); it does not open the API. */
  mfaToken: z.string(),
  expiresAt: z.string(),
  /** No authenticator is enrolled yet and an org requires one: enrol with /login/mfa/enroll first. */
  enrol: z.boolean(),
});

const totpCode = z.string().regex(/^\d{6}$/, "must be 6 digits");

export const MfaLoginRequestSchema = z
  .strictObject({ mfaToken: z.string().min(1).max(4096), code: totpCode.optional(), recoveryCode: z.string().min(1).max(64).optional() })
  .refine((r) => (r.code === undefined) !== (r.recoveryCode === undefined), { message: "give exactly one of code or recoveryCode" });
export const MfaLoginEnrolRequestSchema = z.strictObject({ mfaToken: z.string().min(1).max(4096) });

export const MfaEnrolmentSchema = z.object({ secret: z.string(), otpauthUri: z.string() });
export const MfaCodeSchema = z.strictObject({ code: totpCode });
export const RecoveryCodesSchema = z.object({ recoveryCodes: z.array(z.string()) });
export const MfaStatusSchema = z.object({ status: z.enum(["none", "pending", "enabled"]), recoveryCodesLeft: z.number().int() });
