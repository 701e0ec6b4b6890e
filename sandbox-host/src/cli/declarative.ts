// The kubectl-style commands: login, get, describe, apply -f, delete -f, explain agent, audit tail.
// Each parses its arguments, calls the admin API through client.ts, and prints table, JSON or YAML.
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { z } from "zod";
import { AuditEventSchema, LoginResponseSchema, MeSchema } from "../../../schema/api.js";
import { EgressDecisionSchema } from "../../../schema/policy.js";
import { execute, label, plan, renderPlan, summary } from "./apply.js";
import { Api, CliError, checkEdgeTransport, table } from "./client.js";
import { connect, writeConfig } from "./config.js";
import { loadDocuments } from "./documents.js";
import { type Io, readAll } from "./io.js";
import { API_VERSION, KINDS, type KindDef, type Live, Refs, kindByWord } from "./kinds.js";

const KIND_WORDS = KINDS.map((k) => k.plural).join(", ");

export const DECLARATIVE_USAGE = `usage (policies as code; see README "Policies as code"):
  palisade login --edge URL [--org ORG] [--insecure-http] (--api-key-stdin | --email EMAIL --password-stdin)
      stores the edge and an admin API key (or a session) in $XDG_CONFIG_HOME/palisade/config.json (0600);
      the key or password comes from stdin, or PALISADE_API_KEY / PALISADE_PASSWORD
  palisade get <kind> [name] [-o table|json|yaml]      kinds: ${KIND_WORDS}
  palisade describe <kind> [name] [-o yaml|json]
  palisade apply -f FILE|DIR [-f …] [--dry-run] [--prune [--yes]] [--rotate-secrets]
      YAML/JSON documents {apiVersion: ${API_VERSION}, kind, metadata: {name}, spec}; all or nothing;
      a credential's secret comes from spec.valueFrom {env: NAME} or {stdin: true}, never the file
  palisade delete -f FILE|DIR [--dry-run]
  palisade explain agent NAME METHOD URL [-o table|json|yaml]
  palisade audit tail [-f] [-n 20] [--since 1h] [--action A] [--result R] [--interval 2] [-o table|json|yaml]`;

const FormatSchema = z.enum(["table", "json", "yaml"]);
type Format = z.infer<typeof FormatSchema>;

const OUTPUT = { output: { type: "string", short: "o" } } as const;

/** Runs node's parseArgs, turning its errors into usage errors. */
function parsing<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new CliError(2, e instanceof Error ? e.message : String(e));
  }
}

function format(raw: unknown, fallback: Format, allowed: readonly Format[] = ["table", "json", "yaml"]): Format {
  const parsed = FormatSchema.safeParse(raw ?? fallback);
  if (!parsed.success || !allowed.includes(parsed.data)) throw new CliError(2, `-o must be ${allowed.join(", ")}`);
  return parsed.data;
}

/** A live object as a document `apply` accepts unchanged. */
function documentOf(kind: KindDef, live: Live) {
  return { apiVersion: API_VERSION, kind: kind.kind, metadata: { name: live.name }, spec: live.spec };
}

const yamlStream = (docs: unknown[]) => docs.map((d) => `---\n${stringify(d, { lineWidth: 0 })}`).join("");

