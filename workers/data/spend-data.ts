// Org-scoped access to the spend tables (prices, limits, usage ledger); every query is bound to one org.
import { asc, eq, gt, gte, lte, sql } from "drizzle-orm";
import { newId } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";
import type { PageRequest } from "./pagination.js";

const { spendPrices, spendLimits, spendUsage } = tables;

export type PriceRow = typeof spendPrices.$inferSelect;
export type LimitRow = typeof spendLimits.$inferSelect;
export type UsageInsert = Omit<typeof spendUsage.$inferInsert, "orgId">;

const USAGE_ROWS_PER_STATEMENT = 200;

export class SpendData extends OrgScoped {
  // ── prices ───────────────────────────────────────────────────────────────
  listPrices(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(spendPrices)
      .where(this.scope(spendPrices, after ? gt(spendPrices.id, after) : undefined))
      .orderBy(asc(spendPrices.id))
      .limit(page.limit + 1)
      .all();
  }

  allPrices() {
    return this.db.select().from(spendPrices).where(this.scope(spendPrices)).all();
  }

  price(id: string) {
    return this.db
      .select()
      .from(spendPrices)
      .where(this.scope(spendPrices, eq(spendPrices.id, id)))
      .get();
  }

  createPrice(values: Pick<PriceRow, "model" | "inputMicrosPerMTok" | "outputMicrosPerMTok" | "cachedMicrosPerMTok">) {
    return this.db
      .insert(spendPrices)
      .values({ id: newId("prc"), orgId: this.orgId, ...values })
      .returning()
      .get();
  }

  updatePrice(id: string, patch: Partial<Pick<PriceRow, "inputMicrosPerMTok" | "outputMicrosPerMTok" | "cachedMicrosPerMTok">>) {
    return this.db
      .update(spendPrices)
      .set(patch)
      .where(this.scope(spendPrices, eq(spendPrices.id, id)))
      .returning()
      .get();
  }

  deletePrice(id: string) {
    return this.db
      .delete(spendPrices)
      .where(this.scope(spendPrices, eq(spendPrices.id, id)))
      .returning()
      .get();
  }

  // ── limits ───────────────────────────────────────────────────────────────
  listLimits(page: PageRequest, after?: string) {
    return this.db
      .select()
      .from(spendLimits)
      .where(this.scope(spendLimits, after ? gt(spendLimits.id, after) : undefined))
      .orderBy(asc(spendLimits.id))
      .limit(page.limit + 1)
      .all();
  }

  allLimits() {
    return this.db.select().from(spendLimits).where(this.scope(spendLimits)).all();
  }

  limit(id: string) {
    return this.db
      .select()
      .from(spendLimits)
      .where(this.scope(spendLimits, eq(spendLimits.id, id)))
      .get();
  }

  createLimit(values: Pick<LimitRow, "scope" | "scopeId" | "period" | "limitMicros" | "thresholds">) {
    return this.db
      .insert(spendLimits)
      .values({ id: newId("lim"), orgId: this.orgId, scopeKey: values.scopeId ?? "org", ...values })
      .returning()
      .get();
  }

  updateLimit(id: string, patch: Partial<Pick<LimitRow, "limitMicros" | "thresholds">>) {
    return this.db
      .update(spendLimits)
      .set(patch)
      .where(this.scope(spendLimits, eq(spendLimits.id, id)))
      .returning()
      .get();
  }

  deleteLimit(id: string) {
    return this.db
      .delete(spendLimits)
      .where(this.scope(spendLimits, eq(spendLimits.id, id)))
      .returning()
      .get();
  }

  // ── usage ledger ─────────────────────────────────────────────────────────
  /**
   * Idempotent: a row per reservation id, so a retried flush never counts twice. Rows travel as
   * one JSON parameter per statement (D1 caps bound parameters at 100, i.e. 7 rows of 13).
   */
  async insertUsage(rows: UsageInsert[]) {
    const statements = [];
    for (let i = 0; i < rows.length; i += USAGE_ROWS_PER_STATEMENT) {
      const chunk = JSON.stringify(rows.slice(i, i + USAGE_ROWS_PER_STATEMENT));
      statements.push(
        this.db.run(sql`INSERT INTO spend_usage (id, org_id, agent_id, team_id, model, day, input_tokens, output_tokens,
            cached_tokens, cost_micros, basis, settled_at)
          SELECT value ->> '$.id', ${this.orgId}, value ->> '$.agentId', value ->> '$.teamId', value ->> '$.model',
            value ->> '$.day', value ->> '$.inputTokens', value ->> '$.outputTokens', value ->> '$.cachedTokens',
            value ->> '$.costMicros', value ->> '$.basis', value ->> '$.settledAt'
          FROM json_each(${chunk}) WHERE true
          ON CONFLICT (id) DO NOTHING`),
      );
    }
    await Promise.all(statements);
  }

  /** Totals over [fromDay, toDay] grouped by one column. */
  usageTotals(fromDay: string, toDay: string, by: "agentId" | "teamId" | "model" | "day" | null) {
    const where = this.scope(spendUsage, gte(spendUsage.day, fromDay), lte(spendUsage.day, toDay));
    const sums = {
      costMicros: sql<number>`coalesce(sum(${spendUsage.costMicros}), 0)`.mapWith(Number),
      inputTokens: sql<number>`coalesce(sum(${spendUsage.inputTokens}), 0)`.mapWith(Number),
      outputTokens: sql<number>`coalesce(sum(${spendUsage.outputTokens}), 0)`.mapWith(Number),
      calls: sql<number>`count(*)`.mapWith(Number),
    };
    if (by === null)
      return this.db
        .select({ key: sql<string | null>`null`, ...sums })
        .from(spendUsage)
        .where(where)
        .all();
    const column = spendUsage[by];
    return this.db
      .select({ key: column, ...sums })
      .from(spendUsage)
      .where(where)
      .groupBy(column)
      .orderBy(asc(column))
      .limit(1000)
      .all();
  }
}
