// An org with one credential ("c", or none), a policy letting its agents reach the local target's
// given paths with that credential injected, and an agent under it: the egress attacks' setup.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type SeededOrg, call, seedOrg } from "../../workers/support/api.js";

export interface CredentialedAgent {
  org: SeededOrg;
  token: string;
}

export async function credentialedAgent(
  label: string,
  secret: string | null,
  inject: Record<string, string>,
  rule: { paths: string[]; methods?: string[] },
): Promise<CredentialedAgent> {
  const org = await seedOrg(label);
  const t = org.apiKey;
  if (secret !== null) {
    const cred = await call(`/api/v1/orgs/${org.orgId}/credentials`, { method: "POST", token: t, body: { name: "c", secret, inject } });
    expect(cred.status, cred.text).toBe(201);
  }
  const policy = await call(`/api/v1/orgs/${org.orgId}/policies`, {
    method: "POST",
    token: t,
    body: {
      name: label,
      egress: [
        {
          host: "127.0.0.1",
          ports: [Number(new URL(env.TEST_TARGET_URL).port)],
          methods: rule.methods ?? ["GET"],
          paths: rule.paths,
          ...(secret !== null ? { credential: "c", credentialOverHttp: true } : {}),
        },
      ],
    },
  });
  expect(policy.status, policy.text).toBe(201);
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.json.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status).toBe(201);
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: t, body: { name: `${label}-bot`, autonomy: 5 } });
  expect(agent.status, agent.text).toBe(201);
  return { org, token: agent.json.token as string };
}

/** The longest run of `secret` (from any offset) found in `text`: what of a secret reached the agent. */
export function longestRun(text: string, secret: string): string {
  let best = "";
  for (let i = 0; i < secret.length; i++)
    for (let j = i + best.length + 1; j <= secret.length; j++) {
      if (text.includes(secret.slice(i, j))) best = secret.slice(i, j);
      else break;
    }
  return best;
}
