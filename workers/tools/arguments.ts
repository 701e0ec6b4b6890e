// Tool arguments checked against the tool's JSON Schema with @cfworker/json-schema (no eval, runs in workerd).
import { Validator } from "@cfworker/json-schema";
import { z } from "zod";

/** Serialized arguments above this are refused before validation. */
export const MAX_ARGUMENT_BYTES = 64 * 1024;

const SchemaObject = z.record(z.string(), z.unknown());
const cache = new Map<string, Validator>();

function validatorFor(schemaJson: string): Validator {
  const hit = cache.get(schemaJson);
  if (hit) return hit;
  const parsed = SchemaObject.parse(JSON.parse(schemaJson));
  const validator = new Validator(parsed, "2020-12", false);
  if (cache.size > 500) cache.clear();
  cache.set(schemaJson, validator);
  return validator;
}

/** Null when the schema compiles and can run; otherwise why not (for the admin creating the tool). */
export function schemaProblem(schema: Record<string, unknown>): string | null {
  try {
    new Validator(schema, "2020-12", false).validate({});
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.slice(0, 200) : "the schema cannot be compiled";
  }
}

export type ArgumentCheck = { ok: true } | { ok: false; reason: "too_large" | "schema_mismatch"; issues: Array<{ at: string; keyword: string }> };

/**
 * Checks arguments; issues name where and which keyword failed, never the offending values
 * (arguments may carry personal data or secrets).
 */
export function checkArguments(schemaJson: string | null, args: Record<string, unknown>): ArgumentCheck {
  if (new TextEncoder().encode(JSON.stringify(args)).byteLength > MAX_ARGUMENT_BYTES) return { ok: false, reason: "too_large", issues: [] };
  if (schemaJson === null) return { ok: true };
  const result = validatorFor(schemaJson).validate(args);
  if (result.valid) return { ok: true };
  const issues = result.errors
    .filter((e) => e.keyword !== "properties" && e.keyword !== "$ref" && e.keyword !== "allOf")
    .slice(0, 10)
    .map((e) => ({ at: e.instanceLocation, keyword: e.keyword }));
  return { ok: false, reason: "schema_mismatch", issues: issues.length ? issues : [{ at: "#", keyword: "schema" }] };
}
