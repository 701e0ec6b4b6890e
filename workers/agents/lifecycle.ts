// Who may create, move and end agents, and what goes with each change: a subagent is created
// only under a parent the caller may administer, lives in its parent's team and project, never
// above its parent's autonomy or past its live-subagent limit; ending an agent's token ends its
// subagents' tokens and their sandboxes.
import { PolicyDocumentSchema } from "../../schema/policy.js";
import { type OrgAccess, assertFound, hasRole, requireRole, requireTeamAdmin } from "../authz/org-access.js";
import { makeDb } from "../data/db.js";
import { type AgentRow, OrgData } from "../data/org-data.js";
import { PolicyStore } from "../data/policy-store.js";
import { AppError, forbidden, notFound } from "../errors.js";
import { newId } from "../ids.js";
import { type MintedToken, forgetTokens, mintToken } from "../identity/tokens.js";
import { effectivePolicyFor, invalidatePolicies } from "../policy/service.js";
import { killSandboxesOf } from "../sandboxes/service.js";
import { usableTools } from "../tools/access.js";
import { type AgentRights, mergeRights } from "./rights.js";
import { forgetAgents, forgetOrgState, orgSuspended } from "./rows.js";
import { rightsOf } from "./service.js";
import { sessionBindingOf, sessionOfToken } from "../sandboxes/sessions.js";
import { denyHeldApprovals, resumeCalls, withdrawCalls } from "./withdrawal.js";

export interface Created {
  agent: AgentRow;
  token: MintedToken;
}

// ── who sees and administers which agent ─────────────────────────────────────

/** A plain member sees the agents of their teams and the ones they created; admins see all (undefined). */
export async function memberScope(access: OrgAccess): Promise<{ userId: string; teamIds: string[] } | undefined> {
  if (hasRole(access, "admin")) return undefined;
  const teams = await access.data.teamsOfUser(access.userId);
  return { userId: access.userId, teamIds: teams.map((t) => t.teamId) };
}

/** The agent if the caller may see it; otherwise 404, as if it did not exist. */
export async function visibleAgent(access: OrgAccess, agentId: string): Promise<AgentRow> {
  const agent = assertFound(await access.data.agent(agentId), "agent");
  const scope = await memberScope(access);
  if (scope && agent.createdBy !== scope.userId && !(agent.teamId && scope.teamIds.includes(agent.teamId))) throw notFound("agent");
  return agent;
}

/** Org admins administer every agent; team admins the agents of their teams. */
export const requireAgentAdmin = (access: OrgAccess, agent: Pick<AgentRow, "teamId">) => requireTeamAdmin(access, agent.teamId);

/**
 * Where an agent may be placed by this caller: the project (if any) must exist and belong to
 * the agent's team (an agent without a team takes its project's; a project without a team is
 * for org admins only), and the caller must administer that team (no team: org admins only).
 */
async function placement(
  access: OrgAccess,
  teamId: string | null,
  projectId: string | null,
): Promise<{ teamId: string | null; projectId: string | null }> {
  if (teamId) assertFound(await access.data.team(teamId), "team");
  if (projectId) {
    const project = assertFound(await access.data.project(projectId), "project");
    if (project.teamId && teamId && project.teamId !== teamId) throw forbidden("the project belongs to another team");
    // An org-level project (no team) carries the org's grants and policies: org admins place agents there.
    if (!project.teamId) requireRole(access, "admin");
    teamId ??= project.teamId;
  }
  await requireTeamAdmin(access, teamId);
  return { teamId, projectId };
}

// ── subagent rules shared by the admin API and the agent API ────────────────

function assertCanParent(parent: AgentRow, autonomy: number) {
  if (parent.parentAgentId) throw forbidden("a subagent cannot have subagents");
  if (parent.status !== "active") throw new AppError("conflict", "the parent agent is not active");
  if (autonomy > parent.autonomy) throw forbidden("a subagent's autonomy cannot exceed its parent's");
}

/**
 * Inserts the subagent in its parent's team and project, refusing (409) past the parent's
 * live-subagent limit. A parent minting it itself names the token it mints with (`minting`): the
 * subagent is written only while that token is live (401 once it was rotated, revoked or its
 * session ended), and a session token's subagent belongs to that session.
 */
