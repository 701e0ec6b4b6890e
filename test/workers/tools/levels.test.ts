// The level table of the autonomy gate and how policies' autonomyGate sections combine.
import { describe, expect, it } from "vitest";
import { PolicyDocumentSchema } from "../../../schema/policy.js";
import { type GateSubject, approvalReason, autonomyInstructions, effectiveLevel, gateSettings } from "../../../workers/autonomy/levels.js";
import { computeEffectivePolicy } from "../../../workers/policy/effective.js";

const policyWith = (...gates: Array<Record<string, unknown>>) =>
  computeEffectivePolicy(
    gates.map((g, i) => ({
      id: `pol_${i}`,
      version: 1,
      scope: "org" as const,
      doc: PolicyDocumentSchema.parse({ name: `p${i}`, egress: [], autonomyGate: g }),
    })),
  );

const readTool: GateSubject = { kind: "tool", tool: "read", mutating: false, method: "GET" };
const writeTool: GateSubject = { kind: "tool", tool: "write", mutating: true, method: "POST" };
const deleteTool: GateSubject = { kind: "tool", tool: "drop", mutating: true, method: "DELETE" };
const egress = (method: string, host = "api.example.com"): GateSubject => ({ kind: "egress", method, host });

describe("autonomy levels", () => {
  it("follows the documented table", () => {
    const none = gateSettings(computeEffectivePolicy([]));
    const waits = (level: number) =>
      [readTool, writeTool, deleteTool, egress("GET"), egress("POST"), egress("DELETE")].map((s) => approvalReason(level, s, none) !== null);
    expect(waits(1)).toEqual([true, true, true, false, true, true]);
    expect(waits(2)).toEqual([false, true, true, false, true, true]);
    expect(waits(3)).toEqual([false, true, true, false, false, true]);
    expect(waits(4)).toEqual([false, false, true, false, false, true]);
    expect(waits(5)).toEqual([false, false, false, false, false, false]);
  });

  it("applies a policy's approve lists at every level, 5 included", () => {
    const settings = gateSettings(policyWith({ approve: { tools: ["read"], methods: ["PUT"], hosts: ["*.bank.example"] } }));
    expect(approvalReason(5, readTool, settings)).toBe("policy:approve.tools");
    expect(approvalReason(5, egress("PUT"), settings)).toBe("policy:approve.methods");
    expect(approvalReason(5, egress("GET", "pay.bank.example"), settings)).toBe("policy:approve.hosts");
    expect(approvalReason(5, egress("GET", "bank.example"), settings)).toBeNull();
  });

  it("combines policies strictly: lowest maxLevel, shortest timeout, subagents only if none forbids", () => {
    const s = gateSettings(
      policyWith({ maxLevel: 4, timeoutSeconds: 60, allowSubagents: true }, { maxLevel: 2, timeoutSeconds: 300, allowSubagents: false }),
    );
    expect(effectiveLevel(5, s)).toBe(2);
    expect(effectiveLevel(1, s)).toBe(1);
    expect(s.timeoutMs).toBe(60_000);
    expect(s.allowSubagents).toBe(false);
    expect(gateSettings(policyWith({ allowSubagents: true })).allowSubagents).toBe(true);
    expect(gateSettings(policyWith({})).allowSubagents).toBe(false);
  });

  it("fails closed on a gate section that does not validate", () => {
    const broken = computeEffectivePolicy([]);
    broken.autonomyGates.push({ policyId: "pol_x", gate: { maxLevel: "five" } });
    expect(effectiveLevel(5, gateSettings(broken))).toBe(1);
  });

  it("rejects unknown autonomyGate fields in a policy document", () => {
    expect(PolicyDocumentSchema.safeParse({ name: "p", egress: [], autonomyGate: { level: 5 } }).success).toBe(false);
    expect(PolicyDocumentSchema.safeParse({ name: "p", egress: [], autonomyGate: { approve: { hosts: ["*.com"] } } }).success).toBe(false);
  });

  it("tells the agent what its level means", () => {
    expect(autonomyInstructions(2)).toContain("Autonomy level: 2 of 5");
    expect(autonomyInstructions(2)).toContain("other than GET or HEAD");
  });
});
