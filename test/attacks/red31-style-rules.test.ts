// Red team 31: style-sheet subject rules (red team 30d's reading) through the LLM proxy.
// Each bypass is text a browser shows as a whole card (the hidden digit is not shown); the
// masker must block it. The false block is text a browser shows with no card at all.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { FAKE_LLM_KEY } from "../support/secrets.js";
import { type SeededOrg, call, seedOrg } from "../workers/support/api.js";

let org: SeededOrg;
let agentToken: string;

async function providerRequestCount(): Promise<number> {
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=1000`)).json()) as unknown[];
  return seen.length;
}

beforeAll(async () => {
  org = await seedOrg("red31-style");
  const t = org.apiKey;
  const post = async (what: string, body: Record<string, unknown>) => {
    const res = await call(`/api/v1/orgs/${org.orgId}/${what}`, { method: "POST", token: t, body });
    expect(res.status, res.text).toBe(201);
    return res.json;
  };
  await post("credentials", { name: "fake-key", secret: FAKE_LLM_KEY, inject: { type: "bearer" } });
  await post("providers", { name: "openai-fake", kind: "openai", baseUrl: `${env.TEST_FAKE_LLM_URL}/v1`, credential: "fake-key" });
  await post("prices", { model: "*", inputMicrosPerMTok: 1_000_000, outputMicrosPerMTok: 2_000_000 });
  const policy = await post("policies", {
    name: "block structured",
    egress: [],
    pii: { email: "block", phone: "block", credit_card: "block", tax_id: "block", iban: "block", ip_address: "block" },
  });
  const attached = await call(`/api/v1/orgs/${org.orgId}/policies/${policy.id}/attach`, { method: "POST", token: t, body: { scope: "org" } });
  expect(attached.status, attached.text).toBe(201);
  agentToken = (await post("agents", { name: "red31-bot" })).token;
});

const chat = (content: string) =>
  call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token: agentToken,
    body: { model: "gpt-test", messages: [{ role: "user", content }] },
  });

describe("red31: style-sheet rules a browser applies and the masker does not read", () => {
  it.each([
    // New in the diff (a495bd2 blocked each of these).
    ["attribute selector with a value", "<style>[data-h=x]{display:none}</style>Card 4111 1111 1111 11<span data-h=x>9</span>11"],
    [
      "attribute selector with a quoted value",
      '<style>[aria-hidden="true"]{display:none}</style>Card 4111 1111 1111 11<span aria-hidden="true">9</span>11',
    ],
    ["a selector list inside :is()", "<style>:is(.a,.b){display:none}</style><p>Card 4111 1111 1111 11<i class=a>9</i>11</p>"],
    ["a selector list inside :where()", "<style>:where(.a,.b){display:none}</style><p>Card 4111 1111 1111 11<i class=a>9</i>11</p>"],
    ["a bare element nested in a rule", "<style>.c{ i{display:none} }</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a bare element nested on &", "<style>.c{ & i{display:none} }</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    [
      "a brace inside a @font-face string",
      '<style>@font-face{font-family:"{"} .h{display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11',
    ],
    ["a brace inside a content string", '<style>.x{content:"{"} i{display:none}</style>Card 4111 1111 1111 11<i>9</i>11'],
    ["a complex selector inside :not()", "<style>.h:not(.v .h){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11"],
    ["a compound inside :not() (not both)", "<style>.h:not(.v.h){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11"],
    // Older (a495bd2 missed them too).
    [
      "a state that holds in a static page (form:valid)",
      "<style>form:valid .h{display:none}</style><form>Card 4111 1111 1111 11<span class=h>9</span>11</form>",
    ],
    ["a bare element under an ancestor", "<style>.c i{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a child combinator", "<style>.c > i{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["every descendant of .c but its own text", "<style>.c *{display:none}</style><p class=c>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["a comment opener inside a string", '<style>.x{content:"/*"} .h{display:none} /* */</style>Card 4111 1111 1111 11<span class=h>9</span>11'],
  ])("%s: blocked", async (_title, text) => {
    const before = await providerRequestCount();
    const res = await chat(text);
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe("pii_blocked");
    expect(await providerRequestCount()).toBe(before);
  });

  it.each([
    // New: a nested rule under a selector list hides the list's first selector itself.
    ["a nested rule under a selector list", "<style>.a,.b{ .x{display:none} }</style><p>Code 4111 1111 1111 11<span class=a>9</span>11</p>"],
    ["a nested rule on & under a selector list", "<style>.a,.b{ & .x{display:none} }</style><p>Code 4111 1111 1111 11<span class=a>9</span>11</p>"],
  ])("%s: delivered (no card is shown)", async (_title, text) => {
    const res = await chat(text);
    expect(res.status, res.text).toBe(200);
  });
});
