// Autonomy levels 1-5: which calls run at once and which wait for a human, decided from the agent's level and its policies' autonomyGate sections.
import { type AutonomyGateConfig, AutonomyGateConfigSchema } from "../../schema/tools.js";
import type { EffectivePolicy } from "../policy/effective.js";
import { hostMatches } from "../policy/match.js";

/**
 * What waits for approval, by level (the policy's `autonomyGate.approve` lists wait at every level):
 * 1 supervised: every tool call, and every egress request except GET/HEAD.
 * 2 cautious:   mutating tool calls, and egress except GET/HEAD.
 * 3 guarded (default): mutating tool calls, and egress DELETE.
 * 4 trusted:    destructive calls only: DELETE tools and egress DELETE.
 * 5 autonomous: nothing beyond the policy's own `approve` lists.
 * No level widens what policy allows: the gate runs only after policy has allowed the call.
 */
export const LEVEL_RULES: Record<number, string> = {
  1: "Every tool call and every outbound request other than GET or HEAD waits for a human approval.",
  2: "Every tool call that changes something, and every outbound request other than GET or HEAD, waits for a human approval.",
  3: "Every tool call that changes something, and every outbound DELETE request, waits for a human approval.",
  4: "Destructive calls (DELETE tools and outbound DELETE requests) wait for a human approval.",
  5: "You may act without approvals, except for calls your administrators listed as always needing one.",
};

export const DEFAULT_APPROVAL_TIMEOUT_MS = 600_000;
const SAFE_METHODS = new Set(["GET", "HEAD"]);

export type GateSubject = { kind: "tool"; tool: string; mutating: boolean; method: string | null } | { kind: "egress"; method: string; host: string };

export interface GateSettings {
  approveTools: Set<string>;
  approveMethods: Set<string>;
  approveHosts: Set<string>;
  timeoutMs: number;
  allowSubagents: boolean;
  maxLevel: number;
  maxSubagents: number;
}

export const DEFAULT_MAX_SUBAGENTS = 16;

/**
 * Merges the autonomyGate sections of an agent's policies, strictest wins: approval lists are
 * unioned, the shortest timeout and lowest maxLevel apply, subagents are allowed only if some
 * policy allows them and none forbids them. A section that does not validate counts as
 * maxLevel 1 (fail closed) rather than being ignored.
 */
export function gateSettings(policy: EffectivePolicy): GateSettings {
  const settings: GateSettings = {
    approveTools: new Set(),
    approveMethods: new Set(),
    approveHosts: new Set(),
    timeoutMs: DEFAULT_APPROVAL_TIMEOUT_MS,
    allowSubagents: false,
    maxLevel: 5,
    maxSubagents: DEFAULT_MAX_SUBAGENTS,
  };
  let forbidSubagents = false;
  for (const { gate } of policy.autonomyGates) {
    const parsed = AutonomyGateConfigSchema.safeParse(gate);
    if (!parsed.success) {
      settings.maxLevel = 1;
      forbidSubagents = true;
      continue;
    }
    const g: AutonomyGateConfig = parsed.data;
    for (const t of g.approve?.tools ?? []) settings.approveTools.add(t);
    for (const m of g.approve?.methods ?? []) settings.approveMethods.add(m);
    for (const h of g.approve?.hosts ?? []) settings.approveHosts.add(h);
    if (g.timeoutSeconds !== undefined) settings.timeoutMs = Math.min(settings.timeoutMs, g.timeoutSeconds * 1000);
    if (g.maxLevel !== undefined) settings.maxLevel = Math.min(settings.maxLevel, g.maxLevel);
    if (g.maxSubagents !== undefined) settings.maxSubagents = Math.min(settings.maxSubagents, g.maxSubagents);
    if (g.allowSubagents === true) settings.allowSubagents = true;
    if (g.allowSubagents === false) forbidSubagents = true;
  }
  if (forbidSubagents) settings.allowSubagents = false;
  return settings;
}

/** The level the agent acts at: its own, capped by its policies. */
export function effectiveLevel(agentAutonomy: number, settings: GateSettings): number {
  return Math.max(1, Math.min(agentAutonomy, settings.maxLevel, 5));
}

/** Why a call must wait, or null when it may run at once. */
export function approvalReason(level: number, subject: GateSubject, settings: GateSettings): string | null {
  if (subject.kind === "tool") {
    if (settings.approveTools.has(subject.tool)) return "policy:approve.tools";
    if (level <= 1) return "autonomy:1:every_tool_call";
    if (level <= 3 && subject.mutating) return `autonomy:${level}:mutating_tool`;
    if (level <= 4 && subject.method === "DELETE") return `autonomy:${level}:destructive`;
    return null;
  }
  if (settings.approveMethods.has(subject.method)) return "policy:approve.methods";
  if ([...settings.approveHosts].some((pattern) => hostMatches(pattern, subject.host))) return "policy:approve.hosts";
  if (level <= 2 && !SAFE_METHODS.has(subject.method)) return `autonomy:${level}:non_get_egress`;
  if (level <= 4 && subject.method === "DELETE") return `autonomy:${level}:destructive`;
  return null;
}

/** The autonomy part of the Agent Guide: what the agent should expect at its level. */
export function autonomyInstructions(level: number): string {
  return [
    `Autonomy level: ${level} of 5.`,
    LEVEL_RULES[level] ?? LEVEL_RULES[1],
    "The platform enforces this: a call that needs approval is held until a person approves or denies it, or it expires. Do not try to work around a denial or a policy refusal; explain what you wanted to do instead.",
  ].join("\n");
}
