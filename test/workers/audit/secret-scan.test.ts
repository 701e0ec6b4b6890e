// No audit event holds a credential, token, password, session or masked value: runs every
// flow of secret-flows.ts, then scans every stored audit event of this run for what they planted.
import { describe, expect, it } from "vitest";
import { testSecrets } from "../../support/secrets.js";
import { seedOrg } from "../support/api.js";
import { secretFlows } from "./secret-flows.js";
import { allStoredEvents, auditStub } from "./support.js";

/** Shapes that must never appear in an audit row, whatever the flow. */
const FORBIDDEN_SHAPES = [/pal_(admin|agent|host)_[A-Za-z0-9_-]{16,}/, /bearer\s+\S{8,}/i, /eyJ[A-Za-z0-9_-]{5,}\.eyJ/, /\*{3,}/];

describe("secret scan of the audit trail", () => {
  it("finds no planted secret in any stored audit event", async () => {
    const planted = new Set<string>(Object.values(testSecrets).flatMap((v) => v.split(",")));
    const orgs: string[] = [];
    for (const flow of secretFlows) {
      const org = await seedOrg("scan");
      orgs.push(org.orgId);
      await flow.run({
        org,
        plant: (secret) => {
          planted.add(secret);
          return secret;
        },
      });
    }
    for (const orgId of orgs) await auditStub(orgId).flush();

    const events = await allStoredEvents();
    // The flows did produce events in each org, so the scan is not vacuous.
    for (const orgId of orgs) expect(events.filter((e) => e.org_id === orgId).length, orgId).toBeGreaterThan(0);
    expect(events.some((e) => e.action === "egress.request" && e.details !== null)).toBe(true);

    for (const event of events) {
      const text = JSON.stringify(event);
      for (const secret of planted) {
        expect(text.includes(secret), `${event.action} holds a planted secret`).toBe(false);
        // Also no recognisable fragment (the middle 12 characters) of a long secret.
        const mid = Math.floor(secret.length / 2);
        if (secret.length >= 24) expect(text.includes(secret.slice(mid - 6, mid + 6)), `${event.action} holds part of a secret`).toBe(false);
      }
      for (const shape of FORBIDDEN_SHAPES) expect(shape.test(text), `${event.action} matches ${shape}`).toBe(false);
    }
  }, 60_000);

  it("keeps the safe parts of a careless caller's details", async () => {
    const org = await seedOrg("careless");
    const flow = secretFlows.find((f) => f.name === "careless audit caller");
    await flow?.run({ org, plant: (secret) => secret });
    await auditStub(org.orgId).flush();
    const careless = (await allStoredEvents()).find((e) => e.org_id === org.orgId && e.actor_id === "agt_careless");
    const details = JSON.parse(careless?.details ?? "{}");
    expect(details.status).toBe(200);
    expect(details.headers).toEqual({ authorization: "[redacted]", "x-api-key": "[redacted]" });
    expect(details.nested).toEqual([{ value: "[redacted]" }, "[redacted]"]);
    expect(details.email).toBe("[redacted]");
    // Free text keeps its words; the credential in it is masked.
    expect(careless?.reason).toBe("header Authorization: [redacted]");
  });
});
