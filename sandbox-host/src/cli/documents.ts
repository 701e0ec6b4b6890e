// Reading `apply -f` input: YAML or JSON files (multi-document YAML, whole directories), each
// document checked against its kind's schema, every problem reported as file:line and reason.
// The `yaml` package keeps source positions on every node, so a zod issue path maps to a line.
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type Document, LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { z } from "zod";
import { detectSecrets } from "../../../workers/pii/detectors/secrets.js";
import type { RawFinding } from "../../../workers/pii/types.js";
import { API_VERSION, KINDS, type KindDef, kindByWord } from "./kinds.js";

export interface Doc {
  kind: KindDef;
  name: string;
  spec: Record<string, unknown>;
  key: string;
  /** file:line of the document, for messages. */
  at: string;
}

export interface Problem {
  at: string;
  reason: string;
}

const MAX_FILE_BYTES = 4 * 1024 * 1024;
const DOCUMENT_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
const NAME = z.string().trim().min(1).max(200);

const EnvelopeSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
  kind: z.string(),
  metadata: z.strictObject({ name: NAME }),
  spec: z.unknown().optional(),
  // Read-only fields `get` may show; apply ignores them by design.
  status: z.unknown().optional(),
});

/** Fields that would carry a secret in the document itself; the reason says what to write instead. */
const SECRET_FIELDS = /^(secret|value|password|apiKey|api_key|token|privateKey|clientSecret)$/i;
const SECRET_REASON = "a secret is never read from a file: use valueFrom: {env: NAME} or {stdin: true}";

/** The files `-f` names: the file itself, or the .yaml/.yml/.json files of a directory tree, in name order. */
export async function documentFiles(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => null);
  if (info === null) throw new Error(`${target}: no such file or directory`);
  if (info.isFile()) return [target];
  const out: string[] = [];
  for (const entry of (await readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) out.push(...(await documentFiles(full)));
    else if (entry.isFile() && DOCUMENT_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) out.push(full);
  }
  return out;
}

type Segment = string | number;

/** The line of the node at `segments` (the key's line for a map entry), or of the deepest node found. */
function lineOf(doc: Document, counter: LineCounter, segments: readonly Segment[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = (item as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return counter.linePos(offset).line;
}

/** Every string value with its path: where a pasted secret would sit. */
function* strings(value: unknown, at: Segment[] = []): Generator<[Segment[], string, string | undefined]> {
  if (typeof value === "string") yield [at, value, undefined];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, [...at, i]);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") yield [[...at, k], v, k];
      else yield* strings(v, [...at, k]);
    }
}

/** Query parameter names that carry a credential (api_key, access_token, X-Amz-Signature, sig, auth…). */
const CREDENTIAL_PARAM =
  /(^|[_.-])(key|apikey|token|secret|password|passwd|pwd|pass|sig|signature|auth|authorization|credentials?|session|jwt|bearer)$|token|secret|passw|api_?key|signature|credential/i;
const QUERY_REASON = "a credential is never part of a URL in a file: store it as a Credential (valueFrom) and let the edge inject it";

/** The reason a URL-looking string carries a credential in its user info or query, never quoting the value. */
function urlSecretReason(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.password !== "") return `the URL has a password in its user info; ${QUERY_REASON}`;
  for (const [name, param] of url.searchParams) {
    if (CREDENTIAL_PARAM.test(name)) return `the URL's query parameter ${JSON.stringify(name.slice(0, 40))} carries a credential; ${QUERY_REASON}`;
    const findings: RawFinding[] = [];
    detectSecrets(param, findings, { entropyThreshold: 3.5 });
    if (findings[0]) return `a value in the URL's query looks like a secret (${findings[0].detector}); ${QUERY_REASON}`;
  }
  return undefined;
}

