// The host daemon against a local edge: real bwrap sandboxes started, stopped, killed and timed out over the tunnel; egress through the proxy.
import { chmod, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxStartCommand } from "../../../schema/tunnel.js";
import { type HostDaemon, startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { AGENT_ID, AGENT_TOKEN, type FakeEdge, HOST_CREDENTIAL, ORG_ID, startEdge } from "./fake-edge.js";
import { missing } from "../../support/capabilities.js";

const availability = await new BwrapDriver().available();
const hasCurl = (() => {
  try {
    execFileSync("/usr/bin/curl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

let seq = 0;
const sid = () => `d${process.pid}-${++seq}`;
const startCmd = (command: string[], over: Partial<SandboxStartCommand> = {}): SandboxStartCommand => ({
  op: "sandbox.start",
  sandboxId: sid(),
  agentId: AGENT_ID,
  command,
  env: {},
  agentToken: AGENT_TOKEN,
  limits: { memoryBytes: 128 << 20, pids: 64 },
  ...over,
});

describe.skipIf(missing("bubblewrap", availability))("host daemon", { timeout: 30_000 }, () => {
  let edge: FakeEdge;
  let stateDir: string;
  let daemon: HostDaemon;
  const logs: string[] = [];

  beforeAll(async () => {
    edge = await startEdge();
    // Not below /tmp: bwrap mounts a private /tmp inside, so the CA is bound from here at its own path.
    stateDir = await mkdtemp(path.join("/var/tmp", "palisade-host-"));
    await chmod(stateDir, 0o711);
    await writeHostState(stateDir, {
      edgeUrl: edge.url,
      hostId: "host_1",
      orgId: ORG_ID,
      pool: "default",
      name: "test",
      credential: HOST_CREDENTIAL,
      enrolledAt: new Date().toISOString(),
    });
    daemon = await startHostDaemon({
      stateDir,
      log: (event, fields) => logs.push(JSON.stringify({ event, ...fields })),
      backoff: { baseMs: 50, maxMs: 200 },
    });
    await edge.mux();
  });
  afterAll(async () => {
    await daemon?.stop();
    await edge?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const run = async (cmd: SandboxStartCommand) => {
    const mux = await edge.mux();
    return mux.command(cmd);
  };
  const exited = (id: string) => edge.waitStatus((s) => s.sandboxId === id && (s.state === "exited" || s.state === "failed"));

  it("runs a command and reports starting, running, then exited with code, duration and output", async () => {
    const cmd = startCmd(["/bin/sh", "-c", 'echo "out $(id -u) $PWD"; echo err >&2; exit 7']);
    // The ack says what the sandbox runs on.
    expect(await run(cmd)).toEqual({
      ok: true,
      runtime: { driver: "bwrap", isolation: "container", limits: { memoryBytes: 128 << 20, cpuMillis: 1000, pids: 64 } },
    });
    const end = await exited(cmd.sandboxId);
    expect(end).toMatchObject({ state: "exited", exitCode: 7 });
    expect(end.output).toContain("out 1000 /workspace");
    expect(end.output).toContain("err");
    expect(end.durationMs).toBeGreaterThanOrEqual(0);
    expect(edge.statuses.filter((s) => s.sandboxId === cmd.sandboxId).map((s) => s.state)).toEqual(["starting", "running", "exited"]);
    // The per-sandbox dir (proxy socket) is gone; the agent's workspace stays.
    expect(await readdir(path.join(stateDir, "sandboxes"))).not.toContain(cmd.sandboxId);
    expect(await readdir(path.join(stateDir, "workspaces"))).toContain(AGENT_ID);
  });

  it("keeps only the last 4096 characters of output", async () => {
    const cmd = startCmd(["/usr/bin/perl", "-e", 'print "a" x 10000; print "THE-END"']);
    await run(cmd);
    const end = await exited(cmd.sandboxId);
    expect(end.output).toHaveLength(4096);
    expect(end.output?.endsWith("THE-END")).toBe(true);
  });

  it("stop sends SIGTERM to the sandbox (the command can clean up), kill ends it at once", async () => {
    const gid = sid();
    const graceful = startCmd(["/bin/sh", "-c", `trap "echo got-term; exit 0" TERM; : > ready-${gid}; while :; do sleep 0.1; done`], {
      sandboxId: gid,
    });
    await run(graceful);
    // Signalled only once the trap is in place (the file appears in the agent's workspace).
    const marker = path.join(stateDir, "workspaces", AGENT_ID, `ready-${graceful.sandboxId}`);
    while (!(await stat(marker).catch(() => undefined))) await new Promise((r) => setTimeout(r, 20));
    expect(await (await edge.mux()).command({ op: "sandbox.stop", sandboxId: graceful.sandboxId, graceMs: 2000 })).toEqual({ ok: true });
    const g = await exited(graceful.sandboxId);
    expect(g).toMatchObject({ state: "exited", exitCode: 0, reason: "stopped" });
    expect(g.output).toContain("got-term");

    // A command that ignores SIGTERM is killed once the grace period is over. Signalled only once
    // its trap is in place: a SIGTERM before it would end the shell with 143, not test the grace.
    const ignoringTerm = async () => {
      const id = sid();
      const cmd = startCmd(["/bin/sh", "-c", `trap '' TERM; : > ready-${id}; exec /bin/sleep 60`], { sandboxId: id });
      await run(cmd);
      const ready = path.join(stateDir, "workspaces", AGENT_ID, `ready-${id}`);
      while (!(await stat(ready).catch(() => undefined))) await new Promise((r) => setTimeout(r, 20));
      return cmd;
    };
    const deaf = await ignoringTerm();
    await (await edge.mux()).command({ op: "sandbox.stop", sandboxId: deaf.sandboxId, graceMs: 300 });
    expect(await exited(deaf.sandboxId)).toMatchObject({ state: "exited", exitCode: 137, reason: "stopped" });

    const stubborn = await ignoringTerm();
    expect(await (await edge.mux()).command({ op: "sandbox.kill", sandboxId: stubborn.sandboxId })).toEqual({ ok: true });
    expect(await exited(stubborn.sandboxId)).toMatchObject({ state: "exited", exitCode: 137, reason: "killed" });
    expect(daemon.manager.size).toBe(0);
  });

  it("stops a sandbox that stays silent past its idle timeout, not one that keeps talking", async () => {
    const silent = startCmd(["/bin/sleep", "60"], { idleTimeoutMs: 1000 });
    const chatty = startCmd(["/bin/sh", "-c", "i=0; while [ $i -lt 30 ]; do echo tick; sleep 0.1; i=$((i+1)); done; exit 3"], {
      idleTimeoutMs: 1000,
    });
    await run(silent);
    await run(chatty);
    expect(await exited(silent.sandboxId)).toMatchObject({ state: "exited", reason: "idle timeout" });
    expect(await exited(chatty.sandboxId)).toMatchObject({ state: "exited", exitCode: 3 });
    expect((await exited(chatty.sandboxId)).reason).toBeUndefined();
  });

  it("reports why a sandbox could not start, and refuses unknown ids and duplicates", async () => {
    // A command that fails validation is refused by itself, saying which field broke which rule.
    const bad = startCmd(["/bin/true"], { agentId: "../escape" });
    expect(await run(bad)).toMatchObject({ ok: false, error: { code: "bad_command", message: expect.stringMatching(/agentId: agent id/) } });
    expect(edge.statuses.some((s) => s.sandboxId === bad.sandboxId)).toBe(false);
    const big = startCmd(["/bin/true"], { limits: { memoryBytes: 2 ** 50 } });
    expect(await run(big)).toMatchObject({ ok: false, error: { code: "start_failed", message: expect.stringMatching(/memory limit above/) } });
    expect(await exited(big.sandboxId)).toMatchObject({ state: "failed", reason: expect.stringMatching(/memory limit above/) });

    const missing = startCmd(["/nonexistent/program"]);
    await run(missing);
    expect(await exited(missing.sandboxId)).toMatchObject({ state: "exited", exitCode: 127 });

    const mux = await edge.mux();
    expect(await mux.command({ op: "sandbox.kill", sandboxId: "no-such-sandbox" })).toMatchObject({ ok: false, error: { code: "unknown_sandbox" } });
    const twice = startCmd(["/bin/sleep", "60"]);
    await run(twice);
    expect(await run(twice)).toMatchObject({ ok: false, error: { code: "sandbox_exists" } });
    await mux.command({ op: "sandbox.kill", sandboxId: twice.sandboxId });
    await exited(twice.sandboxId);
  });

  it("sends egress through the proxy to the edge's /egress with the agent token; denied answers come back as 403", async () => {
    const script = `use IO::Socket::INET;
      my ($h, $p) = $ENV{HTTP_PROXY} =~ m{^http://([^:]+):(\\d+)} or die "no proxy";
      for my $t ("http://allowed.test/x?y=1", "http://denied.test/", "${edge.url}/agent/v1/me") {
        my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p, Proto => "tcp", Timeout => 5) or die "connect: $!";
        print $s "GET $t HTTP/1.0\\r\\nHost: x\\r\\nAuthorization: Bearer forged\\r\\n\\r\\n";
        my $line = <$s>; print "$t $line";
      }
      print "direct: ", (IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${new URL(edge.url).port}, Proto => "tcp", Timeout => 2) ? "open" : "refused"), "\\n";
      print "key: ", ($ENV{OPENAI_API_KEY} eq $ENV{ANTHROPIC_API_KEY} && length $ENV{OPENAI_API_KEY} ? "set" : "unset"), " $ENV{OPENAI_BASE_URL}\\n";`;
    const cmd = startCmd(["/usr/bin/perl", "-e", script]);
    await run(cmd);
    const end = await exited(cmd.sandboxId);
    expect(end.exitCode).toBe(0);
    expect(end.output).toMatch(/http:\/\/allowed\.test\/x\?y=1 HTTP\/1\.1 200/);
    expect(end.output).toMatch(/http:\/\/denied\.test\/ HTTP\/1\.1 403/);
    // The edge's own API is reached directly (not as egress), with the agent token.
    expect(end.output).toContain(`${edge.url}/agent/v1/me HTTP/1.1 200`);
    expect(edge.egress.some((e) => e.target.includes("/agent/v1/me"))).toBe(false);
    expect(edge.direct).toContainEqual({ target: "/agent/v1/me", method: "GET", agentAuth: true });
    expect(end.output).toContain("direct: refused");
    expect(end.output).toContain(`key: set ${edge.url}/llm/openai/v1`);
    // The sandbox's own Authorization header is replaced by the agent token.
    expect(edge.egress).toContainEqual({ target: "http://allowed.test/x?y=1", method: "GET", agentAuth: true });
    expect(edge.egress).toContainEqual({ target: "http://denied.test/", method: "GET", agentAuth: true });
  });

  it.skipIf(missing("curl", { ok: hasCurl }))(
    "terminates HTTPS inside with the host CA the sandbox trusts, and reaches the edge's own API directly",
    async () => {
      const cmd = startCmd([
        "/bin/sh",
        "-c",
        `curl -sS https://allowed.test/secure; echo; curl -sS -o /dev/null -w '%{http_code}\\n' https://denied.test/; curl -sS ${edge.url}/agent/v1/me`,
      ]);
      await run(cmd);
      const end = await exited(cmd.sandboxId);
      expect(end.exitCode).toBe(0);
      expect(end.output).toContain('{"reached":"https://allowed.test/secure"}');
      expect(end.output).toMatch(/^403$/m);
      expect(end.output).toContain(AGENT_ID);
      expect(edge.direct).toContainEqual({ target: "/agent/v1/me", method: "GET", agentAuth: true });
    },
  );

  it("keeps statuses while the tunnel is down and delivers them, in order, after the reconnect", async () => {
    const cmd = startCmd(["/bin/sh", "-c", "sleep 0.3; echo done-offline"]);
    await run(cmd);
    await edge.waitStatus((s) => s.sandboxId === cmd.sandboxId && s.state === "running");
    edge.tunnelOpen = false;
    edge.dropTunnel();
    // The sandbox ends while the edge is unreachable: its status waits in the outbox.
    while (daemon.manager.size > 0 || daemon.outbox.pending === 0) await new Promise((r) => setTimeout(r, 20));
    expect(edge.statuses.some((s) => s.sandboxId === cmd.sandboxId && s.state === "exited")).toBe(false);
    edge.tunnelOpen = true;
    const end = await exited(cmd.sandboxId);
    expect(end).toMatchObject({ state: "exited", exitCode: 0, output: "done-offline\n" });
    expect(daemon.outbox.pending).toBe(0);
    expect(edge.statuses.filter((s) => s.sandboxId === cmd.sandboxId).map((s) => s.state)).toEqual(["starting", "running", "exited"]);
  });

  it("counts proxied requests as activity for the idle timeout", async () => {
    // No output at all for ~4.5 s, but a request through the proxy every 200 ms. The idle timeout
    // leaves room for perl to start on a loaded machine; the run outlasts it almost twice.
    const script = `use IO::Socket::INET; my ($h, $p) = $ENV{HTTP_PROXY} =~ m{^http://([^:]+):(\\d+)};
      for (1..20) { my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p, Proto => "tcp", Timeout => 5) or exit 9;
        print $s "GET http://allowed.test/busy HTTP/1.0\\r\\n\\r\\n"; my $l = <$s>; close $s; select(undef, undef, undef, 0.2) }`;
    const cmd = startCmd(["/usr/bin/perl", "-e", script], { idleTimeoutMs: 2500 });
    await run(cmd);
    const end = await exited(cmd.sandboxId);
    expect(end).toMatchObject({ state: "exited", exitCode: 0, output: "" });
    expect(end.reason).toBeUndefined();
  });

  it("stops every sandbox when the daemon stops", async () => {
    const a = startCmd(["/bin/sleep", "60"]);
    const b = startCmd(["/bin/sleep", "60"], { agentId: "agt_other" });
    await run(a);
    await run(b);
    await daemon.stop();
    expect(daemon.manager.size).toBe(0);
    expect(await exited(a.sandboxId)).toMatchObject({ state: "exited", reason: "host stopping" });
    expect(await exited(b.sandboxId)).toMatchObject({ state: "exited", reason: "host stopping" });
    expect(await readdir(path.join(stateDir, "sandboxes"))).toEqual([]);
    expect(logs.some((l) => l.includes(AGENT_TOKEN) || l.includes(HOST_CREDENTIAL))).toBe(false);
  });
});
