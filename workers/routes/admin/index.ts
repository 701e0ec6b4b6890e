// The admin API under /api/v1: public identity routes, then everything that needs a user.
import { requireUser } from "../../identity/authenticate.js";
import { jsonBody } from "../../http/middleware.js";
import { agentRoutes } from "./agents.js";
import { apiKeyRoutes } from "./api-keys.js";
import { auditRoutes } from "./audit.js";
import { consoleRoutes } from "./console.js";
import { credentialRoutes } from "./credentials.js";
import { hostRoutes } from "./hosts.js";
import { identityRoutes } from "./identity.js";
import { invitationRoutes } from "./invitations.js";
import { notificationRoutes } from "./notifications.js";
import { telemetryRoutes } from "./telemetry.js";
import { adminRouter } from "./kit.js";
import { orgRoutes } from "./orgs.js";
import { policyRoutes } from "./policies.js";
import { sandboxRoutes } from "./sandboxes.js";
import { spendRoutes } from "./spend.js";
import { ssoOrgRoutes, ssoRoutes } from "./sso.js";
import { suspensionRoutes } from "./suspension.js";
import { teamRoutes } from "./teams.js";
import { agentMemoryRoutes } from "./agent-memory.js";
import { approvalRoutes } from "./approvals.js";
import { guideRoutes } from "./guides.js";
import { toolRoutes } from "./tools.js";
import { scimOAuthRoutes } from "./scim-oauth.js";

/** Admin API bodies are small documents; anything larger is refused with 413. */
export const ADMIN_BODY_LIMIT = 64 * 1024;

export function adminApi() {
  const api = adminRouter();
  api.use("*", jsonBody(ADMIN_BODY_LIMIT));
  api.route("/", identityRoutes);
  // Single sign-on, the MFA step of a login, the caller's authenticator, org SSO settings.
  api.route("/", ssoRoutes);
  api.use("/orgs", requireUser);
  api.use("/orgs/*", requireUser);
  for (const routes of [
    orgRoutes,
    // Also POST /invitations/accept, outside /orgs: open to everyone, a signed-in user optional.
    invitationRoutes,
    teamRoutes,
    agentRoutes,
    suspensionRoutes,
    apiKeyRoutes,
    credentialRoutes,
    policyRoutes,
    hostRoutes,
    sandboxRoutes,
    toolRoutes,
    approvalRoutes,
    guideRoutes,
    agentMemoryRoutes,
    spendRoutes,
    auditRoutes,
    notificationRoutes,
    consoleRoutes,
    telemetryRoutes,
    ssoOrgRoutes,
    scimOAuthRoutes,
  ])
    api.route("/", routes);

  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "pal_admin_… API key or a session token from POST /api/v1/login",
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "session", {
    type: "apiKey",
    in: "cookie",
    name: "__Host-pal_session",
    description: "dashboard session; writes also need the x-csrf-token header",
  });
  api.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: "Palisade admin API", version: "1.0.0" },
    servers: [{ url: "/api/v1" }],
  });
  return api;
}
