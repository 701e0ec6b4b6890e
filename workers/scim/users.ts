// SCIM Users ↔ org members: create (a new account, or an existing one joins as member), read,
// list, replace, patch, deactivate and delete. Deactivation goes through withdrawMember, which
// ends the person's sessions, admin keys and OAuth grants at once.
import {
  SCIM_ENTERPRISE_USER_SCHEMA,
  SCIM_LIST_SCHEMA,
  SCIM_USER_SCHEMA,
  type ScimPatch,
  type ScimUserWrite,
  ScimUserWriteSchema,
} from "../../schema/scim.js";
import { recordAudit } from "../audit/audit.js";
import { iso, makeDb } from "../data/db.js";
import { OrgData } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";
import { type ScimMemberRow, ScimStore } from "../data/scim-store.js";
import { ID_PATTERN } from "../ids.js";
import { withdrawMember } from "../identity/deactivation.js";
import { normalizeEmail } from "../identity/login-throttle.js";
import { ScimError, invalidSyntax, invalidValue, scimNotFound } from "./errors.js";
import { paging, parseEqFilter } from "./filter.js";
import { applyPatch } from "./patch.js";

export const MAX_PAGE = 200;

export interface ScimContext {
  env: Env;
  orgId: string;
  /** The SCIM token's id: the audit actor is the org's provisioning client. */
  tokenId: string;
  baseUrl: string;
  waitUntil(p: Promise<unknown>): void;
}

const store = (ctx: ScimContext) => new ScimStore(makeDb(ctx.env.DB), ctx.orgId);

/** The User as SCIM returns it (no password, ever). */
export function userResource(ctx: ScimContext, row: ScimMemberRow) {
  return {
    schemas: [SCIM_USER_SCHEMA],
    id: row.userId,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.email,
    name: {
      ...(row.givenName ? { givenName: row.givenName } : {}),
      ...(row.familyName ? { familyName: row.familyName } : {}),
    },
    ...(row.displayName ? { displayName: row.displayName } : {}),
    emails: [{ value: row.email, type: "work", primary: true }],
    active: row.deactivatedAt === null,
    meta: {
      resourceType: "User",
      created: iso(row.createdAt),
      lastModified: iso(row.updatedAt ?? row.createdAt),
      location: `${ctx.baseUrl}/Users/${row.userId}`,
    },
  };
}

export const NO_PASSWORDS = "SCIM does not manage passwords; people sign in with SSO or set one through an invitation";

/**
 * Parses a User body strictly: an unknown attribute or a bad value is refused with nothing changed.
 * A password is refused whatever its value: an org's provisioning client never chooses the
 * credential of an account, which may be (or later become) a member of other orgs too.
 */
export function parseUser(body: unknown): ScimUserWrite {
  if (typeof body === "object" && body !== null && Object.keys(body).some((k) => k.toLowerCase() === "password")) throw invalidValue(NO_PASSWORDS);
  const parsed = ScimUserWriteSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join(".") || "body";
    if (issue?.code === "unrecognized_keys")
      throw invalidSyntax(`unknown attribute: ${issue.keys.map((k) => [at === "body" ? "" : `${at}.`, k].join("")).join(", ")}`);
    if (at === "roles" || at === "groups") throw new ScimError(400, issue?.message ?? "read-only attribute", "mutability");
    throw invalidValue(`invalid value for ${at}`);
  }
  if (!parsed.data.schemas.some((s) => s === SCIM_USER_SCHEMA)) throw invalidSyntax(`schemas must include ${SCIM_USER_SCHEMA}`);
  return parsed.data;
}

function fieldsOf(user: ScimUserWrite) {
  return {
    externalId: user.externalId ?? null,
    givenName: user.name?.givenName ?? null,
    familyName: user.name?.familyName ?? null,
    displayName: user.displayName ?? null,
  };
}

function audit(ctx: ScimContext, action: string, userId: string, details: Record<string, unknown> = {}) {
  return recordAudit(ctx.env, {
    orgId: ctx.orgId,
    actor: { type: "system", id: ctx.tokenId },
    action,
    resource: { type: "user", id: userId },
    result: "success",
    reason: "scim",
    details,
  });
}

