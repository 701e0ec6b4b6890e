// PII categories, the policy `pii` block and per-org lists (shared by API, dashboard and engine), and the finding shape.
import { z } from "zod";

export const PII_CATEGORIES = [
  "email",
  "phone",
  "credit_card",
  "tax_id",
  "iban",
  "secret",
  "ip_address",
  "date_of_birth",
  "address",
  "person",
  "organization",
  "location",
] as const;

export type PiiCategory = (typeof PII_CATEGORIES)[number];

/** Categories the entity tagger finds (address also has pattern detectors: PO boxes). */
export const ENTITY_CATEGORIES: readonly PiiCategory[] = ["person", "organization", "location", "address"];

export const PiiActionSchema = z.enum(["mask", "redact", "block", "allow"]);
export type PiiAction = z.infer<typeof PiiActionSchema>;

/** The `pii` block of a policy: one action per category, plus restore and failMode. */
export const PiiPolicySchema = z
  .object({
    email: PiiActionSchema.optional(),
    phone: PiiActionSchema.optional(),
    credit_card: PiiActionSchema.optional(),
    tax_id: PiiActionSchema.optional(),
    iban: PiiActionSchema.optional(),
    secret: PiiActionSchema.optional(),
    ip_address: PiiActionSchema.optional(),
    date_of_birth: PiiActionSchema.optional(),
    address: PiiActionSchema.optional(),
    person: PiiActionSchema.optional(),
    organization: PiiActionSchema.optional(),
    location: PiiActionSchema.optional(),
    restore: z.boolean().optional(),
    failMode: z.enum(["closed", "open"]).optional(),
    /** ISO 3166 regions whose national phone formats are tried first (a broad default list follows). */
    phoneRegions: z
      .array(z.string().regex(/^[A-Z]{2}$/, "a two-letter region code such as FR"))
      .max(50)
      .optional(),
  })
  .strict();
export type PiiPolicy = z.infer<typeof PiiPolicySchema>;

/**
 * The other exits data leaves by: egress request bodies and query strings (`egress`), tool-call
 * arguments (`toolArguments`), and what MCP and HTTP tools return (`toolResults`).
 */
export const PII_EXITS = ["egress", "toolArguments", "toolResults"] as const;
export type PiiExit = (typeof PII_EXITS)[number];

/** On an exit the value cannot be masked and restored: it is either refused or let through (and audited). */
export const PiiExitActionSchema = z.enum(["block", "allow"]);
export type PiiExitAction = z.infer<typeof PiiExitActionSchema>;

/**
 * One exit's rules: an action per category (categories not named get `default`, itself "allow"
 * unless set), whether the categories found are audited (default true), and what happens when
 * the scan cannot complete (default "closed" when anything is blocked, else "open").
 */
export const PiiExitRuleSchema = z
  .object({
    email: PiiExitActionSchema.optional(),
    phone: PiiExitActionSchema.optional(),
    credit_card: PiiExitActionSchema.optional(),
    tax_id: PiiExitActionSchema.optional(),
    iban: PiiExitActionSchema.optional(),
    secret: PiiExitActionSchema.optional(),
    ip_address: PiiExitActionSchema.optional(),
    date_of_birth: PiiExitActionSchema.optional(),
    address: PiiExitActionSchema.optional(),
    person: PiiExitActionSchema.optional(),
    organization: PiiExitActionSchema.optional(),
    location: PiiExitActionSchema.optional(),
    default: PiiExitActionSchema.optional(),
    audit: z.boolean().optional(),
    failMode: z.enum(["closed", "open"]).optional(),
  })
  .strict();
export type PiiExitRule = z.infer<typeof PiiExitRuleSchema>;

/** The `piiExits` section of a policy: rules per exit; an exit not named is allowed and audited. */
export const PiiExitsSchema = z
  .object({
    egress: PiiExitRuleSchema.optional(),
    toolArguments: PiiExitRuleSchema.optional(),
    toolResults: PiiExitRuleSchema.optional(),
  })
  .strict();
export type PiiExits = z.infer<typeof PiiExitsSchema>;

/** Default action for a category the policy does not mention. */
export const DEFAULT_ACTION: PiiAction = "mask";

export function actionFor(policy: PiiPolicy, category: PiiCategory): PiiAction {
  return policy[category] ?? DEFAULT_ACTION;
}

/** Per-org lists: allow = never PII (exact, case-insensitive); deny = always PII of a category. */
export const PiiListsSchema = z
  .object({
    allow: z.array(z.string().min(1).max(256)).max(10_000).default([]),
    deny: z
      .array(z.object({ term: z.string().min(1).max(256), category: z.enum(PII_CATEGORIES) }).strict())
      .max(10_000)
      .default([]),
  })
  .strict();
export type PiiLists = z.input<typeof PiiListsSchema>;

/** A detected span, offsets in UTF-16 code units of the text given to detectPii. */
export interface PiiFinding {
  category: PiiCategory;
  start: number;
  end: number;
  /** Which detector found it (e.g. "email", "ssn", "aws_access_key"); never the value. */
  detector: string;
  /** Canonical form used to give equal values the same placeholder (e.g. E.164, digits only). */
  key: string;
}

/** What a detector returns, in normalised-text coordinates. */
export interface RawFinding {
  category: PiiCategory;
  start: number;
  end: number;
  detector: string;
  key?: string;
}
