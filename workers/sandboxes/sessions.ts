// Sandbox session tokens: the agent token a managed sandbox runs with is its own, named
// "sandbox:<id>", and lives only as long as the sandbox may: it expires with the sandbox's idle
// timeout unless the host keeps renewing it (its heartbeats and status reports through the
// tunnel), it is revoked when the sandbox ends, and it is revoked with the agent's credentials
// (rotation or revocation of the agent or of its parent) or its host's.
import { makeDb } from "../data/db.js";
import { HostStore, type SandboxRow } from "../data/host-store.js";
import { OrgData, SANDBOX_TOKEN_PREFIX } from "../data/org-data.js";
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

/** Ends one sandbox's session (the sandbox ended or was stopped). */
export async function endSandboxSession(data: OrgData, sandbox: Pick<SandboxRow, "id" | "agentId">): Promise<void> {
  forgetTokens(await data.revokeNamedTokens("agent", sandbox.agentId, sandboxTokenName(sandbox.id)));
}

/** Ends every sandbox session of these agents (their credentials changed). */
export async function endSandboxSessionsOf(env: Env, orgId: string, agentIds: string[]): Promise<void> {
  forgetTokens(await new OrgData(makeDb(env.DB), orgId).revokeSandboxTokens(agentIds));
}
