// `palisade agents list|create`, `palisade hosts list`: the admin API from a terminal (PALISADE_EDGE, PALISADE_API_KEY, PALISADE_ORG).
import { parseArgs } from "node:util";
import { z } from "zod";
import { AgentCreatedSchema, AgentSchema, HostSchema, MeSchema } from "../../../schema/api.js";
import type { Io } from "./io.js";

export const ADMIN_USAGE = `usage:
  palisade agents list [-o table|json]
  palisade agents create --name NAME [--team TEAM_ID] [-o table|json]
  palisade hosts list [-o table|json]
Environment: PALISADE_EDGE (edge URL), PALISADE_API_KEY, PALISADE_ORG (default: your first org).`;

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const MAX_PAGES = 100;

class Api {
  constructor(
    readonly edge: string,
    readonly apiKey: string,
  ) {}

  async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.edge}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new CliError(1, `cannot reach ${new URL(this.edge).origin}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(json);
      const detail = err.success ? `${err.data.error.code}: ${err.data.error.message}` : `HTTP ${res.status}`;
      throw new CliError(1, res.status === 401 ? `the API key was refused (${detail})` : `${method} ${path} failed: ${detail}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new CliError(1, `unexpected answer from ${method} ${path}`);
    return parsed.data;
  }

  async list<T>(path: string, item: z.ZodType<T>): Promise<T[]> {
    const pageSchema = z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });
    const out: T[] = [];
    let cursor: string | null | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const page = await this.call("GET", `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, pageSchema);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return out;
  }
}

async function context(env: NodeJS.ProcessEnv): Promise<{ api: Api; org: string }> {
  const edge = env.PALISADE_EDGE;
  const key = env.PALISADE_API_KEY;
  if (!edge || !/^https?:\/\//.test(edge)) throw new CliError(2, "set PALISADE_EDGE to the edge's http(s) URL");
  if (!key) throw new CliError(2, "set PALISADE_API_KEY to an admin API key");
  const api = new Api(edge.replace(/\/+$/, ""), key);
  if (env.PALISADE_ORG) return { api, org: env.PALISADE_ORG };
  const me = await api.call("GET", "/api/v1/me", MeSchema);
  const first = me.orgs[0];
  if (!first) throw new CliError(1, "this key belongs to no organization; set PALISADE_ORG");
  return { api, org: first.id };
}

/** A plain aligned table, like kubectl's. */
export function table(headers: string[], rows: (string | number | boolean | null)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null ? "-" : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return `${cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("   ")).join("\n")}\n`;
}

const output = z.enum(["table", "json"]).default("table");

export async function admin(resource: string, argv: string[], io: Io): Promise<number> {
  const env = io.env ?? process.env;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { output: { type: "string", short: "o" }, name: { type: "string" }, team: { type: "string" } },
      });
    } catch (e) {
      throw new CliError(2, e instanceof Error ? e.message : String(e));
    }
    const [verb, ...extra] = parsed.positionals;
    if (extra.length > 0) throw new CliError(2, `unexpected argument ${extra[0]}`);
    const o = output.safeParse(parsed.values.output);
    if (!o.success) throw new CliError(2, "-o must be table or json");
    const fmt = o.data;
    const write = (s: string) => io.stdout.write(s);
    if (resource === "agents" && verb === "list") {
      if (parsed.values.name || parsed.values.team) throw new CliError(2, "agents list takes no --name or --team");
      const { api, org } = await context(env);
      const items = await api.list(`/api/v1/orgs/${encodeURIComponent(org)}/agents`, AgentSchema);
      if (fmt === "json") write(`${JSON.stringify(items, null, 2)}\n`);
      else
        write(
          table(
            ["ID", "NAME", "TEAM", "STATUS", "TOKEN", "CREATED"],
            items.map((a) => [a.id, a.name, a.teamId, a.status, a.tokenPrefix, a.createdAt]),
          ),
        );
      return 0;
    }
    if (resource === "agents" && verb === "create") {
      const name = parsed.values.name;
      if (!name) throw new CliError(2, "agents create needs --name");
      const { api, org } = await context(env);
      const a = await api.call("POST", `/api/v1/orgs/${encodeURIComponent(org)}/agents`, AgentCreatedSchema, {
        name,
        ...(parsed.values.team ? { teamId: parsed.values.team } : {}),
      });
      if (fmt === "json") write(`${JSON.stringify(a, null, 2)}\n`);
      else {
        write(table(["ID", "NAME", "TEAM", "STATUS"], [[a.id, a.name, a.teamId, a.status]]));
        // The one secret this command prints: shown once by the API, so it is shown once here.
        write(`token (shown once, store it now): ${a.token}\n`);
      }
      return 0;
    }
    if (resource === "hosts" && verb === "list") {
      if (parsed.values.name || parsed.values.team) throw new CliError(2, "hosts list takes no --name or --team");
      const { api, org } = await context(env);
      const items = await api.list(`/api/v1/orgs/${encodeURIComponent(org)}/hosts`, HostSchema);
      if (fmt === "json") write(`${JSON.stringify(items, null, 2)}\n`);
      else
        write(
          table(
            ["ID", "NAME", "POOL", "STATUS", "CONNECTED", "LAST HEARTBEAT"],
            items.map((h) => [h.id, h.name, h.pool, h.status, h.connected, h.lastHeartbeatAt]),
          ),
        );
      return 0;
    }
    throw new CliError(2, verb ? `unknown command: ${resource} ${verb}` : `${resource} needs a subcommand`);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.stderr.write(`palisade: ${e.message}\n${e.exitCode === 2 ? `${ADMIN_USAGE}\n` : ""}`);
    return e.exitCode;
  }
}
