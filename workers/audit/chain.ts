// The hash chain: the canonical form of an event, its SHA-256, and a walker that checks a run of
// stored events link by link. The exact form is documented in docs/audit.md for offline checks.
import { createHash } from "node:crypto";

/** prev_hash of an org's first event. */
export const GENESIS_HASH = "0".repeat(64);
export const CANONICAL_VERSION = "palisade-audit-v1";
/** The form of events that carry a client trace id: v1 with clientTraceId after traceId. */
export const CANONICAL_VERSION_CLIENT_TRACE = "palisade-audit-v2";

/** The fields the hash covers, exactly as stored in D1 (details is its stored JSON text). */
export interface ChainedFields {
  seq: number;
  id: string;
  orgId: string;
  ts: number;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  result: string;
  reason: string | null;
  traceId: string | null;
  clientTraceId: string | null;
  details: string | null;
  prevHash: string;
}

/**
 * JSON text of a fixed-order array: unambiguous, and reproducible with any JSON library. An event
 * without a client trace id keeps the v1 form (so chains written before it verify unchanged); one
 * with it uses v2. The row itself says which form applies, and either edit (adding or dropping the
 * client trace id) changes the hash.
 */
export function canonicalForm(e: ChainedFields): string {
  if (e.clientTraceId !== null) {
    return JSON.stringify([
      CANONICAL_VERSION_CLIENT_TRACE,
      e.seq,
      e.id,
      e.orgId,
      e.ts,
      e.actorType,
      e.actorId,
      e.action,
      e.resourceType,
      e.resourceId,
      e.result,
      e.reason,
      e.traceId,
      e.clientTraceId,
      e.details,
      e.prevHash,
    ]);
  }
  return JSON.stringify([
    CANONICAL_VERSION,
    e.seq,
    e.id,
    e.orgId,
    e.ts,
    e.actorType,
    e.actorId,
    e.action,
    e.resourceType,
    e.resourceId,
    e.result,
    e.reason,
    e.traceId,
    e.details,
    e.prevHash,
  ]);
}

/** Synchronous on purpose: the AuditLog assigns seq and hash without yielding between them. */
export function eventHash(e: ChainedFields): string {
  return createHash("sha256").update(canonicalForm(e), "utf8").digest("hex");
}

export type ChainProblem = "missing" | "hash_mismatch" | "link_mismatch" | "unexpected";
export interface ChainBreak {
  seq: number;
  id: string | null;
  problem: ChainProblem;
}

/** Checks stored events in seq order against the expected next seq and previous hash. */
export class ChainWalker {
  checked = 0;
  broken: ChainBreak | null = null;

  constructor(
    private nextSeq: number,
    private prevHash: string,
  ) {}

  /** Feeds the next page; returns false once a break was found (later rows are not judged). */
  feed(rows: Array<ChainedFields & { hash: string }>): boolean {
    for (const row of rows) {
      if (this.broken) return false;
      if (row.seq !== this.nextSeq) {
        // A row before the expected seq cannot exist in a gapless chain; a later one means gaps.
        this.broken =
          row.seq > this.nextSeq ? { seq: this.nextSeq, id: null, problem: "missing" } : { seq: row.seq, id: row.id, problem: "unexpected" };
        return false;
      }
      if (row.prevHash !== this.prevHash) {
        this.broken = { seq: row.seq, id: row.id, problem: "link_mismatch" };
        return false;
      }
      this.checked++;
      if (eventHash(row) !== row.hash) {
        this.broken = { seq: row.seq, id: row.id, problem: "hash_mismatch" };
        return false;
      }
      this.nextSeq = row.seq + 1;
      this.prevHash = row.hash;
    }
    return !this.broken;
  }

  /** After the last page: every seq up to the head must have been seen, ending on its hash. */
  finish(head: { seq: number; hash: string }): ChainBreak | null {
    if (this.broken) return this.broken;
    if (this.nextSeq <= head.seq) this.broken = { seq: this.nextSeq, id: null, problem: "missing" };
    else if (this.nextSeq - 1 > head.seq) this.broken = { seq: head.seq + 1, id: null, problem: "unexpected" };
    else if (this.prevHash !== head.hash) this.broken = { seq: head.seq, id: null, problem: "hash_mismatch" };
    return this.broken;
  }
}

/** Canonical JSON of details: keys sorted at every level, so the stored text is reproducible. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