/**
 * POST /Users. A new e-mail gets a new account (without a password) and joins as member. An
 * account that is already a member of this org is linked (its SCIM fields are written): that is
 * how an identity provider takes over existing members. An account that exists but is not a
 * member is refused with 409: SCIM cannot add an existing account to the org (it would join
 * without consenting, and the org could then end its sessions); the org invites it instead.
 */
export async function createUser(ctx: ScimContext, body: unknown) {
  const input = parseUser(body);
  const email = normalizeEmail(input.userName);
  const scim = store(ctx);
  if (input.externalId && (await scim.listMembers({ externalId: input.externalId }, 0, 1)).total > 0) {
    throw new ScimError(409, "a user with this externalId exists", "uniqueness");
  }
  const platform = new PlatformData(makeDb(ctx.env.DB));
  const active = input.active ?? true;
  const existing = await platform.userByEmail(email);
  if (existing) {
    const member = await scim.member(existing.id);
    if (!member) throw new ScimError(409, ACCOUNT_EXISTS, "uniqueness");
    if (member.externalId !== null || member.updatedAt !== null) throw new ScimError(409, "a user with this userName exists", "uniqueness");
    return writeUser(ctx, member, input, "scim.user.link");
  }
  // A concurrent creation of the same e-mail makes this insert fail: that account is not ours.
  const account = await platform.insertUser(email, null).catch(() => undefined);
  if (!account) throw new ScimError(409, ACCOUNT_EXISTS, "uniqueness");
  await scim.addMember(account.id, fieldsOf(input), active ? null : Date.now());
  await audit(ctx, "scim.user.create", account.id, { active });
  const row = await scim.member(account.id);
  if (!row) throw scimNotFound("user");
  return userResource(ctx, row);
}

const ACCOUNT_EXISTS =
  "an account with this userName exists and is not a member of this org: invite it (POST /api/v1/orgs/:orgId/members); SCIM links it once it has joined";

async function memberOrThrow(ctx: ScimContext, id: string): Promise<ScimMemberRow> {
  const row = ID_PATTERN.test(id) ? await store(ctx).member(id) : undefined;
  if (!row) throw scimNotFound("user");
  return row;
}

export async function getUser(ctx: ScimContext, id: string) {
  return userResource(ctx, await memberOrThrow(ctx, id));
}

export async function listUsers(
  ctx: ScimContext,
  query: { filter?: string | undefined; startIndex?: number | undefined; count?: number | undefined },
) {
  const filter = parseEqFilter(query.filter, { username: "userName", externalid: "externalId", "emails.value": "userName" });
  const page = paging(query.startIndex, query.count, MAX_PAGE);
  const { rows, total } = await store(ctx).listMembers(
    filter?.attribute === "userName" ? { userName: normalizeEmail(filter.value) } : filter ? { externalId: filter.value } : {},
    page.offset,
    page.count,
  );
  return {
    schemas: [SCIM_LIST_SCHEMA],
    totalResults: total,
    startIndex: page.startIndex,
    itemsPerPage: rows.length,
    Resources: rows.map((r) => userResource(ctx, r)),
  };
}

/** The writable form of a member: what PUT would carry, and what PATCH starts from. */
function writableForm(row: ScimMemberRow): Record<string, unknown> {
  return {
    schemas: [SCIM_USER_SCHEMA],
    ...(row.externalId ? { externalId: row.externalId } : {}),
    userName: row.email,
    name: { ...(row.givenName ? { givenName: row.givenName } : {}), ...(row.familyName ? { familyName: row.familyName } : {}) },
    ...(row.displayName ? { displayName: row.displayName } : {}),
    emails: [{ value: row.email, type: "work", primary: true }],
    active: row.deactivatedAt === null,
  };
}

