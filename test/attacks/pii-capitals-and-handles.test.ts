// Attack class: a person written where the name tagger reads no capital as a name's — a form or a
// headline in block letters or in title case, a user name after an account word, a name greeted in a script without
// capitals, a surname alone inside a news sentence — sent through the LLM proxy to an agent whose
// policy blocks people. An attack test passes only when the edge answers 422 and the provider saw
// nothing of the request; the controls (the same shapes naming no one) must reach the provider.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("pii-capitals");
  const agent = await createAgent(org, { name: "pii-capitals-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  token = agent.token;
});

const mark = () => `cap${Math.random().toString(36).slice(2, 10)}`;

async function send(text: string): Promise<{ status: number; body: string; providerSawIt: boolean; marker: string }> {
  const marker = mark();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", messages: [{ role: "user", content: `${text}\n(ref ${marker})` }] },
  });
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${encodeURIComponent(marker)}`)).json()) as unknown[];
  return { status: res.status, body: res.text.slice(0, 300), providerSawIt: seen.length > 0, marker };
}

describe("a person the tagger's capitals miss, under person: block", () => {
  it.each([
    ["a block-letter form whose name is also two words", "PATIENT: HOPE KING, WARD 7, ADMITTED TODAY"],
    ["a headline in capitals", "ATHLETICS: WANJIRU TAKES GOLD IN OSLO, MEKONNEN THIRD"],
    ["a user name after an account word", "Security alert for dkowalski77: a new sign-in was blocked."],
    ["a user name glued to Chinese text", "用户liwei_88于昨天登录，请确认。"],
    ["a name greeted in Tamil", "வணக்கம் கார்த்திகா, உங்கள் ஆர்டர் தயார்."],
    ["a surname alone inside a news sentence", "Witnesses said Okafor had left the building before midnight."],
    // Title case (sixteenth round): its recasing wrote these small in its first version (red team 16).
    ["a record's given name that is a word, after a label, in a title-case line", "Name: Memory, Role: Senior Manager, Team: Sales And Marketing"],
    ["a name with a particle chain in a title-case line", "Attendees: Oscar de la Hoya, Board Members And Invited Guests"],
  ])("attack: %s reaches the provider", async (_, text) => {
    const r = await send(text);
    expect({ status: r.status, providerSawIt: r.providerSawIt }, r.body).toEqual({ status: 422, providerSawIt: false });
  });
});

describe("controls: the same shapes naming no one are sent", () => {
  it.each([
    "STOCKS RALLY AS OIL PRICES FALL FOR A THIRD DAY",
    "Open account settings_v2 to change the plan.",
    "ERROR account svc_payments1 not found; retry the job.",
    "प्रिय ग्राहक, आपका ऑर्डर भेज दिया गया है।",
    "NOTE (optional) - add a second line to the release notes.",
    "Shop Categories: Kitchen Appliances, Computers, Phones, Home Improvement, Toys",
  ])("clean: %s", async (text) => {
    const r = await send(text);
    expect({ status: r.status, providerSawIt: r.providerSawIt }, r.body).toEqual({ status: 200, providerSawIt: true });
  });
});
