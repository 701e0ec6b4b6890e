// Red team s13, attack class: CPU cost. The round's Arabic slash-salutation rule
// (ARABIC_SLASH_TITLE in workers/pii/detectors/form-names.ts, tried on every piece holding "/" and
// Arabic) reads the name as `(?:[\p{sc=Arabic}]+\s?){1,3}?` followed by a lookahead for punctuation,
// the end or a verb. After "السيد/ة " a run of Arabic letters with no space and no such end (here
// closed by a Latin "x") makes the regex try every way of cutting the run into one, two or three
// words before it gives up: the cost grows with the CUBE of the run's length. A chat message of a
// few kilobytes takes seconds of CPU and is refused as "could not be checked" (fail-closed), where
// the same text without the slash is checked in milliseconds and sent. In production the Workers
// clock does not advance during a regex, so only the Worker's CPU limit ends it.
//
// Measured (single requests, this test pool on a loaded 2-core machine; throwaway scripts):
// - slashTitledNames in Node: run of 200 letters 116 ms, 400 235 ms, 800 1.5 s (cubic).
// - LLM proxy, person mask: "السيد/ة " + 1,000 letters + "x" (1 KB) 5.9 s → 422 pii_blocked "could
//   not be checked"; twice 1,200 letters (2.4 KB) 12.2 s → 422; the same without the slash
//   ("السيد ة ") 0.3 s → 200.
// - egress, text/plain body, person: block: without the slash 43 ms → 422 "blocks: person" (the run
//   of letters is read as a name); with it 5.1 s → 422 "could not be checked … within the scan's
//   time limit".
import { beforeAll, describe, expect, it } from "vitest";
import { env } from "cloudflare:workers";
import { call, seedOrg } from "../workers/support/api.js";
import { attachPolicy, chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red13-cost");
  const agent = await createAgent(org, { name: "red13-cost" });
  await attachPolicy(org, { name: "mask people", pii: { person: "mask", address: "mask" } }, { scope: "agent", id: agent.id });
  token = agent.token;
});

/** A salutation, then 1,000 Arabic letters with no space, closed by a Latin letter (1 KB in all). */
const run = "ب".repeat(1000);

describe("an Arabic slash salutation before a long run of Arabic letters", () => {
  it("control: 'السيد ة' (no slash) and 1,000 Arabic letters are checked and sent", async () => {
    const res = await chat(token, "gpt-test", `السيد ة ${run}x`);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  }, 60_000);

  it("attack: 'السيد/ة' and 1,000 Arabic letters (1 KB, cubic backtracking) are checked and sent too", async () => {
    const started = Date.now();
    const res = await chat(token, "gpt-test", `السيد/ة ${run}x`);
    expect({ status: res.status, body: res.text.slice(0, 160), ms: Date.now() - started < 60_000 }).toMatchObject({ status: 200, ms: true });
  }, 60_000);
});

describe("the same text in an egress body under person: block", () => {
  let agent: { id: string; token: string };
  beforeAll(async () => {
    const org = await seedOrg("red13-cost-egress");
    agent = await createAgent(org, { name: "red13-cost-egress", autonomy: 5 });
    const port = Number(new URL(env.TEST_TARGET_URL).port);
    await attachPolicy(
      org,
      { name: "block people on egress", egress: [{ host: "127.0.0.1", ports: [port] }], piiExits: { egress: { person: "block" } } },
      { scope: "agent", id: agent.id },
    );
  });
  const post = (body: string) =>
    call(`/egress/${env.TEST_TARGET_URL}/red13-cost`, {
      method: "POST",
      token: agent.token,
      headers: { "content-type": "text/plain" },
      rawBody: body,
    });

  it("control: without the slash the body is refused at once for the person it names", async () => {
    const res = await post(`السيد ة ${run}x`);
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/blocks: person/);
  }, 60_000);

  // The slash rule reads whole words of at most 30 letters, so a 1,000-letter run is no name after
  // it: the body gets its verdict at once (delivered), never the time limit's refusal.
  it("attack: with 'السيد/ة' the body gets its verdict at once, not a refusal after the scan's time limit", async () => {
    const res = await post(`السيد/ة ${run}x`);
    expect(res.text).not.toMatch(/could not be checked/);
    expect(res.status).toBe(200);
  }, 60_000);
});
