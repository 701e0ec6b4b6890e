// Test helpers: call the Worker like a client would, and seed orgs without the one-time bootstrap.
import { exports } from "cloudflare:workers";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";
import { PlatformData } from "../../../workers/data/platform-data.js";
import { hashPassword } from "../../../workers/identity/passwords.js";
import { mintToken } from "../../../workers/identity/tokens.js";
import { env } from "cloudflare:workers";

export const BASE = "https://palisade.test";

export interface CallOptions {
  method?: string;
  token?: string | undefined;
  body?: unknown;
  rawBody?: BodyInit;
  headers?: Record<string, string>;
}

let clientAddresses = Math.floor(Math.random() * 60_000);
/**
 * The edge always names the client (cf-connecting-ip); a test request that does not name one gets
 * an address of its own (TEST-NET 198.18.0.0/15), so per-address counters see distinct clients
 * unless a test sets the header to count one client.
 */
export function withClientAddress(init: HeadersInit | undefined): Headers {
  const headers = new Headers(init);
  if (!headers.has("cf-connecting-ip")) {
    const n = clientAddresses++ % 65_536;
    headers.set("cf-connecting-ip", `198.${18 + (n >> 15)}.${(n >> 8) & 127}.${n & 255}`);
  }
  return headers;
}

export async function call(path: string, options: CallOptions = {}) {
  const headers = withClientAddress(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.body);
  }
  const response = await exports.default.fetch(new Request(BASE + path, { method: options.method ?? "GET", headers, body }));
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as any };
}

let counter = 0;
export const unique = (label: string) => `${label}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export interface SeededOrg {
  orgId: string;
  ownerId: string;
  email: string;
  password: string;
  apiKey: string;
}

/**
 * Creates a user, an org they own and an admin key for it, straight through the data layer. The
 * key is recorded as minted by an SSO sign-in at the org's own provider (the strongest), so the
 * fixture owner keeps administering an org whose rules a test switches on; tests of weaker keys
 * mint their own through the API.
 */
export async function seedOrg(label = "org"): Promise<SeededOrg> {
  const email = `${unique(label)}@example.test`;
  const password = `pw-${unique("secret")}-Zz9!`;
  const platform = new PlatformData(makeDb(env.DB));
  const user = await platform.insertUser(email, await hashPassword(password));
  const org = await platform.createOrg(unique(label), user.id);
  const key = await mintToken("admin");
  await new OrgData(makeDb(env.DB), org.id).insertToken("admin", user.id, { ...key, name: "seed" }, { amr: ["sso"], ssoOrgId: org.id });
  return { orgId: org.id, ownerId: user.id, email, password, apiKey: key.token };
}

/** Adds a member with the given role to an org and returns an admin key acting as them. */
export async function seedMember(org: SeededOrg, role: "owner" | "admin" | "member") {
  const email = `${unique(role)}@example.test`;
  const password = `pw-${unique("secret")}-Zz9!`;
  const invited = await call(`/api/v1/orgs/${org.orgId}/members`, { method: "POST", token: org.apiKey, body: { email, role, password } });
  if (invited.status !== 201) throw new Error(`seedMember invite failed: ${invited.status} ${invited.text}`);
  // The invitee accepts; no account has this e-mail, so accepting creates it with the password set above.
  const added = await call("/api/v1/invitations/accept", { method: "POST", body: { token: invited.json.token } });
  if (added.status !== 201) throw new Error(`seedMember accept failed: ${added.status} ${added.text}`);
  const login = await call("/api/v1/login", { method: "POST", body: { email, password } });
  const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: login.json.token, body: { name: "k" } });
  return { userId: added.json.userId as string, email, password, apiKey: key.json.key as string, session: login.json.token as string };
}

export function expectErrorShape(res: { json: any; status: number }) {
  if (!res.json || typeof res.json.error?.code !== "string" || typeof res.json.error?.message !== "string") {
    throw new Error(`not the contract error shape (status ${res.status}): ${JSON.stringify(res.json)}`);
  }
}

/** An org's audit events of one action; audit writes are asynchronous, so it waits briefly for the first. */
export async function auditEventsOf(org: SeededOrg, action: string): Promise<Array<Record<string, any>>> {
  for (let i = 0; i < 50; i++) {
    const res = await call(`/api/v1/orgs/${org.orgId}/audit?action=${action}&limit=200`, { token: org.apiKey });
    if (res.json.items.length) return res.json.items as Array<Record<string, any>>;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}
