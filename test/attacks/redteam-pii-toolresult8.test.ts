// Red team s8, topic 1 (tool results exit): a policy blocks IBANs in tool results. An HTTP tool's
// upstream answers JSON; keys that the LLM-body walker exempts ("signature", "id", "data" beside
// "format") are exempt in tool results too, so any API that names its fields that way returns
// blocked values to the agent.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { toolCall } from "../workers/support/tools.js";

let org: SeededOrg;
let agent: { id: string; token: string };
let postTool: string;
const IBAN = "DE89370400440532013000";

beforeAll(async () => {
  org = await seedOrg("rt8-results");
  agent = await createAgent(org, { name: "rt8-results", autonomy: 5 });
  await attachPolicy(org, { name: "rt8-results", egress: [], piiExits: { toolResults: { iban: "block" } } }, { scope: "agent", id: agent.id });
  postTool = `rt8post-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: postTool,
    description: "d",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/rt8-echo`,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: agent.id });
});

describe("tool results", () => {
  it("HELD control: an IBAN under an ordinary key in the upstream's JSON answer is withheld", async () => {
    const res = await toolCall(agent.token, postTool, { note: IBAN });
    expect(res.text).not.toContain(IBAN);
  });

  it("attack: an IBAN under a 'signature' key in the upstream's JSON answer reaches the agent", async () => {
    const res = await toolCall(agent.token, postTool, { signature: IBAN });
    expect(res.text, res.text.slice(0, 400)).not.toContain(IBAN);
  });

  it("attack: an IBAN as 'data' beside a 'format' key in the upstream's JSON answer reaches the agent", async () => {
    const res = await toolCall(agent.token, postTool, { format: "iban", data: IBAN });
    expect(res.text, res.text.slice(0, 400)).not.toContain(IBAN);
  });

  it("attack: an IBAN under an 'id', 'encrypted_content' or 'tool_call_id' key of the upstream's JSON answer", async () => {
    for (const key of ["id", "encrypted_content", "tool_call_id"]) {
      const res = await toolCall(agent.token, postTool, { [key]: IBAN });
      expect(res.text, `${key}: ${res.text.slice(0, 400)}`).not.toContain(IBAN);
    }
  });

  it("attack: an IBAN base64-encoded as 'data' beside a 'media_type' in the upstream's JSON answer", async () => {
    const data = btoa(`account ${IBAN}`);
    const res = await toolCall(agent.token, postTool, { media_type: "application/octet-stream", data });
    expect(res.text, res.text.slice(0, 400)).not.toContain(data);
  });

  it("attack: an IBAN split between a key and its value of the upstream's JSON answer", async () => {
    const res = await toolCall(agent.token, postTool, { "DE89 3704 0044": "0532 0130 00" });
    expect(res.text, res.text.slice(0, 400)).not.toContain("0532 0130 00");
  });
});
