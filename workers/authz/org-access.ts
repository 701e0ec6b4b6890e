// Authorization against the caller's org, team and project membership. A caller who is not a
// member of an org gets 404 for everything in it, exactly as if it did not exist.
import type { Context } from "hono";
import { ID_PREFIX, idOf } from "../../schema/api.js";
import { makeDb } from "../data/db.js";
import { OrgData, type Role } from "../data/org-data.js";
import { AppError, forbidden, notFound } from "../errors.js";
import type { AppEnv, UserPrincipal } from "../http/context.js";
import { assertSignInMeetsOrgRules } from "../identity/login-policy.js";

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export interface OrgAccess {
  data: OrgData;
  orgId: string;
  userId: string;
  role: Role;
  principal: UserPrincipal;
}

const orgIdSchema = idOf(ID_PREFIX.org);

/** Resolves the caller's membership in :orgId, or 404. An admin key only opens its own org. */
export async function orgAccess(c: Context<AppEnv>, orgId: string): Promise<OrgAccess> {
  const principal = c.get("user");
  if (!orgIdSchema.safeParse(orgId).success) throw notFound("org");
  if (principal.via === "api_key" && principal.orgId !== orgId) throw notFound("org");
  const data = new OrgData(makeDb(c.env.DB), orgId);
  const membership = await data.membership(principal.userId);
  // A member SCIM deactivated is, for this org, as if they had never been one.
  if (!membership || membership.deactivatedAt !== null) throw notFound("org");
  await assertSignInMeetsOrgRules(c.env, orgId, principal, membership.role);
  return { data, orgId, userId: principal.userId, role: membership.role, principal };
}

export function hasRole(access: OrgAccess, min: Role): boolean {
  return RANK[access.role] >= RANK[min];
}

export function requireRole(access: OrgAccess, min: Role) {
  if (!hasRole(access, min)) throw forbidden(`requires the ${min} role in this org`);
}

/** Org admins manage every team; otherwise the caller must be an admin of that team. */
export async function requireTeamAdmin(access: OrgAccess, teamId: string | null | undefined) {
  if (hasRole(access, "admin")) return;
  if (teamId) {
    const teamRole = await access.data.teamRole(teamId, access.userId);
    if (teamRole?.role === "admin") return;
  }
  throw forbidden("requires the admin role in this org or team");
}

/** Parses a path id of the given kind; malformed ids are simply not found. */
export function pathId(prefix: string, raw: string, what: string): string {
  if (!idOf(prefix).safeParse(raw).success) throw notFound(what);
  return raw;
}

export function assertFound<T>(row: T | undefined | null, what: string): T {
  if (row === undefined || row === null) throw notFound(what);
  return row;
}

export const conflictOnUnique = (error: unknown, message: string): never => {
  if (error instanceof Error && /UNIQUE constraint failed/i.test(`${error.message} ${String(error.cause ?? "")}`)) {
    throw new AppError("conflict", message);
  }
  throw error;
};