// ── login ───────────────────────────────────────────────────────────────────
// Accepted like `docker login -p`, for scripts that cannot pipe; said out loud because argv is public.
const ARGV_SECRET_WARNING = "a secret on the command line is visible to other users of this machine and in shell history; prefer stdin";
export async function login(argv: string[], io: Io): Promise<number> {
  const env = io.env ?? process.env;
  const { values, positionals } = parsing(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...OUTPUT,
        edge: { type: "string" },
        org: { type: "string" },
        email: { type: "string" },
        "api-key-stdin": { type: "boolean" },
        "password-stdin": { type: "boolean" },
        "api-key": { type: "string" },
        password: { type: "string" },
        "insecure-http": { type: "boolean" },
      },
    }),
  );
  if (positionals.length > 0) throw new CliError(2, `unexpected argument ${positionals[0]}`);
  const edgeRaw = values.edge ?? env.PALISADE_EDGE;
  const edge = z.url({ protocol: /^https?$/ }).safeParse(edgeRaw);
  if (!edge.success) throw new CliError(2, "--edge must be the edge's http(s) URL");
  const base = edge.data.replace(/\/+$/, "");
  const insecureHttp = values["insecure-http"] === true;
  checkEdgeTransport(base, insecureHttp, (line) => io.stderr.write(line));
  let token: string;
  let kind: "api-key" | "session";
  let expiresAt: string | undefined;
  if (values.email !== undefined) {
    if (values["api-key-stdin"]) throw new CliError(2, "--email and --api-key-stdin exclude each other");
    if (values.password !== undefined) io.stderr.write(`palisade: warning: ${ARGV_SECRET_WARNING} (--password-stdin)\n`);
    const password = values["password-stdin"] ? (await readAll(io.stdin)).replace(/\r?\n$/, "") : (values.password ?? env.PALISADE_PASSWORD);
    if (!password) throw new CliError(2, "give the password on stdin with --password-stdin, or in PALISADE_PASSWORD");
    const session = await new Api(base, "")
      .call("POST", "/api/v1/login", LoginResponseSchema, { email: values.email, password })
      .catch((e: unknown) => {
        throw new CliError(1, `login refused: ${e instanceof Error ? e.message.replace(/^POST \S+ failed: /, "") : String(e)}`);
      });
    token = session.token;
    kind = "session";
    expiresAt = session.expiresAt;
  } else {
    if (values["api-key"] !== undefined) io.stderr.write(`palisade: warning: ${ARGV_SECRET_WARNING} (--api-key-stdin)\n`);
    const key = values["api-key-stdin"] ? (await readAll(io.stdin)).trim() : (values["api-key"] ?? env.PALISADE_API_KEY);
    if (!key) throw new CliError(2, "give an admin API key on stdin with --api-key-stdin (or PALISADE_API_KEY), or --email for a session");
    if (!/^pal_admin_[A-Za-z0-9_-]+$/.test(key)) throw new CliError(2, "that is not an admin API key (pal_admin_…)");
    token = key;
    kind = "api-key";
  }
  const me = await new Api(base, token).call("GET", "/api/v1/me", MeSchema);
  const org = values.org === undefined ? me.orgs[0] : me.orgs.find((o) => o.id === values.org || o.name === values.org);
  if (!org) throw new CliError(1, values.org === undefined ? "this account belongs to no organization" : `you are not a member of ${values.org}`);
  const file = await writeConfig(env, {
    edge: base,
    token,
    kind,
    org: org.id,
    ...(expiresAt ? { expiresAt } : {}),
    ...(insecureHttp && new URL(base).protocol === "http:" ? { insecureHttp: true as const } : {}),
  });
  io.stdout.write(`logged in to ${base} as ${me.user.email}, org ${org.name} (${org.id}); saved to ${file}\n`);
  return 0;
}

// ── get / describe ──────────────────────────────────────────────────────────
function resolveKind(word: string | undefined): KindDef {
  if (word === undefined) throw new CliError(2, `name a kind: ${KIND_WORDS}`);
  const kind = kindByWord(word);
  if (!kind) throw new CliError(2, `unknown kind ${word} (one of ${KIND_WORDS})`);
  return kind;
}

async function liveObjects(io: Io, kindWord: string | undefined, name: string | undefined) {
  const kind = resolveKind(kindWord);
  const ctx = await connect(io.env ?? process.env);
  const refs = await Refs.load(ctx.api, ctx.org);
  const all = await kind.list({ ...ctx, refs });
  const items = name === undefined ? all : all.filter((l) => l.name === name || l.id === name);
  if (name !== undefined && items.length === 0) throw new CliError(1, `${kind.kind.toLowerCase()}/${name} not found`);
  return { kind, items };
}

export async function get(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args: argv, allowPositionals: true, strict: true, options: OUTPUT }));
  const [kindWord, name, ...extra] = positionals;
  if (extra.length > 0) throw new CliError(2, `unexpected argument ${extra[0]}`);
  const fmt = format(values.output, "table");
  const { kind, items } = await liveObjects(io, kindWord, name);
  const docs = items.map((l) => documentOf(kind, l));
  if (fmt === "yaml") io.stdout.write(yamlStream(docs));
  else if (fmt === "json") io.stdout.write(`${JSON.stringify(name === undefined ? docs : docs[0], null, 2)}\n`);
  else if (items.length === 0) io.stdout.write(`no ${kind.plural}\n`);
  else io.stdout.write(table(kind.columns.headers, items.map(kind.columns.row)));
  return 0;
}

