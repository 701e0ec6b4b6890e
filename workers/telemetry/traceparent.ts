// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent header read from a
// caller and written to upstreams, and the random ids of new traces and spans.
import { bytesToHex, randomBytes } from "../identity/crypto.js";

export const TRACEPARENT_HEADER = "traceparent";

export interface SpanContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The caller's span context, or null for a missing or malformed header. Version ff and all-zero
 * ids are invalid; version 00 has exactly four fields; a later version may carry more.
 */
export function parseTraceparent(header: string | null | undefined): SpanContext | null {
  const match = TRACEPARENT.exec(header?.trim() ?? "");
  if (!match) return null;
  const [, version, traceId, spanId, , rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  if (!traceId || !spanId || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId };
}

/** The header naming `spanId` as the parent of what the receiver does; sampled, since only recorded spans are forwarded. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-01`;
}

export const newTraceId = () => bytesToHex(randomBytes(16));
export const newSpanId = () => bytesToHex(randomBytes(8));
