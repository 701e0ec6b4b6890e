// The trace of the request being served. The platform always mints its own trace id; a caller's
// x-palisade-trace-id is kept only as the separate, labelled client trace id (when well-formed),
// so no caller can file its events under someone else's trace; a value without a standard id
// shape is kept only as a keyed hash (workers/audit/client-trace.ts), so a card number or a token
// in it is never stored. Audit
// events recorded while a request is served carry both without each call site passing them.
import { AsyncLocalStorage } from "node:async_hooks";
import { clientTraceIdOf } from "../audit/client-trace.js";

export const TRACE_HEADER = "x-palisade-trace-id";

export interface RequestTrace {
  /** Minted by the platform for this request. */
  traceId: string;
  /** The caller's own x-palisade-trace-id, validated (verbatim or hashed); never used as the trace id. */
  clientTraceId: string | null;
}

const storage = new AsyncLocalStorage<RequestTrace>();

export async function newTrace(env: Pick<Env, "SESSION_SIGNING_KEY">, clientHeader: string | null | undefined): Promise<RequestTrace> {
  return { traceId: crypto.randomUUID(), clientTraceId: await clientTraceIdOf(env, clientHeader) };
}

/** The same trace without the caller's own id: for events an unauthenticated caller causes in an org it proved nothing about. */
export function withoutClientTrace<T>(fn: () => T): T {
  const trace = storage.getStore();
  return trace ? storage.run({ ...trace, clientTraceId: null }, fn) : fn();
}

/** Runs `fn` (the rest of the request) with `trace` as the current trace. */
export function withTrace<T>(trace: RequestTrace, fn: () => T): T {
  return storage.run(trace, fn);
}

/** The trace of the request this code runs for, or undefined outside one (alarms, RPC from another object). */
export function currentTrace(): RequestTrace | undefined {
  return storage.getStore();
}
