// A membership earned by a sign-in is added only while the account is still the one that signed in
// (SSO callback: its credentials epoch; signed-in invitation acceptance: its live session):
// an invitation taking the account over in between (which bumps the epoch and revokes sessions)
// leaves the new holder out of the org. The race is too narrow to hit through HTTP, so the data
// layer's one-statement guards are checked directly.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";
import { PlatformData } from "../../../workers/data/platform-data.js";
import { seedOrg } from "../support/api.js";

it("adds a member at the epoch its sign-in saw, and not after a takeover bumped it", async () => {
  const org = await seedOrg();
  const db = makeDb(env.DB);
  const platform = new PlatformData(db);
  const orgData = new OrgData(db, org.orgId);
  const account = await platform.insertUser(`sso-race-${crypto.randomUUID()}@example.test`, null);
  const seen = (await platform.user(account.id))?.credentialsEpoch ?? -1;

  // Another org's invitation takes the org-less account over: the epoch moves on.
  const other = await seedOrg();
  const taken = await platform.takeOverAccount(account.id, { passwordHash: null, credentialsEpoch: seen }, "new-holder-hash", {
    orgId: other.orgId,
    role: "member",
  });
  expect(taken).not.toBeNull();

  expect(await orgData.addMemberAtEpoch(account.id, "admin", seen)).toBe(false);
  expect(await orgData.membership(account.id)).toBeFalsy();

  const now = (await platform.user(account.id))?.credentialsEpoch ?? -1;
  expect(now).toBe(seen + 1);
  expect(await orgData.addMemberAtEpoch(account.id, "member", now)).toBe(true);
  expect((await orgData.membership(account.id))?.role).toBe("member");
  // Already a member at that epoch: still true, role unchanged.
  expect(await orgData.addMemberAtEpoch(account.id, "admin", now)).toBe(true);
  expect((await orgData.membership(account.id))?.role).toBe("member");
});

it("adds a signed-in acceptor only while the session that asked is live (a takeover revokes it in the same transaction)", async () => {
  const org = await seedOrg();
  const db = makeDb(env.DB);
  const platform = new PlatformData(db);
  const orgData = new OrgData(db, org.orgId);
  const account = await platform.insertUser(`accept-race-${crypto.randomUUID()}@example.test`, null);
  const epoch = (await platform.user(account.id))?.credentialsEpoch ?? -1;
  const jtiHash = `jti-${crypto.randomUUID()}`;
  expect(await platform.insertSession(account.id, jtiHash, Date.now() + 60_000, epoch)).toBe(true);

  const other = await seedOrg();
  const taken = await platform.takeOverAccount(account.id, { passwordHash: null, credentialsEpoch: epoch }, "new-holder-hash", {
    orgId: other.orgId,
    role: "member",
  });
  expect(taken?.endedSessionJtiHashes).toContain(jtiHash);
  expect(await orgData.addMemberWhileSessionLive(account.id, "member", jtiHash)).toBe(false);
  expect(await orgData.membership(account.id)).toBeFalsy();

  // A live session of the account (the new holder's) adds it.
  const fresh = `jti-${crypto.randomUUID()}`;
  expect(await platform.insertSession(account.id, fresh, Date.now() + 60_000, epoch + 1)).toBe(true);
  expect(await orgData.addMemberWhileSessionLive(account.id, "member", fresh)).toBe(true);
  // Another account's session never adds this one.
  const stranger = await platform.insertUser(`stranger-${crypto.randomUUID()}@example.test`, null);
  expect(await orgData.addMemberWhileSessionLive(stranger.id, "member", fresh)).toBe(false);
});
