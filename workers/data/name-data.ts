// Current names of an org's ids (agents, teams, projects, policies, tools, credentials, providers,
// hosts, pools, API keys, members' emails) in one D1 batch: one statement per kind of id present,
// chosen by the id's prefix, so list views show names without a lookup per row. Only this org's
// rows answer; a member's email only while they are a member.
import { type SQL, eq, sql } from "drizzle-orm";
import { ID_PREFIX } from "../../schema/api.js";
import { ID_PATTERN } from "../ids.js";
import { tables } from "./db.js";
import { OrgScoped } from "./org-scoped.js";

const { agents, teams, projects, policies, tools, credentials, providers, hosts, hostPools, tokens, users, memberships, orgs } = tables;

/** Ids resolved per call; a page of audit events holds at most two per event. */
const MAX_IDS = 500;

const NAMED = {
  [ID_PREFIX.agent]: agents,
  [ID_PREFIX.team]: teams,
  [ID_PREFIX.project]: projects,
  [ID_PREFIX.policy]: policies,
  [ID_PREFIX.tool]: tools,
  [ID_PREFIX.credential]: credentials,
  [ID_PREFIX.provider]: providers,
  [ID_PREFIX.host]: hosts,
  [ID_PREFIX.hostPool]: hostPools,
  [ID_PREFIX.token]: tokens,
} as const;
type NamedPrefix = keyof typeof NAMED;
const isNamed = (prefix: string): prefix is NamedPrefix => Object.hasOwn(NAMED, prefix);

export class NameData extends OrgScoped {
  async names(ids: Iterable<string | null | undefined>): Promise<Map<string, string>> {
    const byPrefix = new Map<string, string[]>();
    let count = 0;
    for (const id of new Set(ids)) {
      if (typeof id !== "string" || !ID_PATTERN.test(id) || count >= MAX_IDS) continue;
      const prefix = id.slice(0, id.indexOf("_"));
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), id]);
      count += 1;
    }
    const inList = (list: string[]): SQL => sql`(SELECT value FROM json_each(${JSON.stringify(list)}))`;
    const queries = [];
    for (const [prefix, list] of byPrefix) {
      if (isNamed(prefix)) {
        const table = NAMED[prefix];
        queries.push(
          this.db
            .select({ id: table.id, name: table.name })
            .from(table)
            .where(this.scope(table, sql`${table.id} IN ${inList(list)}`)),
        );
      } else if (prefix === ID_PREFIX.user) {
        queries.push(
          this.db
            .select({ id: users.id, name: users.email })
            .from(users)
            .innerJoin(memberships, eq(memberships.userId, users.id))
            .where(this.scope(memberships, sql`${users.id} IN ${inList(list)}`)),
        );
      } else if (prefix === ID_PREFIX.org && list.includes(this.orgId)) {
        queries.push(this.db.select({ id: orgs.id, name: orgs.name }).from(orgs).where(eq(orgs.id, this.orgId)));
      }
    }
    const [first, ...rest] = queries;
    const results = first ? await this.db.batch([first, ...rest]) : [];
    const out = new Map<string, string>();
    for (const rows of results) for (const row of rows) if (typeof row.name === "string" && row.name !== "") out.set(row.id, row.name);
    return out;
  }
}
