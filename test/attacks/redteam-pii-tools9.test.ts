// Red team s9 (tool exits): the detector holes found on the LLM proxy and egress apply to tool-call
// arguments and tool results too. An HTTP tool posts its arguments to the echo target, which
// answers with what it received (so the result carries the arguments back).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, seedOrg } from "../workers/support/api.js";
import { attachPolicy, create, createAgent } from "../workers/support/fixtures.js";
import { targetRequests, toolCall } from "../workers/support/tools.js";

let org: SeededOrg;
let argsAgent: { id: string; token: string };
let resultsAgent: { id: string; token: string };
let echoTool: string;

beforeAll(async () => {
  org = await seedOrg("rt9-tools");
  argsAgent = await createAgent(org, { name: "rt9-args", autonomy: 5 });
  resultsAgent = await createAgent(org, { name: "rt9-results", autonomy: 5 });
  await attachPolicy(
    org,
    { name: "rt9-args", piiExits: { toolArguments: { iban: "block", credit_card: "block", email: "block" } } },
    { scope: "agent", id: argsAgent.id },
  );
  await attachPolicy(
    org,
    { name: "rt9-results", piiExits: { toolResults: { iban: "block", credit_card: "block", email: "block" } } },
    { scope: "agent", id: resultsAgent.id },
  );
  echoTool = `rt9echo-${Math.random().toString(36).slice(2, 8)}`;
  const tool = await create(org, "tools", {
    name: echoTool,
    description: "echo",
    inputSchema: { type: "object" },
    method: "POST",
    url: `${env.TEST_TARGET_URL}/rt9-echo`,
  });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: argsAgent.id });
  await create(org, `tools/${tool.id}/grants`, { scope: "agent", id: resultsAgent.id });
});

const mark = () => `rt9${Math.random().toString(36).slice(2, 10)}`;
async function targetSaw(m: string) {
  return (await targetRequests(300)).filter((r) => (r.body ?? "").includes(m)).length > 0;
}

describe("toolArguments", () => {
  it("HELD control: an upper-case IBAN in the arguments is refused before the tool is called", async () => {
    const m = mark();
    const res = await toolCall(argsAgent.token, echoTool, { note: `${m} DE89 3704 0044 0532 0130 00` });
    expect({ error: res.json?.error?.code, targetSawIt: await targetSaw(m) }, res.text.slice(0, 300)).toEqual({ error: -32014, targetSawIt: false });
  });
  it.each([
    ["a lower-case IBAN", "iban de89 3704 0044 0532 0130 00"],
    ["a card in pipe-separated groups", "card 4111|1111|1111|1111"],
    ["an e-mail with a bare 'at' and a real dot", "mail jane.roe at example.org"],
    ["an e-mail with a NUL inside", "mail jane.roe\u0000@example.org"],
  ])("attack: %s in the arguments reaches the tool", async (_n, text) => {
    const m = mark();
    const res = await toolCall(argsAgent.token, echoTool, { note: `${m} ${text}` });
    expect({ error: res.json?.error?.code, targetSawIt: await targetSaw(m) }, res.text.slice(0, 300)).toEqual({ error: -32014, targetSawIt: false });
  });
});

describe("toolResults", () => {
  it("HELD control: an upper-case IBAN echoed in the result is withheld", async () => {
    const res = await toolCall(resultsAgent.token, echoTool, { note: "DE89 3704 0044 0532 0130 00" });
    expect(res.text).not.toContain("DE89 3704");
  });
  it.each([
    ["a lower-case IBAN", "iban de89 3704 0044 0532 0130 00", "de89 3704 0044 0532 0130 00"],
    ["a card in semicolon-separated groups", "card 4111;1111;1111;1111", "4111;1111;1111;1111"],
    ["a card coloured with ANSI escapes", "card \u001b[1m4111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m \u001b[1m1111\u001b[0m", ""],
  ])("attack: %s echoed in the result reaches the agent", async (_n, text, needle) => {
    const res = await toolCall(resultsAgent.token, echoTool, { note: text });
    // What the agent got back: the echo's record of the request body, whose note is the value sent.
    let echoed: unknown;
    try {
      echoed = JSON.parse(JSON.parse(res.json.result.content[0].text).body).note;
    } catch {
      echoed = undefined;
    }
    expect(echoed === text || (needle !== "" && res.text.includes(needle)), res.text.slice(-300)).toBe(false);
  });
});