async function insertSubagent(
  env: Env,
  data: OrgData,
  parent: AgentRow,
  name: string,
  autonomy: number,
  createdBy: string,
  minting: { tokenId: string; session: { name: string; expiresAt: number | null } | null } | null = null,
  narrowing: { agentId: string; policyId: string } | null = null,
): Promise<Created> {
  const parentRights = await rightsOf(env, parent);
  if (!parentRights.ok) throw new AppError("conflict", "the parent agent is not active");
  const limit = parentRights.rights.gate.maxSubagents;
  const token = await mintToken("agent");
  const agent = await data.createSubagentWithToken(
    {
      ...(narrowing ? { id: narrowing.agentId } : {}),
      name,
      parentAgentId: parent.id,
      autonomy,
      createdBy,
    },
    minting?.session ? { ...token, ...minting.session } : token,
    limit,
    minting?.tokenId ?? null,
    narrowing?.policyId ?? null,
  );
  if (agent === "parent_inactive") throw new AppError("conflict", "the parent agent is suspended or not active");
  if (agent === "credential_ended")
    throw new AppError("unauthorized", "the token this request was made with was revoked or has expired; nothing can be minted with it");
  if (agent === "limit")
    throw new AppError("conflict", `the parent agent already has ${limit} live subagents (its policy's limit)`, { details: { limit } });
  return { agent, token };
}

// ── operations ──────────────────────────────────────────────────────────────

export interface AgentCreate {
  name: string;
  teamId?: string | undefined;
  projectId?: string | undefined;
  autonomy: number;
  parentAgentId?: string | undefined;
}

/** An admin creates an agent, or a subagent under a parent they administer (placed with its parent). */
export async function createAgent(env: Env, access: OrgAccess, input: AgentCreate): Promise<Created> {
  if (input.parentAgentId) {
    const parent = await visibleAgent(access, input.parentAgentId);
    await requireAgentAdmin(access, parent);
    if (input.teamId !== undefined && input.teamId !== parent.teamId) throw forbidden("a subagent lives in its parent's team");
    if (input.projectId !== undefined && input.projectId !== parent.projectId) throw forbidden("a subagent lives in its parent's project");
    assertCanParent(parent, input.autonomy);
    return insertSubagent(env, access.data, parent, input.name, input.autonomy, access.userId);
  }
  const where = await placement(access, input.teamId ?? null, input.projectId ?? null);
  const token = await mintToken("agent");
  const agent = await access.data.createAgentWithToken(
    { name: input.name, ...where, parentAgentId: null, autonomy: input.autonomy, createdBy: access.userId },
    token,
  );
  return { agent, token };
}

export interface SubagentCreate {
  name: string;
  autonomy?: number | undefined;
  tools?: string[] | undefined;
}

export type SubagentRefusal = "flat_hierarchy" | "policy:allowSubagents" | "autonomy_above_parent" | "tools_above_parent";

/** Why an agent may not create this subagent, or null. */
export async function subagentRefusal(env: Env, rights: AgentRights, input: SubagentCreate): Promise<SubagentRefusal | null> {
  if (rights.chain.length > 1) return "flat_hierarchy";
  if (!rights.gate.allowSubagents) return "policy:allowSubagents";
  if ((input.autonomy ?? rights.agent.autonomy) > rights.agent.autonomy) return "autonomy_above_parent";
  if (input.tools) {
    const mine = new Set((await usableTools(env, rights)).map((t) => t.name));
    if (input.tools.some((t) => !mine.has(t))) return "tools_above_parent";
  }
  return null;
}

const REFUSAL_MESSAGE: Record<SubagentRefusal, string> = {
  flat_hierarchy: "a subagent cannot create subagents",
  "policy:allowSubagents": "your policy does not allow creating subagents",
  autonomy_above_parent: "a subagent's autonomy cannot exceed its parent's",
  tools_above_parent: "a subagent can only be given tools its parent may use",
};

/**
 * An agent mints a subagent of its own through the agent API (after `subagentRefusal` said null),
 * with the token `tokenId`. Minted with a sandbox session token, the subagent's token belongs to
 * that session: it lapses, is renewed and ends with the sandbox, and the subagent with it.
 */