function secretProblems(spec: unknown): { path: Segment[]; reason: string }[] {
  const out: { path: Segment[]; reason: string }[] = [];
  for (const [at, value, key] of strings(spec)) {
    if (key !== undefined && SECRET_FIELDS.test(key)) {
      out.push({ path: at, reason: `${key}: ${SECRET_REASON}` });
      continue;
    }
    const inUrl = urlSecretReason(value);
    if (inUrl) {
      out.push({ path: at, reason: `${at.join(".")}: ${inUrl}` });
      continue;
    }
    const findings: RawFinding[] = [];
    detectSecrets(value, findings, { entropyThreshold: 4.0 });
    const finding = findings[0];
    if (finding) out.push({ path: at, reason: `${at.join(".")} looks like a secret (${finding.detector}); ${SECRET_REASON}` });
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")}`;
  const field = issue.path.join(".");
  return field === "" ? issue.message : `${field}: ${issue.message}`;
}

/** The issue's path as document segments (the unknown key itself for an unknown field). */
function segmentsOf(issue: z.core.$ZodIssue): Segment[] {
  const path = issue.path.filter((p): p is Segment => typeof p !== "symbol");
  return issue.code === "unrecognized_keys" ? [...path, issue.keys[0] ?? ""] : path;
}

/** One document's envelope, kind, secrets, name and spec; `at` turns a path into file:line. */
function checkDocument(value: unknown, at: (segments: readonly Segment[]) => string): Doc | { problems: Problem[] } {
  const problems: Problem[] = [];
  const envelope = EnvelopeSchema.safeParse(value);
  if (!envelope.success) return { problems: envelope.error.issues.map((issue) => ({ at: at(segmentsOf(issue)), reason: issueMessage(issue) })) };
  const kind = kindByWord(envelope.data.kind);
  if (!kind)
    return { problems: [{ at: at(["kind"]), reason: `unknown kind ${envelope.data.kind} (one of ${KINDS.map((k) => k.kind).join(", ")})` }] };
  const secrets = (["metadata", "spec", "status"] as const).flatMap((field) =>
    secretProblems(envelope.data[field]).map((s) => ({ at: at([field, ...s.path]), reason: s.reason })),
  );
  if (secrets.length > 0) return { problems: secrets };
  const name = (kind.nameSchema ?? NAME).safeParse(envelope.data.metadata.name);
  if (!name.success) problems.push({ at: at(["metadata", "name"]), reason: `metadata.name: ${name.error.issues[0]?.message ?? "invalid"}` });
  const spec = kind.spec.safeParse(envelope.data.spec ?? {});
  if (!spec.success)
    for (const issue of spec.error.issues) problems.push({ at: at(["spec", ...segmentsOf(issue)]), reason: `spec.${issueMessage(issue)}` });
  if (!name.success || !spec.success) return { problems };
  return { kind, name: name.data, spec: spec.data, key: kind.key(name.data, spec.data), at: at([]) };
}

/** Parses and validates every document of every file; returns the documents, or every problem found. */
export async function loadDocuments(targets: string[]): Promise<{ docs: Doc[]; problems: Problem[] }> {
  const docs: Doc[] = [];
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const target of targets) {
    try {
      files.push(...(await documentFiles(target)));
    } catch (error) {
      problems.push({ at: target, reason: (error as Error).message.replace(`${target}: `, "") });
    }
  }
  for (const file of files) {
    const text = await readFile(file, "utf8");
    if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
      problems.push({ at: `${file}:1`, reason: `larger than ${MAX_FILE_BYTES} bytes` });
      continue;
    }
    const counter = new LineCounter();
    const parsed = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
    const all = Array.isArray(parsed) ? parsed : [];
    if (!Array.isArray(parsed)) problems.push({ at: `${file}:1`, reason: "not a YAML or JSON document stream" });
    for (const doc of all) {
      const at = (segments: readonly Segment[]) => `${file}:${lineOf(doc, counter, segments)}`;
      if (doc.errors.length > 0) {
        for (const error of doc.errors)
          problems.push({ at: `${file}:${counter.linePos(error.pos[0]).line}`, reason: error.message.split("\n")[0] ?? "invalid YAML" });
        continue;
      }
      if (doc.contents === null) continue; // an empty document (a trailing `---`)
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (error) {
        // yaml throws a ReferenceError past maxAliasCount (an alias bomb); anything else is a bug.
        if (!(error instanceof ReferenceError)) throw error;
        problems.push({ at: `${file}:${counter.linePos(doc.range[0]).line}`, reason: "too many YAML aliases" });
        continue;
      }
      // A JSON array (what `get -o json` prints for a list) holds one document per item.
      const items: [unknown, Segment[]][] = Array.isArray(value) ? value.map((v, i) => [v, [i]]) : [[value, []]];
      for (const [item, prefix] of items) {
        const checked = checkDocument(item, (segments) => at([...prefix, ...segments]));
        if ("problems" in checked) problems.push(...checked.problems);
        else docs.push(checked);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const d of docs) {
    const id = `${d.kind.kind}/${d.key}`;
    const first = seen.get(id);
    if (first) problems.push({ at: d.at, reason: `${d.kind.kind.toLowerCase()}/${d.key} is also defined at ${first}` });
    else seen.set(id, d.at);
  }
  return { docs, problems };
}
