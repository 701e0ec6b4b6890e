// Drizzle over D1. Only workers/data imports the tables: everything else goes through
// PlatformData (tables without an org) or an org-scoped store built with its org id (OrgScoped).
import { drizzle } from "drizzle-orm/d1";
import * as tables from "../../schema/tables.js";

export type Db = ReturnType<typeof makeDb>;

export function makeDb(d1: D1Database) {
  return drizzle(d1, { schema: tables });
}

export { tables };

/** Rows are stored with epoch milliseconds; the API speaks ISO 8601. */
export const iso = (ms: number) => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
