// The dashboard at `/`: index.html and content-hashed assets, built by scripts/build-dashboard.mjs
// into a module bundled with the Worker (no static-assets router in front of the gateway), served
// with the strict Content-Security-Policy and security headers.
import { Hono } from "hono";
import type { Context } from "hono";
import files from "../../../dist/dashboard/files.js";
import { AppError } from "../../errors.js";
import type { AppEnv } from "../../http/context.js";

/** No inline script or style, no eval, no plugins, no framing; only same-origin fetches. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join("; ");

const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD_CSP,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-frame-options": "DENY",
};

function serveFile(c: Context<AppEnv>, path: string, cacheControl: string) {
  const file = files[path];
  if (!file) throw new AppError("not_found", "no such asset");
  const headers = new Headers(PAGE_HEADERS);
  headers.set("content-type", file.type);
  headers.set("etag", file.etag);
  headers.set("cache-control", cacheControl);
  const conditional = c.req.header("if-none-match");
  if (conditional?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === file.etag)) return new Response(null, { status: 304, headers });
  return new Response(file.body, { status: 200, headers });
}

export function dashboardRoutes() {
  const routes = new Hono<AppEnv>();
  // The shell is tiny and names the hashed bundle, so it is never cached.
  routes.get("/", (c) => serveFile(c, "/index.html", "no-store"));
  // Hashed names change with their content: cache them for good.
  routes.get("/assets/:file{[A-Za-z0-9._-]+}", (c) => serveFile(c, `/assets/${c.req.param("file")}`, "public, max-age=31536000, immutable"));
  return routes;
}
