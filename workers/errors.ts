// One error model: every failure is an AppError with a contract code; onError maps it to
// {"error": {"code", "message"}} with the status from one exhaustive table.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  csrf_failed: 403,
  policy_denied: 403,
  approval_denied: 403,
  approval_expired: 403,
  agent_suspended: 403,
  /** The org signs its members in through its identity provider only. */
  sso_required: 403,
  /** The org requires a second factor this session did not present. */
  mfa_required: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** An Idempotency-Key whose call is still running; retry later. */
  in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  pii_blocked: 422,
  /** An Idempotency-Key sent again with a different request. */
  idempotency_key_reused: 422,
  spend_limit: 429,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  unavailable: 503,
  upstream_timeout: 504,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/**
 * A failure with a public message. `details` must be safe to show the caller (field names,
 * categories), never values; `cause` is internal and only logged.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** Response headers that go with the error (e.g. Retry-After on 429). */
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options?: { details?: Record<string, unknown>; cause?: unknown; headers?: Record<string, string> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
    this.headers = options?.headers;
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFound = (what = "resource") => new AppError("not_found", `${what} not found`);
export const forbidden = (message = "you are not allowed to do this") => new AppError("forbidden", message);
export const unauthorized = (message = "missing or invalid credentials") => new AppError("unauthorized", message);
export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError("bad_request", message, details ? { details } : undefined);
export const conflict = (message: string) => new AppError("conflict", message);

export function errorResponse(error: AppError, headers?: HeadersInit): Response {
  const all = new Headers(error.headers);
  for (const [k, v] of new Headers(headers)) all.set(k, v);
  return Response.json(error.toBody(), { status: error.status, headers: all });
}