export async function describe(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args: argv, allowPositionals: true, strict: true, options: OUTPUT }));
  const [kindWord, name, ...extra] = positionals;
  if (extra.length > 0) throw new CliError(2, `unexpected argument ${extra[0]}`);
  const fmt = format(values.output, "yaml", ["yaml", "json"]);
  const { kind, items } = await liveObjects(io, kindWord, name);
  const described = items.map((l) => ({ ...documentOf(kind, l), status: l.status }));
  io.stdout.write(fmt === "json" ? `${JSON.stringify(described, null, 2)}\n` : yamlStream(described));
  return 0;
}

// ── apply / delete ──────────────────────────────────────────────────────────
export async function applyCommand(mode: "apply" | "delete", argv: string[], io: Io): Promise<number> {
  const env = io.env ?? process.env;
  const { values, positionals } = parsing(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...OUTPUT,
        filename: { type: "string", short: "f", multiple: true },
        "dry-run": { type: "boolean" },
        prune: { type: "boolean" },
        yes: { type: "boolean" },
        "rotate-secrets": { type: "boolean" },
      },
    }),
  );
  if (positionals.length > 0) throw new CliError(2, `unexpected argument ${positionals[0]}`);
  if (mode === "delete" && (values.prune || values.yes || values["rotate-secrets"])) throw new CliError(2, "delete takes only -f and --dry-run");
  const files = values.filename ?? [];
  if (files.length === 0) throw new CliError(2, `${mode} needs -f FILE or -f DIR`);
  format(values.output, "table", ["table"]);

  const { docs, problems } = await loadDocuments(files);
  if (problems.length === 0 && docs.length === 0) throw new CliError(1, `no documents in ${files.join(", ")}`);
  if (problems.length > 0) return refuse(io, problems);

  const ctx = await connect(env);
  const refs = await Refs.load(ctx.api, ctx.org);
  const full = { ...ctx, refs };
  const planned = await plan(full, docs, {
    mode,
    prune: values.prune === true,
    rotateSecrets: values["rotate-secrets"] === true,
    dryRun: values["dry-run"] === true,
    env,
    readStdin: () => readAll(io.stdin),
  });
  if (planned.problems.length > 0) return refuse(io, planned.problems);
  const changes = planned.changes;
  const deletes = changes.filter((c) => c.action === "delete");
  if (values["dry-run"]) {
    io.stdout.write(`${renderPlan(changes)}${summary(changes)} (dry run: nothing was changed)\n`);
    return 0;
  }
  if (mode === "apply" && deletes.length > 0 && !values.yes) {
    io.stderr.write(
      `palisade: --prune would delete ${deletes.map((c) => label(c.kind, c.name)).join(", ")}; review with --dry-run, then run again with --yes. Nothing was changed.\n`,
    );
    return 1;
  }
  const result = await execute(full, changes);
  if (!result.ok) {
    io.stderr.write(`palisade: ${mode} failed: ${result.error}\n${result.lines.map((l) => `  ${l}\n`).join("")}`);
    return 1;
  }
  io.stdout.write(`${result.lines.join("\n")}\n`);
  return 0;
}

function refuse(io: Io, problems: { at: string; reason: string }[]): number {
  io.stderr.write(
    `${problems.map((p) => `${p.at}: ${p.reason}`).join("\n")}\npalisade: ${problems.length} problem${problems.length > 1 ? "s" : ""}; nothing was applied\n`,
  );
  return 1;
}

// ── explain ─────────────────────────────────────────────────────────────────
export async function explain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parsing(() => parseArgs({ args: argv, allowPositionals: true, strict: true, options: OUTPUT }));
  const [what, name, method, url, ...extra] = positionals;
  if (what !== "agent" || !name || !method || !url || extra.length > 0) throw new CliError(2, "usage: palisade explain agent NAME METHOD URL");
  const fmt = format(values.output, "table");
  const ctx = await connect(io.env ?? process.env);
  const refs = await Refs.load(ctx.api, ctx.org);
  const agentId = name.startsWith("agt_") ? name : refs.id("agent", name);
  const decision = await ctx.api.call(
    "POST",
    `/api/v1/orgs/${encodeURIComponent(ctx.org)}/agents/${encodeURIComponent(agentId)}/explain`,
    EgressDecisionSchema,
    {
      method,
      url,
    },
  );
  if (fmt === "json") io.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
  else if (fmt === "yaml") io.stdout.write(stringify(decision, { lineWidth: 0 }));
  else {
    io.stdout.write(`${decision.allowed ? "ALLOWED" : "DENIED"}  ${method.toUpperCase()} ${url}  (agent ${name})\n`);
    io.stdout.write(`reason: ${decision.reason}\n${decision.explanation}\n`);
    if (decision.rule) io.stdout.write(`rule: ${JSON.stringify(decision.rule)}\n`);
    if (decision.credential) io.stdout.write(`credential injected: ${decision.credential}\n`);
    for (const miss of decision.nearMisses ?? []) io.stdout.write(`near miss: ${JSON.stringify(miss)}\n`);
  }
  return decision.allowed ? 0 : 3;
}

