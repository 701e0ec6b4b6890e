// Attack class: arguments that walk an HTTP tool's URL outside its template (`..` in a path
// placeholder), taking the tool's credential along.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, seedOrg } from "../workers/support/api.js";
import { create, createAgent } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";

const SECRET = "tool-secret-zyxwvutsrq987654";
let org: SeededOrg;
let agent: { id: string; token: string };
let toolName: string;

beforeAll(async () => {
  org = await seedOrg("tool-url");
  await create(org, "credentials", { name: "tool-cred", secret: SECRET, inject: { type: "bearer" } });
  agent = await createAgent(org, { name: "tool-caller", autonomy: 5 });
  toolName = `notes-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: toolName,
    description: "a user's notes",
    inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    method: "GET",
    url: `${env.TEST_TARGET_URL}/v1/users/{id}/notes`,
    credential: "tool-cred",
    credentialOverHttp: true,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
});

async function pathsSeen(): Promise<string[]> {
  return ((await (await fetch(`${env.TEST_TARGET_URL}/__requests?last=20`)).json()) as Array<{ path: string }>).map((r) => r.path);
}

describe("a tool's arguments never move its URL outside the template", () => {
  it("calls the template's own path (control)", async () => {
    const res = await toolCall(agent.token, toolName, { id: "42" });
    expect(res.json.result?.isError, res.text).toBe(false);
    expect(await pathsSeen()).toContain("/v1/users/42/notes");
  });

  for (const id of ["..", ".", "", "../..", "..%2f..", "../admin", "%2e%2e", ".%2e", "..\\..", "a/../../x", "..;"]) {
    it(`refuses or contains id=${JSON.stringify(id)}`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const res = await toolCall(agent.token, toolName, { id, m: marker });
      const sent = (await pathsSeen()).filter((p) => p.includes(marker));
      for (const path of sent) expect(path.startsWith("/v1/users/"), path).toBe(true);
      expect(res.text).not.toContain(SECRET);
      if (id === "" || id === "." || id === "..") expect(sent).toEqual([]);
    });
  }
});
