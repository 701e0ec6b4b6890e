// After every identity flow, no table holds a token or a password in the clear.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { call, seedOrg } from "../support/api.js";

async function dumpDatabase(): Promise<string> {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
  ).all<{ name: string }>();
  const parts: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
    parts.push(JSON.stringify(rows.results));
  }
  return parts.join("\n");
}

it("stores only hashes of tokens and passwords", async () => {
  const secrets: string[] = [];
  const org = await seedOrg();
  secrets.push(org.password, org.apiKey);

  const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
  secrets.push(login.json.token, login.json.csrfToken);
  const memberPassword = "member-password-plain";
  const invited = await call(`/api/v1/orgs/${org.orgId}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { email: "m@example.test", role: "member", password: memberPassword },
  });
  expect(invited.status).toBe(201);
  const pending = await call(`/api/v1/orgs/${org.orgId}/members`, {
    method: "POST",
    token: org.apiKey,
    body: { email: "pending@example.test", role: "member", password: "pending-password-plain" },
  });
  expect((await call("/api/v1/invitations/accept", { method: "POST", body: { token: invited.json.token } })).status).toBe(201);
  secrets.push(memberPassword, "pending-password-plain", invited.json.token, pending.json.token);
  const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: org.apiKey, body: { name: "k" } });
  secrets.push(key.json.key);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "a" } });
  secrets.push(agent.json.token);
  const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/token`, { method: "POST", token: org.apiKey });
  secrets.push(rotated.json.token);
  await call("/api/v1/logout", { method: "POST", token: login.json.token });

  const dump = await dumpDatabase();
  expect(dump.length).toBeGreaterThan(1000);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(dump).not.toContain(secret);
    // Nor the random part of a token without its prefix.
    expect(dump).not.toContain(secret.replace(/^pal_[a-z]+_/, ""));
  }
  // And the session JWT's jti is stored hashed.
  const jti = JSON.parse(atob(login.json.token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/"))).jti;
  expect(dump).not.toContain(jti);
});
