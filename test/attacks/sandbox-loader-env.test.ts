// Attack: an admin (or a stolen admin key) starts a sandbox whose environment carries dynamic-loader
// variables, hoping one reaches a process on the host before the sandbox exists (LD_PRELOAD into
// the runtime, GCONV_PATH into iconv, GLIBC_TUNABLES into the loader…). The API refuses them with a
// 400 naming the variable, and the host never receives the command.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, type SeededOrg, seedOrg } from "../workers/support/api.js";
import { type ConnectedHost, connectHost, createAgent } from "./support/sandbox-host.js";

let org: SeededOrg;
let host: ConnectedHost;
let agentId: string;

beforeAll(async () => {
  org = await seedOrg("loader-env");
  host = await connectHost(org);
  agentId = await createAgent(org);
});
afterAll(() => host.close());

const start = (env: Record<string, string>) =>
  call(`/api/v1/orgs/${org.orgId}/sandboxes`, {
    method: "POST",
    token: org.apiKey,
    body: { agentId, pool: host.pool, command: ["/bin/true"], env },
  });

describe("loader variables in a sandbox's environment", () => {
  it("control: an ordinary environment reaches the host", async () => {
    const res = await start({ FOO: "bar", NODE_OPTIONS: "--max-old-space-size=256" });
    expect(res.status, res.text).toBe(201);
    expect(host.commands.at(-1)).toMatchObject({ op: "sandbox.start", env: expect.objectContaining({ FOO: "bar" }) });
  });

  const variants: [string, Record<string, string>][] = [
    ["LD_PRELOAD pointing into the agent's workspace", { LD_PRELOAD: "/var/lib/palisade/workspaces/agt/evil.so" }],
    ["LD_PRELOAD in lower case", { ld_preload: "/tmp/evil.so" }],
    ["LD_LIBRARY_PATH", { LD_LIBRARY_PATH: "/workspace/lib" }],
    ["LD_AUDIT", { LD_AUDIT: "/workspace/audit.so" }],
    ["an unknown LD_ variable", { LD_FUTURE_KNOB: "1" }],
    ["GCONV_PATH (iconv module loading)", { GCONV_PATH: "/workspace/gconv" }],
    ["GLIBC_TUNABLES (the loader's tunables)", { GLIBC_TUNABLES: "glibc.malloc.check=3" }],
    ["MALLOC_CHECK_", { MALLOC_CHECK_: "3" }],
    ["MALLOC_TRACE (writes a file where it points)", { MALLOC_TRACE: "/etc/shadow" }],
    ["LOCPATH (locale files)", { LOCPATH: "/workspace/locale" }],
    ["NLSPATH", { NLSPATH: "/workspace/%N" }],
    ["HOSTALIASES and RESOLV_HOST_CONF", { HOSTALIASES: "/workspace/h", RESOLV_HOST_CONF: "/workspace/r" }],
    ["a loader variable hidden among ordinary ones", { A: "1", B: "2", LD_PRELOAD: "x.so", C: "3" }],
  ];
  for (const [name, env] of variants) {
    it(`refuses ${name} with a 400 and sends nothing to the host`, async () => {
      const before = host.commands.length;
      const res = await start(env);
      expect(res.status, res.text).toBe(400);
      expectErrorShape(res);
      expect(res.json.error.code).toBe("validation_failed");
      expect(res.json.error.message).toMatch(/loader variable/);
      // The value (a path the attacker chose) is not echoed back.
      for (const value of Object.values(env)) if (value.length > 3) expect(res.text).not.toContain(value);
      expect(host.commands.length).toBe(before);
    });
  }

  it("leaves no sandbox behind for a refused start", async () => {
    await start({ LD_PRELOAD: "/workspace/evil.so" });
    const list = await call(`/api/v1/orgs/${org.orgId}/sandboxes?agentId=${agentId}`, { token: org.apiKey });
    expect(list.status).toBe(200);
    // Only the control sandbox exists.
    expect(list.json.items).toHaveLength(1);
  });
});
