// The dashboard at `/`: index.html and content-hashed assets from the [assets] directory
// (built by scripts/build-dashboard.mjs), served through the Worker so every response carries
// the strict Content-Security-Policy and security headers.
import { Hono } from "hono";
import type { Context } from "hono";
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

async function fromAssets(c: Context<AppEnv>, path: string, cacheControl: string) {
  const conditional = c.req.header("if-none-match");
  const upstream = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { headers: conditional ? { "if-none-match": conditional } : {} }));
  if (upstream.status === 404) {
    if (path === "/index.html") throw new AppError("unavailable", "the dashboard is not built; run `npm run build:dashboard`");
    throw new AppError("not_found", "no such asset");
  }
  const headers = new Headers();
  for (const name of ["content-type", "etag", "content-length"]) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  for (const [k, v] of Object.entries(PAGE_HEADERS)) headers.set(k, v);
  headers.set("cache-control", cacheControl);
  return new Response(upstream.status === 304 ? null : upstream.body, { status: upstream.status, headers });
}

export function dashboardRoutes() {
  const routes = new Hono<AppEnv>();
  // The shell is tiny and names the hashed bundle, so it is never cached.
  routes.get("/", (c) => fromAssets(c, "/index.html", "no-store"));
  // Hashed names change with their content: cache them for good.
  routes.get("/assets/:file{[A-Za-z0-9._-]+}", (c) => fromAssets(c, `/assets/${c.req.param("file")}`, "public, max-age=31536000, immutable"));
  return routes;
}
