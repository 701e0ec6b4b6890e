// Sandbox session tokens: the agent token a managed sandbox runs with is its own, named
// "sandbox:<id>", and lives only as long as the sandbox may: it expires with the sandbox's idle
// timeout unless the host keeps renewing it (its heartbeats and status reports through the
// tunnel), it is revoked when the sandbox ends, and it is revoked with the agent's credentials
// (rotation or revocation of the agent or of its parent) or its host's. A subagent the agent
// mints with the session token gets a token of the same session (kept when an admin rotates it;
// refused once the session ended), so nothing minted inside a sandbox outlives it.
import { makeDb } from "../data/db.js";
import { HostStore, type SandboxRow } from "../data/host-store.js";
import { OrgData, SANDBOX_TOKEN_PREFIX } from "../data/org-data.js";
import { endSessionWork } from "../agents/withdrawal.js";
import { forgetTokens, mintToken } from "../identity/tokens.js";

/** How often a connected host's tunnel renews its sandboxes' sessions (at most). */
export const SESSION_RENEW_EVERY_MS = 30_000;

export const sandboxTokenName = (sandboxId: string) => `${SANDBOX_TOKEN_PREFIX}${sandboxId}`;

/**
 * When a session renewed at `now` expires: the idle timeout, plus one renewal interval so a
 * renewal that comes on time always lands before the expiry.
 */
export const sessionExpiry = (now: number, idleTimeoutMs: number) => now + idleTimeoutMs + SESSION_RENEW_EVERY_MS;

/** Mints the sandbox's session token (shown only to its host, in sandbox.start). */
export async function openSandboxSession(data: OrgData, sandbox: Pick<SandboxRow, "id" | "agentId" | "idleTimeoutMs">): Promise<string> {
  const token = await mintToken("agent");
  await data.insertToken("agent", sandbox.agentId, {
    sha256: token.sha256,
    prefix: token.prefix,
    name: sandboxTokenName(sandbox.id),
    expiresAt: sessionExpiry(Date.now(), sandbox.idleTimeoutMs),
  });
  return token.token;
}

/** Renews the sessions of the host's live sandboxes (or of one of them): the host is alive. */
export async function renewSandboxSessions(env: Env, orgId: string, hostId: string, sandboxId?: string): Promise<number> {
  const now = Date.now();
  return new HostStore(makeDb(env.DB), orgId).renewSandboxTokens(hostId, (s) => sessionExpiry(now, s.idleTimeoutMs), now, sandboxId);
}

/**
 * The session a token belongs to, if it is a sandbox session token: a subagent minted with it
 * gets a token bound to the same session (same name and expiry, renewed and ended with it).
 */
export async function sessionOfToken(data: OrgData, tokenId: string): Promise<{ name: string; expiresAt: number | null } | null> {
  const token = await data.token("agent", tokenId);
  return token?.name?.startsWith(SANDBOX_TOKEN_PREFIX) ? { name: token.name, expiresAt: token.expiresAt } : null;
}

/**
 * The session a new token of this agent must stay bound to: null for an agent not minted inside
 * a sandbox session; that session's name and current expiry while it lives; "ended" once the
 * sandbox's own session token is revoked or lapsed (nothing may bring the subagent back).
 */
export async function sessionBindingOf(data: OrgData, agentId: string): Promise<{ name: string; expiresAt: number | null } | "ended" | null> {
  const name = await data.sessionNameOfAgent(agentId);
  if (name === null) return null;
  const live = await data.liveSessionToken(name, agentId);
  return live ? { name, expiresAt: live.expiresAt } : "ended";
}

/**
 * Ends one sandbox's session (the sandbox ended or was stopped): its token and the tokens of
 * subagents minted with it are revoked, and what they have running ends (workers/agents/withdrawal.ts).
 */
export async function endSandboxSession(env: Env, orgId: string, sandbox: Pick<SandboxRow, "id" | "agentId">): Promise<void> {
  const revoked = await new OrgData(makeDb(env.DB), orgId).revokeNamedTokens(sandboxTokenName(sandbox.id));
  forgetTokens(revoked.map((t) => t.sha256));
  await endSessionWork(env, orgId, sandbox.agentId, revoked, `sandbox ${sandbox.id} ended`);
}
