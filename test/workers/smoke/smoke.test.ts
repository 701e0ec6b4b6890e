import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("has migrated D1", async () => {
  const r = await env.DB.prepare("select count(*) as n from orgs").first<{ n: number }>();
  expect(r?.n).toBe(0);
  const res = await exports.default.fetch("http://x/");
  expect(res.status).toBe(404);
});
