// Red team (issue 16, identity and audit): login guessing, invitations, client trace ids in the audit.
import { describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";
import { llmCall, llmOrg, newAgent, LLM_PATHS } from "./support.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function login(email: string, password: string, ip: string) {
  return call("/api/v1/login", { method: "POST", body: { email, password }, headers: { "cf-connecting-ip": ip } });
}

async function auditItems(org: SeededOrg, query: string): Promise<any[]> {
  await sleep(300);
  const res = await call(`/api/v1/orgs/${org.orgId}/audit?${query}`, { token: org.apiKey });
  expect(res.status, res.text).toBe(200);
  return res.json.items as any[];
}

describe("redteam 16i: login guessing", () => {
  it("a parallel burst with case variants of the e-mail gets no more than 10 password checks, and the right password is then locked out", async () => {
    const org = await seedOrg("rt16i-login");
    const variants = [org.email, org.email.toUpperCase(), ` ${org.email} `, org.email.replace(/^./, (c) => c.toUpperCase())];
    // 30 guesses from 30 addresses at once (an attacker with many IPs), every spelling of the e-mail.
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(variants[i % variants.length] as string, `wrong-${i}`, `198.51.100.${i + 1}`)),
    );
    const checked = answers.filter((a) => a.status === 401).length;
    const refused = answers.filter((a) => a.status === 429).length;
    expect({ checkedAtMost10: checked <= 10, total: checked + refused }).toEqual({ checkedAtMost10: true, total: 30 });
    // The owner's real password from a fresh address: still locked.
    const real = await login(org.email.toUpperCase(), org.password, "198.51.100.250");
    expect(real.status, real.text).toBe(429);
  });

  it("a lock on an address is not undone by logging into one's own account in between guesses", async () => {
    const attacker = await seedOrg("rt16i-own");
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    let checks = 0;
    // Guess at 40 different accounts (unknown e-mails count too), logging in as oneself after every guess.
    for (let i = 0; i < 40; i++) {
      const guess = await login(`${unique("victim")}@example.test`, "guess", ip);
      if (guess.status === 401) checks++;
      const own = await login(attacker.email, attacker.password, ip);
      if (own.status === 429) break;
    }
    // 40 guesses are below the address limit of 100, so this only checks the refund keeps counting.
    expect(checks).toBe(40);
  });
});