// ── audit tail ──────────────────────────────────────────────────────────────
type AuditEvent = z.infer<typeof AuditEventSchema>;
const DURATION = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

function eventLine(e: AuditEvent, fmt: Format): string {
  if (fmt === "json") return `${JSON.stringify(e)}\n`;
  if (fmt === "yaml") return `---\n${stringify(e, { lineWidth: 0 })}`;
  const resource = e.resource.id ? `${e.resource.type}:${e.resource.id}` : e.resource.type;
  return `${e.ts}  ${String(e.seq).padStart(6)}  ${`${e.actor.type}:${e.actor.id}`.padEnd(34)}  ${e.action.padEnd(22)}  ${e.result.padEnd(7)}  ${resource}${e.reason ? `  (${e.reason})` : ""}\n`;
}

export async function auditTail(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parsing(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...OUTPUT,
        follow: { type: "boolean", short: "f" },
        lines: { type: "string", short: "n" },
        since: { type: "string" },
        action: { type: "string" },
        result: { type: "string" },
        interval: { type: "string" },
      },
    }),
  );
  if (positionals.length > 0) throw new CliError(2, `unexpected argument ${positionals[0]}`);
  const fmt = format(values.output, "table");
  const lines = z.coerce
    .number()
    .int()
    .min(0)
    .max(10_000)
    .safeParse(values.lines ?? "20");
  if (!lines.success) throw new CliError(2, "-n must be a whole number up to 10000");
  const since = DURATION.exec(values.since ?? "1h");
  if (!since) throw new CliError(2, "--since must be a duration like 30s, 15m, 1h or 7d");
  const interval = z.coerce
    .number()
    .min(0.2)
    .max(300)
    .safeParse(values.interval ?? "2");
  if (!interval.success) throw new CliError(2, "--interval must be seconds between 0.2 and 300");
  const result = z.enum(["allowed", "denied", "success", "error"]).optional().safeParse(values.result);
  if (!result.success) throw new CliError(2, "--result must be allowed, denied, success or error");

  const { api, org } = await connect(io.env ?? process.env);
  const path = `/api/v1/orgs/${encodeURIComponent(org)}/audit`;
  const filter = `${values.action ? `&action=${encodeURIComponent(values.action)}` : ""}${result.data ? `&result=${result.data}` : ""}`;
  const fetchFrom = (fromIso: string) => api.list(path, AuditEventSchema, `${filter}&from=${encodeURIComponent(fromIso)}`);

  const unit = since[2] as keyof typeof UNIT_MS;
  const first = await fetchFrom(new Date(Date.now() - Number(since[1]) * UNIT_MS[unit]).toISOString());
  if (fmt === "table" && !values.follow && first.length === 0) io.stdout.write("no events\n");
  for (const e of first.slice(Math.max(0, first.length - lines.data))) io.stdout.write(eventLine(e, fmt));
  if (!values.follow) return 0;

  let lastSeq = first.at(-1)?.seq ?? 0;
  let lastTs = first.at(-1)?.ts ?? new Date().toISOString();
  const signal = io.signal ?? AbortSignal.any([]);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once("SIGINT", onSigint);
  try {
    while (!signal.aborted && !stop.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval.data * 1000);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        signal.addEventListener("abort", wake, { once: true });
        stop.signal.addEventListener("abort", wake, { once: true });
      });
      if (signal.aborted || stop.signal.aborted) break;
      // `from` is inclusive and several events share a millisecond: seq decides what is new.
      for (const e of await fetchFrom(lastTs)) {
        if (e.seq <= lastSeq) continue;
        io.stdout.write(eventLine(e, fmt));
        lastSeq = e.seq;
        lastTs = e.ts;
      }
    }
  } finally {
    process.off("SIGINT", onSigint);
  }
  return 0;
}
