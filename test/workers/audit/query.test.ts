// Listing the trail: recent events show at once, filters and cursors work, bad input is a 400.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "../../../workers/audit/audit.js";
import { type SeededOrg, call, expectErrorShape, seedMember, seedOrg } from "../support/api.js";

let org: SeededOrg;
const base = () => `/api/v1/orgs/${org.orgId}/audit`;

beforeAll(async () => {
  org = await seedOrg("query");
  const results = ["allowed", "denied", "success", "error"] as const;
  for (let i = 0; i < 20; i++) {
    await recordAudit(env, {
      orgId: org.orgId,
      actor: { type: i % 2 ? "agent" : "host", id: i % 2 ? "agt_query" : "hst_query" },
      action: i % 4 === 0 ? "tool.call" : "egress.request",
      resource: { type: "host", id: `h${i % 5}.example.test` },
      result: results[i % 4] ?? "error",
      traceId: `trace-query-${i % 3}`,
    });
  }
});

describe("GET …/audit", () => {
  it("shows an action's event immediately after the action answers", async () => {
    const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "fresh" } });
    const res = await call(`${base()}?action=team.create`, { token: org.apiKey });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(1);
    expect(res.json.items[0]).toMatchObject({
      actor: { type: "user", id: org.ownerId },
      resource: { type: "team", id: team.json.id },
      result: "success",
      reason: "role:owner",
      traceId: team.headers.get("x-palisade-trace-id"),
    });
    expect(res.json.items[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.headers.get("x-palisade-audit-pending")).toBe("0");
  });

  it("filters by actor, action, resource, result and trace", async () => {
    const q = async (query: string) => (await call(`${base()}?${query}&limit=200`, { token: org.apiKey })).json.items as Array<Record<string, any>>;
    expect((await q("actorType=agent")).every((e) => e.actor.type === "agent")).toBe(true);
    expect(await q("actorType=agent&actorId=agt_query")).toHaveLength(10);
    expect(await q("action=tool.call")).toHaveLength(5);
    expect(await q("resourceType=host&resourceId=h1.example.test")).toHaveLength(4);
    expect(await q("result=denied")).toHaveLength(5);
    expect(await q("traceId=trace-query-0")).toHaveLength(7);
    expect(await q("action=egress.request&result=denied")).toHaveLength(5);
    expect(await q("action=egress.request&result=allowed")).toEqual([]);
  });

  it("filters by time range, inclusive", async () => {
    const all = (await call(`${base()}?limit=200`, { token: org.apiKey })).json.items as Array<{ ts: string; seq: number }>;
    const middle = all[10];
    const res = await call(`${base()}?from=${encodeURIComponent(middle?.ts ?? "")}&to=${encodeURIComponent(middle?.ts ?? "")}`, {
      token: org.apiKey,
    });
    expect(res.status).toBe(200);
    expect(res.json.items.length).toBeGreaterThanOrEqual(1);
    for (const e of res.json.items) expect(e.ts).toBe(middle?.ts);
    const future = await call(`${base()}?from=2999-01-01T00:00:00Z`, { token: org.apiKey });
    expect(future.json.items).toEqual([]);
  });

  it("pages with a cursor in seq order without gaps or repeats", async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<typeof call>> = await call(`${base()}?limit=7${cursor ? `&cursor=${cursor}` : ""}`, { token: org.apiKey });
      expect(res.status).toBe(200);
      seen.push(...res.json.items.map((e: { seq: number }) => e.seq));
      cursor = res.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(seen.length).toBeGreaterThanOrEqual(20);
  });

  it("answers bad filters, cursors and time ranges with 400", async () => {
    const bad = [
      "cursor=nope",
      "cursor=czE6MA", // "s1:0"
      "cursor=czE6LTE", // "s1:-1"
      `cursor=${btoa("v1:aud_01jd0000000000000000000000").replaceAll("=", "")}`,
      `cursor=${"A".repeat(300)}`,
      "result=maybe",
      "actorType=robot",
      "from=yesterday",
      "to=2025-13-01T00:00:00Z",
      "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
      "limit=0",
      "limit=201",
      "limit=ten",
      "actorId=",
      `action=${"a".repeat(101)}`,
      "unknown=1",
    ];
    for (const query of bad) {
      const res = await call(`${base()}?${query}`, { token: org.apiKey });
      expect(res.status, query).toBe(400);
      expectErrorShape(res);
    }
    for (const path of ["export?format=xml", "export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "export?result=nope"]) {
      const res = await call(`${base()}/${path}`, { token: org.apiKey });
      expect(res.status, path).toBe(400);
      expectErrorShape(res);
    }
  });

  it("is for admins only", async () => {
    const member = await seedMember(org, "member");
    for (const path of ["", "/export", "/verify", "/retention"]) {
      expect((await call(`${base()}${path}`, { token: member.apiKey })).status, path).toBe(403);
    }
  });
});
