// Red team s11b, attack class (false masks): everyday Hindi sentences with "हम" ("we"), with or
// without a day word ("कल" tomorrow, "आज" today, "सोमवार" Monday), are tagged as a person's name
// (the same sentences with मैं, वे, आप or हमें are not), and the whole
// clause reaches the provider as a placeholder under the default policy (every entity category
// masked): the model is asked to answer a question it cannot read. Each test asserts the safe
// outcome (the provider received the sentence unchanged), so it FAILS while the false mask exists.
// A control holds a real name after this round's Hindi cue (राहुल शर्मा), which must stay masked.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red11b-hindi");
  const agent = await createAgent(org, { name: "red11b-hindi" });
  // The default policy: every category masked, entities included.
  await attachPolicy(org, { name: "red11b-hindi-default", pii: {} }, { scope: "agent", id: agent.id });
  token = agent.token;
});

/** A marker of letters only in the request's `user` field, to find this request in the provider's log. */
const marker = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

/** The user message as the provider received it. */
async function providerReceived(text: string): Promise<string> {
  const m = marker();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", user: m, messages: [{ role: "user", content: text }] },
  });
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${m}`)).json()) as Array<{ body: string }>;
  expect(seen.length).toBe(1);
  const sent = JSON.parse(seen[0]?.body ?? "{}") as { messages: Array<{ content: string }> };
  return sent.messages.at(-1)?.content ?? "";
}

describe("false masks: everyday Hindi sentences", () => {
  it.each([
    ["tomorrow we go to the market", "कल हम बाज़ार जाएँगे और सब्ज़ी खरीदेंगे।"],
    ["today we reach the office early", "आज हम दफ़्तर जल्दी पहुँचेंगे।"],
    ["the day after tomorrow we see a film", "परसों हम फिल्म देखने जाएँगे।"],
    ["on Monday we hold a meeting", "सोमवार को हम मीटिंग करेंगे।"],
    ["we are eating now", "अभी हम खाना खा रहे हैं।"],
    ["we meet tomorrow", "हम कल मिलेंगे।"],
    ["can we hold the meeting today?", "क्या हम आज मीटिंग कर सकते हैं?"],
  ])("clean: %s reaches the provider unchanged", async (_name, text) => {
    expect(await providerReceived(text)).toBe(text);
  });
});

describe("HELD control", () => {
  it("a Hindi given and family name is masked", async () => {
    expect(await providerReceived("आज राहुल शर्मा नहीं आएगा।")).not.toContain("राहुल शर्मा");
  });
});
