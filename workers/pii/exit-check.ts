// The agent-facing check of the exits other than the LLM proxy: one call that scans what leaves
// (an egress request, tool arguments) or comes back (tool results) under the agent's merged
// `piiExits` rules and the org's lists, and refuses with 422 when a rule blocks a category.
import type { PiiCategory } from "../../schema/pii.js";
import type { AgentRights } from "../agents/rights.js";
import { AppError } from "../errors.js";
import type { PiiBudgetReason } from "./errors.js";
import { piiListsOf } from "./lists.js";
import { type OutboundData, type OutboundVerdict, scanOutbound } from "./outbound.js";

/** What a passed check puts in the call's audit event: the categories found and their counts. */
export type ExitAudit = OutboundVerdict["audit"];

/** Scans `data` on its exit; throws 422 pii_blocked (categories only, never values) when the rules block it. */
export async function checkExit(env: Env, rights: Pick<AgentRights, "agent" | "policy">, data: OutboundData): Promise<ExitAudit> {
  const verdict = scanOutbound(rights.policy.piiExits, data, {
    lists: await piiListsOf(env, rights.agent.orgId),
    detect: { entityCacheScope: rights.agent.orgId },
  });
  if (verdict.action === "block") throw blockedError(data.exit, verdict.blockedCategories, verdict.failed);
  return verdict.audit;
}

/** Why a scan could not complete, in words the caller can act on. */
const UNCHECKED: Record<PiiBudgetReason, string> = {
  size: "is too large to check for personal data within the scan's size limit",
  time: "could not be checked for personal data within the scan's time limit",
  entity_size: "is too large to check for names within the scan's limit",
  detector_error: "could not be checked for personal data",
  encoding: "is in a content encoding the gateway cannot decode (gzip and deflate are read), so it could not be checked for personal data",
};

function blockedError(exit: OutboundData["exit"], categories: PiiCategory[], failed: PiiBudgetReason | undefined): AppError {
  const where = exit === "egress" ? "the request" : exit === "toolArguments" ? "the tool's arguments" : "the tool's result";
  if (categories.length === 0 && failed) {
    return new AppError("pii_blocked", `${where} ${UNCHECKED[failed]} and was refused (fail-closed)`, { details: { exit, reason: failed } });
  }
  return new AppError("pii_blocked", `${where} contains personal data this policy blocks: ${categories.join(", ")}`, {
    details: { exit, categories },
  });
}
