// A sandbox host played by a test: enrolled through the admin API, connected to GET /tunnel through
// the Worker's entry, answering commands and sending status reports as the real daemon would.
import { exports } from "cloudflare:workers";
import type { SandboxRuntime } from "../../../schema/sandbox.js";
import { EdgeToHostFrame, type SandboxStartCommand, type SandboxStatus } from "../../../schema/tunnel.js";
import { BASE, type SeededOrg, call } from "./api.js";

/** What the real daemon would run a start on: the level's driver (bwrap without an image), the image asked, a VM's accelerator. */
export function honestRuntime(cmd: SandboxStartCommand, imageDigest?: string): SandboxRuntime {
  const isolation = cmd.isolation ?? "container";
  const driver = isolation === "vm" ? "microvm" : isolation === "gvisor" ? "gvisor" : cmd.image ? "oci" : "bwrap";
  return { driver, isolation, ...(imageDigest ? { imageDigest } : {}), ...(driver === "microvm" ? { accelerator: "tcg" as const } : {}) };
}

export class FakeHost {
  /** Every sandbox.start command received, in order (the agent token the edge handed over included). */
  readonly starts: SandboxStartCommand[] = [];
  /** Every command received (start, stop, kill). */
  readonly commands: Array<{ op: string; sandboxId: string }> = [];
  closed = false;
  #waiters: Array<() => void> = [];

  constructor(
    readonly hostId: string,
    readonly ws: WebSocket,
  ) {
    ws.addEventListener("message", (ev) => {
      if (typeof ev.data !== "string") return;
      const parsed = EdgeToHostFrame.safeParse(JSON.parse(ev.data));
      if (!parsed.success) return;
      const f = parsed.data;
      if (f.t === "cmd") {
        this.commands.push({ op: f.cmd.op, sandboxId: f.cmd.sandboxId });
        if (f.cmd.op === "sandbox.start") {
          this.starts.push(f.cmd);
          // A start's ack says what the sandbox runs on, as the daemon's does (the edge refuses one that does not).
          this.send({ t: "cmd.ack", id: f.id, ok: true, runtime: honestRuntime(f.cmd) });
        } else this.send({ t: "cmd.ack", id: f.id, ok: true });
      }
      if (f.t === "ping") this.send({ t: "pong" });
      this.#wake();
    });
    ws.addEventListener("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Reports a sandbox's state as the daemon does (fire and forget, like the real frame). */
  report(sandboxId: string, state: SandboxStatus["state"], extra: Partial<SandboxStatus> = {}): void {
    this.send({ t: "sandbox.status", sandboxId, state, at: Date.now(), ...extra });
  }

  /** Waits until `pred` holds (checked after every frame), at most timeoutMs. */
  async until(pred: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error("fake host: condition not met in time");
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), new Promise((r) => setTimeout(r, 20))]);
    }
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** Enrolls a host into `pool` of the org and connects it through the Worker's /tunnel route. */
export async function connectFakeHost(org: SeededOrg, pool = "onprem"): Promise<FakeHost> {
  const enrollment = await call(`/api/v1/orgs/${org.orgId}/hosts`, { method: "POST", token: org.apiKey, body: { pool } });
  if (enrollment.status !== 201) throw new Error(`host enrollment token: ${enrollment.status} ${enrollment.text}`);
  const enrolled = await call("/api/v1/hosts/enroll", { method: "POST", token: enrollment.json.enrollmentToken, body: { name: "fake" } });
  if (enrolled.status !== 201) throw new Error(`host enroll: ${enrolled.status} ${enrolled.text}`);
  const res = await exports.default.fetch(
    new Request(`${BASE}/tunnel`, { headers: { upgrade: "websocket", authorization: `Bearer ${enrolled.json.credential}` } }),
  );
  const ws = res.webSocket;
  if (res.status !== 101 || !ws) throw new Error(`tunnel upgrade: ${res.status}`);
  ws.accept();
  const host = new FakeHost(enrolled.json.hostId as string, ws);
  let acked = false;
  ws.addEventListener("message", (ev) => {
    if (typeof ev.data === "string" && ev.data.includes('"hello.ack"')) acked = true;
  });
  host.send({ t: "hello", v: 1, agent: "fake-host" });
  await host.until(() => acked);
  return host;
}

/** Starts a sandbox of the agent on the fake host's pool; returns its id and the session token the host received. */
export async function startSandbox(org: SeededOrg, host: FakeHost, agentId: string, pool = "onprem", idleTimeoutMinutes = 30) {
  const res = await call(`/api/v1/orgs/${org.orgId}/sandboxes`, {
    method: "POST",
    token: org.apiKey,
    body: { agentId, pool, command: ["python", "agent.py"], idleTimeoutMinutes },
  });
  if (res.status !== 201) throw new Error(`sandbox start: ${res.status} ${res.text}`);
  const start = host.starts.find((s) => s.sandboxId === res.json.id);
  if (!start) throw new Error("the host never received sandbox.start");
  return { sandboxId: res.json.id as string, token: start.agentToken };
}
