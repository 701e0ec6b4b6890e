// The shared API schemas in the browser: their TypeScript types (type-only, from schema/) and
// their JSON Schemas (generated at build time), with a small validator so the dashboard checks
// what it sends and what it receives against the same contract the Worker enforces.
import type { z } from "zod";
import type * as Api from "../../schema/api.js";
import type * as Console from "../../schema/console.js";
import type * as Credentials from "../../schema/credentials.js";
import type * as Pii from "../../schema/pii.js";
import type * as Policy from "../../schema/policy.js";
import type * as Spend from "../../schema/spend.js";
import type * as Sso from "../../schema/sso.js";
import type * as Tools from "../../schema/tools.js";
import type * as Tunnel from "../../schema/tunnel.js";
import docs from "virtual:schemas";

// Every contract file of schema/ (the build bakes in all of them; add a new file here too).
type Exports = typeof Api &
  typeof Console &
  typeof Credentials &
  typeof Pii &
  typeof Policy &
  typeof Spend &
  typeof Sso &
  typeof Tools &
  typeof Tunnel;
/** Names of the zod schemas exported by schema/ (e.g. "TeamCreateSchema"). */
export type SchemaName = { [K in keyof Exports]: Exports[K] extends z.ZodType ? K : never }[keyof Exports];
export type Out<N extends SchemaName> = z.output<Exports[N]>;
export type In<N extends SchemaName> = z.input<Exports[N]>;

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  default?: unknown;
  description?: string;
}

export interface Issue {
  path: string;
  message: string;
}

export function jsonSchema(name: SchemaName, side: "input" | "output"): JsonSchema {
  const doc = docs[name];
  if (!doc) throw new Error(`schema ${name} is missing from the build`);
  return doc[side];
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Validates a value against the subset of JSON Schema that z.toJSONSchema produces for the API. */
export function validate(schema: JsonSchema, value: unknown, path = ""): Issue[] {
  const at = (message: string): Issue[] => [{ path, message }];
  if (schema.anyOf || schema.oneOf) {
    const options = schema.anyOf ?? schema.oneOf ?? [];
    const results = options.map((s) => validate(s, value, path));
    return results.some((r) => r.length === 0) ? [] : (results[0] ?? at("invalid value"));
  }
  if (schema.allOf) {
    const issues = schema.allOf.flatMap((s) => validate(s, value, path));
    if (issues.length) return issues;
  }
  if ("const" in schema && value !== schema.const) return at(`must be ${String(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) return at(`must be one of ${schema.enum.join(", ")}`);
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) return at(`expected ${types.join(" or ")}`);
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      return at(schema.minLength === 1 ? "required" : `must be at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return at(`must be at most ${schema.maxLength} characters`);
    if (schema.format === "email" && !EMAIL.test(value)) return at("must be an email address");
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) return at("must be a date and time");
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return at(`must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) return at(`must be at most ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) return at(`must be more than ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) return at(`must be less than ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return at(`needs at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return at(`allows at most ${schema.maxItems} items`);
    const items = schema.items;
    if (items) return value.flatMap((v, i) => validate(items, v, `${path}[${i}]`));
  }
  if (isRecord(value)) {
    const issues: Issue[] = [];
    const props = schema.properties ?? {};
    for (const key of schema.required ?? []) if (!(key in value)) issues.push({ path: join(path, key), message: "required" });
    for (const [key, v] of Object.entries(value)) {
      const sub = props[key];
      if (sub) issues.push(...validate(sub, v, join(path, key)));
      else if (schema.additionalProperties === false) issues.push({ path: join(path, key), message: "unknown field" });
      else if (isRecord(schema.additionalProperties)) issues.push(...validate(schema.additionalProperties, v, join(path, key)));
    }
    return issues;
  }
  return [];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** True when data matches the named schema (the browser's boundary check, no casts). */
export function conforms<N extends SchemaName>(name: N, side: "output", data: unknown): data is Out<N>;
export function conforms<N extends SchemaName>(name: N, side: "input", data: unknown): data is In<N>;
export function conforms(name: SchemaName, side: "input" | "output", data: unknown): boolean {
  return validate(jsonSchema(name, side), data).length === 0;
}
