// The agent gateway: every route authenticates an agent token first.
import { Hono } from "hono";
import { requireAgent } from "../../identity/authenticate.js";
import type { AppEnv } from "../../http/context.js";
import { agentToolRoutes } from "./agent-tools.js";

export function agentGateway() {
  const gateway = new Hono<AppEnv>();
  gateway.use("*", requireAgent);
  /** Lets an agent (or the sandbox host on its behalf) check which identity its token carries. */
  gateway.get("/me", (c) => {
    const { agent } = c.get("agent");
    return c.json({
      id: agent.id,
      orgId: agent.orgId,
      name: agent.name,
      teamId: agent.teamId,
      projectId: agent.projectId,
      parentAgentId: agent.parentAgentId,
      autonomy: agent.autonomy,
    });
  });
  gateway.route("/", agentToolRoutes());
  return gateway;
}
