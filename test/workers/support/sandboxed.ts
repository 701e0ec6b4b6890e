// An agent running in a sandbox of a connected fake host, for the session-minted subagent attacks:
// its org (fake provider), host, agent (a policy allowing subagents) and running sandbox.
import { env } from "cloudflare:workers";
import { rightsOf } from "../../../workers/agents/service.js";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";
import { type FakeHost, connectFakeHost, startSandbox } from "./fake-host.js";
import { ALLOW_SUBAGENTS, attachPolicy, createAgent, fakeProviderOrg } from "./fixtures.js";

export interface SandboxedOptions {
  autonomy?: number;
  idleTimeoutMinutes?: number;
  policy?: Record<string, unknown>;
}

/** The host is pushed to `hosts` (the caller closes them after each test). */
export async function sandboxedAgent(label: string, hosts: FakeHost[], options: SandboxedOptions = {}) {
  const org = await fakeProviderOrg(label);
  const host = await connectFakeHost(org);
  hosts.push(host);
  const agent = await createAgent(org, { name: "worker", ...(options.autonomy !== undefined ? { autonomy: options.autonomy } : {}) });
  await attachPolicy(org, options.policy ?? ALLOW_SUBAGENTS, { scope: "agent", id: agent.id });
  const sandbox = await startSandbox(org, host, agent.id, "onprem", options.idleTimeoutMinutes ?? 30);
  host.report(sandbox.sandboxId, "running");
  await new Promise((r) => setTimeout(r, 100));
  return { org, host, agent, sandbox };
}

/** What time passing does to a session whose host went away: every token of the session is past its expiry (nothing revoked). */
export async function lapseSession(sandboxId: string, waitForCache = true) {
  await env.DB.prepare("UPDATE tokens SET expires_at = ? WHERE name = ?")
    .bind(Date.now() - 1000, `sandbox:${sandboxId}`)
    .run();
  // The isolate's token cache (4 s) forgets the earlier lookups.
  if (waitForCache) await new Promise((r) => setTimeout(r, 4_500));
}

/**
 * What a request authenticated now with the sandbox's session token carries (the agent's rights and
 * the token's id), so a test can carry out its mint later, as a loaded edge would.
 */
export async function sessionRequestOf(orgId: string, agentId: string, sandboxId: string) {
  const data = new OrgData(makeDb(env.DB), orgId);
  const row = await data.agent(agentId);
  const rights = row && (await rightsOf(env, row));
  if (!rights?.ok) throw new Error("the agent has no rights");
  const sessionToken = (await data.activeTokens("agent", agentId)).find((t) => t.name === `sandbox:${sandboxId}`);
  if (!sessionToken) throw new Error("no session token");
  return { rights: rights.rights, tokenId: sessionToken.id };
}
