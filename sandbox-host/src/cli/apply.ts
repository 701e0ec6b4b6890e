// `apply` and `delete -f` as three steps: documents validated (documents.ts), a plan computed
// against what the server holds (create / update / delete / unchanged, with a diff), then the
// plan executed in dependency order; if a write fails, the writes already made are undone in
// reverse order. Secrets are written last so that nothing after them can fail and need an undo
// that is impossible (a rewritten or deleted secret cannot be put back).
import { isDeepStrictEqual } from "node:util";
import { diffLines } from "diff";
import { stringify } from "yaml";
import { CredentialCreateSchema } from "../../../schema/credentials.js";
import type { Doc, Problem } from "./documents.js";
import { type Ctx, type KindDef, type Live, type Undo, ValueFromSchema, plain } from "./kinds.js";

export type Action = "create" | "update" | "delete" | "unchanged";

export interface Change {
  action: Action;
  kind: KindDef;
  name: string;
  doc?: Doc;
  live?: Live;
  /** The secret to write (credential creates, and updates under --rotate-secrets). */
  secret?: string;
  /** In a dry run: where the secret would be read from. */
  secretFrom?: string;
  /** `delete -f` of an object that does not exist. */
  missing?: true;
}

export interface PlanOptions {
  mode: "apply" | "delete";
  prune: boolean;
  rotateSecrets: boolean;
  dryRun: boolean;
  env: NodeJS.ProcessEnv;
  /** Reads standard input once, for the one credential whose secret comes from stdin. */
  readStdin: () => Promise<string>;
}

const secretValue = CredentialCreateSchema.shape.secret;

/** What `-f` documents do to the org: every problem is collected before anything is written. */
export async function plan(ctx: Ctx, docs: Doc[], options: PlanOptions): Promise<{ changes: Change[]; problems: Problem[] }> {
  const changes: Change[] = [];
  const problems: Problem[] = [];
  const kinds = [...new Set(docs.map((d) => d.kind))];
  const live = new Map<KindDef, Map<string, Live>>();
  for (const kind of kinds) {
    const items = await kind.list(ctx);
    live.set(kind, new Map(items.map((l) => [kind.key(l.name, l.spec), l])));
  }
  let stdinUsedAt: string | null = null;

  for (const doc of docs) {
    const current = live.get(doc.kind)?.get(doc.key);
    if (options.mode === "delete") {
      changes.push(
        current
          ? { action: "delete", kind: doc.kind, name: doc.key, doc, live: current }
          : { action: "unchanged", kind: doc.kind, name: doc.key, doc, missing: true },
      );
      continue;
    }
    const immutable = current && doc.kind.immutable?.(current, doc.spec);
    if (immutable) {
      problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: ${immutable}` });
      continue;
    }
    const same = current !== undefined && isDeepStrictEqual(doc.kind.comparable(doc.spec), doc.kind.comparable(current.spec));
    const writesSecret = doc.kind.kind === "Credential" && (current === undefined || options.rotateSecrets);
    const action: Action = current === undefined ? "create" : same && !writesSecret ? "unchanged" : "update";
    const change: Change = { action, kind: doc.kind, name: doc.key, doc, ...(current ? { live: current } : {}) };
    if (writesSecret && options.dryRun) {
      // A plan needs no secret (CI plans run without them); it says where the value will come from.
      const from = ValueFromSchema.parse(doc.spec.valueFrom);
      change.secretFrom = "env" in from ? `$${from.env}${options.env[from.env] ? "" : ", not set"}` : "stdin";
    } else if (writesSecret) {
      const from = ValueFromSchema.parse(doc.spec.valueFrom);
      let raw: string | undefined;
      if ("env" in from) {
        raw = options.env[from.env];
        if (raw === undefined || raw === "")
          problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: environment variable ${from.env} is not set` });
      } else if (stdinUsedAt !== null) {
        problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: only one credential can read stdin (${stdinUsedAt} does already)` });
      } else {
        stdinUsedAt = doc.at;
        raw = (await options.readStdin()).replace(/\r?\n$/, "");
      }
      if (raw !== undefined && raw !== "") {
        const checked = secretValue.safeParse(raw);
        // The message names the source only: the value is never echoed.
        if (!checked.success)
          problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: the secret value ${checked.error.issues[0]?.message ?? "is invalid"}` });
        else change.secret = checked.data;
      }
    }
    changes.push(change);
  }

  if (options.mode === "apply") {
    problems.push(...referenceProblems(ctx, docs));
    if (options.prune)
      for (const [kind, items] of live) {
        const wanted = new Set(docs.filter((d) => d.kind === kind).map((d) => d.key));
        for (const [key, l] of items) if (!wanted.has(key)) changes.push({ action: "delete", kind, name: key, live: l });
      }
  }
  return { changes: ordered(changes), problems };
}

