// The Hono environment shared by every route group: bindings plus per-request variables.
import type { AgentRights } from "../agents/rights.js";
import type { AgentRow } from "../data/org-data.js";
import type { AuthMethod } from "../identity/sessions.js";

export type UserPrincipal =
  | { kind: "user"; userId: string; via: "session"; jti: string; cookie: boolean; amr: AuthMethod[]; ssoOrgId: string | undefined }
  /** `amr` and `ssoOrgId`: how the session that minted the key signed in. */
  | { kind: "user"; userId: string; via: "api_key"; orgId: string; tokenId: string; amr: AuthMethod[]; ssoOrgId: string | undefined };

export interface AgentPrincipal {
  kind: "agent";
  agentId: string;
  orgId: string;
  tokenId: string;
  agent: AgentRow;
}

export type Principal = UserPrincipal | AgentPrincipal;

export interface AppEnv {
  Bindings: Env;
  Variables: {
    traceId: string;
    user: UserPrincipal;
    agent: AgentPrincipal;
    /** The calling agent's rights (its parent chain merged), set with `agent` by requireAgent. */
    rights: AgentRights;
    /** When they were read (ms since the epoch), by requireAgent or the OAuth resource's middleware. */
    rightsReadAt: number | undefined;
    /** Reads the agent and its rights again as the middleware that authenticated the call does (`fresh`: past every cache). */
    reauthorise: ((fresh: boolean) => Promise<void>) | undefined;
    /** The person an agent acts for (OAuth from a desktop MCP client); unset for agent tokens. */
    onBehalfOf: { userId: string; visibleToolIds: ReadonlySet<string> | null } | undefined;
  };
}
