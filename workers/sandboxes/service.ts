// The edge side of managed sandboxes: choosing a connected host of a pool, sending commands
// through its tunnel, recording status reports, and ending an agent's sandboxes on revocation.
import type { SandboxCreate } from "../../schema/api.js";
import {
  type HostCapabilities,
  HostCapabilitiesSchema,
  hostCanRun,
  type IsolationLevel,
  imageOnHost,
  isolationRank,
  RuntimeLimitsSchema,
  type SandboxRuntime,
  SandboxRuntimeSchema,
} from "../../schema/sandbox.js";
import type { AgentRights } from "../agents/rights.js";
import type { SandboxStatus, TunnelCommand } from "../../schema/tunnel.js";
import { rightsOf } from "../agents/service.js";
import { recordAudit } from "../audit/audit.js";
import { textTail } from "../audit/safe.js";
import { makeDb } from "../data/db.js";
import { type HostRow, HostStore, type SandboxRow } from "../data/host-store.js";
import { type AgentRow, OrgData } from "../data/org-data.js";
import { AppError } from "../errors.js";
import { type AskedRuntime, judgeStartAck, NO_ACK, runtimeMismatch } from "./runtime.js";
import { endSandboxSession, openSandboxSession, renewSandboxSessions, sessionBindingOf } from "./sessions.js";

export function tunnelOf(env: Env, hostId: string) {
  return env.HOST_TUNNEL.get(env.HOST_TUNNEL.idFromName(hostId));
}

/** What a host advertised (drivers, images), or undefined before its first hello with them. */
export function capabilitiesOf(host: Pick<HostRow, "capabilities">): HostCapabilities | undefined {
  if (!host.capabilities) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(host.capabilities);
  } catch {
    return undefined;
  }
  const parsed = HostCapabilitiesSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Stores what a host advertised; called by its tunnel object on hello and on every change. */
export async function recordHostCapabilities(env: Env, orgId: string, hostId: string, capabilities: HostCapabilities) {
  await new HostStore(makeDb(env.DB), orgId).setHostCapabilities(hostId, JSON.stringify(capabilities));
}

/**
 * A connected host of the pool that can run the sandbox (its isolation level, its image), asked
 * through each host's tunnel; random among the live ones. A host that never advertised its
 * drivers (an older daemon) runs container sandboxes without an image only.
 */
export async function connectedHostOf(
  env: Env,
  orgId: string,
  poolName: string,
  need: { isolation: IsolationLevel; image?: string | undefined } = { isolation: "container" },
): Promise<HostRow> {
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
  if (live.length === 0) throw new AppError("unavailable", `no sandbox host of pool:${poolName} is connected`);
  const able = live.filter((h) => {
    const caps = capabilitiesOf(h);
    if (!caps) return need.isolation === "container" && need.image === undefined;
    return hostCanRun(caps, need.isolation, need.image);
  });
  const host = able[Math.floor(Math.random() * able.length)];
  if (!host) {
    const what = `isolation ${need.isolation}${need.image ? ` with image ${need.image}` : ""}`;
    throw new AppError("conflict", `no connected host of pool:${poolName} can run ${what}`);
  }
  return host;
}

export async function sendCommand(env: Env, hostId: string, cmd: TunnelCommand) {
  try {
    return await tunnelOf(env, hostId).command(cmd);
  } catch (error) {
    throw new AppError("unavailable", "the sandbox host could not be reached", { cause: error });
  }
}

/**
 * What the agent's process sees: the caller's variables, then the platform's, which win — the
 * edge's endpoints and the session token as the SDKs' API keys and base URLs.
 */
function sandboxEnv(input: SandboxCreate, agent: AgentRow, edgeOrigin: string, token: string): Record<string, string> {
  return {
    ...(input.env ?? {}),
    PALISADE_EDGE_URL: edgeOrigin,
    PALISADE_AGENT_ID: agent.id,
    OPENAI_BASE_URL: `${edgeOrigin}/llm/openai/v1`,
    ANTHROPIC_BASE_URL: `${edgeOrigin}/llm/anthropic`,
    OPENAI_API_KEY: token,
    ANTHROPIC_API_KEY: token,
  };
}