/** Names a document refers to must exist on the server or be created by the same apply. */
function referenceProblems(ctx: Ctx, docs: Doc[]): Problem[] {
  const problems: Problem[] = [];
  const incoming = (kind: string) => new Set(docs.filter((d) => d.kind.kind === kind).map((d) => d.name));
  const teams = incoming("Team");
  const tools = incoming("Tool");
  const agents = incoming("Agent");
  const known = (scope: string, name: string) =>
    scope === "team"
      ? ctx.refs.ids.team.has(name) || teams.has(name)
      : scope === "project"
        ? ctx.refs.ids.project.has(name)
        : ctx.refs.ids.agent.has(name) || agents.has(name);
  for (const doc of docs) {
    const refs: [string, string][] = [];
    if (doc.kind.kind === "Agent") {
      if (typeof doc.spec.team === "string") refs.push(["team", doc.spec.team]);
      if (typeof doc.spec.project === "string") refs.push(["project", doc.spec.project]);
    }
    if (doc.kind.kind === "Limit") {
      if (typeof doc.spec.team === "string") refs.push(["team", doc.spec.team]);
      if (typeof doc.spec.agent === "string") refs.push(["agent", doc.spec.agent]);
    }
    if (doc.kind.kind === "Grant") {
      refs.push([String(doc.spec.scope), String(doc.spec.target)]);
      const tool = String(doc.spec.tool);
      if (!ctx.refs.ids.tool.has(tool) && !tools.has(tool))
        problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: no tool named ${tool}` });
    }
    if (doc.kind.kind === "Policy" && Array.isArray(doc.spec.attachments))
      for (const a of doc.spec.attachments as { scope: string; name?: string }[]) if (a.name !== undefined) refs.push([a.scope, a.name]);
    for (const [scope, name] of refs)
      if (!known(scope, name)) problems.push({ at: doc.at, reason: `${label(doc.kind, doc.key)}: no ${scope} named ${name}` });
  }
  return problems;
}

/**
 * Creates and updates in dependency order (teams and credentials before what names them), then
 * deletes in the reverse order; secret writes and deletes that cannot be undone last of all.
 */
function ordered(changes: Change[]): Change[] {
  const rank = (c: Change) => {
    if (c.action === "delete") return 2000 + (c.kind.finalDelete ? 500 : 0) - c.kind.order;
    return (c.secret !== undefined && c.action === "update" ? 1000 : 0) + c.kind.order;
  };
  return changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }) => c);
}

export const label = (kind: KindDef, name: string) => `${kind.kind.toLowerCase()}/${name}`;

function yamlOf(value: unknown): string {
  return value === undefined ? "" : stringify(value, { lineWidth: 0 });
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .filter((line, i, all) => line !== "" || i < all.length - 1)
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

/** The plan as a reader wants it: one line per object, and for changes what changes (a line diff of the spec). */
export function renderPlan(changes: Change[]): string {
  const out: string[] = [];
  for (const c of changes) {
    if (c.action === "unchanged") continue;
    if (c.action === "create") {
      out.push(`+ ${label(c.kind, c.name)} (create${c.secretFrom ? `, secret from ${c.secretFrom}` : ""})`);
      out.push(indent(yamlOf(plain(c.doc?.spec)), "  + "));
    } else if (c.action === "delete") {
      out.push(`- ${label(c.kind, c.name)} (delete)`);
    } else {
      const rewrite = c.secret !== undefined || c.secretFrom !== undefined;
      out.push(`~ ${label(c.kind, c.name)} (update${rewrite ? `, secret rewritten${c.secretFrom ? ` from ${c.secretFrom}` : ""}` : ""})`);
      for (const part of diffLines(yamlOf(c.kind.comparable(c.live?.spec ?? {})), yamlOf(c.kind.comparable(c.doc?.spec ?? {})))) {
        const mark = part.added ? "  + " : part.removed ? "  - " : null;
        if (mark) out.push(indent(part.value, mark));
      }
    }
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

export function summary(changes: Change[]): string {
  const count = (a: Action) => changes.filter((c) => c.action === a).length;
  return `${count("create")} to create, ${count("update")} to update, ${count("delete")} to delete, ${count("unchanged")} unchanged`;
}

export interface ExecuteResult {
  ok: boolean;
  lines: string[];
  error?: string;
}

const PAST: Record<Action, string> = { create: "created", update: "configured", delete: "deleted", unchanged: "unchanged" };

/** Runs the plan; on the first failure undoes what was done (newest first) and says what could not be undone. */
export async function execute(ctx: Ctx, changes: Change[]): Promise<ExecuteResult> {
  const done: { change: Change; undo: Undo }[] = [];
  const lines: string[] = [];
  for (const change of changes) {
    try {
      let undo: Undo = null;
      if (change.action === "create" && change.doc) undo = await change.kind.create(ctx, change.doc.name, change.doc.spec, change.secret);
      else if (change.action === "update" && change.doc && change.live)
        undo = await change.kind.update(ctx, change.live, change.doc.spec, change.secret);
      else if (change.action === "delete" && change.live) undo = await change.kind.remove(ctx, change.live);
      if (change.action !== "unchanged") done.push({ change, undo });
      lines.push(`${label(change.kind, change.name)} ${change.missing ? "not found" : PAST[change.action]}`);
    } catch (error) {
      const reason = `${label(change.kind, change.name)}: ${(error as Error).message}`;
      const rollback: string[] = [];
      for (const { change: applied, undo } of done.reverse()) {
        if (undo === null) {
          rollback.push(
            `${label(applied.kind, applied.name)} cannot be undone (${applied.action === "delete" ? "deleted" : "its secret was rewritten"})`,
          );
          continue;
        }
        try {
          await undo();
          rollback.push(`${label(applied.kind, applied.name)} rolled back`);
        } catch (undoError) {
          rollback.push(`${label(applied.kind, applied.name)} could not be rolled back: ${(undoError as Error).message}`);
        }
      }
      return { ok: false, lines: rollback, error: reason };
    }
  }
  return { ok: true, lines };
}
