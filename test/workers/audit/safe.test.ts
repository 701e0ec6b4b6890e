// The last-line cleaning of audit events: what is kept, what is redacted, and the stable form.
import { describe, expect, it } from "vitest";
import { toRecord } from "../../../workers/audit/audit.js";
import { canonicalJson } from "../../../workers/audit/chain.js";
import { REDACTED, safeDetails, unsafeString } from "../../../workers/audit/safe.js";

const parse = (d: Record<string, unknown>) => JSON.parse(safeDetails(d) ?? "null");

describe("safe audit details", () => {
  it("keeps ids, counts and categories", () => {
    expect(
      parse({
        userId: "usr_01jd0000000000000000000000",
        tokenId: "tok_01jd0000000000000000000000",
        role: "admin",
        subagents: 2,
        ok: true,
        none: null,
      }),
    ).toEqual({
      none: null,
      ok: true,
      role: "admin",
      subagents: 2,
      tokenId: "tok_01jd0000000000000000000000",
      userId: "usr_01jd0000000000000000000000",
    });
  });

  it("redacts values under secret-naming keys, whatever their shape", () => {
    expect(parse({ password: "hunter2", Authorization: "x", apiKey: "k", clientSecret: "s", email: "a@b.test", cookie: "c" })).toEqual({
      Authorization: REDACTED,
      apiKey: REDACTED,
      clientSecret: REDACTED,
      cookie: REDACTED,
      email: REDACTED,
      password: REDACTED,
    });
  });

  it("redacts credential-shaped and masked values anywhere", () => {
    for (const v of [
      "pal_agent_abcdefghijklmnop",
      "Bearer abcdefgh12345678",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
      "sk-proj-abcdefghijkl",
      "-----BEGIN PRIVATE KEY-----",
      "a".repeat(40),
      "j***@example.test",
      "[EMAIL_1]",
      "card ••••1234",
    ]) {
      expect(unsafeString(v), v).toBe(true);
      expect(parse({ list: [v] })).toEqual({ list: [REDACTED] });
    }
    for (const v of ["api.example.test", "policy:pol_01jd0000000000000000000000#2", "GET", "role:owner", "completed", "a".repeat(39)])
      expect(unsafeString(v), v).toBe(false);
  });

  it("bounds depth, size and odd types, and writes canonical JSON", () => {
    expect(parse({ a: { b: { c: { d: 1 } } } })).toEqual({ a: { b: { c: REDACTED } } });
    expect(parse({ n: Number.NaN, f: () => 1 })).toEqual({ f: REDACTED, n: null });
    const big = parse({ blob: Array.from({ length: 50 }, (_, i) => `value ${i} ${"word ".repeat(30)}`), other: 1 });
    expect(big).toEqual({ keys: ["blob", "other"], truncated: true });
    expect(safeDetails({})).toBeNull();
    expect(safeDetails({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(canonicalJson({ z: [{ y: 1, x: 2 }], a: "é" })).toBe('{"a":"é","z":[{"x":2,"y":1}]}');
  });

  it("cleans the record's text fields and makes strings well formed", () => {
    const record = toRecord({
      orgId: "org_01jd0000000000000000000000",
      actor: { type: "user", id: "usr_x" },
      action: `x\uD800y`,
      resource: { type: "t", id: "a".repeat(500) },
      result: "success",
      reason: "token pal_admin_abcdefghijklmnopqrstuv",
    });
    expect(record.action).toBe("x\uFFFDy");
    expect(record.resource.id).toHaveLength(128);
    expect(record.reason).toBe(REDACTED);
    expect(record.traceId).toBeNull();
    expect(record.details).toBeNull();
  });
});
