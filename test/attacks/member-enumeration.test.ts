// Attack class: account enumeration and consent-free membership through "add member". Adding an
// e-mail answers the same whether or not an account exists (an invitation either way, its token
// shown once); nobody joins an org until the invitee accepts, signed in as that account, or by
// creating the account when none exists; tokens are one-time, expire and can be revoked.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type SeededOrg, call, seedOrg, unique } from "../workers/support/api.js";

afterEach(() => vi.useRealTimers());

const invite = (org: SeededOrg, body: Record<string, unknown>) =>
  call(`/api/v1/orgs/${org.orgId}/members`, { method: "POST", token: org.apiKey, body });
const accept = (body: Record<string, unknown>, session?: string) => call("/api/v1/invitations/accept", { method: "POST", token: session, body });
const login = async (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });
const sessionOf = async (who: { email: string; password: string }) => (await login(who.email, who.password)).json.token as string;

/** The answer with everything that must differ between two invitations (ids, e-mail, token, times) blanked. */
function shape(res: { status: number; json: any; headers: Headers }) {
  const blank = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(blank)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.entries(v).map(([k, x]) => [k, ["id", "email", "token", "expiresAt", "createdAt"].includes(k) ? typeof x : blank(x)]),
          )
        : v;
  return { status: res.status, body: blank(res.json), type: res.headers.get("content-type") };
}

describe("attack: member enumeration and consent-free membership", () => {
  it("attack: tell from the answer whether an e-mail has an account", async () => {
    const org = await seedOrg("enum-admin");
    const victim = await seedOrg("enum-victim");
    for (const extra of [{}, { password: "a-password-for-new-users" }]) {
      for (const role of ["member", "admin"]) {
        const existing = await invite(org, { email: victim.email, role, ...extra });
        const unknown = await invite(org, { email: `${unique("nobody")}@example.test`, role, ...extra });
        expect(existing.status).toBe(201);
        expect(shape(existing)).toEqual(shape(unknown));
        expect(existing.json.status).toBe("pending");
      }
    }
    // Bad input is refused the same way for both.
    const badExisting = await invite(org, { email: victim.email, role: "member", password: "short" });
    const badUnknown = await invite(org, { email: `${unique("nobody")}@example.test`, role: "member", password: "short" });
    expect(badExisting.status).toBe(400);
    expect(badExisting.json).toEqual(badUnknown.json);
  });

  it("attack: add an existing account to the org without its consent", async () => {
    const org = await seedOrg("consent-admin");
    const victim = await seedOrg("consent-victim");
    const invited = await invite(org, { email: victim.email, role: "admin" });
    expect(invited.status).toBe(201);
    const members = await call(`/api/v1/orgs/${org.orgId}/members`, { token: org.apiKey });
    expect(members.json.items.map((m: { email: string }) => m.email)).not.toContain(victim.email);
    const victimSession = await sessionOf(victim);
    const me = await call("/api/v1/me", { token: victimSession });
    expect(me.json.orgs.map((o: { id: string }) => o.id)).not.toContain(org.orgId);
    expect((await call(`/api/v1/orgs/${org.orgId}/teams`, { token: victimSession })).status).toBe(404);
  });

  it("attack: accept an existing account's invitation without signing in as that account", async () => {
    const org = await seedOrg("accept-admin");
    const victim = await seedOrg("accept-victim");
    const { token } = (await invite(org, { email: victim.email, role: "member", password: "attacker-chosen-pw" })).json;
    // Without a session, and with the inviting admin's own session: refused.
    const anonymous = await accept({ token, password: "attacker-chosen-pw" });
    expect(anonymous.status).toBe(401);
    const asAdmin = await accept({ token }, await sessionOf(org));
    expect(asAdmin.status).toBe(403);
    // An admin API key of the invitee's own org is not a sign-in either.
    expect((await accept({ token }, victim.apiKey)).status).toBe(403);
    // The victim's password is untouched; the attacker's does not open the account.
    expect((await login(victim.email, "attacker-chosen-pw")).status).toBe(401);
    // Signed in as the invitee, it works once.
    const victimSession = await sessionOf(victim);
    const accepted = await accept({ token }, victimSession);
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ orgId: org.orgId, role: "member" });
    const me = await call("/api/v1/me", { token: victimSession });
    expect(me.json.orgs).toContainEqual(expect.objectContaining({ id: org.orgId, role: "member" }));
    expect((await accept({ token }, victimSession)).status).toBe(401);
  });

  it("creates the account when none exists, with the invitee's password or the one the admin set", async () => {
    const org = await seedOrg("create-admin");
    const newcomer = { email: `${unique("newcomer")}@example.test`, password: "newcomer-password-1" };
    const invited = await invite(org, { email: newcomer.email, role: "member" });
    const created = await accept({ token: invited.json.token, password: newcomer.password });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ orgId: org.orgId, role: "member", email: newcomer.email });
    const me = await call("/api/v1/me", { token: await sessionOf(newcomer) });
    expect(me.json.orgs.map((o: { id: string }) => o.id)).toEqual([org.orgId]);

    const preset = { email: `${unique("preset")}@example.test`, password: "set-by-the-admin-1" };
    const presetInvite = await invite(org, { email: preset.email, role: "admin", password: preset.password });
    expect((await accept({ token: presetInvite.json.token })).status).toBe(201);
    expect((await login(preset.email, preset.password)).status).toBe(200);
  });

  it("attack: reuse, forge, or use a revoked or expired invitation token", async () => {
    const org = await seedOrg("token-admin");
    const email = () => `${unique("inv")}@example.test`;
    const forged = await accept({ token: "pal_invite_forged-forged-forged-forged-forged", password: "some-password-1" });
    expect(forged.status).toBe(401);
    expect((await accept({ token: "not-even-a-token", password: "some-password-1" })).status).toBe(401);

    const revoked = await invite(org, { email: email(), role: "member" });
    const del = await call(`/api/v1/orgs/${org.orgId}/invitations/${revoked.json.id}`, { method: "DELETE", token: org.apiKey });
    expect(del.status).toBe(204);
    expect((await accept({ token: revoked.json.token, password: "some-password-1" })).status).toBe(401);

    const replaced = email();
    const first = await invite(org, { email: replaced, role: "member" });
    const second = await invite(org, { email: replaced, role: "admin" });
    expect((await accept({ token: first.json.token, password: "some-password-1" })).status).toBe(401);
    expect((await accept({ token: second.json.token, password: "some-password-1" })).status).toBe(201);

    const expiring = await invite(org, { email: email(), role: "member" });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(expiring.json.expiresAt) + 1_000);
    expect((await accept({ token: expiring.json.token, password: "some-password-1" })).status).toBe(401);
  });

  it("attack: an org admin lists invitations to learn tokens or accounts", async () => {
    const org = await seedOrg("list-admin");
    const victim = await seedOrg("list-victim");
    const invited = await invite(org, { email: victim.email, role: "member" });
    const list = await call(`/api/v1/orgs/${org.orgId}/invitations`, { token: org.apiKey });
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([expect.objectContaining({ id: invited.json.id, email: victim.email, status: "pending" })]);
    expect(list.text).not.toContain(invited.json.token);
    expect(list.text).not.toContain(victim.ownerId);
  });
});
