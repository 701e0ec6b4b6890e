// Red team s8, topic 3: an invitation accepted with {token, password} may take over only an
// account in no org. Race the takeover against the account joining an org by another path (the
// holder accepting another org's invitation while signed in, or creating the account through
// another org's link) and see whether the taker ends up holding an account that is in that org.
import { describe, expect, it } from "vitest";
import { call, seedOrg, unique } from "../workers/support/api.js";
import { uniqueDomain } from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });
const accept = (token: string, password?: string, session?: string) =>
  call("/api/v1/invitations/accept", { method: "POST", token: session, body: password ? { token, password } : { token } });
const invite = async (org: { orgId: string; apiKey: string }, email: string) => {
  const res = await call(`/api/v1/orgs/${org.orgId}/members`, { method: "POST", token: org.apiKey, body: { email, role: "member" } });
  expect(res.status, res.text).toBe(201);
  return res.json.token as string;
};
/** n turns of the event loop (setTimeout 0), finer than 1 ms. */
const ticks = async (n: number) => {
  for (let k = 0; k < n; k++) await new Promise((r) => setTimeout(r, 0));
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ATTACKER_PW = "Attacker-Own-Pw-123!";
const VICTIM_PW = "Victim-Own-Pw-456!";

async function isMember(org: { orgId: string; apiKey: string }, userId: string): Promise<boolean> {
  const res = await call(`/api/v1/orgs/${org.orgId}/members?limit=200`, { token: org.apiKey });
  return (res.json.items as Array<{ userId?: string; id?: string }>).some((m) => (m.userId ?? m.id) === userId);
}

describe("attack: takeover raced against the account joining another org", () => {
  it("attack: takeover vs. the holder accepting org B's invitation while signed in — the taker must never hold a member of B", async () => {
    const a = await seedOrg("rt8-taker");
    const b = await seedOrg("rt8-joined");
    const c = await seedOrg("rt8-former");
    const wins: string[] = [];
    // Every delay of 0-15 ms in wall time, then in event-loop ticks (32 rounds each way).
    for (let i = 0, d = 0; i < 64 && wins.length === 0; i++, d = i % 16) {
      const email = `${unique("v")}@${uniqueDomain("rt8")}`;
      const created = await accept(await invite(c, email), VICTIM_PW);
      expect(created.status, created.text).toBe(201);
      const userId = created.json.userId as string;
      const session = (await login(email, VICTIM_PW)).json.token as string;
      expect((await call(`/api/v1/orgs/${c.orgId}/members/${userId}`, { method: "DELETE", token: c.apiKey })).status).toBeLessThan(300);
      const ta = await invite(a, email);
      const tb = await invite(b, email);
      const [taker, holder] = await Promise.all([
        accept(ta, ATTACKER_PW),
        (i < 32 ? sleep(d) : ticks(d * 4)).then(() => accept(tb, undefined, session)),
      ]);
      if (taker.status < 300 && holder.status < 300 && (await isMember(b, userId)) && (await login(email, ATTACKER_PW)).status === 200) {
        wins.push(`delay ${d} ms: taker ${taker.status}, holder ${holder.status}; the taker's password opens ${userId}, a member of B and A`);
      }
    }
    expect(wins, wins.join("\n")).toEqual([]);
  }, 400_000);

  it("attack: takeover vs. another org's link creating the account — the taker must never hold a member of B", async () => {
    const a = await seedOrg("rt8-taker2");
    const b = await seedOrg("rt8-joined2");
    const wins: string[] = [];
    for (let i = 0, d = -6; d <= 6 && wins.length === 0; i++, d = -6 + (i >> 1)) {
      const email = `${unique("w")}@${uniqueDomain("rt8")}`;
      const ta = await invite(a, email);
      const tb = await invite(b, email);
      const [taker, holder] = await Promise.all([
        sleep(Math.max(0, d)).then(() => accept(ta, ATTACKER_PW)),
        sleep(Math.max(0, -d)).then(() => accept(tb, VICTIM_PW)),
      ]);
      if (taker.status < 300 && holder.status < 300) {
        const userId = (holder.json.userId ?? taker.json.userId) as string;
        if ((await isMember(b, userId)) && (await login(email, ATTACKER_PW)).status === 200)
          wins.push(`offset ${d} ms: both accepted (${taker.status}/${holder.status}); the taker's password opens ${userId}, a member of B`);
      }
    }
    expect(wins, wins.join("\n")).toEqual([]);
  }, 120_000);
});
