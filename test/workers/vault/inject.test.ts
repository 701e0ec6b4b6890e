// Credential injection kinds and stripping of client-supplied auth (replaced, never merged).
import { describe, expect, it } from "vitest";
import { AppError } from "../../../workers/errors.js";
import { InjectSpecSchema, credentialHeaderName, injectCredential, stripClientAuth } from "../../../workers/vault/inject.js";

const target = () => ({
  headers: new Headers({
    authorization: "Bearer agent-supplied",
    "proxy-authorization": "Basic cHJveHk6cHc=",
    cookie: "session=agent",
    "x-api-key": "agent-key",
    accept: "application/json",
  }),
  url: new URL("https://api.example.test/v1/items?page=2&API_KEY=agent&api_key=agent2"),
});

describe("stripClientAuth", () => {
  it("removes Authorization, Proxy-Authorization, Cookie and credential header names, keeps the rest", () => {
    const t = target();
    const stripped = stripClientAuth(t.headers, ["X-Api-Key"]);
    expect([...stripped.keys()]).toEqual(["accept"]);
    // The input is left untouched.
    expect(t.headers.get("authorization")).toBe("Bearer agent-supplied");
  });
});

describe("injectCredential", () => {
  it("sets a bearer token, replacing any client value", () => {
    const t = target();
    const out = injectCredential({ headers: stripClientAuth(t.headers), url: t.url }, { type: "bearer" }, "tok_123");
    expect(out.headers.get("authorization")).toBe("Bearer tok_123");
    const unstripped = injectCredential(t, { type: "bearer" }, "tok_123");
    expect(unstripped.headers.get("authorization")).toBe("Bearer tok_123");
    expect(t.headers.get("authorization")).toBe("Bearer agent-supplied");
  });

  it("sets basic auth from user:password (UTF-8, colon in the password kept)", () => {
    const out = injectCredential(target(), { type: "basic" }, "bøb:pa:ss");
    const header = out.headers.get("authorization") ?? "";
    expect(header.startsWith("Basic ")).toBe(true);
    const bytes = Uint8Array.from(atob(header.slice(6)), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe("bøb:pa:ss");
  });

  it("refuses a basic secret without a colon, without echoing it", () => {
    let caught: unknown;
    try {
      injectCredential(target(), { type: "basic" }, "justatoken");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).message).not.toContain("justatoken");
  });

  it("sets a custom header", () => {
    const out = injectCredential(target(), { type: "header", name: "X-Api-Key" }, "k-1");
    expect(out.headers.get("x-api-key")).toBe("k-1");
  });

  it("sets a query parameter, dropping client values in any case", () => {
    const out = injectCredential(target(), { type: "query", name: "api_key" }, "q s&=1");
    expect(out.url.searchParams.getAll("api_key")).toEqual(["q s&=1"]);
    expect(out.url.searchParams.has("API_KEY")).toBe(false);
    expect(out.url.searchParams.get("page")).toBe("2");
    expect(out.url.pathname).toBe("/v1/items");
  });

  it.each(["a\r\nX-Evil: 1", "a\nb", "a\u0000b"])("refuses header injection through the secret %j", (secret) => {
    expect(() => injectCredential(target(), { type: "bearer" }, secret)).toThrow(AppError);
    expect(() => injectCredential(target(), { type: "header", name: "X-Key" }, secret)).toThrow(AppError);
  });

  it("refuses an empty secret", () => {
    expect(() => injectCredential(target(), { type: "bearer" }, "")).toThrow(AppError);
  });
});

describe("InjectSpecSchema", () => {
  it.each([{ type: "bearer" }, { type: "basic" }, { type: "header", name: "X-Api-Key" }, { type: "query", name: "key" }])("accepts %j", (spec) => {
    expect(InjectSpecSchema.safeParse(spec).success).toBe(true);
  });
  it.each([
    { type: "header" },
    { type: "header", name: "Host" },
    { type: "header", name: "Content-Length" },
    { type: "header", name: "CF-Connecting-IP" },
    { type: "header", name: "bad header" },
    { type: "query" },
    { type: "query", name: "a&b" },
    { type: "bearer", name: "x" },
    { type: "cookie" },
  ])("refuses %j", (spec) => {
    expect(InjectSpecSchema.safeParse(spec).success).toBe(false);
  });
  it("names the header a credential occupies", () => {
    expect(credentialHeaderName({ type: "basic" })).toBe("authorization");
    expect(credentialHeaderName({ type: "header", name: "X-Api-Key" })).toBe("x-api-key");
    expect(credentialHeaderName({ type: "query", name: "k" })).toBeNull();
  });
});
