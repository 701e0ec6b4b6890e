// Egress decisions: a table of allow/deny cases over hosts, wildcards, methods, ports, paths, traversal, encodings and case.
import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema, type PolicyDocumentInput } from "../../../schema/policy.js";
import { decideEgress } from "../../../workers/policy/decide.js";
import { computeEffectivePolicy } from "../../../workers/policy/effective.js";

const policy = (id: string, scope: "org" | "team" | "project" | "agent", input: PolicyDocumentInput) => ({
  id,
  version: 1,
  scope,
  doc: PolicyDocumentSchema.parse(input),
});

const effective = computeEffectivePolicy([
  policy("pol_org", "org", {
    name: "org baseline",
    egress: [
      { host: "api.example.test", methods: ["GET"], paths: ["/repos/acme/**"], credential: "gh" },
      { host: "*.example.com", methods: ["GET", "HEAD"] },
      { host: "files.example.net", paths: ["/public/*/read"] },
      { host: "dev.example.org", ports: [8443] },
      { host: "bücher.example" },
      { host: "wiki.acme.test", route: "pool:office" },
      { host: "secret.example.com", deny: true },
      { host: "api.example.test", paths: ["/repos/acme/admin/**"], deny: true },
    ],
  }),
  policy("pol_agent", "agent", {
    name: "agent extra",
    egress: [
      { host: "api.example.test", methods: ["POST"], paths: ["/repos/acme/*/issues"], credential: "gh-write" },
      { host: "*.deep.example.com", credential: "deep" },
    ],
  }),
]);

type Case = [label: string, method: string, url: string, allowed: boolean, ruleOrReason?: string];