describe("redteam 16i: invitations", () => {
  it("an invitation token works once; a second acceptance, another account and a revoked token are refused", async () => {
    const org = await seedOrg("rt16i-inv");
    const email = `${unique("invitee")}@example.test`;
    const inv = await call(`/api/v1/orgs/${org.orgId}/members`, { method: "POST", token: org.apiKey, body: { email, role: "member" } });
    expect(inv.status, inv.text).toBe(201);
    const token = inv.json.token as string;
    // Two acceptances at once, unauthenticated, each creating the account with its own password.
    const [a, b] = await Promise.all([
      call("/api/v1/invitations/accept", { method: "POST", body: { token, password: "first-Password-123!" } }),
      call("/api/v1/invitations/accept", { method: "POST", body: { token, password: "second-Password-456!" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 401]);
    const again = await call("/api/v1/invitations/accept", { method: "POST", body: { token, password: "third-Password-789!" } });
    expect(again.status).toBe(401);

    // Another org's admin signed in with a session cannot take an invitation meant for someone else.
    const other = await seedOrg("rt16i-inv-other");
    const inv2 = await call(`/api/v1/orgs/${org.orgId}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { email: `${unique("second")}@example.test`, role: "admin" },
    });
    const session = await login(other.email, other.password, "192.0.2.77");
    expect(session.status, session.text).toBe(200);
    const stolen = await call("/api/v1/invitations/accept", { method: "POST", token: session.json.token, body: { token: inv2.json.token } });
    expect(stolen.status, stolen.text).toBe(403);
    // An API key is not a session.
    const byKey = await call("/api/v1/invitations/accept", { method: "POST", token: other.apiKey, body: { token: inv2.json.token } });
    expect(byKey.status).toBe(403);
  });

  it("an invitation to an e-mail that already has an account cannot be accepted without signing in as it", async () => {
    const org = await seedOrg("rt16i-inv-existing");
    const victim = await seedOrg("rt16i-victim");
    const inv = await call(`/api/v1/orgs/${org.orgId}/members`, {
      method: "POST",
      token: org.apiKey,
      body: { email: victim.email.toUpperCase(), role: "member", password: "Admin-Chosen-Pass-1!" },
    });
    expect(inv.status, inv.text).toBe(201);
    const res = await call("/api/v1/invitations/accept", { method: "POST", body: { token: inv.json.token, password: "Attacker-Pass-12345!" } });
    expect(res.status, res.text).toBe(401);
    // The victim's password is unchanged and the attacker's does not work.
    expect((await login(victim.email, "Attacker-Pass-12345!", "192.0.2.78")).status).toBe(401);
    expect((await login(victim.email, "Admin-Chosen-Pass-1!", "192.0.2.78")).status).toBe(401);
  });
});

describe("redteam 16i: client trace id in the audit trail", () => {
  // The header pattern [A-Za-z0-9._-]{8,64} admits card numbers, SSNs, provider keys and our own tokens.
  const values = {
    card: "4111111111111111",
    ssn: "078-05-1120",
    providerKey: "sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789",
  };

  for (const [label, value] of Object.entries(values)) {
    it(`a ${label} sent as x-palisade-trace-id is not stored in the audit trail as it is`, async () => {
      const org = await llmOrg(`rt16i-trace-${label}`);
      const agent = await newAgent(org);
      const res = await llmCall(
        agent.token,
        LLM_PATHS.chat,
        { model: "fake-model", messages: [{ role: "user", content: "hi" }], max_tokens: 8 },
        { "x-palisade-trace-id": value },
      );
      expect(res.status, res.text).toBe(200);
      await sleep(300);
      const all = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
      expect(all.status, all.text).toBe(200);
      const leaked = all.text.includes(value);
      expect({ leakedIntoAudit: leaked }).toEqual({ leakedIntoAudit: false });
    });
  }

  it("an agent's own token sent as x-palisade-trace-id is not stored in the audit trail", async () => {
    const org = await llmOrg("rt16i-trace-token");
    const agent = await newAgent(org);
    // The pattern allows up to 64 characters: a whole pal_agent_ token (53) fits.
    const value = agent.token;
    expect(value.length).toBeLessThanOrEqual(64);
    const res = await llmCall(
      agent.token,
      LLM_PATHS.chat,
      { model: "fake-model", messages: [{ role: "user", content: "hi" }], max_tokens: 8 },
      { "x-palisade-trace-id": value },
    );
    expect(res.status, res.text).toBe(200);
    const items = await auditItems(org, "limit=200");
    const stored = items.map((e) => e.clientTraceId).filter(Boolean);
    expect({ wholeTokenStored: stored.includes(value) }).toEqual({ wholeTokenStored: false });
  });
});

describe("redteam 16i: free text in the audit trail", () => {
  it("an outsider's failed login files its own client trace id (a card number) in the victim org's trail", async () => {
    const org = await seedOrg("rt16i-trace-login");
    const value = "5555555555554444";
    const res = await call("/api/v1/login", {
      method: "POST",
      body: { email: org.email, password: "not-the-password" },
      headers: { "cf-connecting-ip": "192.0.2.200", "x-palisade-trace-id": value },
    });
    expect(res.status).toBe(401);
    await sleep(300);
    const all = await call(`/api/v1/orgs/${org.orgId}/audit?action=user.login&limit=50`, { token: org.apiKey });
    expect(all.status, all.text).toBe(200);
    expect({ stored: all.text.includes(value) }).toEqual({ stored: false });
  });

  it("a suspension reason with personal data in other spellings is masked in the audit trail", async () => {
    const org = await llmOrg("rt16i-reason");
    const agent = await newAgent(org);
    const secrets = ["4111.1111.1111.1111", "GB82 WEST 1234 5698 7654 32", "４１１１１１１１１１１１１１１１"];
    const reason = `incident: ${secrets.join(" ; ")}`;
    const res = await call(`/api/v1/orgs/${org.orgId}/agents/${agent.id}/suspend`, { method: "POST", token: org.apiKey, body: { reason } });
    expect(res.status, res.text).toBe(200);
    await sleep(300);
    const all = await call(`/api/v1/orgs/${org.orgId}/audit?action=agent.suspend&limit=50`, { token: org.apiKey });
    expect(all.status, all.text).toBe(200);
    const kept = secrets.filter((s) => all.text.includes(s));
    expect(kept).toEqual([]);
  });
});
