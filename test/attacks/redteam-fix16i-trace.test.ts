// Red team (fix16i): client trace ids that slip past cleanClientTraceId. Each value carries a card,
// a national id, a phone number or a secret; the audit trail must never store it.
import { describe, expect, it } from "vitest";
import { call, seedOrg } from "../workers/support/api.js";
import { createAgent } from "../workers/support/fixtures.js";

const TRACE = "x-palisade-trace-id";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const values: Record<string, string> = {
  "card glued to letters": "ref4111111111111111x",
  "card after underscore": "ord_4111111111111111",
  "card split by letters": "4111a1111b1111c1111",
  "card with 2 separators of other kinds": "4111-1111.1111x1111",
  "SSN glued to letters": "ssn078051120",
  "SSN in underscores": "run_078_05_1120_x",
  "phone glued": "tel4155550123",
  "phone with one dash": "415-5550123x",
  "phone e164 no plus": "call14155550123",
  "AWS access key id": "AKIAIOSFODNN7EXAMPLE",
  "hex secret 39": "a3f9c2e1b7d4058e6f1a2b3c4d5e6f708192a3b",
  "hex secret 64 split by dot": "a3f9c2e1b7d4058e6f1a2b3c4d5e6f70.8192a3b4c5d6e7f8091a2b3c4d5e6f70",
  "JWT signature only (39)": "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQs",
  "JWT payload w/o header": "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
  "base64 of sk key split": "c2stbGl2ZS1hYmNk.ZWZnaGlqa2xtbm9w.cXJzdHV2d3h5ejAx",
  "stripe key dotted": "sk.live.51HqLyjWDarjtT1zdp7dc",
  "IBAN lowercase": "gb82west12345698765432",
  "IBAN with dots": "GB82.WEST.1234.5698.7654.32",
  "UK NINO": "JG103759A",
  "EIN glued": "ein12-3456789",
};

describe("red team fix16i: client trace ids that slip through", () => {
  for (const [label, value] of Object.entries(values)) {
    it(`trace id: ${label} (${value}) is never stored in the audit trail`, async () => {
      const org = await seedOrg(`rt-trace-${label.replace(/\W+/g, "-")}`);
      const res = await call(`/api/v1/orgs/${org.orgId}/teams`, {
        method: "POST",
        token: org.apiKey,
        body: { name: "t" },
        headers: { [TRACE]: value },
      });
      expect(res.status, res.text).toBe(201);
      await sleep(200);
      const trail = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
      expect(trail.status).toBe(200);
      expect(
        trail.text.includes(value),
        `stored: ${trail.text.slice(Math.max(0, trail.text.indexOf(value) - 40), trail.text.indexOf(value) + value.length + 5)}`,
      ).toBe(false);
    });
  }

  it("trace id: a Luhn-valid card glued to letters, sent by an agent on /egress, is never stored", async () => {
    const org = await seedOrg("rt-trace-agent");
    const agent = await createAgent(org, { name: "a" });
    const value = "ref4111111111111111x";
    await call("/egress/https://api.example.test/x", { token: agent.token, headers: { [TRACE]: value } });
    await sleep(200);
    const trail = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
    expect(trail.text.includes(value), `stored: ${value}`).toBe(false);
  });

  it("trace id: a failed login with a marker trace id records none in the account's org", async () => {
    const org = await seedOrg("rt-trace-login");
    const value = `rtlogin-${crypto.randomUUID().slice(0, 8)}`;
    const res = await call("/api/v1/login", {
      method: "POST",
      body: { email: org.email, password: "wrong-password-1" },
      headers: { [TRACE]: value },
    });
    expect(res.status).toBe(401);
    await sleep(300);
    const trail = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
    expect(trail.text.includes("user.login")).toBe(true);
    expect(trail.text.includes(value)).toBe(false);
  });
});
