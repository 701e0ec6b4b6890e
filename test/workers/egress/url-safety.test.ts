// SSRF guard: the bypass corpus is refused before any fetch; public targets pass; private ones pass only when allowed.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/errors.js";
import {
  assertPublicDestination,
  checkDestination,
  classifyHost,
  parseEgressTarget,
  resolveRedirect,
  sameOrigin,
} from "../../../workers/egress/url-safety.js";
import { PUBLIC_TARGETS, SSRF_CORPUS } from "./ssrf-corpus.js";

const PORT = "8787";

/** Runs the guard as the gateway will; returns the error code, or null when the target would be fetched. */
function refusal(raw: string, allowPrivate = false): string | null {
  try {
    assertPublicDestination(parseEgressTarget(raw), { allowPrivate });
    return null;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe("SSRF corpus", () => {
  it("has at least 60 bypass attempts", () => {
    expect(SSRF_CORPUS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(SSRF_CORPUS)("refuses %s: %s", (_label, target) => {
    expect(refusal(target.replaceAll("{port}", PORT))).not.toBeNull();
  });

  it.each(PUBLIC_TARGETS)("lets public target %s through", (target) => {
    expect(refusal(target)).toBeNull();
  });
});

describe("parseEgressTarget", () => {
  it("restores a collapsed scheme separator and drops the fragment", () => {
    expect(parseEgressTarget("https:/api.example.com/a/b?x=1#frag").href).toBe("https://api.example.com/a/b?x=1");
  });

  it.each([
    ["relative", "/repos/a", "absolute"],
    ["scheme", "ftp://api.example.com/", "only http and https"],
    ["userinfo", "https://u@api.example.com/", "credentials"],
    ["percent host", "https://api%2eexample.com/", "percent-encoding"],
    ["no host", "https:///", "scheme://host"],
  ])("refuses %s with a 400 and a reason", (_label, raw, message) => {
    let caught: unknown;
    try {
      parseEgressTarget(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ code: "bad_request", status: 400 });
    expect(String((caught as Error).message)).toContain(message);
  });

  it("normalises IPv4 spellings the way the guard expects", () => {
    for (const raw of ["http://0x7f.1/", "http://2130706433/", "http://0177.0.0.1/", "http://127.1/", "http://①②⑦.0.0.1/"]) {
      expect(parseEgressTarget(raw).hostname).toBe("127.0.0.1");
    }
    expect(parseEgressTarget("http://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
  });
});

describe("assertPublicDestination", () => {
  it("refuses with 403 policy_denied naming only the class", () => {
    let caught: unknown;
    try {
      assertPublicDestination(new URL("http://169.254.169.254/latest?token=abc"), { allowPrivate: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "policy_denied", status: 403, details: { destination: "metadata" } });
    expect((caught as Error).message).not.toContain("abc");
  });

  it("allows private and loopback destinations only when allowed (routed pools, local development)", () => {
    expect(refusal(`http://127.0.0.1:${PORT}/`, true)).toBeNull();
    expect(refusal("http://10.1.2.3/", true)).toBeNull();
    expect(refusal("http://git.corp.internal/", true)).toBeNull();
    expect(checkDestination(new URL("http://192.168.0.10/"), { allowPrivate: true })).toEqual({ ok: true, class: "private_allowed" });
  });

  it.each(["http://169.254.169.254/", "http://metadata.google.internal/", "http://[fd00:ec2::254]/", "http://224.0.0.1/", "http://255.255.255.255/"])(
    "refuses %s even when private destinations are allowed",
    (raw) => {
      expect(refusal(raw, true)).toBe("policy_denied");
    },
  );

  it.each([
    ["127.0.0.1", "loopback"],
    ["10.0.0.1", "private"],
    ["169.254.1.1", "link_local"],
    ["169.254.169.254", "metadata"],
    ["100.64.0.1", "carrier_nat"],
    ["[fc00::1]", "unique_local"],
    ["[fe80::1]", "link_local"],
    ["[::ffff:a00:1]", "private"],
    ["[64:ff9b::a9fe:a9fe]", "metadata"],
    ["[2002:a9fe:a9fe::]", "metadata"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["0.0.0.0", "unspecified"],
    ["localhost", "local_name"],
    ["x.nip.io", "rebinding_name"],
    ["api.example.com", "public"],
    ["LOCALHOST", "local_name"],
    ["a..b", "invalid"],
  ])("classifies %s as %s", (host, expected) => {
    expect(classifyHost(host)).toBe(expected);
  });
});

describe("redirects", () => {
  const here = new URL("https://api.example.com/a/b");

  it("resolves relative and absolute locations", () => {
    expect(resolveRedirect(here, "../c?x=1").href).toBe("https://api.example.com/c?x=1");
    expect(resolveRedirect(here, "https://other.example.com/z#f").href).toBe("https://other.example.com/z");
    expect(resolveRedirect(here, "//cdn.example.com/y").href).toBe("https://cdn.example.com/y");
  });

  it.each(["file:///etc/passwd", "https://u:p@api.example.com/", "gopher://x/", ""])("refuses %j as an upstream error", (location) => {
    expect(() => resolveRedirect(here, location)).toThrow(expect.objectContaining({ code: "upstream_error" }));
  });

  it("hands hops to the destination check like any target", () => {
    const next = resolveRedirect(here, "http://2130706433/");
    expect(checkDestination(next, { allowPrivate: false })).toEqual({ ok: false, class: "loopback" });
  });

  it("lets credentials follow only within one origin", () => {
    expect(sameOrigin(here, resolveRedirect(here, "/next"))).toBe(true);
    expect(sameOrigin(here, resolveRedirect(here, "https://api.example.com:8443/"))).toBe(false);
    expect(sameOrigin(here, resolveRedirect(here, "http://api.example.com/"))).toBe(false);
    expect(sameOrigin(here, resolveRedirect(here, "https://evil.example.com/"))).toBe(false);
  });
});
