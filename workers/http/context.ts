// The Hono environment shared by every route group: bindings plus per-request variables.
import type { AgentRow } from "../data/org-data.js";

export type UserPrincipal =
  | { kind: "user"; userId: string; via: "session"; jti: string; cookie: boolean }
  | { kind: "user"; userId: string; via: "api_key"; orgId: string; tokenId: string };

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
  };
}
