// The `palisade` command: enrollment, the daemon as a real process, governed `sandbox run`, admin commands and usage errors.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../sandbox-host/src/cli/main.js";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { AGENT_ID, AGENT_TOKEN, API_KEY, ENROLL_TOKEN, type FakeEdge, HOST_CREDENTIAL, ORG_ID, startEdge } from "./fake-edge.js";
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
const BIN = path.resolve(import.meta.dirname, "../../../sandbox-host/bin/palisade.mjs");
const SECRETS = [ENROLL_TOKEN, HOST_CREDENTIAL, AGENT_TOKEN, API_KEY];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (b: Buffer) => out.push(b));
  stderr.on("data", (b: Buffer) => err.push(b));
  const code = await main(args, { stdout, stderr, env });
  const r = { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  // Only `agents create` may print a secret (the new agent's token, once); none of these.
  for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
  return r;
}

let edge: FakeEdge;
const dirs: string[] = [];
const tempDir = async (base = os.tmpdir()) => {
  const d = await mkdtemp(path.join(base, "palisade-cli-"));
  await chmod(d, 0o711);
  dirs.push(d);
  return d;
};
beforeAll(async () => {
  edge = await startEdge();
});
afterAll(async () => {
  await edge?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("palisade: usage", () => {
  it("prints usage and exits 2 on a missing or unknown command, 0 on help", async () => {
    expect(await cli([])).toMatchObject({ code: 2, stderr: expect.stringMatching(/palisade host enroll/) });
    expect(await cli(["frobnicate"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command: frobnicate/) });
    expect(await cli(["host", "dance"])).toMatchObject({ code: 2 });
    expect(await cli(["--help"])).toMatchObject({ code: 0, stdout: expect.stringMatching(/palisade sandbox run/) });
  });

  it("refuses bad arguments with a clear message and exit code 2", async () => {
    expect(await cli(["host", "enroll", "--token", ENROLL_TOKEN])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--edge/) });
    expect(await cli(["host", "enroll", "--edge", edge.url, "--token", "pal_agent_x"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/pal_host_ enrollment token/),
    });
    expect(await cli(["host", "enroll", "--edge", "ftp://x", "--token", ENROLL_TOKEN])).toMatchObject({ code: 2 });
    expect(await cli(["host", "run", "--driver", "qemu"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--driver/) });
    expect(await cli(["host", "run", "--bogus"])).toMatchObject({ code: 2 });
    // Sandbox ids must stay clear of the host's own users; a quota needs a size.
    expect(await cli(["host", "run", "--id-range", "1000:4096"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--id-range: .*65536/) });
    expect(await cli(["host", "run", "--id-range", "lots"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/FIRST:COUNT/) });
    expect(await cli(["host", "run", "--workspace-quota", "1k"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--workspace-quota/) });
    for (const bad of ["0", "65537", "2.5", "many"])
      expect(await cli(["host", "run", "--max-workspaces", bad])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--max-workspaces must be/),
      });
    expect(await cli(["sandbox", "run", "--env", "LD_PRELOAD=/tmp/x.so", "--", "/bin/true"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/LD_PRELOAD is a loader variable/),
    });
    // The drivers' probe runs as agent palisade-probe: no sandbox may share its uid.
    for (const id of ["palisade-probe", "Palisade-Probe", "palisade-x"])
      expect(await cli(["sandbox", "run", "--agent-id", id, "--", "/bin/true"])).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/--agent-id: agent ids starting with palisade- are the host's own/),
      });
    expect(await cli(["sandbox", "run", "--edge", edge.url, "--", "/bin/true"])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--agent-token/),
    });
    expect(await cli(["agents", "list"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/PALISADE_EDGE/) });
    expect(await cli(["agents", "list"], { PALISADE_EDGE: edge.url })).toMatchObject({ code: 2, stderr: expect.stringMatching(/PALISADE_API_KEY/) });
    const env = { PALISADE_EDGE: edge.url, PALISADE_API_KEY: API_KEY };
    expect(await cli(["agents", "create"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/--name/) });
    expect(await cli(["agents", "list", "-o", "yaml"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/-o/) });
    expect(await cli(["agents", "delete"], env)).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command/) });
  });

  // Two node processes that each load tsx: seconds apiece on a busy machine.
  it("the installed launcher runs the TypeScript CLI with tsx and passes the exit code back", { timeout: 60_000 }, () => {
    const r = (() => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [BIN, "help"], { encoding: "utf8", timeout: 20_000 }) };
      } catch (e) {
        return { code: (e as { status: number }).status, out: "" };
      }
    })();
    expect(r).toMatchObject({ code: 0, out: expect.stringMatching(/palisade host run/) });
    let status = -1;
    try {
      execFileSync(process.execPath, [BIN, "nope"], { stdio: "ignore", timeout: 20_000 });
      status = 0;
    } catch (e) {
      status = (e as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});

