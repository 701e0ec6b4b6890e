// SCIM 2.0 wire shapes (RFC 7643/7644) as Palisade accepts them: strict, so an attribute this
// service does not know is refused rather than silently dropped. Shared by the Worker and tests.
import { z } from "zod";

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const SCIM_ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SCIM_LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

const text = (max: number) => z.string().trim().max(max);
/** Identity providers send booleans as JSON booleans or as "True"/"False" strings (Entra ID). */
export const ScimBoolean = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(["true", "false"]))
    .transform((v) => v === "true"),
]);

const MultiValued = z.strictObject({
  value: text(254).optional(),
  type: text(40).optional(),
  primary: ScimBoolean.optional(),
  display: text(254).optional(),
});

const Address = z.strictObject({
  type: text(40).optional(),
  formatted: text(500).optional(),
  streetAddress: text(200).optional(),
  locality: text(120).optional(),
  region: text(120).optional(),
  postalCode: text(40).optional(),
  country: text(120).optional(),
  primary: ScimBoolean.optional(),
});

const Meta = z.looseObject({}).optional();

const EnterpriseUser = z.strictObject({
  employeeNumber: text(120).optional(),
  costCenter: text(120).optional(),
  organization: text(120).optional(),
  division: text(120).optional(),
  department: text(120).optional(),
  manager: z.union([z.strictObject({ value: text(254).optional(), displayName: text(254).optional() }), text(254)]).optional(),
});

/**
 * A User as POST and PUT carry it, and as a PATCH leaves it before it is written. Attributes the
 * identity providers send by default but Palisade does not keep (title, phone numbers,
 * addresses, locale, the enterprise extension) are accepted and not stored. `roles` and `groups`
 * cannot be written through the User: roles are Palisade's own, groups are written as Groups.
 */
export const ScimUserWriteSchema = z.strictObject({
  schemas: z.array(z.string().max(200)).min(1).max(5),
  id: z.string().max(80).optional(),
  externalId: text(254).min(1).nullable().optional(),
  userName: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  name: z
    .strictObject({
      formatted: text(254).optional(),
      givenName: text(120).optional(),
      familyName: text(120).optional(),
      middleName: text(120).optional(),
      honorificPrefix: text(40).optional(),
      honorificSuffix: text(40).optional(),
    })
    .optional(),
  displayName: text(254).optional(),
  nickName: text(120).optional(),
  title: text(120).optional(),
  userType: text(60).optional(),
  preferredLanguage: text(40).optional(),
  locale: text(40).optional(),
  timezone: text(60).optional(),
  active: ScimBoolean.optional(),
  password: z.string().min(10).max(256).optional(),
  emails: z.array(MultiValued).max(10).optional(),
  phoneNumbers: z.array(MultiValued).max(10).optional(),
  addresses: z.array(Address).max(5).optional(),
  roles: z.array(MultiValued).max(0, "roles are managed in Palisade, not through SCIM").optional(),
  groups: z.array(MultiValued).max(0, "group membership is written through /Groups").optional(),
  meta: Meta,
  [SCIM_ENTERPRISE_USER_SCHEMA]: EnterpriseUser.optional(),
});
export type ScimUserWrite = z.infer<typeof ScimUserWriteSchema>;

export const ScimGroupWriteSchema = z.strictObject({
  schemas: z.array(z.string().max(200)).min(1).max(5),
  id: z.string().max(80).optional(),
  externalId: text(254).min(1).nullable().optional(),
  displayName: text(120).min(1),
  members: z
    .array(
      z.strictObject({ value: z.string().max(80), display: text(254).optional(), type: text(40).optional(), $ref: z.string().max(500).optional() }),
    )
    .max(1000)
    .optional(),
  meta: Meta,
});
export type ScimGroupWrite = z.infer<typeof ScimGroupWriteSchema>;

export const ScimPatchSchema = z.strictObject({
  schemas: z.array(z.literal(SCIM_PATCH_SCHEMA)).min(1),
  Operations: z
    .array(
      z.looseObject({
        op: z
          .string()
          .trim()
          .toLowerCase()
          .pipe(z.enum(["add", "replace", "remove"])),
        path: z.string().trim().min(1).max(300).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type ScimPatch = z.infer<typeof ScimPatchSchema>;

export const ScimListQuerySchema = z.object({
  filter: z.string().max(500).optional(),
  startIndex: z.coerce.number().int().catch(1).optional(),
  count: z.coerce.number().int().catch(100).optional(),
});

export const ScimTokenSchema = z.object({ token: z.string(), prefix: z.string(), baseUrl: z.string() });
