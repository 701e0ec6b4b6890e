// SCIM's own error format (RFC 7644 §3.12): {schemas, status (a string), scimType?, detail}.
// Every failure under /scim/v2 is answered in it; details name attributes, never values.
import { SCIM_ERROR_SCHEMA } from "../../schema/scim.js";
import { AppError } from "../errors.js";

export type ScimType = "invalidFilter" | "tooMany" | "uniqueness" | "mutability" | "invalidSyntax" | "invalidPath" | "noTarget" | "invalidValue";

export class ScimError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 501 | 503,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
  }
}

export const scimNotFound = (what: string) => new ScimError(404, `${what} not found`);
export const invalidSyntax = (detail: string) => new ScimError(400, detail, "invalidSyntax");
export const invalidValue = (detail: string) => new ScimError(400, detail, "invalidValue");
export const invalidPath = (detail: string) => new ScimError(400, detail, "invalidPath");

export function scimErrorResponse(error: unknown): Response {
  let scim: ScimError;
  if (error instanceof ScimError) scim = error;
  else if (error instanceof AppError && error.status < 500) scim = new ScimError(error.status as ScimError["status"], error.message);
  else {
    console.error("scim: unhandled error", { error: String(error), stack: (error as Error)?.stack });
    scim = new ScimError(500, "internal error");
  }
  const body = {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(scim.status),
    ...(scim.scimType ? { scimType: scim.scimType } : {}),
    detail: scim.message,
  };
  const headers = new Headers({ "content-type": "application/scim+json" });
  if (scim.status === 401) headers.set("www-authenticate", 'Bearer realm="scim"');
  return new Response(JSON.stringify(body), { status: scim.status, headers });
}