function sandboxLimits(limits: SandboxCreate["limits"]) {
  if (!limits) return {};
  return {
    limits: {
      ...(limits.memoryMiB ? { memoryBytes: limits.memoryMiB * 1024 * 1024 } : {}),
      ...(limits.cpuMillis ? { cpuMillis: limits.cpuMillis } : {}),
      ...(limits.pids ? { pids: limits.pids } : {}),
    },
  };
}

/**
 * The isolation a sandbox gets: what the request asks, else the strictest the agent's policies
 * (and its parent's) require, else container. Less than required is refused, never raised silently.
 */
export function sandboxIsolation(rights: AgentRights, input: Pick<SandboxCreate, "isolation" | "image">): IsolationLevel {
  const required = rights.policy.minIsolation;
  const isolation = input.isolation ?? required ?? "container";
  if (required && isolationRank(isolation) < isolationRank(required)) {
    const source = rights.policy.sources.length ? " (the agent's policies)" : "";
    throw new AppError(
      "policy_denied",
      `sandboxes of this agent need isolation ${required} or stronger${source}; the request asked for ${isolation}`,
    );
  }
  if (isolation === "vm" && input.image === undefined) throw new AppError("validation_failed", "a vm sandbox runs an image: name one with image");
  return isolation;
}

/** What a sandbox runs on, for audit events. */
export function runtimeDetails(row: Pick<SandboxRow, "isolation" | "image" | "imageDigest" | "driver" | "accelerator">) {
  return {
    isolation: row.isolation,
    ...(row.image ? { image: row.image } : {}),
    ...(row.imageDigest ? { imageDigest: row.imageDigest } : {}),
    ...(row.driver ? { driver: row.driver } : {}),
    ...(row.accelerator ? { accelerator: row.accelerator } : {}),
  };
}

export type SandboxStart = { ok: true; row: SandboxRow; hostId: string } | { ok: false; row: SandboxRow; hostId: string; error: string };

/** The config digest the host must report for `image`: the one its advertised images give that reference. */
function askedImageDigest(host: HostRow, image: string | undefined): string | null {
  if (image === undefined) return null;
  const caps = capabilitiesOf(host);
  const entry = caps ? imageOnHost(caps, image) : undefined;
  if (!entry) throw new AppError("conflict", `the chosen host no longer holds image ${image}`);
  return entry.digest;
}

/**
 * Starts the agent's command on a connected host of the pool, with a session token of its own
 * (revoked when the sandbox ends). The agent and its whole parent chain must be active. The host's
 * ack must say what it runs the sandbox on and match what was asked (judgeStartAck) and any runtime
 * an earlier report fixed (acceptRuntime): otherwise, or when the host refuses, the row is `failed`
 * and the token revoked.
 */
