// SCIM Groups ↔ teams: members are team members (joining as team role "member"; a member who
// stays keeps their team role). Only members of the org can be group members.
import { SCIM_GROUP_SCHEMA, SCIM_LIST_SCHEMA, type ScimGroupWrite, ScimGroupWriteSchema, type ScimPatch } from "../../schema/scim.js";
import { recordAudit } from "../audit/audit.js";
import { iso, makeDb } from "../data/db.js";
import { type ScimGroupRow, ScimStore } from "../data/scim-store.js";
import { ID_PATTERN } from "../ids.js";
import { ScimError, invalidSyntax, invalidValue, scimNotFound } from "./errors.js";
import { paging, parseEqFilter } from "./filter.js";
import { applyPatch } from "./patch.js";
import { MAX_PAGE, type ScimContext } from "./users.js";

const store = (ctx: ScimContext) => new ScimStore(makeDb(ctx.env.DB), ctx.orgId);

function groupResource(ctx: ScimContext, row: ScimGroupRow, members: Array<{ userId: string; email: string }>) {
  return {
    schemas: [SCIM_GROUP_SCHEMA],
    id: row.teamId,
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.name,
    members: members.map((m) => ({ value: m.userId, display: m.email, $ref: `${ctx.baseUrl}/Users/${m.userId}` })),
    meta: {
      resourceType: "Group",
      created: iso(row.createdAt),
      lastModified: iso(row.updatedAt ?? row.createdAt),
      location: `${ctx.baseUrl}/Groups/${row.teamId}`,
    },
  };
}

function parseGroup(body: unknown): ScimGroupWrite {
  const parsed = ScimGroupWriteSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join(".") || "body";
    if (issue?.code === "unrecognized_keys") throw invalidSyntax(`unknown attribute: ${issue.keys.join(", ")}`);
    throw invalidValue(`invalid value for ${at}`);
  }
  if (!parsed.data.schemas.includes(SCIM_GROUP_SCHEMA)) throw invalidSyntax(`schemas must include ${SCIM_GROUP_SCHEMA}`);
  return parsed.data;
}

/** The member ids, each a member of this org (anything else is refused, naming no id). */
async function memberIdsOf(ctx: ScimContext, group: ScimGroupWrite): Promise<string[]> {
  const ids = [...new Set((group.members ?? []).map((m) => m.value))];
  const known = await store(ctx).memberIds(ids.filter((id) => ID_PATTERN.test(id)));
  if (known.size !== ids.length) throw invalidValue("members must be users of this org");
  return ids;
}

function audit(ctx: ScimContext, action: string, teamId: string, details: Record<string, unknown> = {}) {
  return recordAudit(ctx.env, {
    orgId: ctx.orgId,
    actor: { type: "system", id: ctx.tokenId },
    action,
    resource: { type: "team", id: teamId },
    result: "success",
    reason: "scim",
    details,
  });
}

async function groupOrThrow(ctx: ScimContext, id: string) {
  const row = ID_PATTERN.test(id) ? await store(ctx).group(id) : undefined;
  if (!row) throw scimNotFound("group");
  return row;
}

async function resourceOf(ctx: ScimContext, row: ScimGroupRow) {
  const members = (await store(ctx).groupMembers([row.teamId])).get(row.teamId) ?? [];
  return groupResource(ctx, row, members);
}

const uniqueName = (error: unknown): never => {
  if (error instanceof Error && /UNIQUE constraint failed/i.test(`${error.message} ${String(error.cause ?? "")}`)) {
    throw new ScimError(409, "a group with this displayName or externalId exists", "uniqueness");
  }
  throw error;
};

export async function createGroup(ctx: ScimContext, body: unknown) {
  const input = parseGroup(body);
  const members = await memberIdsOf(ctx, input);
  const id = await store(ctx)
    .createGroup(input.displayName, input.externalId ?? null, members)
    .catch(uniqueName);
  await audit(ctx, "scim.group.create", id, { members: members.length });
  return resourceOf(ctx, await groupOrThrow(ctx, id));
}

export async function getGroup(ctx: ScimContext, id: string) {
  return resourceOf(ctx, await groupOrThrow(ctx, id));
}

export async function listGroups(
  ctx: ScimContext,
  query: { filter?: string | undefined; startIndex?: number | undefined; count?: number | undefined },
) {
  const filter = parseEqFilter(query.filter, { displayname: "displayName", externalid: "externalId" });
  const page = paging(query.startIndex, query.count, MAX_PAGE);
  const { rows, total } = await store(ctx).listGroups(filter ? { [filter.attribute]: filter.value } : {}, page.offset, page.count);
  const members = await store(ctx).groupMembers(rows.map((r) => r.teamId));
  return {
    schemas: [SCIM_LIST_SCHEMA],
    totalResults: total,
    startIndex: page.startIndex,
    itemsPerPage: rows.length,
    Resources: rows.map((r) => groupResource(ctx, r, members.get(r.teamId) ?? [])),
  };
}

async function writeGroup(ctx: ScimContext, id: string, input: ScimGroupWrite, action: string) {
  const members = await memberIdsOf(ctx, input);
  await store(ctx)
    .writeGroup(id, input.displayName, input.externalId ?? null, members)
    .catch(uniqueName);
  await audit(ctx, action, id, { members: members.length });
  return resourceOf(ctx, await groupOrThrow(ctx, id));
}

export async function replaceGroup(ctx: ScimContext, id: string, body: unknown) {
  await groupOrThrow(ctx, id);
  return writeGroup(ctx, id, parseGroup(body), "scim.group.replace");
}

const GROUP_ATTRIBUTES = ["schemas", "externalId", "displayName", "members"];
const GROUP_TARGET = {
  canonical: (name: string) => GROUP_ATTRIBUTES.find((a) => a.toLowerCase() === name.toLowerCase()) ?? name,
  multiValued: new Set(["members"]),
  coreSchema: SCIM_GROUP_SCHEMA,
};

export async function patchGroup(ctx: ScimContext, id: string, patch: ScimPatch) {
  const row = await groupOrThrow(ctx, id);
  const current = await resourceOf(ctx, row);
  const writable = {
    schemas: [SCIM_GROUP_SCHEMA],
    ...(row.externalId ? { externalId: row.externalId } : {}),
    displayName: row.name,
    members: current.members.map((m) => ({ value: m.value })),
  };
  const patched = applyPatch(writable, patch, GROUP_TARGET);
  // Okta's pathless replace repeats the group's id: it is read-only, not a change.
  if (patched.id !== undefined && patched.id !== id) throw new ScimError(400, "id is read-only", "mutability");
  delete patched.id;
  return writeGroup(ctx, id, parseGroup(patched), "scim.group.patch");
}

export async function deleteGroup(ctx: ScimContext, id: string) {
  await groupOrThrow(ctx, id);
  await store(ctx).deleteGroup(id);
  await audit(ctx, "scim.group.delete", id);
}
