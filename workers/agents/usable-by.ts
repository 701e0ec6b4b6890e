// Which agents a person may act through from a desktop MCP client (OAuth consent, and again on
// every call): org owners and admins may use any top-level agent of the org; a member may use the
// agents of the teams they belong to and the agents they created — the same agents the admin API
// shows them. A member SCIM deactivated in the org may use none. Subagents are never offered:
// they act only under their parent's sandbox sessions.
import { makeDb } from "../data/db.js";
import { type AgentRow, OrgData, type Role } from "../data/org-data.js";
import { PlatformData } from "../data/platform-data.js";

export interface PersonInOrg {
  userId: string;
  orgId: string;
  role: Role;
  teamIds: string[];
}

/** The person's standing in the org, or null when they are not an active member. */
export async function personInOrg(env: Env, orgId: string, userId: string): Promise<PersonInOrg | null> {
  const data = new OrgData(makeDb(env.DB), orgId);
  const membership = await data.membership(userId);
  if (!membership || membership.deactivatedAt !== null) return null;
  const teams = await data.teamsOfUser(userId);
  return { userId, orgId, role: membership.role, teamIds: teams.map((t) => t.teamId) };
}

export const isOrgAdmin = (person: PersonInOrg) => person.role === "owner" || person.role === "admin";

/** The one rule: may this person act through this agent? */
export function mayUseAgent(person: PersonInOrg, agent: AgentRow): boolean {
  if (agent.orgId !== person.orgId || agent.status !== "active" || agent.parentAgentId !== null) return false;
  if (isOrgAdmin(person)) return true;
  return agent.createdBy === person.userId || (agent.teamId !== null && person.teamIds.includes(agent.teamId));
}

export interface UsableAgent {
  orgId: string;
  orgName: string;
  agentId: string;
  agentName: string;
}

/** Every agent the person may use, in every org where they are an active member. */
export async function agentsUsableBy(env: Env, userId: string): Promise<UsableAgent[]> {
  const out: UsableAgent[] = [];
  for (const org of await new PlatformData(makeDb(env.DB)).orgsOfUser(userId)) {
    const person = await personInOrg(env, org.id, userId);
    if (!person) continue;
    const data = new OrgData(makeDb(env.DB), org.id);
    let after: string | undefined;
    for (;;) {
      const page = await data.listAgents({ limit: 200 }, after);
      for (const agent of page)
        if (mayUseAgent(person, agent)) out.push({ orgId: org.id, orgName: org.name, agentId: agent.id, agentName: agent.name });
      if (page.length < 200) break;
      after = page[page.length - 1]?.id;
    }
  }
  return out;
}
