// `palisade agents list|create`, `palisade hosts list`: the admin API from a terminal (palisade login, or PALISADE_EDGE, PALISADE_API_KEY, PALISADE_ORG).
import { parseArgs } from "node:util";
import { z } from "zod";
import { AgentCreatedSchema, AgentSchema, HostSchema } from "../../../schema/api.js";
import { CliError, table } from "./client.js";
import { connect } from "./config.js";
import type { Io } from "./io.js";

export const ADMIN_USAGE = `usage:
  palisade agents list [-o table|json]
  palisade agents create --name NAME [--team TEAM_ID] [-o table|json]
  palisade hosts list [-o table|json]
Uses what palisade login stored; PALISADE_EDGE, PALISADE_API_KEY and PALISADE_ORG (default: your first org) override it.`;

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
      const { api, org } = await connect(env);
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
      const { api, org } = await connect(env);
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
      const { api, org } = await connect(env);
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
