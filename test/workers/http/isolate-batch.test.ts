// The isolate batcher: one send per key and window, a full batch goes at once, a flush takes the
// batch over, and no item is ever sent twice or lost.
import { describe, expect, it } from "vitest";
import { IsolateBatcher, type WaitUntil } from "../../../workers/http/isolate-batch.js";

function harness(options: { windowMs?: number; maxItems?: number } = {}) {
  const sent: Array<{ key: string; items: number[]; fromRequest: boolean }> = [];
  const background: Array<Promise<unknown>> = [];
  const ctx: WaitUntil = { waitUntil: (p) => void background.push(p) };
  const batcher = new IsolateBatcher<number>({
    windowMs: options.windowMs ?? 5,
    maxItems: options.maxItems ?? 100,
    send: async (key, items, sender) => void sent.push({ key, items, fromRequest: sender !== null }),
  });
  const settle = async () => {
    while (background.length) await Promise.all(background.splice(0));
  };
  return { batcher, sent, ctx, settle };
}

describe("IsolateBatcher", () => {
  it("sends the items of one key and window together, each key on its own", async () => {
    const { batcher, sent, ctx, settle } = harness();
    for (let i = 0; i < 5; i++) batcher.add("org_a", i, ctx);
    batcher.add("org_b", 99, ctx);
    expect(batcher.pending).toBe(6);
    expect(sent).toEqual([]);
    await settle();
    expect(sent).toEqual([
      { key: "org_a", items: [0, 1, 2, 3, 4], fromRequest: true },
      { key: "org_b", items: [99], fromRequest: true },
    ]);
    expect(batcher.pending).toBe(0);
  });

  it("sends a full batch at once and opens a new one for what follows", async () => {
    const { batcher, sent, ctx, settle } = harness({ maxItems: 3 });
    for (let i = 0; i < 7; i++) batcher.add("k", i, ctx);
    expect(sent.map((s) => s.items)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    await settle();
    expect(sent.map((s) => s.items)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it("flush sends what is queued now, and the window's timer then sends nothing twice", async () => {
    const { batcher, sent, ctx, settle } = harness({ windowMs: 50 });
    batcher.add("k", 1, ctx);
    batcher.add("k", 2, ctx);
    await batcher.flush("k");
    expect(sent).toEqual([{ key: "k", items: [1, 2], fromRequest: false }]);
    await batcher.flush("k"); // nothing left
    await settle();
    expect(sent).toHaveLength(1);
  });
});