export async function createSubagent(env: Env, rights: AgentRights, input: SubagentCreate, tokenId: string): Promise<Created> {
  const refusal = await subagentRefusal(env, rights, input);
  if (refusal)
    throw new AppError(refusal === "policy:allowSubagents" ? "policy_denied" : "forbidden", REFUSAL_MESSAGE[refusal], {
      details: { reason: refusal },
    });
  const parent = rights.agent;
  const data = new OrgData(makeDb(env.DB), parent.orgId);
  const autonomy = input.autonomy ?? parent.autonomy;
  assertCanParent(parent, autonomy);
  const minting = { tokenId, session: await sessionOfToken(data, tokenId) };
  if (!input.tools) return insertSubagent(env, data, parent, input.name, autonomy, parent.id, minting);
  // The subagent's own narrowing: a tools list attached to it alone (its parent's still applies at every call).
  // Held within it: the other policies' tools lists are a union and would widen it again. It names the tools the
  // parent chose by id: a tool registered later under one of their names is another tool. Saved first, attached in
  // the subagent's own transaction: a subagent is never written without it (one refused leaves none behind).
  const chosen = new Set(input.tools);
  const ids = (await usableTools(env, rights)).filter((t) => chosen.has(t.name)).map((t) => t.id);
  const agentId = newId("agt");
  const doc = PolicyDocumentSchema.parse({ name: `subagent-${agentId}`, egress: [], toolsWithin: ids });
  const policies = new PolicyStore(makeDb(env.DB), parent.orgId);
  const row = await policies.create(doc.name, JSON.stringify(doc), parent.id);
  if (!row) throw new AppError("internal", "the subagent's tools narrowing could not be saved");
  try {
    return await insertSubagent(env, data, parent, input.name, autonomy, parent.id, minting, { agentId, policyId: row.id });
  } catch (error) {
    await policies.remove(row.id);
    throw error;
  } finally {
    invalidatePolicies(parent.orgId);
  }
}

export interface AgentPatch {
  name?: string | undefined;
  teamId?: string | null | undefined;
  projectId?: string | null | undefined;
  autonomy?: number | undefined;
}

/**
 * Changes an agent. Moving it needs the right to administer where it goes; a subagent cannot be
 * moved (it lives with its parent) nor raised above its parent; moving a parent takes its
 * subagents along. Lowering a parent's autonomy lowers its subagents' level at the next call.
 */
export async function updateAgent(access: OrgAccess, agent: AgentRow, patch: AgentPatch): Promise<AgentRow> {
  await requireAgentAdmin(access, agent);
  const moving =
    (patch.teamId !== undefined && patch.teamId !== agent.teamId) || (patch.projectId !== undefined && patch.projectId !== agent.projectId);
  const changes: Partial<Pick<AgentRow, "name" | "teamId" | "projectId" | "autonomy">> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.autonomy !== undefined) changes.autonomy = patch.autonomy;
  if (agent.parentAgentId) {
    if (moving) throw forbidden("a subagent lives in its parent's team and project; move the parent instead");
    const parent = await access.data.agent(agent.parentAgentId);
    if (parent && patch.autonomy !== undefined && patch.autonomy > parent.autonomy)
      throw forbidden("a subagent's autonomy cannot exceed its parent's");
  } else if (moving) {
    // The result must be a placement the caller may make: a kept project must belong to the new team.
    const teamId = patch.teamId !== undefined ? patch.teamId : agent.teamId;
    const projectId = patch.projectId !== undefined ? patch.projectId : agent.projectId;
    Object.assign(changes, await placement(access, teamId, projectId));
  }
  // A parent's subagents move with it and stored levels follow it down (a later listing never shows a subagent above
  // its parent), in the parent's own transaction: a subagent minted meanwhile is placed from the row it reads there.
  const updated = !Object.keys(changes).length
    ? agent
    : agent.parentAgentId
      ? await access.data.updateSubagent(agent.id, agent.parentAgentId, changes)
      : await access.data.updateParentAgent(agent.id, changes);
  const subagents = await access.data.subagents(agent.id);
  forgetAgents([agent.id, ...subagents.map((s) => s.id)]);
  invalidatePolicies(access.orgId);
  return assertFound(updated, "agent");
}

/**
 * Ends what withdrawn tokens of the agents have running, as a suspension does: their calls in
 * flight (also those that start watching later, since the token ids are remembered), the calls
 * they hold for approval (denied: a later approve answers 409) and the agents' sandboxes.
 */
async function endWorkOfTokens(
  env: Env,
  orgId: string,
  agentIds: string[],
  tokenIds: string[],
  why: string,
  waitUntil: (p: Promise<unknown>) => void,
) {
  // Held approvals first, so they are denied with the person's reason before the calls' own
  // watches deny them as withdrawn (the first decision wins).
  if (tokenIds.length) await denyHeldApprovals(env, orgId, { tokenIds }, why);
  await withdrawCalls(env, agentIds, { reason: "token_revoked", tokenIds });
  waitUntil(killSandboxesOf(env, orgId, agentIds, why));
}

