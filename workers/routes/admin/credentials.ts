// Credentials (write-only secrets in the vault) and LLM providers that use them.
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { PageQuerySchema, page } from "../../../schema/api.js";
import {
  CredentialCreateSchema,
  CredentialSchema,
  CredentialUpdateSchema,
  ProviderCreateSchema,
  ProviderSchema,
  ProviderUpdateSchema,
} from "../../../schema/credentials.js";
import { type OrgAccess, assertFound, conflictOnUnique, orgAccess, pathId, requireRole } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { type CredentialRow, PolicyStore, type ProviderRow } from "../../data/policy-store.js";
import { ToolStore } from "../../data/tool-store.js";
import { AppError, conflict } from "../../errors.js";
import { newId } from "../../ids.js";
import { parseStoredDoc } from "../../policy/service.js";
import { forgetCredentials, injectOf, openCredential, sealSecret } from "../../vault/credentials.js";
import { loadKeyring } from "../../vault/keyring.js";
import { needsReencrypt } from "../../vault/vault.js";
import { forgetProviders } from "../../llm/providers.js";
import { adminRouter, body, errors, itemParams, json, noContent, orgParams, security } from "./kit.js";
import { auditAdmin } from "./views.js";
import { isSsoClientSecret } from "../../identity/sso.js";

export const credentialRoutes = adminRouter();

const credentialView = (row: CredentialRow) => ({
  id: row.id,
  orgId: row.orgId,
  name: row.name,
  inject: injectOf(row),
  keyVersion: row.keyVersion,
  createdAt: iso(row.createdAt),
  updatedAt: iso(row.updatedAt),
});

async function store(c: Parameters<typeof orgAccess>[0], orgId: string) {
  const access = await orgAccess(c, orgId);
  return { access, store: new PolicyStore(makeDb(c.env.DB), access.orgId) };
}

credentialRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/credentials",
    summary: "Credentials of the org (names and injection only; secrets are never returned)",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(CredentialSchema), "credentials"), ...errors },
  }),
  async (c) => {
    const { store: s } = await store(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    return c.json(toPage(await s.listCredentials(q, decodeCursor(q.cursor)), q.limit, credentialView), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/credentials",
    summary: "Store a secret, encrypted with AES-256-GCM; it can be used but never read back",
    security,
    request: { params: orgParams, ...body(CredentialCreateSchema) },
    responses: { 201: json(CredentialSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { access, store: s } = await store(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    const id = newId("cred");
    const record = await sealSecret(c.env, access.orgId, id, input.secret);
    const row = await s
      .insertCredential({ id, name: input.name, inject: JSON.stringify(input.inject), ...record })
      .catch((e) => conflictOnUnique(e, "a credential with this name exists"));
    forgetCredentials(access.orgId);
    await auditAdmin(c, access, "credential.create", { type: "credential", id }, { name: input.name, inject: input.inject.type });
    return c.json(credentialView(row), 201);
  },
);

const credParams = itemParams("credentialId");

credentialRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/credentials/{credentialId}",
    security,
    request: { params: credParams },
    responses: { 200: json(CredentialSchema, "the credential, without its secret"), ...errors },
  }),
  async (c) => {
    const { orgId, credentialId } = c.req.valid("param");
    const { store: s } = await store(c, orgId);
    return c.json(credentialView(assertFound(await s.credential(pathId("cred", credentialId, "credential")), "credential")), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/credentials/{credentialId}",
    summary: "Rename, replace the secret or change how it is injected",
    security,
    request: { params: credParams, ...body(CredentialUpdateSchema) },
    responses: { 200: json(CredentialSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, credentialId } = c.req.valid("param");
    const { access, store: s } = await store(c, orgId);
    requireRole(access, "admin");
    const current = assertFound(await s.credential(pathId("cred", credentialId, "credential")), "credential");
    const input = c.req.valid("json");
    if (input.name && input.name !== current.name && (await policiesNaming(s, current.name)).length) {
      throw conflict("policies refer to this credential by name; update them first");
    }
    if (await isSsoClientSecret(c.env, access.orgId, current.name)) {
      if (input.name && input.name !== current.name) throw conflict("single sign-on refers to this credential by name; change it there first");
      requireRole(access, "owner");
    }
    const patch = {
      ...(input.name ? { name: input.name } : {}),
      ...(input.inject ? { inject: JSON.stringify(input.inject) } : {}),
      ...(input.secret ? await sealSecret(c.env, access.orgId, current.id, input.secret) : {}),
    };
    const row = assertFound(
      await s.updateCredential(current.id, patch).catch((e) => conflictOnUnique(e, "a credential with this name exists")),
      "credential",
    );
    forgetCredentials(access.orgId);
    await auditAdmin(c, access, "credential.update", { type: "credential", id: current.id }, { fields: Object.keys(input) });
    return c.json(credentialView(row), 200);
  },
);

async function policiesNaming(s: PolicyStore, name: string) {
  const all = await s.list({ limit: 1000 });
  return all.filter((p) => parseStoredDoc(p).egress.some((r) => r.credential === name));
}

credentialRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/credentials/{credentialId}",
    security,
    request: { params: credParams },
    responses: { 204: noContent, ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, credentialId } = c.req.valid("param");
    const { access, store: s } = await store(c, orgId);
    requireRole(access, "admin");
    const current = assertFound(await s.credential(pathId("cred", credentialId, "credential")), "credential");
    const tools = await new ToolStore(makeDb(c.env.DB), access.orgId).toolsUsingCredential(current.id);
    if ((await policiesNaming(s, current.name)).length || (await s.providersUsingCredential(current.id)).length || tools.length) {
      throw conflict("the credential is in use by a policy, a provider or a tool");
    }
    if (await isSsoClientSecret(c.env, access.orgId, current.name)) throw conflict("the credential is in use by the org's single sign-on");
    await s.removeCredential(current.id);
    forgetCredentials(access.orgId);
    await auditAdmin(c, access, "credential.delete", { type: "credential", id: current.id });
    return c.body(null, 204);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/credentials/rotate-keys",
    summary: "Re-encrypt every credential of the org under the current vault key",
    security,
    request: { params: orgParams },
    responses: { 200: json(z.object({ reencrypted: z.number().int(), currentKeyVersion: z.string() }), "done"), ...errors },
  }),
  async (c) => {
    const { access, store: s } = await store(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const keyring = await loadKeyring(c.env.VAULT_KEYS);
    let reencrypted = 0;
    // One row at a time: old key versions stay readable throughout, so nothing is ever unusable.
    for (const row of await s.allCredentials()) {
      if (!needsReencrypt(keyring, { ciphertext: row.ciphertext, iv: row.iv, keyVersion: row.keyVersion })) continue;
      const opened = await openCredential(c.env, row);
      await s.updateCredential(row.id, await sealSecret(c.env, access.orgId, row.id, opened.secret));
      reencrypted++;
    }
    forgetCredentials(access.orgId);
    await auditAdmin(c, access, "credential.rotate_keys", { type: "org", id: access.orgId }, { reencrypted, keyVersion: keyring.current });
    return c.json({ reencrypted, currentKeyVersion: keyring.current }, 200);
  },
);

// ── providers ──────────────────────────────────────────────────────────────
async function providerView(s: PolicyStore, row: ProviderRow) {
  const cred = await s.credential(row.credentialId);
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    kind: row.kind,
    baseUrl: row.baseUrl,
    credential: cred?.name ?? row.credentialId,
    models: row.models ? (JSON.parse(row.models) as string[]) : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

async function credentialNamed(_access: OrgAccess, s: PolicyStore, name: string) {
  const cred = await s.credentialByName(name);
  if (!cred) throw new AppError("validation_failed", "credential: no credential of this org has that name");
  return cred;
}

credentialRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/providers",
    security,
    request: { params: orgParams, query: PageQuerySchema },
    responses: { 200: json(page(ProviderSchema), "providers"), ...errors },
  }),
  async (c) => {
    const { store: s } = await store(c, c.req.valid("param").orgId);
    const q = c.req.valid("query");
    const rows = await s.listProviders(q, decodeCursor(q.cursor));
    const paged = toPage(rows, q.limit, (r) => r);
    return c.json({ items: await Promise.all(paged.items.map((r) => providerView(s, r))), nextCursor: paged.nextCursor }, 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "post",
    path: "/orgs/{orgId}/providers",
    summary: "Add an LLM provider (OpenAI-compatible or Anthropic) whose API key is a vault credential",
    security,
    request: { params: orgParams, ...body(ProviderCreateSchema) },
    responses: { 201: json(ProviderSchema, "created"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { access, store: s } = await store(c, c.req.valid("param").orgId);
    requireRole(access, "admin");
    const input = c.req.valid("json");
    const cred = await credentialNamed(access, s, input.credential);
    const row = await s
      .insertProvider({
        name: input.name,
        kind: input.kind,
        baseUrl: input.baseUrl.replace(/\/+$/, ""),
        credentialId: cred.id,
        models: input.models ? JSON.stringify(input.models) : null,
      })
      .catch((e) => conflictOnUnique(e, "a provider with this name exists"));
    forgetProviders(access.orgId);
    await auditAdmin(c, access, "provider.create", { type: "provider", id: row.id }, { kind: input.kind });
    return c.json(await providerView(s, row), 201);
  },
);

const providerParams = itemParams("providerId");

credentialRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/providers/{providerId}",
    security,
    request: { params: providerParams },
    responses: { 200: json(ProviderSchema, "the provider"), ...errors },
  }),
  async (c) => {
    const { orgId, providerId } = c.req.valid("param");
    const { store: s } = await store(c, orgId);
    return c.json(await providerView(s, assertFound(await s.provider(pathId("prv", providerId, "provider")), "provider")), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/orgs/{orgId}/providers/{providerId}",
    security,
    request: { params: providerParams, ...body(ProviderUpdateSchema) },
    responses: { 200: json(ProviderSchema, "updated"), ...errors, 409: errors[400] },
  }),
  async (c) => {
    const { orgId, providerId } = c.req.valid("param");
    const { access, store: s } = await store(c, orgId);
    requireRole(access, "admin");
    const current = assertFound(await s.provider(pathId("prv", providerId, "provider")), "provider");
    const input = c.req.valid("json");
    const patch = {
      ...(input.name ? { name: input.name } : {}),
      ...(input.baseUrl ? { baseUrl: input.baseUrl.replace(/\/+$/, "") } : {}),
      ...(input.credential ? { credentialId: (await credentialNamed(access, s, input.credential)).id } : {}),
      ...(input.models !== undefined ? { models: input.models ? JSON.stringify(input.models) : null } : {}),
    };
    const row = Object.keys(patch).length
      ? assertFound(await s.updateProvider(current.id, patch).catch((e) => conflictOnUnique(e, "a provider with this name exists")), "provider")
      : current;
    forgetProviders(access.orgId);
    await auditAdmin(c, access, "provider.update", { type: "provider", id: current.id }, { fields: Object.keys(input) });
    return c.json(await providerView(s, row), 200);
  },
);

credentialRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/orgs/{orgId}/providers/{providerId}",
    security,
    request: { params: providerParams },
    responses: { 204: noContent, ...errors },
  }),
  async (c) => {
    const { orgId, providerId } = c.req.valid("param");
    const { access, store: s } = await store(c, orgId);
    requireRole(access, "admin");
    const current = assertFound(await s.provider(pathId("prv", providerId, "provider")), "provider");
    await s.removeProvider(current.id);
    forgetProviders(access.orgId);
    await auditAdmin(c, access, "provider.delete", { type: "provider", id: current.id });
    return c.body(null, 204);
  },
);
