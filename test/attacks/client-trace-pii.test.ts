// Attack class: personal data and secrets smuggled into the audit trail through the client trace id.
// x-palisade-trace-id accepts [A-Za-z0-9._-]{8,64}, which fits card numbers, national ids, phones,
// IBANs, JWTs and provider keys. Each variant sends one through another door (egress, the admin
// API, /mcp) and asserts the trail never holds it, while a plain id is still kept for filtering.
import { describe, expect, it } from "vitest";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";
import { createAgent } from "../workers/support/fixtures.js";
import { rpc } from "../workers/support/tools.js";

const TRACE = "x-palisade-trace-id";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function trail(org: SeededOrg): Promise<string> {
  await sleep(300);
  const res = await call(`/api/v1/orgs/${org.orgId}/audit?limit=200`, { token: org.apiKey });
  expect(res.status, res.text).toBe(200);
  return res.text;
}

const values = {
  "card with dots": "4111.1111.1111.1111",
  "published SSN": "078-05-1120",
  "SSN with a label": "ssn-219-09-9999",
  "phone with dashes": "415-555-0123",
  "bare phone": "4155550123",
  IBAN: "GB82WEST12345698765432",
  JWT: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
  "GitHub token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
};

describe("attack: PII and secrets in the client trace id", () => {
  for (const [label, value] of Object.entries(values)) {
    it(`attack: a ${label} as x-palisade-trace-id on egress, the admin API and /mcp never reaches the trail`, async () => {
      const org = await seedOrg(`trace-pii-${label.replace(/\W+/g, "-")}`);
      const agent = await createAgent(org, { name: "a" });
      await call("/egress/https://api.example.test/x", { token: agent.token, headers: { [TRACE]: value } });
      await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "t" }, headers: { [TRACE]: value } });
      await rpc(agent.token, { jsonrpc: "2.0", id: 1, method: "tools/list" }, { [TRACE]: value });
      expect((await trail(org)).includes(value)).toBe(false);
    });
  }

  it("control: a W3C trace id and a plain run label are kept as the client trace id and can be filtered on", async () => {
    const org = await seedOrg("trace-pii-control");
    for (const id of ["4bf92f3577b34da6a3ce929d0e0e4736", `nightly-run-${Date.now()}`]) {
      const res = await call(`/api/v1/orgs/${org.orgId}/teams`, {
        method: "POST",
        token: org.apiKey,
        body: { name: `t-${id}` },
        headers: { [TRACE]: id },
      });
      expect(res.status).toBe(201);
      await sleep(300);
      const found = await call(`/api/v1/orgs/${org.orgId}/audit?clientTraceId=${id}`, { token: org.apiKey });
      expect(found.json.items.length, id).toBeGreaterThan(0);
    }
  });

  it("attack: numbers and keys glued to letters are stored only as a keyed hash, still found by filtering on the value sent", async () => {
    const org = await seedOrg("trace-pii-hashed");
    const glued = ["ref4111111111111111x", "call14155550123", "gb82west12345698765432", "c2stbGl2ZS1hYmNk.ZWZnaGlqa2xtbm9w"];
    for (const id of glued) {
      const res = await call(`/api/v1/orgs/${org.orgId}/teams`, {
        method: "POST",
        token: org.apiKey,
        body: { name: `t-${id}` },
        headers: { [TRACE]: id },
      });
      expect(res.status).toBe(201);
    }
    await sleep(300);
    for (const id of glued) {
      const found = await call(`/api/v1/orgs/${org.orgId}/audit?clientTraceId=${id}`, { token: org.apiKey });
      expect(found.status, found.text).toBe(200);
      const stored = (found.json.items as Array<{ clientTraceId: string }>).map((e) => e.clientTraceId);
      expect(stored.length, id).toBeGreaterThan(0);
      for (const value of stored) expect(value, id).toMatch(/^h:[0-9a-f]{16}$/);
      // The stored form filters too, so a reader can follow it without the original value.
      const again = await call(`/api/v1/orgs/${org.orgId}/audit?clientTraceId=${stored[0]}`, { token: org.apiKey });
      expect(again.json.items.length).toBe(stored.length);
    }
    expect((await trail(org)).includes("4111111111111111")).toBe(false);
  });

  it("control: a short label with few digits is kept verbatim", async () => {
    const org = await seedOrg("trace-pii-label");
    const res = await call(`/api/v1/orgs/${org.orgId}/teams`, {
      method: "POST",
      token: org.apiKey,
      body: { name: "t" },
      headers: { [TRACE]: "deploy-canary.eu-2" },
    });
    expect(res.status).toBe(201);
    await sleep(300);
    const found = await call(`/api/v1/orgs/${org.orgId}/audit?clientTraceId=deploy-canary.eu-2`, { token: org.apiKey });
    expect((found.json.items as Array<{ clientTraceId: string }>).map((e) => e.clientTraceId)).toContain("deploy-canary.eu-2");
  });
});
