// Drizzle over D1. Only workers/data imports the tables: everything else goes through
// PlatformData (tables without an org) or an org-scoped store built with its org id (OrgScoped).
import { drizzle } from "drizzle-orm/d1";
import * as tables from "../../schema/tables.js";

export type Db = ReturnType<typeof makeDb>;

/** One Drizzle instance per D1 binding: building it walks every table's relations, so it is built once per isolate, not per query. */
const dbs = new WeakMap<D1Database, ReturnType<typeof build>>();

const build = (d1: D1Database) => drizzle(d1, { schema: tables });

export function makeDb(d1: D1Database) {
  let db = dbs.get(d1);
  if (!db) {
    db = build(d1);
    dbs.set(d1, db);
  }
  return db;
}

export { tables };

/** Rows are stored with epoch milliseconds; the API speaks ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
