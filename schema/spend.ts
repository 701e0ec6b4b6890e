// Spend contract: admin API bodies (prices, limits, usage) and the OrgSpend Durable Object's RPC payloads.
import { z } from "zod";
import { ID_PREFIX, idOf } from "./api.js";

/** Money and prices are integer micro-dollars; anything above this is a typo, not a budget. */
export const MAX_MICROS = 1_000_000_000_000_000; // 1e15 µ$ = one billion dollars
const micros = z.number().int().min(0).max(MAX_MICROS);
/** A price per million tokens above $1M is refused as absurd. */
const pricePerMTok = z.number().int().min(0).max(1_000_000_000_000);

/** Provider model names ("gpt-4o-2024-08-06", "claude-sonnet-4-5"); "*" is the org's fallback price. */
export const FALLBACK_MODEL = "*";
export const ModelNameSchema = z
  .string()
  .max(128)
  .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9._:/@-]*)$/, 'must be a model name or "*" for the fallback price');

// ── prices ──────────────────────────────────────────────────────────────────
export const PriceCreateSchema = z.strictObject({
  model: ModelNameSchema,
  inputMicrosPerMTok: pricePerMTok,
  outputMicrosPerMTok: pricePerMTok,
  cachedMicrosPerMTok: pricePerMTok.optional(),
});
export const PriceUpdateSchema = z.strictObject({
  inputMicrosPerMTok: pricePerMTok.optional(),
  outputMicrosPerMTok: pricePerMTok.optional(),
  cachedMicrosPerMTok: pricePerMTok.nullable().optional(),
});
export const PriceSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  model: z.string(),
  inputMicrosPerMTok: z.number().int(),
  outputMicrosPerMTok: z.number().int(),
  cachedMicrosPerMTok: z.number().int().nullable(),
  createdAt: z.string(),
});
export const DefaultPriceSchema = z.object({
  model: z.string(),
  inputMicrosPerMTok: z.number().int(),
  outputMicrosPerMTok: z.number().int(),
  cachedMicrosPerMTok: z.number().int().nullable(),
});

// ── limits ──────────────────────────────────────────────────────────────────
export const LIMIT_SCOPES = ["org", "team", "agent"] as const;
export const LIMIT_PERIODS = ["day", "month", "total"] as const;
export type LimitScope = (typeof LIMIT_SCOPES)[number];
export type LimitPeriod = (typeof LIMIT_PERIODS)[number];
export const DEFAULT_THRESHOLDS = [50, 80, 100];

/** Alert thresholds in percent of the limit: 1..100, strictly ascending, at most 10. */
const thresholds = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .max(10)
  .refine((t) => t.every((v, i) => i === 0 || v > (t[i - 1] ?? 0)), { message: "must be strictly ascending" });

export const LimitCreateSchema = z
  .strictObject({
    scope: z.enum(LIMIT_SCOPES),
    scopeId: z.string().max(64).optional(),
    period: z.enum(LIMIT_PERIODS),
    limitMicros: micros,
    thresholds: thresholds.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "org" && v.scopeId !== undefined) {
      ctx.addIssue({ code: "custom", path: ["scopeId"], message: "must be absent for the org scope" });
    }
    const prefix = v.scope === "team" ? ID_PREFIX.team : v.scope === "agent" ? ID_PREFIX.agent : null;
    if (prefix && !idOf(prefix).safeParse(v.scopeId).success) {
      ctx.addIssue({ code: "custom", path: ["scopeId"], message: `must be a ${prefix}_ id for the ${v.scope} scope` });
    }
  });
export const LimitUpdateSchema = z.strictObject({ limitMicros: micros.optional(), thresholds: thresholds.optional() });
export const LimitSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  scope: z.enum(LIMIT_SCOPES),
  scopeId: z.string().nullable(),
  period: z.enum(LIMIT_PERIODS),
  limitMicros: z.number().int(),
  thresholds: z.array(z.number().int()),
  createdAt: z.string(),
});

// ── usage ───────────────────────────────────────────────────────────────────
const day = z.iso.date();
export const UsageQuerySchema = z.strictObject({
  from: day.optional().describe("first UTC day, inclusive (default: 30 days ago)"),
  to: day.optional().describe("last UTC day, inclusive (default: today)"),
});
const totals = { costMicros: z.number().int(), inputTokens: z.number().int(), outputTokens: z.number().int(), calls: z.number().int() };
export const UsageSchema = z.object({
  from: z.string(),
  to: z.string(),
  total: z.object(totals),
  byAgent: z.array(z.object({ agentId: z.string(), ...totals })),
  byTeam: z.array(z.object({ teamId: z.string().nullable(), ...totals })),
  byModel: z.array(z.object({ model: z.string(), ...totals })),
  byDay: z.array(z.object({ day: z.string(), ...totals })),
});