describe("palisade host enroll", () => {
  it("refuses a bad token and writes nothing; stores the credential 0600 on success; will not overwrite without --force", async () => {
    const dir = await tempDir();
    const bad = await cli(["host", "enroll", "--edge", edge.url, "--token", "pal_host_wrongwrongwrong", "--state-dir", dir]);
    expect(bad).toMatchObject({ code: 1, stderr: expect.stringMatching(/enrollment refused/) });
    await expect(stat(path.join(dir, "host.json"))).rejects.toThrow();

    const ok = await cli(["host", "enroll", "--edge", `${edge.url}/`, "--token", ENROLL_TOKEN, "--name", "build-box", "--state-dir", dir]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringMatching(/enrolled host host_\w+ in pool default/) });
    const st = await stat(path.join(dir, "host.json"));
    expect(st.mode & 0o777).toBe(0o600);
    const saved: unknown = JSON.parse(await readFile(path.join(dir, "host.json"), "utf8"));
    expect(saved).toMatchObject({ edgeUrl: edge.url, orgId: ORG_ID, pool: "default", name: "build-box", credential: HOST_CREDENTIAL });

    const again = await cli(["host", "enroll", "--edge", edge.url, "--token", ENROLL_TOKEN, "--state-dir", dir]);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/already enrolled/) });
    // The one-time token is spent at the edge; --force asks again and is refused.
    expect(await cli(["host", "enroll", "--edge", edge.url, "--token", ENROLL_TOKEN, "--state-dir", dir, "--force"])).toMatchObject({ code: 1 });
    expect(JSON.parse(await readFile(path.join(dir, "host.json"), "utf8"))).toMatchObject({ credential: HOST_CREDENTIAL });
    // The token may come from the environment (off the command line); this spent one is refused by the edge.
    const fromEnv = await cli(["host", "enroll", "--edge", edge.url, "--state-dir", await tempDir()], { PALISADE_HOST_TOKEN: ENROLL_TOKEN });
    expect(fromEnv).toMatchObject({ code: 1, stderr: expect.stringMatching(/enrollment refused/) });
  });

  it("host run refuses to start on a host that is not enrolled, or whose host.json others can read", async () => {
    const dir = await tempDir();
    expect(await cli(["host", "run", "--state-dir", dir])).toMatchObject({ code: 1, stderr: expect.stringMatching(/not enrolled/) });
    await writeFile(path.join(dir, "host.json"), "{}", { mode: 0o644 });
    expect(await cli(["host", "run", "--state-dir", dir])).toMatchObject({ code: 1, stderr: expect.stringMatching(/chmod 600/) });
  });
});

// Without --driver the daemon probes every driver before it connects; the microvm probe boots a
// guest, which takes 5-25 s under TCG on a loaded host.
describe.skipIf(missing("bubblewrap", availability))("palisade host run (a real daemon process)", { timeout: 90_000 }, () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && child.exitCode === null) child.kill("SIGKILL");
  });

  it("connects, runs sandboxes on command, logs JSON lines and stops them all on SIGTERM", async () => {
    const dir = await tempDir("/var/tmp");
    await writeFile(
      path.join(dir, "host.json"),
      JSON.stringify({
        edgeUrl: edge.url,
        hostId: "host_1",
        orgId: ORG_ID,
        pool: "default",
        name: "p",
        credential: HOST_CREDENTIAL,
        enrolledAt: new Date().toISOString(),
      }),
      { mode: 0o600 },
    );
    const proc = spawn(process.execPath, [BIN, "host", "run", "--state-dir", dir], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const out: Buffer[] = [];
    proc.stdout?.on("data", (b: Buffer) => out.push(b));
    proc.stderr?.on("data", (b: Buffer) => out.push(b));
    const exitCode = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));

    const mux = await edge.mux();
    const id = `p${process.pid}`;
    const ack = await mux.command({
      op: "sandbox.start",
      sandboxId: `${id}-a`,
      agentId: AGENT_ID,
      command: ["/bin/sh", "-c", "echo from-daemon; exit 4"],
      env: {},
      agentToken: AGENT_TOKEN,
    });
    // Without --driver the daemon runs every available driver; a container sandbox without an image is bwrap's.
    expect(ack).toEqual({
      ok: true,
      runtime: { driver: "bwrap", isolation: "container", limits: { memoryBytes: 512 << 20, cpuMillis: 1000, pids: 256 } },
    });
    expect(await edge.waitStatus((s) => s.sandboxId === `${id}-a` && s.state === "exited")).toMatchObject({ exitCode: 4, output: "from-daemon\n" });

    await mux.command({
      op: "sandbox.start",
      sandboxId: `${id}-b`,
      agentId: AGENT_ID,
      command: ["/bin/sleep", "60"],
      env: {},
      agentToken: AGENT_TOKEN,
    });
    proc.kill("SIGTERM");
    expect(await exitCode).toBe(0);
    expect(await edge.waitStatus((s) => s.sandboxId === `${id}-b` && s.state === "exited")).toMatchObject({ reason: "host stopping" });
    const lines = Buffer.concat(out).toString().trim().split("\n");
    const events = lines.map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events).toEqual(expect.arrayContaining(["host.started", "host.connected", "sandbox.running", "sandbox.exited", "host.stopped"]));
    for (const s of SECRETS) expect(lines.join("\n")).not.toContain(s);
  });
});

