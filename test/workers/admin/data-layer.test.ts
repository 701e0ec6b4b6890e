// Architecture guard: only workers/data may import the tables, so org-scoped rows are reachable
// only through new OrgData(orgId). Also checks the layer refuses to start without an org id.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { makeDb } from "../../../workers/data/db.js";
import { OrgData } from "../../../workers/data/org-data.js";

const sources = import.meta.glob("../../../workers/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

it("keeps table access inside workers/data", () => {
  const offenders = Object.entries(sources)
    .filter(([path]) => !path.includes("/workers/data/"))
    .filter(([, text]) => /from\s+["'][./]*(?:\.\.\/)+schema\/tables(?:\.js)?["']/.test(text))
    .map(([path]) => path);
  expect(Object.keys(sources).length).toBeGreaterThan(10);
  expect(offenders).toEqual([]);
});

it("refuses an org-scoped accessor without a valid org id", () => {
  const db = makeDb(env.DB);
  expect(() => new OrgData(db, "")).toThrow();
  expect(() => new OrgData(db, "' OR 1=1 --")).toThrow();
});