// ── OrgSpend Durable Object RPC ─────────────────────────────────────────────
/** Bounds well above any real context window, so cost arithmetic stays exact. */
export const MAX_TOKENS = 100_000_000;
const tokens = z.number().int().min(0).max(MAX_TOKENS);
export const SpendEstimateSchema = z.strictObject({ inputTokens: tokens, maxOutputTokens: tokens });
/** inputTokens includes cachedTokens (the cached part is billed at the cached price). */
export const SpendUsageSchema = z.strictObject({ inputTokens: tokens, outputTokens: tokens, cachedTokens: tokens });
export const OrgIdSchema = idOf(ID_PREFIX.org);
export const ReserveRequestSchema = z.strictObject({
  /** The org this DO serves; checked against the name it was created under. */
  orgId: OrgIdSchema,
  idempotencyKey: z.string().min(1).max(200),
  agentId: idOf(ID_PREFIX.agent),
  teamId: idOf(ID_PREFIX.team).nullable(),
  /** A subagent's parent: the call also counts against the parent's agent limits. */
  parentAgentId: idOf(ID_PREFIX.agent).nullable().optional(),
  /**
   * SHA-256 hex of the request the idempotency key stands for; the same key with another
   * fingerprint is refused (`key_reused`).
   */
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  model: ModelNameSchema.refine((m) => m !== FALLBACK_MODEL, { message: "not a model" }),
  estimate: SpendEstimateSchema,
  /**
   * A lease: hold up to this many calls of this size for the caller's isolate to draw from
   * without asking again. The object grants less (down to this one call) near a limit.
   */
  leaseCalls: z.number().int().min(1).max(64).optional(),
  /** The lease is for this spend shard of the org (workers/spend/shards.ts), told when limits change. */
  shard: z.number().int().min(0).max(63).optional(),
});
/** Most spend shards an org may have. */
export const MAX_SPEND_SHARDS = 64;
export const ReservationIdSchema = idOf(ID_PREFIX.reservation);
/** A model's price as the spend object applies it (returned with a lease, for the isolate's own arithmetic). */
export interface SpendPrice {
  inputMicrosPerMTok: number;
  outputMicrosPerMTok: number;
  cachedMicrosPerMTok: number | null;
}
/**
 * One settle: the whole reservation (no `call`), one call drawn from a lease (`call`: its id and
 * the part of the lease it held; the lease stays open), or the end of a lease (`close`: what is
 * left of it is released).
 */
export const SettleItemSchema = z.strictObject({
  reservationId: ReservationIdSchema,
  usage: SpendUsageSchema.nullable(),
  call: z.strictObject({ id: ReservationIdSchema, heldMicros: z.number().int().min(1).max(MAX_MICROS) }).optional(),
  close: z.literal(true).optional(),
});
export type SettleItem = z.infer<typeof SettleItemSchema>;

export type SpendEstimate = z.infer<typeof SpendEstimateSchema>;
export type SpendUsage = z.infer<typeof SpendUsageSchema>;
export type ReserveRequest = z.infer<typeof ReserveRequestSchema>;

export type ReserveResult =
  /** state "settled": this idempotency key was already charged; the caller must not bill it again. */
  | { ok: true; reservationId: string; reservedMicros: number; state: "open" | "settled"; price?: SpendPrice }
  /**
   * The key's call is still open (`in_progress`), ended without settling or releasing within the
   * reservation's lifetime so its outcome is unknown (`expired`), or stood for another request
   * (`key_reused`). Nothing was reserved; the caller must not call the provider.
   */
  | { ok: false; reason: "in_progress" }
  | { ok: false; reason: "expired" }
  /** The key's call reached the provider and failed: the key bought its one provider call. */
  | { ok: false; reason: "spent" }
  | { ok: false; reason: "key_reused" }
  | { ok: false; reason: "limit"; scope: LimitScope; scopeId: string | null; period: LimitPeriod; limitMicros: number; spentMicros: number }
  | { ok: false; reason: "unpriced_model"; model: string }
  /** The payload failed validation (a caller bug); nothing was reserved. */
  | { ok: false; reason: "invalid_request" };

export type SettleResult =
  | { ok: true; reservationId: string; chargedMicros: number; basis: "reported" | "reservation" | "lease" }
  | { ok: false; reason: "unknown_reservation" | "released" | "invalid_request" };

export interface StopEvent {
  seq: number;
  agentId: string;
  teamId: string | null;
  scope: LimitScope;
  scopeId: string | null;
  limitId: string;
  period: LimitPeriod;
  window: string;
  at: number;
}
