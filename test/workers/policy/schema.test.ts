// Policy document validation: hosts, methods, path globs, routes and unknown fields.
import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema, normalizeHostPattern, pathGlobError } from "../../../schema/policy.js";

const doc = (egress: unknown[], extra: Record<string, unknown> = {}) => ({ name: "p", egress, ...extra });

describe("host patterns", () => {
  it.each([
    ["api.example.com", "api.example.com"],
    ["API.Example.COM", "api.example.com"],
    ["api.example.com.", "api.example.com"],
    ["*.example.com", "*.example.com"],
    ["*.Example.com.", "*.example.com"],
    ["bücher.example", "xn--bcher-kva.example"],
    ["*.corp.internal", "*.corp.internal"],
    ["10.0.0.5", "10.0.0.5"],
    ["[2001:db8::1]", "[2001:db8::1]"],
  ])("accepts %s as %s", (input, expected) => {
    expect(normalizeHostPattern(input)).toEqual({ ok: true, pattern: expected });
  });

  it.each([
    "*",
    "*.com",
    "*.co.uk",
    "*.github.io",
    "*.test",
    "a.*.example.com",
    "*example.com",
    "api*.example.com",
    "**.example.com",
    "https://api.example.com",
    "api.example.com:443",
    "api.example.com/path",
    "user@api.example.com",
    "api.example.com?x",
    "api..example.com",
    "",
    " api.example.com",
    "api%2eexample.com",
    "api.example.com\\x",
    "*.10.0.0.5",
    "2001:db8::1",
  ])("refuses %j", (input) => {
    expect(normalizeHostPattern(input).ok).toBe(false);
  });
});

describe("path globs", () => {
  it.each(["/", "/repos/**", "/repos/*/issues", "/a/b/", "/**", "/v1/chat/completions"])("accepts %s", (glob) => {
    expect(pathGlobError(glob)).toBeNull();
  });
  it.each([
    "repos/**",
    "",
    "/repos/***",
    "/repos/a*",
    "/repos/*.json",
    "/repos//x",
    "/repos/../x",
    "/repos/./x",
    "/repos/%2e%2e",
    "/a b",
    "/a?b",
    "/a#b",
    "/a\\b",
  ])("refuses %j", (glob) => {
    expect(pathGlobError(glob)).not.toBeNull();
  });
});

describe("PolicyDocumentSchema", () => {
  it("normalises a valid document", () => {
    const parsed = PolicyDocumentSchema.parse(
      doc(
        [
          { host: "API.Example.test", methods: ["get", "Post"], paths: ["/repos/**"], credential: "gh-token" },
          { host: "*.internal.acme.test", route: "pool:office" },
          { host: "evil.example.test", deny: true },
        ],
        { pii: { email: "mask", failMode: "closed" }, models: ["gpt-4o"], tools: ["tool_1"], autonomyGate: { maxLevel: 2 } },
      ),
    );
    expect(parsed.egress[0]).toEqual({ host: "api.example.test", methods: ["GET", "POST"], paths: ["/repos/**"], credential: "gh-token" });
    expect(parsed.egress[1]?.route).toBe("pool:office");
  });

  it.each([
    ["unknown top-level field", { name: "p", egress: [], extra: 1 }],
    ["unknown rule field", doc([{ host: "a.example.com", hosts: ["b"] }])],
    ["missing name", { egress: [] }],
    ["bad method", doc([{ host: "a.example.com", methods: ["GE T"] }])],
    ["CONNECT", doc([{ host: "a.example.com", methods: ["CONNECT"] }])],
    ["empty methods", doc([{ host: "a.example.com", methods: [] }])],
    ["bad glob", doc([{ host: "a.example.com", paths: ["/a/**b"] }])],
    ["bad route", doc([{ host: "a.example.com", route: "host:office" }])],
    ["deny with credential", doc([{ host: "a.example.com", deny: true, credential: "c" }])],
    ["deny with route", doc([{ host: "a.example.com", deny: true, route: "pool:p" }])],
    ["deny with ports", doc([{ host: "a.example.com", deny: true, ports: [8443] }])],
    ["bare star host", doc([{ host: "*" }])],
    ["port out of range", doc([{ host: "a.example.com", ports: [70000] }])],
    ["model with space", doc([], { models: ["gpt 4"] })],
  ])("refuses %s", (_label, input) => {
    expect(PolicyDocumentSchema.safeParse(input).success).toBe(false);
  });

  it("reports the reason of a bad glob", () => {
    const r = PolicyDocumentSchema.safeParse(doc([{ host: "a.example.com", paths: ["/a/x*"] }]));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("whole path segments");
    expect(r.error?.issues[0]?.path).toEqual(["egress", 0, "paths", 0]);
  });
});
