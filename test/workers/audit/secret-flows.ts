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
      ok(
        await call(`/api/v1/orgs/${org.orgId}/members`, {
          method: "POST",
          token: org.apiKey,
          body: { email: `scan-${crypto.randomUUID()}@example.test`, role: "member", password },
        }),
        "member",
      );
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
      ok(
        await call(`/api/v1/orgs/${org.orgId}/agents/${agent.json.id}`, { method: "PATCH", token: org.apiKey, body: { name: "scan-agent-2" } }),
        "update",
      );
    },
  },
  {
    name: "vault credentials",
    async run({ org, plant }) {
      const secret = plant(`cred-${crypto.randomUUID()}-${crypto.randomUUID()}`);
      const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, {
        method: "POST",
        token: org.apiKey,
        body: { name: "scan-cred", secret, inject: { type: "bearer" } },
      });
      ok(cred, "credential");
      const rotated = plant(`cred-${crypto.randomUUID()}-${crypto.randomUUID()}`);
      ok(
        await call(`/api/v1/orgs/${org.orgId}/credentials/${cred.json.id}`, { method: "PATCH", token: org.apiKey, body: { secret: rotated } }),
        "rotate credential",
      );
    },
  },
  {
    name: "egress with injected credentials",
    async run({ org, plant }) {
      const bearer = plant(`ghp_${crypto.randomUUID().replaceAll("-", "")}`);
      const query = plant(`qk_${crypto.randomUUID().replaceAll("-", "")}`);
      ok(
        await call(`/api/v1/orgs/${org.orgId}/credentials`, {
          method: "POST",
          token: org.apiKey,
          body: { name: "scan-bearer", secret: bearer, inject: { type: "bearer" } },
        }),
        "bearer credential",
      );
      ok(
        await call(`/api/v1/orgs/${org.orgId}/credentials`, {
          method: "POST",
          token: org.apiKey,
          body: { name: "scan-query", secret: query, inject: { type: "query", name: "key" } },
        }),
        "query credential",
      );
      const port = Number(new URL(env.TEST_TARGET_URL).port);
      const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
        method: "POST",
        token: org.apiKey,
        body: {
          name: "scan-egress",
          egress: [
            { host: "127.0.0.1", ports: [port], paths: ["/reflect"], credential: "scan-bearer", credentialOverHttp: true },
            { host: "127.0.0.1", ports: [port], paths: ["/search"], credential: "scan-query", credentialOverHttp: true },
          ],
        },
      });
      ok(policy, "policy");
      ok(
        await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: org.apiKey, body: { scope: "org" } }),
        "attach",
      );
      const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "scan-egress", autonomy: 5 } });
      plant(agent.json.token);
      ok(await call(`/egress/${env.TEST_TARGET_URL}/reflect`, { token: agent.json.token }), "egress bearer");
      ok(await call(`/egress/${env.TEST_TARGET_URL}/search?q=1`, { token: agent.json.token }), "egress query");
      await call(`/egress/${env.TEST_TARGET_URL}/denied?token=${plant(`pal_agent_${crypto.randomUUID().replaceAll("-", "")}`)}`, {
        token: agent.json.token,
      });
    },
  },
  {
    name: "LLM calls with PII and a provider key",
    async run({ org, plant }) {
      const providerKey = plant("sk-fake-provider-key-0123456789");
      ok(
        await call(`/api/v1/orgs/${org.orgId}/credentials`, {
          method: "POST",
          token: org.apiKey,
          body: { name: "scan-llm", secret: providerKey, inject: { type: "bearer" } },
        }),
        "provider key",
      );
      ok(
        await call(`/api/v1/orgs/${org.orgId}/providers`, {
          method: "POST",
          token: org.apiKey,
          body: { name: "scan-llm", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "scan-llm" },
        }),
        "provider",
      );
      ok(
        await call(`/api/v1/orgs/${org.orgId}/prices`, {
          method: "POST",
          token: org.apiKey,
          body: { model: "*", inputMicrosPerMTok: 1, outputMicrosPerMTok: 1 },
        }),
        "price",
      );
      const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "scan-llm" } });
      plant(agent.json.token);
      const email = plant(`pii-${crypto.randomUUID().slice(0, 8)}@example.com`);
      const aws = plant("AKIAIOSFODNN7EXAMPLE");
      const card = plant("4111111111111111");
      const res = await call("/llm/openai/v1/chat/completions", {
        method: "POST",
        token: agent.json.token,
        body: { model: "scan-model", messages: [{ role: "user", content: `mail ${email}, key ${aws}, card ${card}` }] },
      });
      ok(res, "llm call");
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
