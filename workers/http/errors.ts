// The one error boundary: AppErrors keep their code; framework errors are mapped; anything else
// is a 500 with a generic message while the cause goes to the log.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, type ErrorCode } from "../errors.js";

const FROM_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    const code = FROM_STATUS[error.status];
    if (code) {
      const message = /json/i.test(error.message) ? "request body is not valid JSON" : error.message || code.replaceAll("_", " ");
      return new AppError(/json/i.test(error.message) ? "invalid_json" : code, message);
    }
  }
  return new AppError("internal", "internal error", { cause: error });
}

export function handleError(error: unknown, c: Context): Response {
  const appError = toAppError(error);
  if (appError.code === "internal") {
    console.error("unhandled error", { path: new URL(c.req.url).pathname, error: String(error), stack: (error as Error)?.stack });
  }
  return c.json(appError.toBody(), appError.status, appError.headers);
}
