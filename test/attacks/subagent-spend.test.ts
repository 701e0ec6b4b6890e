// Attack class: a subagent spending past its parent's agent limit. A subagent's call reserves
// against its own limits and its parent's (and its team's and org's); the parent's counters
// include what its subagents spent. Concurrent calls of parent and children never pass the limit.
import { beforeAll, describe, expect, it } from "vitest";
import type { SeededOrg } from "../workers/support/api.js";
import { LLM_PATHS, agentLimit, costByAgent, errorCode, limitLive, llmCall, llmOrg, marker, newAgent, providerCalls } from "./support.js";

let org: SeededOrg;

beforeAll(async () => {
  org = await llmOrg("atk-sub");
});

/** A call the fake bills at its maximum: about 5,100 µ$ (5,000 output tokens and the body's bytes). */
const costly = (mark: string, model = "fake-max-usage") => ({ model, max_tokens: 5_000, messages: [{ role: "user", content: mark }] });

async function family(children: number) {
  const parent = await newAgent(org);
  const kids = [];
  for (let i = 0; i < children; i++) kids.push(await newAgent(org, { parentAgentId: parent.id }));
  return { parent, kids };
}

describe("attack: subagents spending past their parent's agent limit", () => {
  it("concurrent calls of a parent and two subagents never pass the parent's limit together", async () => {
    const { parent, kids } = await family(2);
    const limit = 50_000;
    const limitId = await agentLimit(org, parent.id, limit);
    const mark = marker("sub-burst");
    const callers = [parent, ...kids].flatMap((a) => Array.from({ length: 10 }, () => a));
    const answers = await Promise.all(callers.map((a) => llmCall(a.token, LLM_PATHS.chat, costly(mark))));
    const ok = answers.filter((a) => a.status === 200).length;
    expect(answers.every((a) => a.status === 200 || (a.status === 429 && errorCode(a) === "spend_limit"))).toBe(true);
    expect(ok).toBeGreaterThan(0);
    expect(await providerCalls(mark)).toBe(ok);
    const costs = await costByAgent(org);
    const together = [parent, ...kids].reduce((sum, a) => sum + (costs.get(a.id) ?? 0), 0);
    expect(together).toBeLessThanOrEqual(limit);
    // The parent's counter is the family's spend.
    const live = await limitLive(org, limitId);
    expect(live.spentMicros).toBe(together);
  });

  it("a subagent alone cannot spend once its parent's limit is used up", async () => {
    const { parent, kids } = await family(1);
    const limitId = await agentLimit(org, parent.id, 12_000);
    const mark = marker("sub-after");
    // The parent spends most of its limit first.
    expect((await llmCall(parent.token, LLM_PATHS.chat, costly(mark))).status).toBe(200);
    expect((await llmCall(parent.token, LLM_PATHS.chat, costly(mark))).status).toBe(200);
    const child = await Promise.all(Array.from({ length: 6 }, () => llmCall(kids[0]!.token, LLM_PATHS.messages, costly(mark))));
    expect(child.map((a) => a.status)).toEqual(Array(6).fill(429));
    expect(child[0]!.json.type).toBe("error");
    expect(await providerCalls(mark)).toBe(2);
    expect((await limitLive(org, limitId)).spentMicros).toBeLessThanOrEqual(12_000);
  });

  it("subagents with an Idempotency-Key per call, on several models, still count against the parent", async () => {
    const { parent, kids } = await family(3);
    const limit = 30_000;
    const limitId = await agentLimit(org, parent.id, limit);
    const mark = marker("sub-keyed");
    const answers = await Promise.all(
      kids.flatMap((kid, k) =>
        Array.from({ length: 6 }, (_, i) =>
          llmCall(
            kid.token,
            LLM_PATHS.chat,
            costly(mark, i % 2 ? "fake-max-usage" : "fake-model"),
            i % 3 ? { "idempotency-key": `${mark}-${k}-${i}` } : {},
          ),
        ),
      ),
    );
    const ok = answers.filter((a) => a.status === 200).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(answers.length);
    const costs = await costByAgent(org);
    const together = kids.reduce((sum, a) => sum + (costs.get(a.id) ?? 0), 0);
    expect(together).toBeLessThanOrEqual(limit);
    expect((await limitLive(org, limitId)).spentMicros).toBe(together);
  });

  it("a subagent's own lower limit still applies under its parent's", async () => {
    const { parent, kids } = await family(1);
    await agentLimit(org, parent.id, 1_000_000);
    const childLimit = await agentLimit(org, kids[0]!.id, 11_000);
    const mark = marker("sub-own");
    const answers = await Promise.all(Array.from({ length: 8 }, () => llmCall(kids[0]!.token, LLM_PATHS.chat, costly(mark))));
    const ok = answers.filter((a) => a.status === 200).length;
    // Each call costs a little over 5,000 µ$ (its body carries the Agent Guide too): one or two fit.
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThan(3);
    expect(await providerCalls(mark)).toBe(ok);
    expect((await limitLive(org, childLimit)).spentMicros).toBeLessThanOrEqual(11_000);
  });
});
