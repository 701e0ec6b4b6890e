// Helpers for admin API route definitions: one router factory whose validation failures
// become contract errors, and shorthand for request/response declarations in the OpenAPI doc.
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { ErrorSchema } from "../../../schema/api.js";
import { AppError } from "../../errors.js";
import type { AppEnv } from "../../http/context.js";

export function adminRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
        const first = issues[0];
        throw new AppError("validation_failed", first ? `${first.path || "body"}: ${first.message}` : "invalid request", {
          details: { issues },
        });
      }
    },
  });
}

export const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const error = (description: string) => json(ErrorSchema, description);

/** The error answers every authenticated admin route may give. */
export const errors = {
  400: error("invalid input"),
  401: error("missing or invalid credentials"),
  403: error("not allowed for this caller"),
  404: error("not found, or not yours"),
} as const;

export const noContent = { description: "done" } as const;

export const security: Array<Record<string, string[]>> = [{ bearer: [] }, { session: [] }];

export const orgParams = z.object({ orgId: z.string() });
export const itemParams = <K extends string>(name: K) => orgParams.extend({ [name]: z.string() } as Record<K, z.ZodString>);
