// Red team (issue 16, sandbox session tokens bound to the sandbox's life): a compromised agent in a
// sandbox holds only the sandbox's session token, which dies with the sandbox. It uses that token
// to mint a subagent through the agent API and keeps the subagent's token, which is not bound to
// any sandbox, after the sandbox (and its session) ended.
import { afterEach, describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { ALLOW_SUBAGENTS, attachPolicy } from "../workers/support/fixtures.js";
import { type FakeHost, connectFakeHost, startSandbox } from "../workers/support/fake-host.js";

const hosts: FakeHost[] = [];
afterEach(() => {
  for (const h of hosts.splice(0)) h.close();
});

const me = (token: string) => call("/agent/v1/me", { token });

async function waitFor(pred: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 200; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("redteam 16i: a credential minted with a sandbox session outlives the sandbox", () => {
  for (const end of ["exit report", "admin stop"] as const) {
    it(`a subagent token minted from inside the sandbox stops working when the sandbox ends (${end})`, async () => {
      const org = await seedOrg("rt16i-sbx-sub");
      const host = await connectFakeHost(org);
      hosts.push(host);
      const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "worker", autonomy: 3 } });
      expect(agent.status, agent.text).toBe(201);
      await attachPolicy(org, ALLOW_SUBAGENTS, { scope: "agent", id: agent.json.id });
      const sandbox = await startSandbox(org, host, agent.json.id);
      host.report(sandbox.sandboxId, "running");

      // Inside the sandbox: only the session token is known.
      const minted = await call("/agent/v1/subagents", { method: "POST", token: sandbox.token, body: { name: "stash" } });
      expect(minted.status, minted.text).toBe(201);
      const stash = minted.json.token as string;

      if (end === "exit report") host.report(sandbox.sandboxId, "exited", { exitCode: 0, durationMs: 5 });
      else
        expect(
          (await call(`/api/v1/orgs/${org.orgId}/sandboxes/${sandbox.sandboxId}/stop`, { method: "POST", token: org.apiKey, body: {} })).status,
        ).toBe(200);
      await waitFor(async () => (await me(sandbox.token)).status === 401, "the session token to end");

      // Outside, later: the stashed subagent token still acts for the agent.
      const after = await me(stash);
      expect({ sessionEnded: true, stashedSubagentTokenStatus: after.status }).toEqual({ sessionEnded: true, stashedSubagentTokenStatus: 401 });
    });
  }
});