export async function startSandbox(
  env: Env,
  start: { agent: AgentRow; edgeOrigin: string; createdBy: string; input: SandboxCreate },
): Promise<SandboxStart> {
  const { agent, input } = start;
  const rights = await rightsOf(env, agent);
  if (!rights.ok) throw new AppError("conflict", "the agent (or its parent) is not active");
  const isolation = sandboxIsolation(rights.rights, input);
  const store = new HostStore(makeDb(env.DB), agent.orgId);
  const data = new OrgData(makeDb(env.DB), agent.orgId);
  // A subagent minted inside a sandbox session lives only in that session: a sandbox of its own
  // would give it a token no end of that session reaches (its own session, renewed by another host).
  if ((await sessionBindingOf(data, agent.id)) !== null)
    throw new AppError(
      "conflict",
      "this subagent was minted inside a sandbox session and lives only in it; start a sandbox for its parent or for an agent an admin created",
    );
  const host = await connectedHostOf(env, agent.orgId, input.pool, { isolation, image: input.image });
  const limits = sandboxLimits(input.limits);
  const imageDigest = askedImageDigest(host, input.image);
  const row = await store.insertSandbox({
    agentId: agent.id,
    hostId: host.id,
    poolId: host.poolId,
    command: JSON.stringify(input.command),
    isolation,
    image: input.image ?? null,
    // What was asked, kept so the ack and every later report are held to it (runtimeMismatch).
    imageDigest,
    askedLimits: limits.limits ? JSON.stringify(limits.limits) : null,
    state: "pending",
    idleTimeoutMs: input.idleTimeoutMinutes * 60_000,
    createdBy: start.createdBy,
  });
  // A token of the agent's own, for this sandbox only (workers/sandboxes/sessions.ts).
  const token = await openSandboxSession(data, row);
  const sent = await sendCommand(env, host.id, {
    op: "sandbox.start",
    sandboxId: row.id,
    agentId: agent.id,
    command: input.command,
    env: sandboxEnv(input, agent, start.edgeOrigin, token),
    agentToken: token,
    idleTimeoutMs: input.idleTimeoutMinutes * 60_000,
    isolation,
    ...(input.image ? { image: input.image } : {}),
    ...limits,
  }).catch((error: unknown) => ({
    ok: false as const,
    error: { code: NO_ACK, message: error instanceof Error ? error.message : "host unreachable" },
  }));
  const verdict = judgeStartAck(sent, { isolation, imageDigest, ...limits });
  if (!verdict.started && verdict.refused) {
    // The host refused and started nothing (it reports `failed` itself).
    await endSandboxSession(env, data.orgId, row);
    const failed = await store.updateSandbox(row.id, { state: "failed", reason: verdict.reason });
    return { ok: false, row: failed ?? row, hostId: host.id, error: verdict.reason };
  }
  if (!verdict.started) {
    const failed = await endUntrustedSandbox(env, row, verdict.reason, verdict.reported);
    return { ok: false, row: failed, hostId: host.id, error: verdict.reason };
  }
  // A report that came before the ack may already have fixed the runtime: the ack must say the same.
  const accepted = await acceptRuntime(store, row, verdict.runtime);
  if (!accepted.ok) {
    const failed = await endUntrustedSandbox(env, accepted.row, accepted.reason, verdict.runtime);
    return { ok: false, row: failed, hostId: host.id, error: accepted.reason };
  }
  // The host may already have reported "running" before its ack arrived; never step back.
  await store.updateSandbox(row.id, { state: "starting" }, ["pending"]);
  return { ok: true, row: (await store.sandbox(row.id)) ?? row, hostId: host.id };
}

const UNREADABLE_ASK = "the edge cannot read the limits it asked for this sandbox";
const UNREADABLE_RUNTIME = "the edge cannot read the runtime it accepted for this sandbox";

