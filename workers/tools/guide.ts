// The Agent Guide: the org's and the agent's operating manual plus the autonomy instructions,
// which the LLM proxy puts at the top of the system prompt.
import type { AgentRights } from "../agents/rights.js";
import { autonomyInstructions } from "../autonomy/levels.js";
import { makeDb } from "../data/db.js";
import { ToolStore } from "../data/tool-store.js";

/** The target key of the org-wide guide (agent guides use the agent id). */
export const ORG_GUIDE = "org";

/**
 * Org guide, then the parent's guide for a subagent, then the agent's own, then what its
 * autonomy level means. Null only for an agent that is not active.
 */
export async function guidePromptFor(env: Env, rights: AgentRights): Promise<string | null> {
  const { agent } = rights;
  if (agent.status !== "active") return null;
  const targets = [ORG_GUIDE, ...(agent.parentAgentId ? [agent.parentAgentId] : []), agent.id];
  const rows = await new ToolStore(makeDb(env.DB), agent.orgId).guidesFor(targets);
  const byTarget = new Map(rows.map((r) => [r.target, r.content]));
  const sections: string[] = [];
  const org = byTarget.get(ORG_GUIDE);
  if (org?.trim()) sections.push(`# Organisation guide\n${org.trim()}`);
  const parent = agent.parentAgentId ? byTarget.get(agent.parentAgentId) : undefined;
  if (parent?.trim()) sections.push(`# Guide of your parent agent\n${parent.trim()}`);
  const own = byTarget.get(agent.id);
  if (own?.trim()) sections.push(`# Your guide\n${own.trim()}`);
  sections.push(`# Autonomy\n${autonomyInstructions(rights.level)}`);
  return sections.join("\n\n");
}
