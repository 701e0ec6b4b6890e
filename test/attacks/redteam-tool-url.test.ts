// Red team (claim 3): "HTTP tool URL placeholders refuse '.'/'..'/'' and keep the template's
// prefix". The gateway itself reads trailing dots and spaces away (IIS-style) for deny rules, so
// a last-segment value like ".. " or ". " is '..' / '.' / '' to the servers the claim names.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, seedOrg } from "../workers/support/api.js";
import { create, createAgent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";

let org: SeededOrg;
let agent: { id: string; token: string };
let toolName: string;

beforeAll(async () => {
  org = await seedOrg("rt-tool-url");
  agent = await createAgent(org, { name: "rt-tool-caller", autonomy: 5 });
  toolName = `rt-doc-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: toolName,
    description: "one document of the caller's folder",
    inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    method: "GET",
    url: `${env.TEST_TARGET_URL}/rt-folders/mine/{id}`,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
});

describe("redteam: last-segment placeholder values servers read as dot segments or nothing", () => {
  for (const id of [".. ", ". ", " ", "..%20".replace("%20", "\u3000"), "...", ".. ."]) {
    it(`refuses id=${JSON.stringify(id)} like '..', '.' and ''`, async () => {
      const marker = `m${Math.random().toString(36).slice(2)}`;
      const res = await toolCall(agent.token, toolName, { id, marker });
      const sent = (await targetRequests(200)).filter((r) => r.path.includes(marker)).map((r) => r.path);
      expect(sent, res.text.slice(0, 200)).toEqual([]);
    });
  }
});
