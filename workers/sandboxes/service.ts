// The edge side of managed sandboxes: choosing a connected host of a pool, sending commands
// through its tunnel, recording status reports, and ending an agent's sandboxes on revocation.
import type { SandboxStatus, TunnelCommand } from "../../schema/tunnel.js";
import { recordAudit } from "../audit/audit.js";
import { textTail } from "../audit/safe.js";
import { makeDb } from "../data/db.js";
import { type HostRow, HostStore } from "../data/host-store.js";
import { orgData } from "../data/org-data.js";
import { AppError } from "../errors.js";
import { endSandboxSession, renewSandboxSessions } from "./sessions.js";

export function tunnelOf(env: Env, hostId: string) {
  return env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName(hostId));
}

/** A connected host of the pool, asked through each host's tunnel; random among the live ones. */
export async function connectedHostOf(env: Env, orgId: string, poolName: string): Promise<HostRow> {
  const store = new HostStore(makeDb(env.DB), orgId);
  const pool = await store.poolByName(poolName);
  if (!pool) throw new AppError("unavailable", `no sandbox host of pool:${poolName} is connected`);
  const candidates = await store.activeHosts(pool.id);
  const live: HostRow[] = [];
  await Promise.all(
    candidates.map(async (h) => {
      const status = await tunnelOf(env, h.id)
        .status()
        .catch(() => null);
      if (status?.connected) live.push(h);
    }),
  );
  const host = live[Math.floor(Math.random() * live.length)];
  if (!host) throw new AppError("unavailable", `no sandbox host of pool:${poolName} is connected`);
  return host;
}

export async function sendCommand(env: Env, hostId: string, cmd: TunnelCommand) {
  try {
    return await tunnelOf(env, hostId).command(cmd);
  } catch (error) {
    throw new AppError("unavailable", "the sandbox host could not be reached", { cause: error });
  }
}

/** Called by the host's tunnel object for every status report: D1 row and audit event. */
export async function recordSandboxStatus(env: Env, orgId: string, hostId: string, status: SandboxStatus) {
  const store = new HostStore(makeDb(env.DB), orgId);
  const sandbox = await store.sandbox(status.sandboxId);
  if (!sandbox || sandbox.hostId !== hostId) return;
  const state = status.state;
  // Reports may arrive out of order with the edge's own updates: an ended sandbox stays ended.
  const from: Array<typeof sandbox.state> =
    state === "running" || state === "starting" ? ["pending", "starting"] : ["pending", "starting", "running", "stopped"];
  await store.updateSandbox(sandbox.id, { state, exitCode: status.exitCode ?? null, reason: status.reason ?? null }, from);
  // Its host reports it alive: its session lasts another idle timeout. Once it ended, so does the session.
  if (state === "running" || state === "starting") {
    await renewSandboxSessions(env, orgId, hostId, sandbox.id);
    return;
  }
  await endSandboxSession(orgData(makeDb(env.DB), orgId), sandbox);
  await recordAudit(env, {
    orgId,
    actor: { type: "host", id: hostId },
    action: `sandbox.${state}`,
    resource: { type: "sandbox", id: sandbox.id },
    result: state === "failed" || (state === "exited" && status.exitCode !== 0) ? "error" : "success",
    ...(status.reason ? { reason: status.reason } : {}),
    details: {
      agentId: sandbox.agentId,
      command: JSON.parse(sandbox.command) as unknown,
      ...(status.exitCode !== undefined ? { exitCode: status.exitCode } : {}),
      ...(status.durationMs !== undefined ? { durationMs: status.durationMs } : {}),
      // The end of the output says most about how a command ended (masked like all free text).
      ...(status.output !== undefined ? { output: textTail(status.output, 1000) } : {}),
    },
  });
}

/** Kills every live sandbox of the agents (revocation, spend limit) and ends their sessions; best effort per host. */
export async function killSandboxesOf(env: Env, orgId: string, agentIds: string[], why: string) {
  if (agentIds.length === 0) return 0;
  const store = new HostStore(makeDb(env.DB), orgId);
  const data = orgData(makeDb(env.DB), orgId);
  const live = await store.liveSandboxesOfAgents(agentIds);
  await Promise.all(
    live.map(async (s) => {
      if (s.hostId)
        await tunnelOf(env, s.hostId)
          .command({ op: "sandbox.kill", sandboxId: s.id })
          .catch(() => undefined);
      await store.updateSandbox(s.id, { state: "stopped", reason: why });
      await endSandboxSession(data, s);
      await recordAudit(env, {
        orgId,
        actor: { type: "system", id: "palisade" },
        action: "sandbox.kill",
        resource: { type: "sandbox", id: s.id },
        result: "success",
        reason: why,
        details: { agentId: s.agentId },
      });
    }),
  );
  return live.length;
}

/** A host was revoked: the sessions of the sandboxes it ran end, and the edge records them as stopped. */
export async function endSandboxesOnHost(env: Env, orgId: string, hostId: string, why: string) {
  const store = new HostStore(makeDb(env.DB), orgId);
  const data = orgData(makeDb(env.DB), orgId);
  const live = await store.liveSandboxesOnHost(hostId);
  await Promise.all(
    live.map(async (s) => {
      await endSandboxSession(data, s);
      await store.updateSandbox(s.id, { state: "stopped", reason: why });
      await recordAudit(env, {
        orgId,
        actor: { type: "system", id: "palisade" },
        action: "sandbox.kill",
        resource: { type: "sandbox", id: s.id },
        result: "success",
        reason: why,
        details: { agentId: s.agentId, hostId },
      });
    }),
  );
  return live.length;
}

/** Connection state and last heartbeat of a host, from its tunnel object (null if unreachable). */
export async function hostLiveStatus(env: Env, hostId: string) {
  return tunnelOf(env, hostId)
    .status()
    .catch(() => null);
}

/**
 * Drains the org's spend stop events (a limit was reached) and kills the live sandboxes of the
 * agents under that limit: the agent itself, every agent of the team, or the whole org.
 */
export async function stopSandboxesOverLimit(env: Env, orgId: string) {
  const events = await env.ORG_SPEND.get(env.ORG_SPEND.idFromName(orgId)).drainStopEvents(100);
  if (events.length === 0) return;
  const data = orgData(makeDb(env.DB), orgId);
  const agentIds = new Set<string>();
  for (const e of events) {
    if (e.scope === "agent") agentIds.add(e.agentId);
    else {
      const all = await data.agentsIn(e.scope === "team" ? e.scopeId : null);
      for (const a of all) agentIds.add(a.id);
    }
  }
  await killSandboxesOf(env, orgId, [...agentIds], "spend limit reached");
}
