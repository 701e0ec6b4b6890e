// The dashboard shell and its assets: strict CSP and security headers, hashed assets cached for
// good, the shell never cached, and no route outside the built files.
import { describe, expect, it } from "vitest";
import { DASHBOARD_CSP } from "../../../workers/routes/dashboard/index.js";
import { call } from "../support/api.js";

describe("dashboard serving", () => {
  it("serves the shell with a strict CSP that allows no inline script or eval", async () => {
    const res = await call("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toBe(DASHBOARD_CSP);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    // No inline script: every <script> has a same-origin src.
    const scripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/assets\/app-[A-Z0-9]+\.js"/);
      expect(body?.trim()).toBe("");
    }
  });

  it("serves the hashed bundle and stylesheet, cached immutably", async () => {
    const shell = await call("/");
    const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(shell.text)?.[1];
    const css = /href="(\/assets\/app-[A-Z0-9]+\.css)"/.exec(shell.text)?.[1];
    expect(js).toBeDefined();
    expect(css).toBeDefined();
    const script = await call(js ?? "");
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(script.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    expect(script.text).not.toMatch(/\beval\(|new Function\(/);
    const style = await call(css ?? "");
    expect(style.status).toBe(200);
    expect(style.headers.get("content-type")).toMatch(/text\/css/);
  });

  it("answers a matching if-none-match with 304 and no body, and a stale one with the file", async () => {
    const shell = await call("/");
    const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(shell.text)?.[1] ?? "";
    const first = await call(js);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await call(js, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
    expect(again.headers.get("content-security-policy")).toBe(DASHBOARD_CSP);
    const stale = await call(js, { headers: { "if-none-match": '"0000"' } });
    expect(stale.status).toBe(200);
    expect(stale.text).toBe(first.text);
  });

  it("answers unknown assets and paths with the API's 404 error shape", async () => {
    for (const path of ["/assets/nope-123.js", "/assets/..%2Fwrangler.toml", "/index.html", "/dashboard"]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect(res.json?.error?.code, path).toBe("not_found");
    }
  });
});