/** Writes a validated User over the member; deactivation and reactivation take effect here. */
async function writeUser(ctx: ScimContext, row: ScimMemberRow, input: ScimUserWrite, action: string) {
  const scim = store(ctx);
  const email = normalizeEmail(input.userName);
  let newEmail: string | undefined;
  if (email !== row.email) {
    // The e-mail is the account's sign-in name: an org may rename only an account that is its alone
    // and holds no password (one its provider signs in). Moving a password to another address
    // would bind that address to a credential nobody proved it for. The write re-checks both.
    if ((await scim.orgCountOfUser(row.userId)) > 1)
      throw new ScimError(400, "userName of an account shared with another org cannot change", "mutability");
    if ((await new PlatformData(makeDb(ctx.env.DB)).user(row.userId))?.passwordHash != null)
      throw new ScimError(400, "userName of an account that signs in with a password cannot change", "mutability");
    if (await new PlatformData(makeDb(ctx.env.DB)).userByEmail(email)) throw new ScimError(409, "another account has this userName", "uniqueness");
    newEmail = email;
  }
  if (input.externalId && input.externalId !== row.externalId && (await scim.listMembers({ externalId: input.externalId }, 0, 1)).total > 0) {
    throw new ScimError(409, "a user with this externalId exists", "uniqueness");
  }
  const active = input.active ?? row.deactivatedAt === null;
  const wasActive = row.deactivatedAt === null;
  if (!active && wasActive) await assertNotLastOwner(ctx, row);
  if (!(await scim.writeMember(row.userId, fieldsOf(input), active ? null : (row.deactivatedAt ?? Date.now()), newEmail)))
    throw new ScimError(409, "userName cannot change: taken, or the account signs in with a password or belongs to another org", "uniqueness");
  if (!active && wasActive) await withdrawMember(ctx.env, ctx.orgId, row.userId, { type: "system", id: ctx.tokenId }, "scim.user.deactivate");
  await audit(ctx, action, row.userId, { active, ...(active && !wasActive ? { reactivated: true } : {}) });
  return userResource(ctx, await memberOrThrow(ctx, row.userId));
}

/** SCIM may not take the org's last owner away: the org would have nobody to manage it. */
async function assertNotLastOwner(ctx: ScimContext, row: ScimMemberRow) {
  if (row.role === "owner" && row.deactivatedAt === null && (await new OrgData(makeDb(ctx.env.DB), ctx.orgId).countActiveOwners()) <= 1) {
    throw new ScimError(400, "the org's last active owner cannot be deactivated or deleted through SCIM", "mutability");
  }
}

export async function replaceUser(ctx: ScimContext, id: string, body: unknown) {
  const row = await memberOrThrow(ctx, id);
  return writeUser(ctx, row, parseUser(body), "scim.user.replace");
}

const USER_ATTRIBUTES = [
  "schemas",
  "externalId",
  "userName",
  "name",
  "displayName",
  "nickName",
  "title",
  "userType",
  "preferredLanguage",
  "locale",
  "timezone",
  "active",
  "password",
  "emails",
  "phoneNumbers",
  "addresses",
  "roles",
  "groups",
];
const USER_TARGET = {
  canonical: (name: string) => USER_ATTRIBUTES.find((a) => a.toLowerCase() === name.toLowerCase()) ?? name,
  multiValued: new Set(["emails", "phoneNumbers", "addresses", "roles", "groups"]),
  coreSchema: SCIM_USER_SCHEMA,
};

export async function patchUser(ctx: ScimContext, id: string, patch: ScimPatch) {
  const row = await memberOrThrow(ctx, id);
  const patched = applyPatch(writableForm(row), patch, USER_TARGET);
  // The work e-mail is the userName: Entra ID changes it through emails[type eq "work"].value.
  const emails = Array.isArray(patched.emails) ? patched.emails : [];
  const work = emails.find((e) => typeof e === "object" && e !== null && (e as { type?: unknown }).type === "work") as
    | { value?: unknown }
    | undefined;
  if (work && typeof work.value === "string" && normalizeEmail(work.value) !== row.email && patched.userName === row.email)
    patched.userName = work.value;
  if (patched[SCIM_ENTERPRISE_USER_SCHEMA] === undefined) delete patched[SCIM_ENTERPRISE_USER_SCHEMA];
  return writeUser(ctx, row, parseUser(patched), "scim.user.patch");
}

/** DELETE: the person leaves the org; what they held ends first. */
export async function deleteUser(ctx: ScimContext, id: string) {
  const row = await memberOrThrow(ctx, id);
  await assertNotLastOwner(ctx, row);
  await withdrawMember(ctx.env, ctx.orgId, row.userId, { type: "system", id: ctx.tokenId }, "scim.user.delete");
  await new OrgData(makeDb(ctx.env.DB), ctx.orgId).removeMember(row.userId);
  await audit(ctx, "scim.user.delete", row.userId);
}
