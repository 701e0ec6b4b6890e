// A sandbox host for attack tests: enrolled through the API, connected to the real /tunnel route,
// recording every command the edge sends it and acknowledging each one.
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { type HostCapabilities, imageOnHost, type SandboxRuntime } from "../../../schema/sandbox.js";
import { EdgeToHostFrame, PROTOCOL_VERSION, type SandboxStatus, type TunnelCommand } from "../../../schema/tunnel.js";
import { BASE, call, type SeededOrg, unique } from "../../workers/support/api.js";
import { honestRuntime } from "../../workers/support/fake-host.js";

export interface ConnectedHost {
  pool: string;
  /** Every command the edge sent, in order. */
  commands: TunnelCommand[];
  /** Sends a status report as the host. */
  sendStatus(status: Omit<SandboxStatus, "at">): void;
  close(): void;
}

export interface HostBehaviour {
  /** What the host advertises with hello (drivers and images). */
  capabilities?: HostCapabilities;
  /**
   * What it says a started sandbox runs on; by default the truth, as the daemon reports it. A lying
   * host reports less or other than it was asked, a broken one fields the schema refuses (hence the
   * loose type).
   */
  runtime?: (cmd: TunnelCommand) => SandboxRuntime | Record<string, unknown> | undefined;
  /** A status report it sends before its ack (a host that claims `running` first). */
  statusBeforeAck?: (cmd: TunnelCommand) => Omit<SandboxStatus, "at"> | undefined;
}

/** Enrolls a host in a new pool of the org and connects it; it answers every command with ok. */
export async function connectHost(org: SeededOrg, behaviour: HostBehaviour = {}): Promise<ConnectedHost> {
  const pool = unique("pool").toLowerCase();
  const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool } });
  expect(enrollment.status, enrollment.text).toBe(201);
  const enrolled = await call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: pool } });
  expect(enrolled.status, enrolled.text).toBe(201);
  const res = await exports.default.fetch(
    new Request(`${BASE}/tunnel`, { headers: { upgrade: "websocket", authorization: `Bearer ${enrolled.json.credential}` } }),
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no websocket");
  ws.accept();
  const commands: TunnelCommand[] = [];
  const ready = new Promise<void>((resolve) => {
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;
      const frame = EdgeToHostFrame.parse(JSON.parse(ev.data));
      if (frame.t === "hello.ack") resolve();
      if (frame.t === "cmd") {
        commands.push(frame.cmd);
        const early = behaviour.statusBeforeAck?.(frame.cmd);
        if (early) ws.send(JSON.stringify({ t: "sandbox.status", ...early, at: Date.now() }));
        // By default it answers as the daemon does: what the start runs on, the image asked included.
        const runtime = behaviour.runtime
          ? behaviour.runtime(frame.cmd)
          : frame.cmd.op === "sandbox.start"
            ? honestRuntime(
                frame.cmd,
                frame.cmd.image && behaviour.capabilities ? imageOnHost(behaviour.capabilities, frame.cmd.image)?.digest : undefined,
              )
            : undefined;
        ws.send(JSON.stringify({ t: "cmd.ack", id: frame.id, ok: true, ...(runtime ? { runtime } : {}) }));
      }
    });
  });
  ws.send(JSON.stringify({ t: "hello", v: PROTOCOL_VERSION, ...(behaviour.capabilities ? { capabilities: behaviour.capabilities } : {}) }));
  await ready;
  if (behaviour.capabilities) {
    // The tunnel object stores them in D1 in the background: wait until the hosts API shows them.
    for (let i = 0; i < 100; i++) {
      const hosts = await call(`/api/v1/orgs/${org.orgId}/hosts`, { token: org.apiKey });
      if (hosts.json.items.some((h: { name: string; drivers: unknown[] }) => h.name === pool && h.drivers.length > 0)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    pool,
    commands,
    sendStatus: (status) => ws.send(JSON.stringify({ t: "sandbox.status", ...status, at: Date.now() })),
    close: () => ws.close(1000, "done"),
  };
}

/** An agent of the org, created through the API. */
export async function createAgent(org: SeededOrg): Promise<string> {
  const agent = await call(`/api/v1/orgs/${org.orgId}/agents`, { method: "POST", token: org.apiKey, body: { name: unique("agent") } });
  expect(agent.status, agent.text).toBe(201);
  return agent.json.id as string;
}