describe.skipIf(missing("bubblewrap", availability))("palisade sandbox run --edge (governed by an agent's policy)", { timeout: 30_000 }, () => {
  it("refuses a token the edge does not accept, with exit code 2", async () => {
    const r = await cli(["sandbox", "run", "--edge", edge.url, "--agent-token", "pal_agent_revokedrevoked", "--", "/bin/true"]);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/refused the agent token/) });
  });

  it("runs the command with egress through the edge and SDK settings pointing at it, and passes its exit code back", async () => {
    const stateDir = await tempDir();
    const before = edge.egress.length;
    const script = hasCurl
      ? `curl -sS http://allowed.test/plain; echo; curl -sS https://allowed.test/tls; echo; curl -sS -o /dev/null -w '%{http_code}\\n' http://denied.test/; echo "$OPENAI_BASE_URL $ANTHROPIC_BASE_URL"; exit 5`
      : `echo "$OPENAI_BASE_URL $ANTHROPIC_BASE_URL"; exit 5`;
    const r = await cli([
      "sandbox",
      "run",
      "--edge",
      edge.url,
      "--agent-token",
      AGENT_TOKEN,
      "--state-dir",
      stateDir,
      "--memory",
      "128m",
      "--",
      "/bin/sh",
      "-c",
      script,
    ]);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain(`${edge.url}/llm/openai/v1 ${edge.url}/llm/anthropic`);
    expect(edge.direct).toContainEqual({ target: "/agent/v1/me", method: "GET", agentAuth: true });
    if (hasCurl) {
      expect(r.stdout).toContain('{"reached":"http://allowed.test/plain"}');
      expect(r.stdout).toContain('{"reached":"https://allowed.test/tls"}');
      expect(r.stdout).toMatch(/^403$/m);
      expect(edge.egress.slice(before)).toEqual([
        { target: "http://allowed.test/plain", method: "GET", agentAuth: true },
        { target: "https://allowed.test/tls", method: "GET", agentAuth: true },
        { target: "http://denied.test/", method: "GET", agentAuth: true },
      ]);
    }
  });
});

describe("palisade agents / hosts", () => {
  const env = () => ({ PALISADE_EDGE: edge.url, PALISADE_API_KEY: API_KEY });

  it("creates an agent (its token printed once) and lists agents and hosts as tables or JSON", async () => {
    const created = await cli(["agents", "create", "--name", "triage bot", "--team", "team_01jteam00000000000000000"], env());
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ID\s+NAME\s+TEAM\s+STATUS/);
    expect(created.stdout.match(/pal_agent_newtokenshownonce/g)).toHaveLength(1);

    const table = await cli(["agents", "list"], env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/triage bot\s+team_01jteam00000000000000000\s+active/);
    expect(table.stdout).not.toContain("pal_agent_newtokenshownonce");
    const asJson = await cli(["agents", "list", "-o", "json"], { ...env(), PALISADE_ORG: ORG_ID });
    expect(JSON.parse(asJson.stdout)).toEqual([expect.objectContaining({ name: "triage bot", orgId: ORG_ID })]);

    const hosts = await cli(["hosts", "list"], env());
    expect(hosts.stdout).toMatch(/^ID\s+NAME\s+POOL\s+STATUS\s+CONNECTED/);
    expect(hosts.stdout).toMatch(/host_1\s+box\s+default\s+active\s+true/);
  });

  it("says when the API key is refused, without printing it", async () => {
    const r = await cli(["hosts", "list"], { PALISADE_EDGE: edge.url, PALISADE_API_KEY: "pal_key_wrong" });
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/API key was refused/) });
    expect(r.stderr).not.toContain("pal_key_wrong");
  });
});