/** Revokes every token of the agents (they are `revoked` until a new token is issued) and ends their work. */
async function withdraw(env: Env, data: OrgData, agentIds: string[], why: string, waitUntil: (p: Promise<unknown>) => void) {
  const revoked = await data.revokeTokens("agent", agentIds);
  await data.setAgentStatus(agentIds, "revoked");
  forgetTokens(revoked.map((t) => t.sha256));
  forgetAgents(agentIds);
  await endWorkOfTokens(
    env,
    data.orgId,
    agentIds,
    revoked.map((t) => t.id),
    why,
    waitUntil,
  );
}

/**
 * How many live subagents the parent's policies allow it, whatever its state: suspended, its org
 * suspended or its token revoked (resuming it, or giving it a token again, must not find it past its
 * limit). A parent has no parent of its own, so its policies alone set the limit. None without a parent.
 */
async function subagentLimit(env: Env, access: OrgAccess, parentId: string): Promise<number> {
  const parent = await access.data.agent(parentId);
  if (!parent) return 0;
  return mergeRights([{ agent: parent, policy: await effectivePolicyFor(env, parent) }]).gate.maxSubagents;
}

const sessionEnded = () =>
  new AppError("conflict", "this subagent was minted inside a sandbox session that has ended, so it cannot get a new token; create a new subagent");

/**
 * New token for the agent (shown once); the old one stops working and the calls it has in
 * flight end; every subagent's token is revoked too. A session-minted subagent's new token stays
 * bound to its sandbox session (name and expiry); once that session ended the answer is 409.
 */
