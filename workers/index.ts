// Worker entry: builds the app once and exports the fetch handler and Durable Object classes.
import { buildApp } from "./app.js";

export { AuditLog } from "./audit/audit-log.js";
export { HostTunnel } from "./tunnel/host-tunnel.js";
export { ApprovalWaiter } from "./autonomy/approval-waiter.js";
export { OrgSpend } from "./spend/org-spend.js";
export { AgentWatch } from "./agents/agent-watch.js";
export { LoginGuard } from "./identity/login-guard.js";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