/** What the edge asked for a sandbox, from its row; undefined if the stored limits are unreadable (fails it closed). */
function askedOf(row: Pick<SandboxRow, "isolation" | "imageDigest" | "askedLimits">): AskedRuntime | undefined {
  const asked: AskedRuntime = { isolation: row.isolation, imageDigest: row.imageDigest };
  if (row.askedLimits === null) return asked;
  const limits = RuntimeLimitsSchema.safeParse(parseJson(row.askedLimits));
  return limits.success ? { ...asked, limits: limits.data } : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Holds a reported runtime (start ack or status report) to what was asked and to the runtime the edge
 * accepted before (runtimeMismatch); the first one that passes is recorded and fixed for the
 * sandbox's life (set once, whichever of the ack and an early `running` report lands first).
 */
async function acceptRuntime(
  store: HostStore,
  row: SandboxRow,
  reported: SandboxRuntime,
): Promise<{ ok: true; row: SandboxRow } | { ok: false; row: SandboxRow; reason: string }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const asked = askedOf(row);
    if (!asked) return { ok: false, row, reason: UNREADABLE_ASK };
    let accepted: SandboxRuntime | undefined;
    if (row.runtime !== null) {
      const parsed = SandboxRuntimeSchema.safeParse(parseJson(row.runtime));
      if (!parsed.success) return { ok: false, row, reason: UNREADABLE_RUNTIME };
      accepted = parsed.data;
    } else if (row.driver !== null && (row.driver !== reported.driver || row.accelerator !== (reported.accelerator ?? null))) {
      // A row from before runtimes were kept whole: its recorded driver and accelerator stand.
      return {
        ok: false,
        row,
        reason: `the host reported ${reported.driver}/${reported.accelerator ?? "-"} after it was accepted as ${row.driver}/${row.accelerator ?? "-"}`,
      };
    }
    const mismatch = runtimeMismatch(asked, reported, accepted);
    if (mismatch !== undefined) return { ok: false, row, reason: mismatch };
    if (accepted || !LIVE_STATES.includes(row.state)) return { ok: true, row };
    const fixed = await store.acceptSandboxRuntime(row.id, {
      runtime: JSON.stringify(reported),
      driver: reported.driver,
      accelerator: reported.accelerator ?? null,
    });
    if (fixed) return { ok: true, row: fixed };
    // Another report (or the ack) was accepted meanwhile: this one must match it.
    const fresh = await store.sandbox(row.id);
    if (!fresh) return { ok: false, row, reason: "the sandbox is gone" };
    row = fresh;
  }
  return { ok: true, row };
}

/**
 * Ends a sandbox whose start the edge cannot trust (its ack or a later status report says it runs on
 * less or other than asked, says nothing of it, or never came): the host is told to kill it, its
 * session ends, the row is `failed` with the reason, and the audit trail says why.
 */
async function endUntrustedSandbox(env: Env, row: SandboxRow, reason: string, reported?: SandboxRuntime): Promise<SandboxRow> {
  const asked = askedOf(row);
  const accepted = row.runtime === null ? undefined : SandboxRuntimeSchema.safeParse(parseJson(row.runtime)).data;
  if (row.hostId) await sendCommand(env, row.hostId, { op: "sandbox.kill", sandboxId: row.id }).catch(() => undefined);
  await endSandboxSession(env, row.orgId, row);
  const failed = await new HostStore(makeDb(env.DB), row.orgId).updateSandbox(row.id, { state: "failed", reason }, [
    "pending",
    "starting",
    "running",
    "stopped",
  ]);
  await recordAudit(env, {
    orgId: row.orgId,
    actor: { type: "system", id: "palisade" },
    action: "sandbox.failed",
    resource: { type: "sandbox", id: row.id },
    result: "error",
    reason,
    details: {
      agentId: row.agentId,
      ...(row.hostId ? { hostId: row.hostId } : {}),
      ...runtimeDetails(row),
      ...(asked?.limits ? { askedLimits: asked.limits } : {}),
      ...(accepted ? { acceptedRuntime: accepted } : {}),
      ...(reported
        ? {
            reportedDriver: reported.driver,
            reportedIsolation: reported.isolation,
            ...(reported.imageDigest ? { reportedImageDigest: reported.imageDigest } : {}),
            ...(reported.accelerator ? { reportedAccelerator: reported.accelerator } : {}),
            ...(reported.limits ? { reportedLimits: reported.limits } : {}),
          }
        : { reported: "nothing" }),
    },
  });
  return failed ?? row;
}

const LIVE_STATES: ReadonlyArray<SandboxRow["state"]> = ["pending", "starting", "running"];

