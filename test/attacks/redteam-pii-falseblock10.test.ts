// Red team s10 (false blocks after PII round 2): ordinary clean requests refused under
// `credit_card: block` / `email: block` by the new readings:
//  - loose e-mail with a bare " at ": any local part holding a digit/dot/underscore/hyphen+digit
//    counts ("Python3.12 at python.org", "GPT-4o at chatgpt.com", "S3 at aws.amazon.com");
//  - spaced "@" with a one-word local part ("sales @ acme.com", numpy "weights @ inputs.app");
//  - card groups joined by any one separator: a markdown table row or a semicolon CSV row of
//    four 4-digit figures (one in ten passes Luhn), three 4-digit figures starting 5/6 (Maestro 12);
//  - card halves: two 8-digit local phone numbers ("6123 4567 or 6765 4570", Singapore/HK style).
// Each request below is ordinary traffic and must go through; a failing test is a false block.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type SeededOrg, call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

const port = Number(new URL(env.TEST_TARGET_URL).port);
let org: SeededOrg;
let agent: { id: string; token: string };

beforeAll(async () => {
  org = await fakeProviderOrg("rt10-false");
  agent = await createAgent(org, { name: "rt10-false", autonomy: 5 });
  await attachPolicy(
    org,
    {
      name: "rt10-block",
      egress: [{ host: "127.0.0.1", ports: [port] }],
      pii: { credit_card: "block", email: "block" },
      piiExits: { egress: { credit_card: "block", email: "block" } },
    },
    { scope: "agent", id: agent.id },
  );
});

async function chat(content: string) {
  return call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token: agent.token,
    body: { model: "gpt-test", messages: [{ role: "user", content }] },
  });
}

async function egress(body: string, type = "text/plain") {
  return call(`/egress/${env.TEST_TARGET_URL}/upload`, { method: "POST", token: agent.token, headers: { "content-type": type }, rawBody: body });
}

describe("false blocks: loose e-mail spellings (email: block)", () => {
  for (const text of [
    "Download Python3.12 at python.org and install it.",
    "I tried GPT-4o at chatgpt.com yesterday, compare it with ours.",
    "Get Llama3 at huggingface.co and fine-tune it.",
    "We use S3 at aws.amazon.com for storage; summarise the cost.",
    "The build runs node18 at vercel.com.",
    "Our repo my_project at github.com needs a README.",
  ]) {
    it(`clean: "${text}" is sent to the provider`, async () => {
      const res = await chat(text);
      expect(res.status, res.text.slice(0, 300)).toBe(200);
    });
  }
  it("clean: numpy matmul 'scores = weights @ inputs.app' in a code review is sent", async () => {
    const res = await chat("Review this:\n```python\nscores = weights @ inputs.app\n```");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
  it("clean: release notes 'Python3.12 at python.org' through egress", async () => {
    const res = await egress("Release notes: Python3.12 at python.org is now the default runtime.");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});

describe("false blocks: digit groups with one separator (credit_card: block)", () => {
  it("clean: a markdown table of quarterly figures is sent to the provider", async () => {
    const res = await chat("Summarise:\n| Region | Q1 | Q2 | Q3 | Q4 |\n|---|---|---|---|---|\n| North | 4521 | 3310 | 2207 | 1204 |");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
  it("clean: a semicolon CSV (European export) of quarterly figures goes through egress", async () => {
    const res = await egress("region;q1;q2;q3;q4\nNorth;4521;3310;2207;1204\n", "text/csv");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
  it("clean: three 4-digit figures starting with 5 (read as a 12-digit Maestro) go through egress", async () => {
    const res = await egress("site;jan;feb;mar\nNorth;5612;3310;2202\n", "text/csv");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
  it("clean: two Singapore office phone numbers in one sentence (card halves) are sent", async () => {
    const res = await chat("Call the Singapore office on 6123 4567 or the warehouse on 6765 4570.");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});

describe("false blocks: 64-bit ids (credit_card: block)", () => {
  // Known gap (docs/pii.md): a bare 13–19 digit number that passes Luhn and starts 2–6 reads as a card.
  it.skip("clean: a Discord bot message with an 18-digit snowflake channel id goes through egress", async () => {
    // 381238044363685880: an 18-digit snowflake starting with 3 that happens to pass Luhn (1 in 10 do).
    const res = await egress('{"channel_id":"381238044363685880","content":"deploy done"}', "application/json");
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });
});
