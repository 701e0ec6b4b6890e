// Attack class: reusing an MFA challenge (the `mfaToken` a correct password buys) for more than one
// session — with another factor after it produced a session, twice at once, or after it expired.
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { base64ToBytes } from "../../workers/identity/crypto.js";
import { call, seedOrg } from "../workers/support/api.js";
import { enrolMfa, totp } from "../workers/support/sso.js";

const login = (email: string, password: string) => call("/api/v1/login", { method: "POST", body: { email, password } });
const secondStep = (mfaToken: string, factor: { code?: string; recoveryCode?: string }) =>
  call("/api/v1/login/mfa", { method: "POST", body: { mfaToken, ...factor } });

async function enrolledOrg(label: string) {
  const org = await seedOrg(label);
  const enrolled = await enrolMfa((await login(org.email, org.password)).json.token);
  const challenge = async () => (await login(org.email, org.password)).json.mfaToken as string;
  return { org, ...enrolled, challenge };
}

describe("attack: MFA challenge reuse", () => {
  it("a challenge spent on a session with a TOTP code mints no second session with a recovery code", async () => {
    const { secret, recoveryCodes, challenge } = await enrolledOrg("mfareuse");
    const ch = await challenge();
    expect((await secondStep(ch, { code: await totp(secret, Date.now(), 1) })).status).toBe(200);
    const again = await secondStep(ch, { recoveryCode: recoveryCodes[0] as string });
    expect(again.status).toBe(401);
    expect(again.json.token).toBeUndefined();
    // The recovery code was not burnt by the refused attempt: it still works with a fresh challenge.
    expect((await secondStep(await challenge(), { recoveryCode: recoveryCodes[0] as string })).status).toBe(200);
  });

  it("a challenge spent with a recovery code mints no second session with another recovery code or a later TOTP code", async () => {
    const { secret, recoveryCodes, challenge } = await enrolledOrg("mfareuse");
    const ch = await challenge();
    expect((await secondStep(ch, { recoveryCode: recoveryCodes[1] as string })).status).toBe(200);
    expect((await secondStep(ch, { recoveryCode: recoveryCodes[2] as string })).status).toBe(401);
    // The next step's code, which the verifier accepts now (clock drift), is a later code without waiting for one.
    expect((await secondStep(ch, { code: await totp(secret, Date.now(), 1) })).status).toBe(401);
    // Nor can the spent challenge start an enrolment.
    expect((await call("/api/v1/login/mfa/enroll", { method: "POST", body: { mfaToken: ch } })).status).toBe(401);
  });

  it("one challenge sent with several recovery codes at once yields at most one session", async () => {
    const { recoveryCodes, challenge } = await enrolledOrg("mfareuse");
    const ch = await challenge();
    const results = await Promise.all(recoveryCodes.slice(3, 8).map((recoveryCode) => secondStep(ch, { recoveryCode })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.status).toBe(401);
  });

  it("a wrong code does not spend the challenge (the person may retype), but failed attempts stay counted", async () => {
    const { secret, challenge } = await enrolledOrg("mfareuse");
    const ch = await challenge();
    expect((await secondStep(ch, { code: "000000" })).status).toBe(401);
    expect((await secondStep(ch, { recoveryCode: "nope-nope-nope-nope" })).status).toBe(401);
    expect((await secondStep(ch, { code: await totp(secret, Date.now(), 1) })).status).toBe(200);
  });

  it("an expired challenge (validly signed) is refused", async () => {
    const { org, recoveryCodes, challenge } = await enrolledOrg("mfareuse");
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "pal-mfa-challenge+jwt" })
      .setIssuer("palisade")
      .setAudience("palisade:mfa-challenge")
      .setSubject(org.ownerId)
      .setJti("expired-challenge-jti")
      .setIssuedAt(now - 600)
      .setExpirationTime(now - 300)
      .sign(base64ToBytes(env.SESSION_SIGNING_KEY));
    expect((await secondStep(expired, { recoveryCode: recoveryCodes[8] as string })).status).toBe(401);
    // A challenge without a jti cannot be spent, so it is refused too.
    const noJti = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "pal-mfa-challenge+jwt" })
      .setIssuer("palisade")
      .setAudience("palisade:mfa-challenge")
      .setSubject(org.ownerId)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(base64ToBytes(env.SESSION_SIGNING_KEY));
    expect((await secondStep(noJti, { recoveryCode: recoveryCodes[8] as string })).status).toBe(401);
    expect((await secondStep(await challenge(), { recoveryCode: recoveryCodes[8] as string })).status).toBe(200);
  });
});
