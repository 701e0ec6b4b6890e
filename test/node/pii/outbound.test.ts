// scanOutbound: the PII verdict for egress bodies and query strings, tool-call arguments and
// tool results, under the policy's piiExits rules (block or allow, audit of categories).
import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema } from "../../../schema/policy.js";
import { mergePiiExits, scanOutbound } from "../../../workers/pii/index.js";

const CARD = "4111 1111 1111 1111";
const EMAIL = "jane.doe@example.com";

describe("scanOutbound", () => {
  it("blocks a JSON egress body holding a blocked category, naming the category only", () => {
    const v = scanOutbound(
      { egress: { credit_card: "block" } },
      { exit: "egress", contentType: "application/json", body: JSON.stringify({ note: "x", payment: { card: CARD } }) },
    );
    expect(v.action).toBe("block");
    expect(v.blockedCategories).toEqual(["credit_card"]);
    expect(v.audit).toEqual({ categories: ["credit_card"], counts: [1] });
    expect(JSON.stringify(v)).not.toContain("4111");
  });

  it("reads query strings, decoded, keys included", () => {
    const rules = { egress: { email: "block" as const } };
    expect(scanOutbound(rules, { exit: "egress", query: "?to=jane.doe%40example.com&x=1" }).action).toBe("block");
    expect(scanOutbound(rules, { exit: "egress", query: "https://api.example.com/send?jane.doe%40example.com=1" }).action).toBe("block");
    expect(scanOutbound(rules, { exit: "egress", query: "q=weather&units=metric" }).action).toBe("allow");
  });

  it("reads form bodies field by field and text bodies as text", () => {
    const rules = { egress: { phone: "block" as const, email: "block" as const } };
    const form = scanOutbound(rules, { exit: "egress", contentType: "application/x-www-form-urlencoded", body: "name=x&tel=%2B1+415+555+2671" });
    expect(form.blockedCategories).toEqual(["phone"]);
    const text = scanOutbound(rules, { exit: "egress", contentType: "text/plain", body: new TextEncoder().encode(`mail ${EMAIL}`) });
    expect(text.blockedCategories).toEqual(["email"]);
  });

  it("allows and audits by default; an exit without rules is allowed with the categories found", () => {
    const v = scanOutbound(null, { exit: "toolResults", body: `Contact ${EMAIL} or ${CARD}` });
    expect(v.action).toBe("allow");
    expect(v.audit?.categories.sort()).toEqual(["credit_card", "email"]);
  });

  it("audit off and nothing blocked skips the scan", () => {
    expect(scanOutbound({ toolResults: { audit: false } }, { exit: "toolResults", body: EMAIL })).toEqual({
      action: "allow",
      blockedCategories: [],
      audit: null,
    });
  });

  it("applies `default` to the categories a rule does not name", () => {
    const rules = {
      toolArguments: { default: "block" as const, person: "allow" as const, organization: "allow" as const, location: "allow" as const },
    };
    expect(scanOutbound(rules, { exit: "toolArguments", json: { to: EMAIL } }).blockedCategories).toEqual(["email"]);
    expect(scanOutbound(rules, { exit: "toolArguments", json: { city: "report for Maria Schmidt" } }).action).toBe("allow");
  });

  it("scans tool-call arguments with the proxy's normalisation (encoded and Unicode-digit values)", () => {
    const rules = { toolArguments: { credit_card: "block" as const, email: "block" as const } };
    expect(scanOutbound(rules, { exit: "toolArguments", json: { n: "٤١١١ ١١١١ ١١١١ ١١١١" } }).blockedCategories).toEqual(["credit_card"]);
    expect(scanOutbound(rules, { exit: "toolArguments", json: { "jane&#64;example.com": 1 } }).blockedCategories).toEqual(["email"]);
    expect(scanOutbound(rules, { exit: "toolArguments", json: { parts: ["4111 1111", " 1111", " 1111"] } }).blockedCategories).toEqual([
      "credit_card",
    ]);
  });

  it("fails closed when the scan cannot complete and the rule blocks, open otherwise", () => {
    const big = "word ".repeat(2000);
    const closed = scanOutbound({ egress: { email: "block" } }, { exit: "egress", body: big }, { detect: { maxChars: 100 } });
    expect(closed).toMatchObject({ action: "block", failed: "size", blockedCategories: [] });
    const open = scanOutbound({ egress: { audit: true } }, { exit: "egress", body: big }, { detect: { maxChars: 100 } });
    expect(open).toMatchObject({ action: "allow", failed: "size" });
    expect(open.audit).toEqual({ categories: [], counts: [], failed: "size" });
  });

  it("binary bodies are not read as text", () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, ...new TextEncoder().encode(EMAIL)]);
    expect(scanOutbound({ egress: { email: "block" } }, { exit: "egress", contentType: "image/png", body: bytes }).action).toBe("allow");
  });
});

describe("piiExits in a policy", () => {
  it("is validated by the policy schema (block or allow per category, per exit)", () => {
    const ok = PolicyDocumentSchema.safeParse({
      name: "p",
      egress: [],
      piiExits: { egress: { credit_card: "block", default: "allow", audit: true } },
    });
    expect(ok.success).toBe(true);
    for (const bad of [
      { egress: { credit_card: "mask" } },
      { egress: { shoe_size: "block" } },
      { email: { card: "block" } },
      { egress: { audit: "yes" } },
    ]) {
      expect(PolicyDocumentSchema.safeParse({ name: "p", egress: [], piiExits: bad }).success).toBe(false);
    }
  });

  it("merges strictest-wins over several policies", () => {
    const merged = mergePiiExits([
      { egress: { email: "allow", audit: false } },
      undefined,
      { egress: { email: "block", failMode: "open" }, toolResults: { default: "block" } },
    ]);
    expect(merged).toEqual({ egress: { email: "block", audit: false, failMode: "open" }, toolResults: { default: "block" } });
    expect(mergePiiExits([undefined, undefined])).toBeNull();
  });
});
