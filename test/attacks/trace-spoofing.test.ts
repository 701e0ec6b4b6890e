// Attack class: filing one's events under someone else's trace. The trace id the platform records
// (and answers in x-palisade-trace-id) is always its own; a client's x-palisade-trace-id is kept
// only as the separate, labelled clientTraceId, and only when it is well-formed.
import { describe, expect, it } from "vitest";
import { type SeededOrg, call, seedMember, seedOrg } from "../workers/support/api.js";

const TRACE = "x-palisade-trace-id";
const PLATFORM_TRACE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Event = Record<string, any>;

async function events(org: SeededOrg, query: string): Promise<Event[]> {
  const res = await call(`/api/v1/orgs/${org.orgId}/audit?${query}&limit=200`, { token: org.apiKey });
  expect(res.status).toBe(200);
  return res.json.items as Event[];
}

/** Waits for the events of an action (hot-path events reach the log in batches). */
async function eventsOf(org: SeededOrg, action: string, count = 1): Promise<Event[]> {
  for (let i = 0; i < 100; i++) {
    const found = await events(org, `action=${action}`);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no ${action} event`);
}

/** An admin's action and the trace id the platform gave it. */
async function adminTrace(org: SeededOrg) {
  const team = await call(`/api/v1/orgs/${org.orgId}/teams`, { method: "POST", token: org.apiKey, body: { name: "victim-team" } });
  expect(team.status).toBe(201);
  const trace = team.headers.get(TRACE);
  expect(trace).toMatch(PLATFORM_TRACE);
  return trace as string;
}

async function agentOf(org: SeededOrg) {
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: "spoofer" } });
  return agent.json.token as string;
}

describe("attack: trace spoofing", () => {
  it("attack: an agent files its egress events under an admin's trace id", async () => {
    const org = await seedOrg("trace-egress");
    const trace = await adminTrace(org);
    const agentToken = await agentOf(org);
    const res = await call("/egress/https://api.example.test/steal", { token: agentToken, headers: { [TRACE]: trace } });
    expect(res.status).toBe(403);
    expect(res.headers.get(TRACE)).not.toBe(trace);
    expect(res.headers.get(TRACE)).toMatch(PLATFORM_TRACE);

    const [egress] = await eventsOf(org, "egress.request");
    expect(egress?.traceId).not.toBe(trace);
    expect(egress?.clientTraceId).toBe(trace);
    const underAdminTrace = await events(org, `traceId=${trace}`);
    expect(underAdminTrace.map((e) => e.actor.type)).toEqual(["user"]);
    expect(underAdminTrace.map((e) => e.action)).toEqual(["team.create"]);
  });

  it("attack: an agent files its memory writes under an admin's trace id (header name in any case)", async () => {
    const org = await seedOrg("trace-memory");
    const trace = await adminTrace(org);
    const agentToken = await agentOf(org);
    const res = await call("/agent/v1/memory/notes", {
      method: "PUT",
      token: agentToken,
      body: { value: "x" },
      headers: { "X-Palisade-Trace-Id": trace },
    });
    expect(res.status).toBeLessThan(300);
    const [write] = await eventsOf(org, "memory.write");
    expect(write?.traceId).not.toBe(trace);
    expect(write?.clientTraceId).toBe(trace);
    expect((await events(org, `traceId=${trace}`)).every((e) => e.actor.type === "user" && e.action === "team.create")).toBe(true);
  });

  it("attack: another member files admin-API events under the owner's trace id", async () => {
    const org = await seedOrg("trace-member");
    const trace = await adminTrace(org);
    const admin = await seedMember(org, "admin");
    const res = await call(`/api/v1/orgs/${org.orgId}/projects`, {
      method: "POST",
      token: admin.apiKey,
      body: { name: "planted" },
      headers: { [TRACE]: trace },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get(TRACE)).not.toBe(trace);
    const [created] = await eventsOf(org, "project.create");
    expect(created?.actor.id).toBe(admin.userId);
    expect(created?.traceId).toBe(res.headers.get(TRACE));
    expect(created?.clientTraceId).toBe(trace);
    expect((await events(org, `traceId=${trace}`)).map((e) => e.action)).toEqual(["team.create"]);
  });

  it("attack: a host files its enrollment under an admin's trace id", async () => {
    const org = await seedOrg("trace-host");
    const trace = await adminTrace(org);
    const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool: "p" } });
    const enrolled = await call("/api/v1/hosts/enroll", {
      method: "POST",
      token: enrollment.json.enrollmentToken,
      body: { name: "h" },
      headers: { [TRACE]: trace },
    });
    expect(enrolled.status).toBe(201);
    const [enroll] = await eventsOf(org, "host.enroll");
    expect(enroll?.traceId).not.toBe(trace);
    expect(enroll?.clientTraceId).toBe(trace);
  });

  it("attack: malformed or oversized client trace ids are not recorded at all", async () => {
    const org = await seedOrg("trace-bad");
    const agentToken = await agentOf(org);
    const bad = ["a".repeat(65), "short", "has space in it", "semi;colon-0123", 'quote"d-0123456', "../../etc/passwd"];
    for (const value of bad) {
      const res = await call("/egress/https://api.example.test/x", { token: agentToken, headers: { [TRACE]: value } });
      expect(res.status, value).toBe(403);
      expect(res.headers.get(TRACE), value).toMatch(PLATFORM_TRACE);
    }
    const recorded = await eventsOf(org, "egress.request", bad.length);
    for (const e of recorded) {
      expect(e.traceId).toMatch(PLATFORM_TRACE);
      expect(e.clientTraceId).toBeNull();
    }
  });

  it("filters by the client's trace id, which never mixes with the platform's", async () => {
    const org = await seedOrg("trace-filter");
    const agentToken = await agentOf(org);
    const mine = `client-run-${Date.now()}`;
    for (let i = 0; i < 3; i++) await call("/egress/https://api.example.test/x", { token: agentToken, headers: { [TRACE]: mine } });
    await eventsOf(org, "egress.request", 3);
    const byClient = await events(org, `clientTraceId=${mine}`);
    expect(byClient).toHaveLength(3);
    expect(new Set(byClient.map((e) => e.traceId)).size).toBe(3);
    expect(await events(org, `traceId=${mine}`)).toHaveLength(0);
  });
});