/** Called by the host's tunnel object for every status report: D1 row and audit event. */
export async function recordSandboxStatus(env: Env, orgId: string, hostId: string, status: SandboxStatus) {
  const store = new HostStore(makeDb(env.DB), orgId);
  let sandbox = await store.sandbox(status.sandboxId);
  if (!sandbox || sandbox.hostId !== hostId) return;
  // A report of another runtime than asked, or than the one accepted, is not believed: the sandbox
  // ends, and the runtime recorded is never rewritten.
  if (status.runtime) {
    const accepted = await acceptRuntime(store, sandbox, status.runtime);
    if (!accepted.ok) {
      if (LIVE_STATES.includes(accepted.row.state)) await endUntrustedSandbox(env, accepted.row, accepted.reason, status.runtime);
      return;
    }
    sandbox = accepted.row;
  }
  // `running` counts once the host said what it runs on (here or in its checked ack); until then it is still starting.
  const state = status.state === "running" && sandbox.runtime === null ? "starting" : status.state;
  // Reports may arrive out of order with the edge's own updates: an ended sandbox stays ended.
  const from: Array<typeof sandbox.state> =
    state === "running" || state === "starting" ? ["pending", "starting"] : ["pending", "starting", "running", "stopped"];
  const updated = await store.updateSandbox(sandbox.id, { state, exitCode: status.exitCode ?? null, reason: status.reason ?? null }, from);
  // Its host reports it alive: its session lasts another idle timeout. Once it ended, so does the session.
  if (state === "running" || state === "starting") {
    await renewSandboxSessions(env, orgId, hostId, sandbox.id);
    return;
  }
  await endSandboxSession(env, orgId, sandbox);
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
      ...runtimeDetails(updated ?? sandbox),
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
  const live: SandboxRow[] = [];
  // D1 binds at most 100 parameters per statement.
  for (let i = 0; i < agentIds.length; i += 90) live.push(...(await store.liveSandboxesOfAgents(agentIds.slice(i, i + 90))));
  await Promise.all(
    live.map(async (s) => {
      if (s.hostId)
        await tunnelOf(env, s.hostId)
          .command({ op: "sandbox.kill", sandboxId: s.id })
          .catch(() => undefined);
      await store.updateSandbox(s.id, { state: "stopped", reason: why });
      await endSandboxSession(env, orgId, s);
      await recordAudit(env, {
        orgId,
        actor: { type: "system", id: "palisade" },
        action: "sandbox.kill",
        resource: { type: "sandbox", id: s.id },
        result: "success",
        reason: why,
        details: { agentId: s.agentId, ...runtimeDetails(s) },
      });
    }),
  );
  return live.length;
}

/** A host was revoked: the sessions of the sandboxes it ran end, and the edge records them as stopped. */
export async function endSandboxesOnHost(env: Env, orgId: string, hostId: string, why: string) {
  const store = new HostStore(makeDb(env.DB), orgId);
  const live = await store.liveSandboxesOnHost(hostId);
  await Promise.all(
    live.map(async (s) => {
      await endSandboxSession(env, orgId, s);
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
 * agents under that limit: the limited agent and its subagents (whose spend counts against it),
 * every agent of the team, or the whole org.
 */
export async function stopSandboxesOverLimit(env: Env, orgId: string) {
  const events = await env.ORG_SPEND.get(env.ORG_SPEND.idFromName(orgId)).drainStopEvents(100);
  if (events.length === 0) return;
  const data = new OrgData(makeDb(env.DB), orgId);
  const agentIds = new Set<string>();
  for (const e of events) {
    if (e.scope === "agent") {
      const limited = e.scopeId ?? e.agentId;
      agentIds.add(e.agentId);
      agentIds.add(limited);
      for (const sub of await data.subagents(limited)) agentIds.add(sub.id);
    } else {
      const all = await data.agentsIn(e.scope === "team" ? e.scopeId : null);
      for (const a of all) agentIds.add(a.id);
    }
  }
  await killSandboxesOf(env, orgId, [...agentIds], "spend limit reached");
}