export async function rotateToken(
  env: Env,
  access: OrgAccess,
  agent: AgentRow,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<{ token: MintedToken; subagents: number }> {
  await requireAgentAdmin(access, agent);
  // A subagent minted inside a sandbox session lives only as long as that session: its new token
  // keeps the binding, and once the session is over it cannot be given one.
  const binding = await sessionBindingOf(access.data, agent.id);
  if (binding === "ended") throw sessionEnded();
  const token = await mintToken("agent");
  const given = binding ? { ...token, ...binding } : token;
  // Every live token of the agent goes, its sandbox sessions included (they came from the old credentials). A subagent
  // given a token again counts against its parent's limit once more: the bound is checked in the write itself.
  const limit = agent.parentAgentId && !(await access.data.isLiveSubagent(agent)) ? await subagentLimit(env, access, agent.parentAgentId) : null;
  const previous =
    limit === null || agent.parentAgentId === null
      ? await access.data.replaceToken("agent", agent.id, given)
      : await access.data.reviveSubagent(agent.id, agent.parentAgentId, given, limit);
  if (previous === "limit")
    throw new AppError(
      "conflict",
      `the parent agent already has ${limit} live subagents (its policy's limit); end one before giving this one a token`,
      { details: { limit } },
    );
  forgetTokens(previous.map((t) => t.sha256));
  if (binding && !(await access.data.liveSessionToken(binding.name, agent.id))) {
    // The session ended while the token was minted: the new token ends with it.
    forgetTokens((await access.data.revokeNamedTokens(binding.name)).map((t) => t.sha256));
    throw sessionEnded();
  }
  if (agent.status !== "active") await access.data.setAgentStatus([agent.id], "active");
  forgetAgents([agent.id]);
  await endWorkOfTokens(
    env,
    access.orgId,
    [agent.id],
    previous.map((t) => t.id),
    "token rotated",
    waitUntil,
  );
  const subagents = (await access.data.subagents(agent.id)).map((a) => a.id);
  if (subagents.length) await withdraw(env, access.data, subagents, "parent token rotated", waitUntil);
  forgetAgents([agent.id]);
  return { token, subagents: subagents.length };
}

/** Revokes the agent's tokens and its subagents' and ends their sandboxes. */
export async function revokeToken(
  env: Env,
  access: OrgAccess,
  agent: AgentRow,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<{ subagents: number }> {
  await requireAgentAdmin(access, agent);
  const subagents = (await access.data.subagents(agent.id)).map((a) => a.id);
  await withdraw(env, access.data, [agent.id, ...subagents], "token revoked", waitUntil);
  return { subagents: subagents.length };
}

/** Deletes the agent and its subagents; their sandboxes end first (the rows go with the agents). */
export async function deleteAgent(env: Env, access: OrgAccess, agent: AgentRow): Promise<{ subagents: number }> {
  await requireAgentAdmin(access, agent);
  const subjects = [agent.id, ...(await access.data.subagents(agent.id)).map((a) => a.id)];
  const hashes = (await Promise.all(subjects.map((s) => access.data.activeTokens("agent", s)))).flat().map((t) => t.sha256);
  await killSandboxesOf(env, access.orgId, subjects, "agent deleted");
  await access.data.deleteAgent(agent.id);
  forgetTokens(hashes);
  forgetAgents(subjects);
  return { subagents: subjects.length - 1 };
}

// ── suspension ──────────────────────────────────────────────────────────────

/** Ends what the agents have in flight: calls (aborted at once), held approvals (denied), sandboxes (killed). */
async function stopRunningWork(env: Env, orgId: string, agentIds: string[], why: string, waitUntil: (p: Promise<unknown>) => void, wholeOrg = false) {
  // Held approvals first: denied with the person's reason before the calls' watches deny them as withdrawn.
  const approvals = await denyHeldApprovals(env, orgId, wholeOrg ? "all" : { agentIds }, why);
  const calls = await withdrawCalls(env, agentIds, { reason: "agent_suspended" });
  waitUntil(killSandboxesOf(env, orgId, agentIds, why));
  return { calls, approvals };
}

/**
 * Suspends the agent: it and every subagent under it get 403 agent_suspended on every new
 * call, and what they have in flight ends within a second (streams close with a terminal event,
 * upstream fetches are cancelled, held approvals are denied, sandboxes are killed).
 */
export async function suspendAgent(env: Env, access: OrgAccess, agent: AgentRow, reason: string, waitUntil: (p: Promise<unknown>) => void) {
  await requireAgentAdmin(access, agent);
  await access.data.updateAgent(agent.id, { suspendedAt: Date.now(), suspendReason: reason });
  const ids = [agent.id, ...(await access.data.subagents(agent.id)).map((a) => a.id)];
  forgetAgents(ids);
  return { agents: ids.length, ...(await stopRunningWork(env, access.orgId, ids, `suspended: ${reason}`, waitUntil)) };
}

/** Lets the agent (and its subagents, unless suspended themselves) act again. */
export async function resumeAgent(env: Env, access: OrgAccess, agent: AgentRow) {
  await requireAgentAdmin(access, agent);
  await access.data.updateAgent(agent.id, { suspendedAt: null, suspendReason: null });
  const subagents = await access.data.subagents(agent.id);
  const ids = [agent.id, ...subagents.filter((s) => s.suspendedAt === null).map((s) => s.id)];
  forgetAgents([agent.id, ...subagents.map((s) => s.id)]);
  if (!(await orgSuspended(env.DB, access.orgId))) await resumeCalls(env, ids);
  return { agents: ids.length };
}

/** The org-wide switch (owners only): every agent of the org stops at once. */
export async function suspendOrg(env: Env, access: OrgAccess, reason: string, waitUntil: (p: Promise<unknown>) => void) {
  requireRole(access, "owner");
  await access.data.setOrgSuspension({ suspendedAt: Date.now(), suspendReason: reason });
  forgetOrgState(access.orgId);
  const ids = (await access.data.agentsIn(null)).map((a) => a.id);
  return { agents: ids.length, ...(await stopRunningWork(env, access.orgId, ids, `org suspended: ${reason}`, waitUntil, true)) };
}

/** Lifts the org-wide switch; agents suspended on their own (or under a suspended parent) stay stopped. */
export async function resumeOrg(env: Env, access: OrgAccess) {
  requireRole(access, "owner");
  await access.data.setOrgSuspension({ suspendedAt: null, suspendReason: null });
  forgetOrgState(access.orgId);
  const all = await access.data.agentsWithSuspension();
  const suspended = new Set(all.filter((a) => a.suspendedAt !== null).map((a) => a.id));
  const ids = all.filter((a) => !suspended.has(a.id) && !(a.parentAgentId && suspended.has(a.parentAgentId))).map((a) => a.id);
  await resumeCalls(env, ids);
  return { agents: ids.length };
}

/** A parent agent ends one of its own subagents (its tokens and sandboxes); anything else is not found. */
export async function endOwnSubagent(env: Env, rights: AgentRights, subagentId: string, waitUntil: (p: Promise<unknown>) => void) {
  const data = new OrgData(makeDb(env.DB), rights.agent.orgId);
  const sub = await data.agent(subagentId);
  if (!sub || sub.parentAgentId !== rights.agent.id) throw notFound("subagent");
  await withdraw(env, data, [sub.id], "ended by its parent", waitUntil);
  return sub;
}
