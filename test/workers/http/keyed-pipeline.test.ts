// The keyed pipeline: one batch in flight per key, callers that arrive meanwhile go together
// next, each gets its own answer, a failure reaches exactly its batch, and a stalled lane is
// taken over.
import { describe, expect, it } from "vitest";
import { KeyedPipeline } from "../../../workers/http/keyed-pipeline.js";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("KeyedPipeline", () => {
  it("sends the first call alone and batches the calls that arrive while it is in flight", async () => {
    const batches: number[][] = [];
    const first = gate();
    const pipeline = new KeyedPipeline<number, string>({
      maxBatch: 100,
      stallMs: 10_000,
      send: async (_key, reqs) => {
        batches.push(reqs);
        if (batches.length === 1) await first.opened;
        return reqs.map((r) => `answer ${r}`);
      },
    });
    const calls = [pipeline.call("org", 1)];
    for (let i = 2; i <= 5; i++) calls.push(pipeline.call("org", i));
    calls.push(pipeline.call("other-org", 9));
    first.open();
    expect(await Promise.all(calls)).toEqual(["answer 1", "answer 2", "answer 3", "answer 4", "answer 5", "answer 9"]);
    expect(batches).toEqual([[1], [9], [2, 3, 4, 5]]);
  });

  it("fails exactly the batch whose send failed, and the next batch still goes", async () => {
    const first = gate();
    let sends = 0;
    const pipeline = new KeyedPipeline<number, number>({
      maxBatch: 2,
      stallMs: 10_000,
      send: async (_key, reqs) => {
        sends++;
        if (sends === 1) await first.opened;
        if (sends === 2) throw new Error("DO unreachable");
        return reqs.map((r) => r * 10);
      },
    });
    const results = [1, 2, 3, 4].map((n) => pipeline.call("org", n).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    first.open();
    // Batch [1] passes, batch [2, 3] (max 2) fails, batch [4] passes.
    expect(await Promise.all(results)).toEqual([{ v: 10 }, { e: "DO unreachable" }, { e: "DO unreachable" }, { v: 40 }]);
  });

  it("treats a lane busy past stallMs as orphaned: its waiters are told and the next call goes through", async () => {
    const never = gate();
    const pipeline = new KeyedPipeline<number, number>({
      maxBatch: 100,
      stallMs: 30,
      send: async (_key, reqs) => {
        if (reqs[0] === 1) await never.opened; // a sender that never comes back
        return reqs;
      },
    });
    void pipeline.call("org", 1);
    const waiting = pipeline.call("org", 2).catch((e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 60));
    expect(await pipeline.call("org", 3)).toBe(3);
    expect(await waiting).toMatch(/stalled/);
  });
});
