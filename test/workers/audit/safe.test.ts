// The last-line cleaning of audit events: what is kept, what is redacted, and the stable form.
import { describe, expect, it } from "vitest";
import { toRecord } from "../../../workers/audit/audit.js";
import { canonicalJson } from "../../../workers/audit/chain.js";
import { REDACTED, maskFreeText, safeDetails, textTail, unsafeString } from "../../../workers/audit/safe.js";

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

  it("keeps a content digest whole under a digest key only, and only in its exact shape", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    expect(parse({ imageDigest: digest })).toEqual({ imageDigest: digest });
    // The same shape elsewhere, or another value under the key, is treated like any long opaque string.
    expect(parse({ image: digest })).toEqual({ image: `sha256:${REDACTED}` });
    expect(parse({ imageDigest: `${digest} pal_agent_abcdefghijklmnop` })).not.toHaveProperty("imageDigest", `${digest} pal_agent_abcdefghijklmnop`);
    expect(parse({ imageDigest: "a".repeat(64) })).toEqual({ imageDigest: REDACTED });
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
    expect(record.reason).toBe(`token ${REDACTED}`);
    expect(record.traceId).toBeNull();
    expect(record.details).toBeNull();
  });

  it("masks what the PII detectors and the secret rules find in free text, keeping the rest", () => {
    const cases: Array<[string, string]> = [
      ["mail jane.doe@example.com now", "mail [redacted:email] now"],
      ["call +1 415 555 0134 or (415) 555-0199", "call [redacted:phone] or [redacted:phone]"],
      ["card 4111 1111 1111 1111, iban DE89 3704 0044 0532 0130 00", "card [redacted:credit_card], iban [redacted:iban]"],
      ["key AKIAIOSFODNN7EXAMPLE in env", "key [redacted:secret] in env"],
      ["password=hunter2 pwd: x1 token: s3cr3t-abc", `password=${REDACTED} pwd: ${REDACTED} token: ${REDACTED}`],
      ['DB_PASSWORD="two words" accessToken=abc X-Api-Key: k1', `DB_PASSWORD=${REDACTED} accessToken=${REDACTED} X-Api-Key: ${REDACTED}`],
      ["Authorization: Basic dXNlcjpwYXNz", `Authorization: ${REDACTED}`],
      ["Authorization: Bearer abc", `Authorization: ${REDACTED}`],
      ["postgres://app:s3cr3tpw@db.internal/app", `postgres://app:${REDACTED}@db.internal/app`],
      ["curl -u deploy:hunter2 https://ci.internal/", `curl -u deploy:${REDACTED} https://ci.internal/`],
      ["-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY----- after", `${REDACTED} after`],
      ["-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBg (cut", REDACTED],
      ["/users/%2B44%2020%207946%200958/x", "/users/[redacted:phone]/x"],
    ];
    for (const [input, expected] of cases) expect(maskFreeText(input), input).toBe(expected);
    // Words that merely contain a secret's name, counts and ids stay.
    for (const kept of [
      "tokens: 1234",
      "authority=me",
      "mapping=1",
      "exit 0 after 3.2s",
      "agt_01jd0000000000000000000000",
      "GET /v1/chat/completions",
    ])
      expect(maskFreeText(kept)).toBe(kept);
  });

  it("masks the value after a secret flag in an argument list", () => {
    expect(parse({ command: ["mysql", "--password", "hunter2", "-u", "root:pw", "--api-key=k", "--verbose", "x"] })).toEqual({
      command: ["mysql", "--password", REDACTED, "-u", `root:${REDACTED}`, `--api-key=${REDACTED}`, "--verbose", "x"],
    });
  });

  it("cuts long text only after masking, and never keeps part of a value at a cut", () => {
    const long = `${"word ".repeat(300)}jane.doe@example.com end`;
    expect(maskFreeText(long, 5000)).toContain("[redacted:email] end");
    expect(maskFreeText(long)).toHaveLength(1024);
    const tail = textTail(`jane.doe@example.com ${"x ".repeat(10)}done`, 25);
    expect(tail).toBe("x x x x x x x x x x done".slice(-tail.length));
    expect(tail).not.toContain("example.com");
    expect(textTail("short", 25)).toBe("short");
  });
});
