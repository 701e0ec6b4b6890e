// Merging attached policies into the effective policy: egress union, PII strictest-wins, models/tools union.
import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema, type PolicyDocumentInput } from "../../../schema/policy.js";
import { decideEgress } from "../../../workers/policy/decide.js";
import { EffectivePolicySchema, computeEffectivePolicy } from "../../../workers/policy/effective.js";

let n = 0;
const attach = (scope: "org" | "team" | "project" | "agent", input: Partial<PolicyDocumentInput>) => ({
  id: `pol_${scope}_${++n}`,
  version: 3,
  scope,
  doc: PolicyDocumentSchema.parse({ name: `${scope} policy`, egress: [], ...input }),
});

describe("computeEffectivePolicy", () => {
  it("unions allow rules from every scope and keeps deny rules apart", () => {
    const eff = computeEffectivePolicy([
      attach("agent", { egress: [{ host: "b.example.com" }] }),
      attach("org", { egress: [{ host: "a.example.com" }, { host: "c.example.com", deny: true }] }),
    ]);
    expect(eff.egress.allow.map((r) => r.host)).toEqual(["a.example.com", "b.example.com"]);
    expect(eff.egress.deny.map((r) => [r.host, r.scope, r.index])).toEqual([["c.example.com", "org", 1]]);
    expect(eff.sources.map((s) => s.scope)).toEqual(["org", "agent"]);
  });

  it("lets a deny at any scope beat an allow at a closer scope", () => {
    const eff = computeEffectivePolicy([
      attach("team", { egress: [{ host: "x.example.com", deny: true }] }),
      attach("agent", { egress: [{ host: "x.example.com", credential: "c" }] }),
    ]);
    const d = decideEgress(eff, { method: "GET", url: "https://x.example.com/" });
    expect(d).toMatchObject({ allowed: false, reason: "denied_by_rule", rule: { scope: "team" } });
  });

  it("prefers the closer scope among equally specific allow rules", () => {
    const eff = computeEffectivePolicy([
      attach("org", { egress: [{ host: "x.example.com", credential: "org-cred" }] }),
      attach("project", { egress: [{ host: "x.example.com", credential: "project-cred" }] }),
    ]);
    expect(decideEgress(eff, { method: "GET", url: "https://x.example.com/" }).credential).toBe("project-cred");
  });

  it("prefers an exact host and a longer path over a closer scope", () => {
    const eff = computeEffectivePolicy([
      attach("org", { egress: [{ host: "x.example.com", paths: ["/v1/admin/**"], credential: "narrow" }] }),
      attach("agent", {
        egress: [
          { host: "*.example.com", credential: "wide" },
          { host: "x.example.com", paths: ["/v1/**"], credential: "mid" },
        ],
      }),
    ]);
    expect(decideEgress(eff, { method: "GET", url: "https://x.example.com/v1/admin/a" }).credential).toBe("narrow");
    expect(decideEgress(eff, { method: "GET", url: "https://x.example.com/v1/other" }).credential).toBe("mid");
    expect(decideEgress(eff, { method: "GET", url: "https://y.example.com/v1/other" }).credential).toBe("wide");
  });

  it("takes the strictest PII action per category and fails closed", () => {
    const eff = computeEffectivePolicy([
      attach("org", { pii: { email: "mask", phone: "block", restore: true, failMode: "open" } }),
      attach("team", { pii: { email: "redact", phone: "allow", iban: "mask", restore: true } }),
      attach("agent", { pii: { email: "allow", person: "allow" } }),
    ]);
    expect(eff.pii).toEqual({
      categories: { email: "redact", phone: "block", iban: "mask", person: "allow" },
      restore: true,
      failMode: "closed",
    });
  });

  it("keeps failMode open only when every PII section says open, and restore only when all setters agree", () => {
    const open = computeEffectivePolicy([
      attach("org", { pii: { email: "mask", failMode: "open", restore: true } }),
      attach("agent", { pii: { failMode: "open", restore: false } }),
      attach("team", { egress: [] }),
    ]);
    expect(open.pii).toMatchObject({ failMode: "open", restore: false });
    expect(computeEffectivePolicy([attach("org", {})]).pii).toBeNull();
    expect(computeEffectivePolicy([attach("org", { pii: { email: "mask" } })]).pii?.restore).toBe(false);
  });

  it("merges phone regions and the piiExits rules strictest-wins", () => {
    const eff = computeEffectivePolicy([
      attach("org", { pii: { phoneRegions: ["FR"] }, piiExits: { egress: { email: "allow" } } }),
      attach("agent", { pii: { phoneRegions: ["BE", "FR"] }, piiExits: { egress: { email: "block" }, toolResults: { audit: false } } }),
    ]);
    expect(eff.pii?.phoneRegions).toEqual(["FR", "BE"]);
    expect(eff.piiExits).toEqual({ egress: { email: "block" }, toolResults: { audit: false } });
    expect(computeEffectivePolicy([attach("org", {})]).piiExits).toBeNull();
    expect(EffectivePolicySchema.parse(JSON.parse(JSON.stringify(eff)))).toEqual(eff);
  });

  it("unions model and tool lists; null only when none lists any", () => {
    const eff = computeEffectivePolicy([
      attach("org", { models: ["gpt-4o", "claude-sonnet"] }),
      attach("agent", { models: ["gpt-4o-mini", "gpt-4o"], tools: ["tool_a"] }),
      attach("team", {}),
    ]);
    expect(eff.models).toEqual(["claude-sonnet", "gpt-4o", "gpt-4o-mini"]);
    expect(eff.tools).toEqual(["tool_a"]);
    const none = computeEffectivePolicy([attach("org", {})]);
    expect(none.models).toBeNull();
    expect(none.tools).toBeNull();
    expect(computeEffectivePolicy([attach("org", { models: [] })]).models).toEqual([]);
  });

  it("collects autonomy gates with their policy", () => {
    const p = attach("project", { autonomyGate: { maxLevel: 4 } });
    expect(computeEffectivePolicy([p]).autonomyGates).toEqual([{ policyId: p.id, gate: { maxLevel: 4 } }]);
  });

  it("round-trips through JSON and its own schema (KV cache)", () => {
    const eff = computeEffectivePolicy([
      attach("org", { egress: [{ host: "a.example.com", methods: ["GET"], ports: [8443], route: "pool:p1" }], pii: { email: "mask" } }),
    ]);
    const back = EffectivePolicySchema.parse(JSON.parse(JSON.stringify(eff)));
    expect(back).toEqual(eff);
    expect(EffectivePolicySchema.safeParse({ ...eff, egress: { allow: [{ host: 1 }], deny: [] } }).success).toBe(false);
  });

  it("does not depend on the order the rows arrive in", () => {
    const a = attach("org", { egress: [{ host: "a.example.com" }] });
    const b = attach("team", { egress: [{ host: "b.example.com" }] });
    const c = attach("team", { egress: [{ host: "c.example.com" }] });
    expect(computeEffectivePolicy([c, a, b])).toEqual(computeEffectivePolicy([b, c, a]));
  });
});
