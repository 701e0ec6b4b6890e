// Attack: NUL bytes in a sandbox's argv or environment. The host hands the environment to the
// runtime as NUL-separated arguments; a NUL inside a value would split it into options of the
// runtime's own (e.g. a bind of the host's root). The API refuses them with a 400 and the host never
// receives the command.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectErrorShape, type SeededOrg, seedOrg } from "../workers/support/api.js";
import { type ConnectedHost, connectHost, createAgent } from "./support/sandbox-host.js";

let org: SeededOrg;
let host: ConnectedHost;
let agentId: string;

beforeAll(async () => {
  org = await seedOrg("nul-injection");
  host = await connectHost(org);
  agentId = await createAgent(org);
});
afterAll(() => host.close());

const start = (body: Record<string, unknown>) =>
  call(`/api/v1/orgs/${org.orgId}/sandboxes`, { method: "POST", token: org.apiKey, body: { agentId, pool: host.pool, ...body } });

describe("NUL bytes in a sandbox's argv or environment", () => {
  const variants: [string, Record<string, unknown>][] = [
    ["an env value that smuggles a runtime option", { command: ["/bin/true"], env: { X: "a\u0000--bind\u0000/\u0000/host" } }],
    ["an env value ending in NUL", { command: ["/bin/true"], env: { X: "a\u0000" } }],
    ["an argument that smuggles a second argument", { command: ["/bin/sh", "-c\u0000id"] }],
    ["a program name with a NUL", { command: ["/bin/sh\u0000--bind"] }],
    ["an env name with a NUL", { command: ["/bin/true"], env: { "X\u0000Y": "1" } }],
    ["an env name with '='", { command: ["/bin/true"], env: { "LD_PRELOAD=/x.so X": "1" } }],
  ];
  for (const [name, body] of variants) {
    it(`refuses ${name} with a 400 and sends nothing to the host`, async () => {
      const before = host.commands.length;
      const res = await start(body);
      expect(res.status, res.text).toBe(400);
      expectErrorShape(res);
      expect(res.json.error.code).toBe("validation_failed");
      expect(host.commands.length).toBe(before);
    });
  }

  it("control: the same shapes without NUL bytes start", async () => {
    const res = await start({ command: ["/bin/sh", "-c", "id"], env: { X: "a --bind / /host" } });
    expect(res.status, res.text).toBe(201);
    expect(host.commands.at(-1)).toMatchObject({ op: "sandbox.start", command: ["/bin/sh", "-c", "id"] });
  });
});
