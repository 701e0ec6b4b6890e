// The trace of the request being served. The platform always mints its own trace id; a caller's
// x-palisade-trace-id is kept only as the separate, labelled client trace id (when well-formed),
// so no caller can file its events under someone else's trace. Audit events recorded while a
// request is served carry both without each call site passing them.
import { AsyncLocalStorage } from "node:async_hooks";

export const TRACE_HEADER = "x-palisade-trace-id";
/** What a client may send as its own trace id; anything else is not recorded. */
export const CLIENT_TRACE_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

export interface RequestTrace {
  /** Minted by the platform for this request. */
  traceId: string;
  /** The caller's own x-palisade-trace-id, validated; never used as the trace id. */
  clientTraceId: string | null;
}

const storage = new AsyncLocalStorage<RequestTrace>();

export function newTrace(clientHeader: string | null | undefined): RequestTrace {
  const given = clientHeader?.trim();
  return { traceId: crypto.randomUUID(), clientTraceId: given && CLIENT_TRACE_PATTERN.test(given) ? given : null };
}

/** Runs `fn` (the rest of the request) with `trace` as the current trace. */
export function withTrace<T>(trace: RequestTrace, fn: () => T): T {
  return storage.run(trace, fn);
}

/** The trace of the request this code runs for, or undefined outside one (alarms, RPC from another object). */
export function currentTrace(): RequestTrace | undefined {
  return storage.getStore();
}
