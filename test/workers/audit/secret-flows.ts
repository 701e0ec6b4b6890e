// Flows whose audit events the secret scan checks. Each flow plants the secrets it handles;
// other features add their flows here (providers, credentials, egress, PII masking…).
import { env } from "cloudflare:workers";
import { recordAudit } from "../../../workers/audit/audit.js";
import { type SeededOrg, call, seedMember } from "../support/api.js";

export interface FlowContext {
  org: SeededOrg;
  /** Remembers a secret value the flow handled; the scan fails if any audit event holds it. */
  plant(secret: string): string;
}

export interface SecretFlow {
  name: string;
  run(ctx: FlowContext): Promise<void>;
}

const ok = (res: { status: number; text: string }, what: string) => {
  if (res.status >= 300) throw new Error(`${what} failed: ${res.status}`);
};

export const secretFlows: SecretFlow[] = [
  {
    name: "passwords, sessions and API keys",
    async run({ org, plant }) {
      plant(org.password);
      plant(org.apiKey);
      const member = await seedMember(org, "admin");
      for (const s of [member.password, member.apiKey, member.session]) plant(s);
      const login = await call("/api/v1/login", { method: "POST", body: { email: org.email, password: org.password } });
      ok(login, "login");
      plant(login.json.token);
      plant(login.json.csrfToken);
      const key = await call(`/api/v1/orgs/${org.orgId}/api-keys`, { method: "POST", token: org.apiKey, body: { name: "scan" } });
      ok(key, "api key");
      plant(key.json.key);
      ok(await call(`/api/v1/orgs/${org.orgId}/api-keys/${key.json.id}`, { method: "DELETE", token: org.apiKey }), "revoke");
      const password = plant(`Pl4nted-${crypto.randomUUID()}`);
      ok(await call(`/api/v1/orgs/${org.orgId}/members`, { method: "POST", token: org.apiKey, body: { email: `scan-${crypto.randomUUID()}@example.test`, role: "member", password } }), "member");
    },
  },
  {
    name: "agent tokens",
    async run({ org, plant }) {
      const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "scan-agent" } });
      ok(agent, "agent");
      plant(agent.json.token);
      const rotated = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/token`, { method: "POST", token: org.apiKey });
      ok(rotated, "rotate");
      plant(rotated.json.token);
      ok(await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}/token`, { method: "DELETE", token: org.apiKey }), "revoke");
      ok(await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}`, { method: "PATCH", token: org.apiKey, body: { name: "scan-agent-2" } }), "update");
    },
  },
  {
    name: "vault credentials",
    async run({ org, plant }) {
      const secret = plant(`cred-${crypto.randomUUID()}-${crypto.randomUUID()}`);
      const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, { method: "POST", token: org.apiKey, body: { name: "scan-cred", secret, inject: { type: "bearer" } } });
      ok(cred, "credential");
      const rotated = plant(`cred-${crypto.randomUUID()}-${crypto.randomUUID()}`);
      ok(await call(`/api/v1/orgs/${org.orgId}/credentials/${cred.json.id}`, { method: "PATCH", token: org.apiKey, body: { secret: rotated } }), "rotate credential");
    },
  },
  {
    // A caller that passes secrets by mistake: the audit module must drop them.
    name: "careless audit caller",
    async run({ org, plant }) {
      const token = plant(`pal_agent_${crypto.randomUUID().replaceAll("-", "")}`);
      const apiKey = plant(`sk-live-${crypto.randomUUID().replaceAll("-", "")}`);
      const email = plant(`victim-${crypto.randomUUID().slice(0, 8)}@example.test`);
      const masked = plant(`j***${crypto.randomUUID().slice(0, 6)}@example.test`);
      const jwt = plant(`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${crypto.randomUUID().replaceAll("-", "")}.c2lnbmF0dXJl`);
      await recordAudit(env, {
        orgId: org.orgId,
        actor: { type: "agent", id: "agt_careless" },
        action: "egress.request",
        resource: { type: "host", id: "api.example.test" },
        result: "allowed",
        reason: `header Authorization: Bearer ${token}`,
        details: {
          headers: { authorization: `Bearer ${token}`, "x-api-key": apiKey },
          note: `used ${apiKey}`,
          nested: [{ value: jwt }, masked],
          email,
          status: 200,
        },
      });
    },
  },
];
