// Reading the trail: query filters to row filters, seq cursors, the API view of a row, and
// NDJSON/CSV exports streamed page by page so large ranges never sit in memory.
import type { z } from "zod";
import type { AuditFilterSchema } from "../../schema/api.js";
import type { AuditData, AuditRow, AuditRowFilter } from "../data/audit-data.js";
import { iso } from "../data/db.js";
import { AppError } from "../errors.js";
import { base64ToBytes, bytesToBase64url } from "../identity/crypto.js";

type AuditFilterQuery = z.infer<typeof AuditFilterSchema>;

/** Converts validated query filters; an inverted time range is a 400. */
export function rowFilter(q: AuditFilterQuery): AuditRowFilter {
  const fromMs = q.from ? Date.parse(q.from) : undefined;
  const toMs = q.to ? Date.parse(q.to) : undefined;
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new AppError("bad_request", "from must not be after to");
  return {
    actorType: q.actorType,
    actorId: q.actorId,
    action: q.action,
    resourceType: q.resourceType,
    resourceId: q.resourceId,
    result: q.result,
    traceId: q.traceId,
    clientTraceId: q.clientTraceId,
    fromMs,
    toMs,
  };
}

const CURSOR_PREFIX = "s1:";

export function encodeSeqCursor(seq: number): string {
  return bytesToBase64url(new TextEncoder().encode(`${CURSOR_PREFIX}${seq}`));
}

/** The seq to continue after, or 400 for a cursor this API did not issue. */
export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(base64ToBytes(cursor));
  } catch {
    throw new AppError("bad_request", "invalid cursor");
  }
  const digits = text.startsWith(CURSOR_PREFIX) ? text.slice(CURSOR_PREFIX.length) : "";
  const seq = /^[1-9][0-9]{0,15}$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw new AppError("bad_request", "invalid cursor");
  return seq;
}

/** Details are stored as canonical JSON written by the AuditLog; anything else shows as null. */
function parseDetails(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : null;
  } catch {
    return null;
  }
}

export const auditEventView = (e: AuditRow) => ({
  id: e.id,
  orgId: e.orgId,
  seq: e.seq,
  ts: iso(e.ts),
  actor: { type: e.actorType, id: e.actorId },
  action: e.action,
  resource: { type: e.resourceType, id: e.resourceId },
  result: e.result,
  reason: e.reason,
  traceId: e.traceId,
  clientTraceId: e.clientTraceId,
  details: parseDetails(e.details),
  prevHash: e.prevHash,
  hash: e.hash,
});

export function auditPage(rows: AuditRow[], limit: number) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  const last = items.at(-1);
  return { items: items.map(auditEventView), nextCursor: more && last ? encodeSeqCursor(last.seq) : null };
}

/** Column order of CSV exports; also the field order of NDJSON lines (the stored form). */
export const EXPORT_COLUMNS = [
  "seq",
  "id",
  "orgId",
  "ts",
  "time",
  "actorType",
  "actorId",
  "action",
  "resourceType",
  "resourceId",
  "result",
  "reason",
  "traceId",
  "clientTraceId",
  "details",
  "prevHash",
  "hash",
] as const;

/** The stored form: exactly the hashed fields (details as its stored JSON text) plus a readable time. */
function exportRecord(e: AuditRow): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  return {
    seq: e.seq,
    id: e.id,
    orgId: e.orgId,
    ts: e.ts,
    time: iso(e.ts),
    actorType: e.actorType,
    actorId: e.actorId,
    action: e.action,
    resourceType: e.resourceType,
    resourceId: e.resourceId,
    result: e.result,
    reason: e.reason,
    traceId: e.traceId,
    clientTraceId: e.clientTraceId,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * One CSV field: quoted when it holds a delimiter, quote or line break; a leading = + - @ tab
 * or CR gets a ' prefix so spreadsheets show it as text instead of running it as a formula.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export type ExportFormat = "ndjson" | "csv";

export function exportLine(format: ExportFormat, row: AuditRow): string {
  const record = exportRecord(row);
  if (format === "ndjson") return `${JSON.stringify(record)}\n`;
  return `${EXPORT_COLUMNS.map((c) => csvField(record[c])).join(",")}\r\n`;
}

/** A byte stream that fetches the next page only when the reader asks for more. */
export function exportStream(store: AuditData, filter: AuditRowFilter, format: ExportFormat, pageSize = 500): ReadableStream<Uint8Array> {
  const pages = store.walk(filter, pageSize);
  const encoder = new TextEncoder();
  let header = format === "csv";
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (header) {
          header = false;
          controller.enqueue(encoder.encode(`${EXPORT_COLUMNS.join(",")}\r\n`));
          return;
        }
        try {
          const next = await pages.next();
          if (cancelled) return; // the reader went away while this page was loading
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value.map((row) => exportLine(format, row)).join("")));
        } catch (error) {
          console.error("audit export failed midway", { error: String(error) });
          controller.error(new Error("audit export failed"));
        }
      },
      async cancel() {
        cancelled = true;
        await pages.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
