// Which registry tools an agent may use: granted to it, its team or its project, approved, and
// allowed by its policies' `tools` lists — for every agent of its chain (a subagent never more
// than its parent).
import type { AgentRights } from "../agents/rights.js";
import { makeDb } from "../data/db.js";
import { type AgentRow, OrgData } from "../data/org-data.js";
import { type PersonInOrg, isOrgAdmin } from "../agents/usable-by.js";
import { type GrantScope, type ToolRow, ToolStore } from "../data/tool-store.js";
import type { EffectivePolicy } from "../policy/effective.js";

function grantTargets(agent: AgentRow): Array<{ scope: GrantScope; id: string }> {
  const targets: Array<{ scope: GrantScope; id: string }> = [{ scope: "agent", id: agent.id }];
  // A subagent works for its parent: it may be given the parent's own grants (then narrowed by its policy and the parent's).
  if (agent.parentAgentId) targets.push({ scope: "agent", id: agent.parentAgentId });
  if (agent.teamId) targets.push({ scope: "team", id: agent.teamId });
  if (agent.projectId) targets.push({ scope: "project", id: agent.projectId });
  return targets;
}

/** A tool's id ("tool_" and 26 letters): in a list it names that tool alone, never a tool whose name is spelled so. */
const TOOL_ID = /^tool_[0-9a-z]{26}$/iu;
/** Whether a policy list names the tool: by its id, or by its name where the entry is no id. */
const names = (list: readonly string[], tool: ToolRow) => list.some((entry) => (TOOL_ID.test(entry) ? entry === tool.id : entry === tool.name));
/** A policy `tools` list names tools by id or by name; null means no policy restricts tools. Each `toolsWithin` list narrows. */
const policyAllows = (policy: EffectivePolicy, tool: ToolRow) =>
  (policy.tools === null || names(policy.tools, tool)) && policy.toolsWithin.every((list) => names(list, tool));

async function ownTools(env: Env, agent: AgentRow, policy: EffectivePolicy): Promise<ToolRow[]> {
  const rows = await new ToolStore(makeDb(env.DB), agent.orgId).grantedTools(grantTargets(agent));
  // Upstream servers are containers: their imported tools are what gets called.
  return rows.map((r) => r.tool).filter((t) => t.kind !== "mcp_server" && policyAllows(policy, t));
}

/** Tools the agent may see and call, sorted by name: the intersection over its chain. */
export async function usableTools(env: Env, rights: Pick<AgentRights, "chain">): Promise<ToolRow[]> {
  const [self, ...ancestors] = rights.chain;
  if (!self) return [];
  let usable = await ownTools(env, self.agent, self.policy);
  for (const link of ancestors) {
    const theirs = new Set((await ownTools(env, link.agent, link.policy)).map((t) => t.id));
    usable = usable.filter((t) => theirs.has(t.id));
  }
  return usable.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The tools a person may see when an agent acts on their behalf (OAuth from a desktop MCP client):
 * everything for org owners and admins (null: no restriction); for a member, the tools granted to
 * a team they belong to, to a project of such a team, or to the agent they chose (which they may
 * use). The agent's own usable tools are then narrowed to these.
 */
export async function toolsVisibleToPerson(env: Env, person: PersonInOrg, agent: AgentRow): Promise<Set<string> | null> {
  if (isOrgAdmin(person)) return null;
  const projectIds = await new OrgData(makeDb(env.DB), person.orgId).projectIdsOfTeams(person.teamIds);
  const targets: Array<{ scope: GrantScope; id: string }> = [
    { scope: "agent", id: agent.id },
    ...person.teamIds.map((id) => ({ scope: "team" as const, id })),
    ...projectIds.map((id) => ({ scope: "project" as const, id })),
  ];
  const rows = await new ToolStore(makeDb(env.DB), person.orgId).grantedTools(targets);
  return new Set(rows.map((r) => r.tool.id));
}
