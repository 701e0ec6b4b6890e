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

  it("reads the text runs of a binary body, apart and joined, whatever its type", () => {
    const rules = { egress: { email: "block" as const } };
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, ...new TextEncoder().encode(EMAIL)]);
    expect(scanOutbound(rules, { exit: "egress", contentType: "image/png", body: png }).action).toBe("block");
    const utf16 = new Uint8Array([...EMAIL].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(scanOutbound(rules, { exit: "egress", contentType: "application/octet-stream", body: utf16 }).action).toBe("block");
    const noText = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0xff, 0x01, 0x9c, 0x10, 0x7f]);
    expect(scanOutbound(rules, { exit: "egress", contentType: "image/png", body: noText }).action).toBe("allow");
    // A few stray bytes inside text: read with them as separators and without them.
    const split = new Uint8Array([...new TextEncoder().encode("write to jane.doe@exa"), 0, ...new TextEncoder().encode("mple.com today please")]);
    expect(scanOutbound(rules, { exit: "egress", contentType: "text/plain", body: split }).action).toBe("block");
  });

  it("binary runs get the pattern detectors only: names in chance letters do not block", () => {
    // A deterministic "binary" body: capitalised words between control bytes, as random data holds.
    const words = ["Xqvor Brendal", "Ttumi Okasaw", "Lorvan Qeddik"];
    const bytes = new Uint8Array(words.flatMap((w) => [0, 1, 2, 0xff, ...new TextEncoder().encode(w), 0, 3, 0xfe]));
    const verdict = scanOutbound({ egress: { default: "block" } }, { exit: "egress", contentType: "application/octet-stream", body: bytes });
    expect(verdict.audit?.categories ?? []).not.toContain("person");
  });

  it("reads every string and number of raw JSON: duplicate keys, escapes, keys other exits exempt", () => {
    const rules = { egress: { email: "block" as const, credit_card: "block" as const, iban: "block" as const } };
    const blocked = (body: string, contentType = "application/json") => scanOutbound(rules, { exit: "egress", contentType, body }).action;
    expect(blocked('{"to":"jane.doe\\u0040example.com","to":"x"}')).toBe("block");
    expect(blocked('{"n":4111111111111111}')).toBe("block");
    expect(blocked('{"signature":"DE89370400440532013000"}')).toBe("block");
    expect(blocked('{"type":"base64","data":"DE89370400440532013000"}')).toBe("block");
    expect(blocked('{"to":"jane.doe\\u0040example.com"}', "text/plain")).toBe("block");
    expect(blocked('{"note":"weekly report","count":3,"ok":true,"tags":["a","b"],"at":null}')).toBe("allow");
    // Not JSON after all: read as text.
    expect(blocked("{ card 4111 1111 1111 1111 }")).toBe("block");
  });

  it("reads the URL's path segments (percent- and plus-decoded), userinfo and host name", () => {
    const rules = { egress: { email: "block" as const, credit_card: "block" as const } };
    const verdict = (href: string) => scanOutbound(rules, { exit: "egress", url: new URL(href) }).action;
    expect(verdict("https://api.example.com/cards/4111111111111111")).toBe("block");
    expect(verdict("https://api.example.com/u/jane.doe%40example.com/x")).toBe("block");
    expect(verdict("https://api.example.com/pay/4111+1111+1111+1111")).toBe("block");
    expect(verdict("https://jane.doe%40example.com:pw@api.example.com/")).toBe("block");
    expect(verdict("https://api.example.com/v1/users/42/orders?page=2")).toBe("allow");
  });

  it("reads each header on its own: values, percent-decoded values and names", () => {
    const rules = { egress: { email: "block" as const, secret: "block" as const } };
    const verdict = (headers: Array<[string, string]>) => scanOutbound(rules, { exit: "egress", headers }).action;
    expect(verdict([["cookie", "a=1; mail=jane.doe%40example.com"]])).toBe("block");
    expect(verdict([["x-token", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]])).toBe("block");
    // Neighbouring headers are never glued into one token.
    expect(
      verdict([
        ["traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
        ["user-agent", "Mozilla/5.0 (X11; Linux x86_64) node-fetch/3.3.2"],
      ]),
    ).toBe("allow");
  });

  it("an unreadable body (an encoding not decoded) fails closed under a blocking rule", () => {
    const closed = scanOutbound({ egress: { email: "block" } }, { exit: "egress", unreadable: "encoding" });
    expect(closed).toMatchObject({ action: "block", failed: "encoding", blockedCategories: [] });
    expect(scanOutbound({ egress: { audit: true } }, { exit: "egress", unreadable: "encoding" }).action).toBe("allow");
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
