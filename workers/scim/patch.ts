// SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's writable JSON form, in the forms Entra ID
// and Okta send: `op` in any case; with a path (`active`, `name.givenName`,
// `emails[type eq "work"].value`, `members[value eq "…"]`, `urn:…:User:department`) or without
// one (a value object of attributes). The caller validates the result with the same strict
// schema as PUT and writes it only if every operation applied, so a failed PATCH changes nothing.
import type { ScimPatch } from "../../schema/scim.js";
import { ScimError, invalidPath, invalidValue } from "./errors.js";

type Json = Record<string, unknown>;

interface ParsedPath {
  attribute: string;
  filter?: { attribute: string; value: string };
  sub?: string;
}

const PATH = /^([A-Za-z][A-Za-z0-9_-]*)(?:\[\s*([A-Za-z][A-Za-z0-9_-]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\])?(?:\.([A-Za-z][A-Za-z0-9_-]*))?$/i;

/**
 * Splits a path into attribute, optional `[x eq "v"]` filter and sub-attribute. A path prefixed
 * with a schema URN (`urn:…:User:department`) addresses that schema's attributes: the core
 * schema's prefix is dropped, an extension's becomes the attribute holding its object.
 */
function parsePath(raw: string, canonical: (name: string) => string, coreSchema: string): ParsedPath {
  let rest = raw;
  let extension: string | undefined;
  if (/^urn:/i.test(raw)) {
    const cut = raw.lastIndexOf(":");
    const urn = raw.slice(0, cut);
    rest = raw.slice(cut + 1);
    if (urn.toLowerCase() !== coreSchema.toLowerCase()) extension = urn;
  }
  const m = PATH.exec(rest);
  if (!m?.[1]) throw invalidPath("path is not a supported attribute path");
  if (extension) {
    if (m[2] || m[4]) throw invalidPath("path is not a supported attribute path");
    return { attribute: extension, sub: m[1] };
  }
  let value: string | undefined;
  if (m[2]) {
    try {
      value = JSON.parse(`"${m[3]}"`) as string;
    } catch {
      throw invalidPath("path filter value is not a valid string");
    }
  }
  return {
    attribute: canonical(m[1]),
    ...(m[2] && value !== undefined ? { filter: { attribute: m[2], value } } : {}),
    ...(m[4] ? { sub: m[4] } : {}),
  };
}

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Case-insensitive key lookup: SCIM attribute names are case-insensitive. */
function keyOf(obj: Json, name: string): string {
  return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

function matches(item: unknown, filter: { attribute: string; value: string }): boolean {
  if (!isObject(item)) return false;
  const v = item[keyOf(item, filter.attribute)];
  return typeof v === "string" && v.toLowerCase() === filter.value.toLowerCase();
}

/** Multi-valued members are identified by `value`: adding one already there changes nothing. */
function appendUnique(list: unknown[], items: unknown[]): unknown[] {
  const out = [...list];
  for (const item of items) {
    const id = isObject(item) ? item.value : undefined;
    if (id !== undefined && out.some((o) => isObject(o) && o.value === id)) continue;
    out.push(item);
  }
  return out;
}

export interface PatchTarget {
  /** The canonical spelling of a top-level attribute name (case-insensitive match), or the name as given. */
  canonical(name: string): string;
  /** Attributes that hold lists (emails, members…). */
  multiValued: ReadonlySet<string>;
  coreSchema: string;
}

/** Applies every operation to a copy of `resource` and returns it; throws a ScimError on the first that cannot apply. */
export function applyPatch(resource: Json, patch: ScimPatch, target: PatchTarget): Json {
  const doc: Json = structuredClone(resource);
  for (const operation of patch.Operations) {
    const { op, path, value } = operation;
    if (path === undefined) {
      if (op === "remove") throw new ScimError(400, "remove needs a path", "noTarget");
      if (!isObject(value)) throw invalidValue("an operation without a path needs an object value");
      for (const [rawKey, v] of Object.entries(value)) {
        // Okta and Entra ID may send a path-like key ("name.givenName") inside a pathless value.
        applyOne(doc, op, parsePath(rawKey, target.canonical, target.coreSchema), v, target);
      }
      continue;
    }
    applyOne(doc, op, parsePath(path, target.canonical, target.coreSchema), value, target);
  }
  return doc;
}

function applyOne(doc: Json, op: "add" | "replace" | "remove", path: ParsedPath, value: unknown, target: PatchTarget) {
  const attr = keyOf(doc, path.attribute);
  const multi = target.multiValued.has(path.attribute);

  if (path.filter) {
    if (!multi) throw invalidPath(`${path.attribute} is not multi-valued`);
    const list = Array.isArray(doc[attr]) ? (doc[attr] as unknown[]) : [];
    const filter = path.filter;
    if (op === "remove") {
      doc[attr] = list.filter((item) => !matches(item, filter));
      return;
    }
    const hit = list.filter((item) => matches(item, filter));
    if (path.sub) {
      const sub = path.sub;
      if (hit.length === 0) {
        // Entra ID sets emails[type eq "work"].value on a user that has no work e-mail yet.
        doc[attr] = [...list, { [filter.attribute]: filter.value, [sub]: value }];
        return;
      }
      for (const item of hit) if (isObject(item)) item[keyOf(item, sub)] = value;
      doc[attr] = list;
      return;
    }
    if (!isObject(value)) throw invalidValue(`${path.attribute} needs an object value`);
    if (hit.length === 0) throw invalidPath(`no ${path.attribute} value matches the path filter`);
    doc[attr] = list.map((item) => (matches(item, filter) && isObject(item) ? { ...item, ...value } : item));
    return;
  }

  if (path.sub) {
    const parent = isObject(doc[attr]) ? (doc[attr] as Json) : {};
    if (op === "remove") delete parent[keyOf(parent, path.sub)];
    else parent[keyOf(parent, path.sub)] = value;
    doc[attr] = parent;
    return;
  }

  if (op === "remove") {
    if (multi && Array.isArray(value)) {
      // Entra ID removes group members as {path: "members", value: [{value: id}]}.
      const ids = new Set(value.map((v) => (isObject(v) ? v.value : undefined)));
      doc[attr] = (Array.isArray(doc[attr]) ? (doc[attr] as unknown[]) : []).filter((item) => !(isObject(item) && ids.has(item.value)));
      return;
    }
    delete doc[attr];
    return;
  }
  if (multi && op === "add") {
    const items = Array.isArray(value) ? value : [value];
    doc[attr] = appendUnique(Array.isArray(doc[attr]) ? (doc[attr] as unknown[]) : [], items);
    return;
  }
  if (op === "add" && isObject(value) && isObject(doc[attr])) {
    doc[attr] = { ...(doc[attr] as Json), ...value };
    return;
  }
  doc[attr] = value;
}
