// /scim/v2: SCIM 2.0 for an org's identity provider, authenticated by the org's SCIM token
// (pal_scim_…; no other credential opens it, and it opens nothing else). Routes parse and call
// one operation; every error is answered in SCIM's error format.
import { Hono } from "hono";
import type { Context } from "hono";
import { ScimListQuerySchema, ScimPatchSchema } from "../../schema/scim.js";
import { readLimitedBytes } from "../http/middleware.js";
import type { AppEnv } from "../http/context.js";
import { bearer } from "../identity/authenticate.js";
import { lookupToken, tokenKindOf } from "../identity/tokens.js";
import { ScimError, invalidSyntax, scimErrorResponse } from "./errors.js";
import { resourceTypes, schemas, serviceProviderConfig } from "./discovery.js";
import { createGroup, deleteGroup, getGroup, listGroups, patchGroup, replaceGroup } from "./groups.js";
import { type ScimContext, createUser, deleteUser, getUser, listUsers, patchUser, replaceUser } from "./users.js";

export const SCIM_BODY_LIMIT = 256 * 1024;

type ScimEnv = AppEnv & { Variables: { scim: ScimContext } };

const scimJson = (body: unknown, status: 200 | 201 = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/scim+json" } });

async function readBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(scim\+)?json\b/i.test(type)) throw new ScimError(415, "content-type must be application/scim+json or application/json");
  const bytes = await readLimitedBytes(c.req.raw, SCIM_BODY_LIMIT).catch(() => {
    throw new ScimError(413, `request body exceeds ${SCIM_BODY_LIMIT} bytes`);
  });
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw invalidSyntax("request body is not JSON");
  }
}

function parsePatch(body: unknown) {
  const parsed = ScimPatchSchema.safeParse(body);
  if (!parsed.success) throw invalidSyntax("a PATCH body is {schemas: [PatchOp], Operations: [{op, path?, value?}]}");
  return parsed.data;
}

export function scimRoutes() {
  const scim = new Hono<ScimEnv>();
  scim.onError((error) => scimErrorResponse(error));
  scim.notFound(() => scimErrorResponse(new ScimError(404, "no such SCIM endpoint")));
  scim.use("*", async (c, next) => {
    const raw = bearer(c);
    if (!raw || tokenKindOf(raw) !== "scim") throw new ScimError(401, "an org SCIM token is required");
    const record = await lookupToken(c.env.DB, raw, "scim");
    if (!record) throw new ScimError(401, "invalid or revoked SCIM token");
    const url = new URL(c.req.url);
    c.set("scim", {
      env: c.env,
      orgId: record.orgId,
      tokenId: record.id,
      baseUrl: `${url.origin}/scim/v2`,
      waitUntil: (p) => c.executionCtx.waitUntil(p),
    });
    return next();
  });

  scim.get("/ServiceProviderConfig", (c) => scimJson(serviceProviderConfig(c.get("scim").baseUrl)));
  scim.get("/ResourceTypes", (c) => scimJson(resourceTypes(c.get("scim").baseUrl)));
  scim.get("/Schemas", (c) => scimJson(schemas(c.get("scim").baseUrl)));

  const query = (c: Context) => {
    const parsed = ScimListQuerySchema.safeParse(c.req.query());
    // startIndex and count fall back to defaults, so only the filter (too long) can be refused here.
    if (!parsed.success) throw new ScimError(400, "filter must be at most 500 characters", "invalidFilter");
    return parsed.data;
  };
  scim.get("/Users", async (c) => scimJson(await listUsers(c.get("scim"), query(c))));
  scim.post("/Users", async (c) => scimJson(await createUser(c.get("scim"), await readBody(c)), 201));
  scim.get("/Users/:id", async (c) => scimJson(await getUser(c.get("scim"), c.req.param("id"))));
  scim.put("/Users/:id", async (c) => scimJson(await replaceUser(c.get("scim"), c.req.param("id"), await readBody(c))));
  scim.patch("/Users/:id", async (c) => scimJson(await patchUser(c.get("scim"), c.req.param("id"), parsePatch(await readBody(c)))));
  scim.delete("/Users/:id", async (c) => {
    await deleteUser(c.get("scim"), c.req.param("id"));
    return c.body(null, 204);
  });

  scim.get("/Groups", async (c) => scimJson(await listGroups(c.get("scim"), query(c))));
  scim.post("/Groups", async (c) => scimJson(await createGroup(c.get("scim"), await readBody(c)), 201));
  scim.get("/Groups/:id", async (c) => scimJson(await getGroup(c.get("scim"), c.req.param("id"))));
  scim.put("/Groups/:id", async (c) => scimJson(await replaceGroup(c.get("scim"), c.req.param("id"), await readBody(c))));
  scim.patch("/Groups/:id", async (c) => scimJson(await patchGroup(c.get("scim"), c.req.param("id"), parsePatch(await readBody(c)))));
  scim.delete("/Groups/:id", async (c) => {
    await deleteGroup(c.get("scim"), c.req.param("id"));
    return c.body(null, 204);
  });
  return scim;
}
