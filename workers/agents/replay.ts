// Policy replay: what a draft would have decided for the latest real requests (egress and LLM
// calls from the audit trail) of the agents it applies to. Each request goes through the same
// decision the gateway and explain use (rightsWithDraft + decideForResult / allowsModel); only
// the rights differ, so the preview cannot disagree with what saving the draft would do.
import { z } from "zod";
import type { PolicyReplayResultSchema } from "../../schema/console.js";
import type { PolicyDocument } from "../../schema/policy.js";
import { AuditData, type AuditRow } from "../data/audit-data.js";
import { iso, makeDb } from "../data/db.js";
import { OrgData } from "../data/org-data.js";
import { PolicyStore } from "../data/policy-store.js";
import { REFUSAL_REASONS } from "../data/stats-data.js";
import { AppError } from "../errors.js";
import { allowsModel } from "./rights.js";
import { type RightsResult, decideForResult, rightsWithDraft } from "./service.js";

const REPLAYED_ACTIONS = ["egress.request", "llm.request"] as const;

/** The target an egress event recorded (never a query string). */
const EgressTargetSchema = z.object({
  method: z.string().min(1).max(32),
  scheme: z.enum(["http", "https"]),
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  path: z.string().max(8192),
});

export interface ReplayInput {
  draft: PolicyDocument;
  policyId?: string | undefined;
  agentId?: string | undefined;
  limit: number;
}

/** Agents a saved policy reaches: attached to them, their team or project, the org, or their parent. */
async function affectedAgents(env: Env, orgId: string, input: ReplayInput): Promise<string[]> {
  const db = makeDb(env.DB);
  const org = new OrgData(db, orgId);
  if (!input.policyId) {
    if (!input.agentId) throw new AppError("bad_request", "name the policy being edited (policyId) or an agent to replay a new policy for (agentId)");
    if (!(await org.agent(input.agentId))) throw new AppError("not_found", "agent not found");
    return [input.agentId];
  }
  const attachments = await new PolicyStore(db, orgId).attachments(input.policyId);
  const all = await org.agentScopes();
  const onOrg = attachments.some((a) => a.scope === "org");
  const ids = (scope: string) => new Set(attachments.filter((a) => a.scope === scope).map((a) => a.scopeId));
  const [teams, projects, agents] = [ids("team"), ids("project"), ids("agent")];
  const direct = new Set(
    all
      .filter((a) => onOrg || agents.has(a.id) || (a.teamId !== null && teams.has(a.teamId)) || (a.projectId !== null && projects.has(a.projectId)))
      .map((a) => a.id),
  );
  // A subagent acts within its parent's rights too, so a policy of the parent reaches it.
  return all.filter((a) => direct.has(a.id) || (a.parentAgentId !== null && direct.has(a.parentAgentId))).map((a) => a.id);
}

function recordedDenied(row: AuditRow): boolean {
  return row.result === "denied" || (row.result === "error" && (REFUSAL_REASONS as readonly string[]).includes(row.reason ?? ""));
}

function parseDetails(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

type Replayed = z.input<typeof PolicyReplayResultSchema>["items"][number];

/** One audited request decided again under `rights`; null for an event that holds no replayable request. */
function replayOne(row: AuditRow, rights: RightsResult, name: string | null): Replayed | null {
  const base = {
    seq: row.seq,
    ts: iso(row.ts),
    agentId: row.actorId,
    agentName: name,
    recorded: recordedDenied(row) ? "denied" : "allowed",
  } as const;
  if (row.action === "llm.request") {
    const model = row.resourceId;
    if (!model) return null;
    const decision = !rights.ok
      ? { allowed: false, reason: rights.code === "suspended" ? "agent_suspended" : "agent_inactive", explanation: `Denied: ${rights.reason}.` }
      : allowsModel(rights.rights, model)
        ? { allowed: true, reason: "model_allowed", explanation: `Allowed: the policy allows model ${model}.` }
        : { allowed: false, reason: "model_not_allowed", explanation: `Denied: model ${model} is not allowed by policy.` };
    return { ...base, kind: "llm", subject: model, draft: decision };
  }
  const target = EgressTargetSchema.safeParse(parseDetails(row.details));
  if (!target.success) return null;
  const { method, scheme, host, port, path } = target.data;
  let url: URL;
  try {
    url = new URL(`${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}/`);
    url.pathname = path;
  } catch {
    return null;
  }
  const decision = decideForResult(rights, { method, url });
  return {
    ...base,
    kind: "egress",
    subject: `${method} ${url.origin}${url.pathname}`,
    draft: { allowed: decision.allowed, reason: decision.reason, explanation: decision.explanation },
  };
}

export async function replayPolicy(env: Env, orgId: string, input: ReplayInput): Promise<z.input<typeof PolicyReplayResultSchema>> {
  const agentIds = await affectedAgents(env, orgId, input);
  const db = makeDb(env.DB);
  const rows = await new AuditData(db, orgId).recentOf(agentIds, REPLAYED_ACTIONS, input.limit);
  const org = new OrgData(db, orgId);
  const draft = { doc: input.draft, policyId: input.policyId };
  const seen = [...new Set(rows.map((r) => r.actorId))];
  const rightsOf = new Map<string, { rights: RightsResult; name: string | null }>();
  await Promise.all(
    seen.map(async (id) => {
      const agent = await org.agent(id);
      // A deleted agent's requests are not replayed: it can no longer make any.
      if (agent) rightsOf.set(id, { rights: await rightsWithDraft(env, agent, draft), name: agent.name });
    }),
  );
  const items: Replayed[] = [];
  for (const row of rows) {
    const of = rightsOf.get(row.actorId);
    const replayed = of ? replayOne(row, of.rights, of.name) : null;
    if (replayed) items.push(replayed);
  }
  const denied = items.filter((i) => !i.draft.allowed);
  return {
    replayed: items.length,
    deniedByDraft: denied.length,
    newlyDenied: denied.filter((i) => i.recorded === "allowed").length,
    newlyAllowed: items.filter((i) => i.draft.allowed && i.recorded === "denied").length,
    agents: rightsOf.size,
    items,
  };
}