const cases: Case[] = [
  // exact hosts and paths
  ["exact host, allowed path", "GET", "https://api.example.test/repos/acme/widgets", true, "pol_org#0"],
  ["** matches zero segments", "GET", "https://api.example.test/repos/acme", true, "pol_org#0"],
  ["** matches deep paths", "GET", "https://api.example.test/repos/acme/a/b/c/d", true, "pol_org#0"],
  ["sibling repo", "GET", "https://api.example.test/repos/other/x", false, "no_matching_rule"],
  ["prefix is not a segment", "GET", "https://api.example.test/repos/acmeevil/x", false, "no_matching_rule"],
  ["other method", "DELETE", "https://api.example.test/repos/acme/x", false, "no_matching_rule"],
  ["lowercase method", "get", "https://api.example.test/repos/acme/x", true, "pol_org#0"],
  ["POST via agent rule", "POST", "https://api.example.test/repos/acme/w/issues", true, "pol_agent#0"],
  ["POST elsewhere", "POST", "https://api.example.test/repos/acme/w/pulls", false, "no_matching_rule"],
  ["* is one segment", "POST", "https://api.example.test/repos/acme/a/b/issues", false, "no_matching_rule"],
  ["other host", "GET", "https://api2.example.test/repos/acme/x", false, "no_matching_rule"],
  ["CONNECT refused", "CONNECT", "https://api.example.test/repos/acme/x", false, "invalid_request"],
  ["bad method token", "G T", "https://api.example.test/repos/acme/x", false, "invalid_request"],
  // case tricks
  ["uppercase host", "GET", "https://API.EXAMPLE.TEST/repos/acme/x", true, "pol_org#0"],
  ["mixed-case host, trailing dot", "GET", "https://Api.Example.Test./repos/acme/x", true, "pol_org#0"],
  ["paths are case-sensitive for allow", "GET", "https://api.example.test/REPOS/acme/x", false, "no_matching_rule"],
  ["deny paths ignore case", "GET", "https://api.example.test/repos/acme/ADMIN/x", false, "denied_by_rule"],
  ["deny wins over allow", "GET", "https://api.example.test/repos/acme/admin/users", false, "denied_by_rule"],
  // traversal and encodings
  ["dot-dot out of the prefix", "GET", "https://api.example.test/repos/acme/../other", false, "no_matching_rule"],
  ["dot-dot staying inside", "GET", "https://api.example.test/repos/acme/a/../b", true, "pol_org#0"],
  ["%2e%2e traversal", "GET", "https://api.example.test/repos/acme/%2e%2e/other", false, "no_matching_rule"],
  ["%2E%2E traversal", "GET", "https://api.example.test/repos/acme/%2E%2E/other", false, "no_matching_rule"],
  [".%2e traversal", "GET", "https://api.example.test/repos/acme/.%2e/other", false, "no_matching_rule"],
  ["double-encoded dots", "GET", "https://api.example.test/repos/acme/%252e%252e/other", false, "invalid_request"],
  ["double-encoded slash", "GET", "https://api.example.test/repos/acme/..%252fother", false, "invalid_request"],
  ["encoded slash", "GET", "https://api.example.test/repos/acme/..%2fother", false, "invalid_request"],
  ["encoded slash uppercase", "GET", "https://api.example.test/repos/acme/..%2Fother", false, "invalid_request"],
  ["encoded backslash", "GET", "https://api.example.test/repos/acme/..%5cother", false, "invalid_request"],
  // an encoded slash is read both ways: one segment (most servers) and a separator (some)
  ["encoded slash in a project id (GitLab)", "GET", "https://api.example.test/repos/acme/group%2Fproject", true, "pol_org#0"],
  ["encoded slash where * is one segment", "GET", "https://files.example.net/public/a%2Fb/read", false, "no_matching_rule"],
  ["encoded slash where * is one segment (POST)", "POST", "https://api.example.test/repos/acme/w%2Fx/issues", false, "no_matching_rule"],
  ["deny reached through an encoded slash", "GET", "https://api.example.test/repos/acme/admin%2Fusers", false, "denied_by_rule"],
  ["deny reached through an encoded backslash", "GET", "https://api.example.test/repos/acme/ADMIN%5Cusers", false, "denied_by_rule"],
  ["deny behind parameters and an encoded slash", "GET", "https://api.example.test/repos/acme/admin;x%2Fusers", false, "denied_by_rule"],
  ["encoded slash at a segment's start", "GET", "https://api.example.test/repos/acme/%2Fadmin", false, "invalid_request"],
  ["two encoded slashes", "GET", "https://api.example.test/repos/acme/a%2F%2Fb", false, "invalid_request"],
  ["encoded slash then a dot segment", "GET", "https://api.example.test/repos/acme/x%2F.%2Fadmin", false, "invalid_request"],
  ["trailing encoded slash", "GET", "https://api.example.test/repos/acme/x%2F", true, "pol_org#0"],
  ["raw backslash traversal", "GET", "https://api.example.test/repos/acme\\..\\other", false, "no_matching_rule"],
  ["Tomcat ..; segment", "GET", "https://api.example.test/repos/acme/..;/other", false, "invalid_request"],
  ["empty segment", "GET", "https://api.example.test/repos//acme/x", false, "invalid_request"],
  ["NUL byte", "GET", "https://api.example.test/repos/acme/%00", false, "invalid_request"],
  ["invalid UTF-8", "GET", "https://api.example.test/repos/acme/%ff", false, "invalid_request"],
  ["encoded letters are fine", "GET", "https://api.example.test/repos/%61cme/x", true, "pol_org#0"],
  ["deny dodged by encoding", "GET", "https://api.example.test/repos/acme/%61dmin/x", false, "denied_by_rule"],
  ["query and fragment ignored", "GET", "https://api.example.test/repos/acme/x?y=../../z#frag", true, "pol_org#0"],
  // wildcards
  ["wildcard subdomain", "GET", "https://a.example.com/anything", true, "pol_org#1"],
  ["wildcard deep subdomain", "HEAD", "https://a.b.example.com/", true, "pol_org#1"],
  ["wildcard excludes apex", "GET", "https://example.com/", false, "no_matching_rule"],
  ["suffix attack", "GET", "https://example.com.evil.com/", false, "no_matching_rule"],
  ["no-dot suffix attack", "GET", "https://evilexample.com/", false, "no_matching_rule"],
  ["wildcard method limit", "POST", "https://a.example.com/", false, "no_matching_rule"],
  ["deny inside wildcard", "GET", "https://secret.example.com/", false, "denied_by_rule"],
  ["deny ignores case", "GET", "https://SECRET.example.com/", false, "denied_by_rule"],
  ["deny ignores port", "GET", "https://secret.example.com:8443/", false, "denied_by_rule"],
  ["more specific wildcard wins", "GET", "https://x.deep.example.com/", true, "pol_agent#1"],
  // path wildcard one segment
  ["single * segment", "GET", "https://files.example.net/public/abc/read", true, "pol_org#2"],
  ["* needs a non-empty segment", "GET", "https://files.example.net/public//read", false, "invalid_request"],
  // ports and schemes
  ["default port implied", "GET", "http://a.example.com:80/", true, "pol_org#1"],
  ["any port when the rule lists none", "GET", "https://a.example.com:8443/", true, "pol_org#1"],
  ["listed port allowed", "GET", "https://dev.example.org:8443/", true, "pol_org#3"],
  ["unlisted port refused", "GET", "https://dev.example.org/", false, "no_matching_rule"],
  ["ftp refused", "GET", "ftp://a.example.com/", false, "invalid_request"],
  ["userinfo refused", "GET", "https://u:p@a.example.com/", false, "invalid_request"],
  ["relative URL refused", "GET", "/repos/acme", false, "invalid_request"],
  // IDNA
  ["unicode host", "GET", "https://BÜCHER.example/", true, "pol_org#4"],
  ["punycode host", "GET", "https://xn--bcher-kva.example/", true, "pol_org#4"],
  ["homoglyph host", "GET", "https://api.exаmple.test/repos/acme/x", false, "no_matching_rule"],
];

