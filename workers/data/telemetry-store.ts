// Org-scoped storage of the org's OpenTelemetry export settings (one row per org) and its
// delivery counters.
import { sql } from "drizzle-orm";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { telemetryConfigs } = tables;

export type TelemetryConfigRow = typeof telemetryConfigs.$inferSelect;
export type TelemetryConfigInput = Omit<TelemetryConfigRow, "orgId" | "droppedSpans" | "lastError" | "updatedAt">;

export class TelemetryStore extends OrgScoped {
  get() {
    return this.db.select().from(telemetryConfigs).where(this.scope(telemetryConfigs)).get();
  }

  /** Replaces the settings; the counters start again, as they describe the endpoint being replaced. */
  save(input: TelemetryConfigInput) {
    const row = { ...input, droppedSpans: 0, lastError: null, updatedAt: Date.now() };
    return this.db
      .insert(telemetryConfigs)
      .values({ orgId: this.orgId, ...row })
      .onConflictDoUpdate({ target: telemetryConfigs.orgId, set: row })
      .returning()
      .get();
  }

  delete() {
    return this.db.delete(telemetryConfigs).where(this.scope(telemetryConfigs)).returning().get();
  }

  /** Spans given up on (retries spent): counted, with the last reason, for the status page. */
  countDropped(spans: number, error: string) {
    return this.db
      .update(telemetryConfigs)
      .set({ droppedSpans: sql`${telemetryConfigs.droppedSpans} + ${spans}`, lastError: error })
      .where(this.scope(telemetryConfigs))
      .run();
  }
}
