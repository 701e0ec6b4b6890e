// SCIM list filters (RFC 7644 §3.4.2.2) as identity providers send them to find a resource
// before creating it: one `<attribute> eq "<value>"` comparison; anything else is invalidFilter.
import { ScimError } from "./errors.js";

export interface EqFilter {
  attribute: string;
  value: string;
}

const EQ = /^\s*([A-Za-z][A-Za-z0-9._:-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

/** Parses the filter; `attributes` maps each filterable attribute (lower case) to its canonical name. */
export function parseEqFilter(raw: string | undefined, attributes: Record<string, string>): EqFilter | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const match = EQ.exec(raw);
  const attribute = match?.[1] ? attributes[match[1].toLowerCase()] : undefined;
  if (!match || !attribute) {
    throw new ScimError(400, `filter must be one of: ${Object.values(attributes).join(", ")} eq "value"`, "invalidFilter");
  }
  let value: string;
  try {
    value = JSON.parse(`"${match[2]}"`) as string;
  } catch {
    throw new ScimError(400, "filter value is not a valid string", "invalidFilter");
  }
  return { attribute, value };
}

/** SCIM paging: startIndex is 1-based (values below 1 mean 1), count is capped (negative means 0). */
export function paging(startIndex: number | undefined, count: number | undefined, max: number) {
  const start = Math.max(1, startIndex ?? 1);
  const take = Math.min(max, Math.max(0, count ?? max));
  return { startIndex: start, offset: start - 1, count: take };
}
