// Worker entry: builds the app once and exports the fetch handler and Durable Object classes.
import { buildApp } from "./app.js";
import { checkpointAllOrgs } from "./audit/checkpoints.js";
import { countingEnv, ioCountsPath, ioCountsResponse } from "./http/io-counts.js";

export { AuditLog } from "./audit/audit-log.js";
export { HostTunnel } from "./tunnel/host-tunnel.js";
export { ApprovalWaiter } from "./autonomy/approval-waiter.js";
export { OrgSpend } from "./spend/org-spend.js";
export { OrgSpendShard } from "./spend/org-spend-shard.js";
export { AgentWatch } from "./agents/agent-watch.js";
export { LoginGuard } from "./identity/login-guard.js";

const app = buildApp();

export default {
  fetch(request, env, ctx) {
    // Benchmark-only round-trip counts (workers/http/io-counts.ts); "false" in every deployment.
    if (env.BENCH_IO_COUNTS !== "true") return app.fetch(request, env, ctx);
    if (new URL(request.url).pathname === ioCountsPath) return ioCountsResponse(request.method);
    return app.fetch(request, countingEnv(env), ctx);
  },
  // The cron of wrangler.toml: signed audit checkpoints for every org whose chain moved.
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(checkpointAllOrgs(env).then((r) => r.failed > 0 && console.error("audit checkpoints failed", r)));
  },
} satisfies ExportedHandler<Env>;