describe("decideEgress", () => {
  it.each(cases)("%s: %s %s", (_label, method, url, allowed, expected) => {
    const d = decideEgress(effective, { method, url });
    expect(d.allowed).toBe(allowed);
    if (expected === undefined) return;
    if (expected.includes("#")) {
      expect(d.reason).toBe("allowed_by_rule");
      expect(`${d.rule?.policyId}#${d.rule?.index}`).toBe(expected);
    } else {
      expect(d.reason).toBe(expected);
    }
  });

  it("has enough cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(cases.filter((c) => c[3]).length).toBeGreaterThan(10);
  });

  it("returns the credential and route of the deciding rule", () => {
    const a = decideEgress(effective, { method: "GET", url: "https://api.example.test/repos/acme/x" });
    expect(a).toMatchObject({ allowed: true, credential: "gh", rule: { policyId: "pol_org", policyVersion: 1, scope: "org", index: 0 } });
    const b = decideEgress(effective, { method: "GET", url: "https://wiki.acme.test/page" });
    expect(b).toMatchObject({ allowed: true, route: "pool:office" });
    expect(b.credential).toBeUndefined();
  });

  it("explains a default deny with the near misses", () => {
    const d = decideEgress(effective, { method: "DELETE", url: "https://api.example.test/repos/acme/x" });
    expect(d.reason).toBe("no_matching_rule");
    expect(d.nearMisses).toEqual(expect.arrayContaining([expect.objectContaining({ policyId: "pol_org", index: 0, mismatch: "method" })]));
    expect(d.explanation).toContain("not this method");
    expect(d.explanation).toContain("DELETE https://api.example.test/repos/acme/x");
  });

  it("names the deny rule and never echoes the query string", () => {
    const d = decideEgress(effective, { method: "GET", url: "https://secret.example.com/x?token=s3cr3t" });
    expect(d.explanation).toContain("pol_org");
    expect(d.explanation).toContain("rule #6");
    expect(JSON.stringify(d)).not.toContain("s3cr3t");
  });

  it("denies everything with no policy", () => {
    const d = decideEgress(computeEffectivePolicy([]), { method: "GET", url: "https://a.example.com/" });
    expect(d).toMatchObject({ allowed: false, reason: "no_matching_rule" });
    expect(d.explanation).toContain("no rule allows host a.example.com");
  });

  it("normalises the target it reports", () => {
    const d = decideEgress(effective, { method: "get", url: "https://API.example.test./repos/acme/a/../%62" });
    expect(d.target).toEqual({ method: "GET", scheme: "https", host: "api.example.test", port: 443, path: "/repos/acme/b" });
  });
});
