// Contract of the security console's read models: org statistics over a window, and the replay
// of recent audited requests through a draft policy. Shared by the API, the dashboard and tests.
import { z } from "zod";
import { PolicyDocumentSchema } from "./policy.js";

export const STATS_WINDOWS = ["24h", "30d"] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];

export const StatsQuerySchema = z.strictObject({
  window: z.enum(STATS_WINDOWS).default("24h").describe("24h: hourly buckets; 30d: daily buckets (UTC)"),
});

const count = z.number().int().min(0);

export const StatsBucketSchema = z.object({
  start: z.string().describe("ISO 8601 start of the bucket"),
  calls: count.describe("agent calls: LLM requests, egress requests and tool calls"),
  denied: count.describe("of those, refused (policy, PII block, spend limit, suspension, approval)"),
});

export const StatsSchema = z.object({
  window: z.enum(STATS_WINDOWS),
  from: z.string(),
  to: z.string(),
  bucketSeconds: z.number().int(),
  buckets: z.array(StatsBucketSchema).describe("every bucket of the window, oldest first, empty ones included"),
  totals: z.object({ calls: count, denied: count, piiDetections: count }),
  denialsByReason: z.array(z.object({ reason: z.string(), count })),
  piiByCategory: z.array(z.object({ category: z.string(), count })),
  approvalsWaiting: count,
  spendByAgent: z.array(
    z.object({
      agentId: z.string(),
      name: z.string().nullable(),
      costMicros: z.number().int(),
      calls: count,
      limitMicros: z.number().int().nullable().describe("the agent's own tightest limit, if it has one"),
    }),
  ),
  spendByModel: z.array(z.object({ model: z.string(), costMicros: z.number().int(), calls: count })),
  limits: z
    .array(
      z.object({
        id: z.string(),
        scope: z.string(),
        scopeId: z.string().nullable(),
        name: z.string().nullable(),
        period: z.string(),
        limitMicros: z.number().int(),
        spentMicros: z.number().int(),
      }),
    )
    .nullable()
    .describe("live spend against every limit in its current window; null when the spend service did not answer"),
});

const agentId = z.string().regex(/^agt_[0-9a-hjkmnp-tv-z]{26}$/, "must be an agt_ id");
const policyId = z.string().regex(/^pol_[0-9a-hjkmnp-tv-z]{26}$/, "must be a pol_ id");

/** POST …/policies/replay: what a draft would have decided for recent real requests. */
export const PolicyReplaySchema = z.strictObject({
  draft: PolicyDocumentSchema,
  /** The saved policy the draft replaces: the agents it applies to are the ones replayed. */
  policyId: policyId.optional(),
  /** A new draft is replayed as attached to this agent (required without policyId). */
  agentId: agentId.optional(),
  limit: z.number().int().min(1).max(500).default(200).describe("how many of the latest audited requests to replay (M)"),
});

export const ReplayedRequestSchema = z.object({
  seq: z.number().int(),
  ts: z.string(),
  agentId: z.string(),
  agentName: z.string().nullable(),
  kind: z.enum(["egress", "llm"]),
  /** "GET https://host/path" for egress (never a query string), the model for LLM calls. */
  subject: z.string(),
  recorded: z.enum(["allowed", "denied"]).describe("what the gateway decided then"),
  draft: z.object({ allowed: z.boolean(), reason: z.string(), explanation: z.string() }),
});

export const PolicyReplayResultSchema = z.object({
  replayed: count.describe("M: requests replayed"),
  deniedByDraft: count.describe("N: of those, the draft would deny"),
  newlyDenied: count.describe("allowed then, denied by the draft"),
  newlyAllowed: count.describe("denied then, allowed by the draft"),
  agents: count,
  items: z.array(ReplayedRequestSchema).describe("newest first"),
});

/** GET …/names?ids=a,b: current names of ids of the org (admins), for views that hold only ids. */
const ID = "[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{26}";
export const NamesQuerySchema = z.strictObject({
  ids: z
    .string()
    .regex(new RegExp(`^${ID}(,${ID}){0,99}$`), "must be 1 to 100 ids separated by commas")
    .optional()
    .describe("without ids, nothing is resolved"),
});
export const NamesSchema = z.object({ names: z.record(z.string(), z.string()).describe("id to name; ids without a name in the org are left out") });
