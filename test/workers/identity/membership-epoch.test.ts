// A membership earned by a sign-in is added only while the account is still the one that signed in:
// an invitation taking the account over in between (which bumps its credentials epoch) leaves the
// new holder out of the org. This is the SSO callback's last step (provisionUser); the race is too
// narrow to hit through HTTP, so the data layer's one-statement guard is checked directly.
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
