// At most one call in flight per key in this isolate; calls that arrive meanwhile queue and go
// out together as the next batch. Used for spend reserves: each is a Durable Object call and a
// storage commit, and under load most of a request's cost. With no concurrency a call goes out
// at once, so nothing waits for a timer.
//
// Each batch is sent from the request of its first member, which is waiting for it anyway: the
// request that finishes a batch wakes the next batch's first member (a promise that request
// created, which workerd resumes in its own context) instead of sending on another's behalf.
// A lane whose sender vanished (its request was cancelled) is taken over after `stallMs`.

type Turn<Res> = { result: Res } | { error: unknown } | { lead: Array<Waiter<unknown, Res>> };

interface Waiter<Req, Res> {
  req: Req;
  wake(turn: Turn<Res>): void;
}

interface Lane<Req, Res> {
  waiting: Array<Waiter<Req, Res>>;
  sendingSince: number;
}

export interface KeyedPipelineOptions<Req, Res> {
  /** Sends one batch; answers one result per request, in order. */
  send(key: string, requests: Req[]): Promise<Res[]>;
  maxBatch: number;
  /** A lane busy this long is presumed orphaned and taken over by the next caller. */
  stallMs: number;
}

export class KeyedPipeline<Req, Res> {
  readonly #lanes = new Map<string, Lane<Req, Res>>();
  readonly #options: KeyedPipelineOptions<Req, Res>;

  constructor(options: KeyedPipelineOptions<Req, Res>) {
    this.#options = options;
  }

  async call(key: string, req: Req): Promise<Res> {
    const lane = this.#lanes.get(key);
    let batch: Array<Waiter<Req, Res>>;
    let mine: Lane<Req, Res>;
    if (lane && Date.now() - lane.sendingSince < this.#options.stallMs) {
      const turn = await new Promise<Turn<Res>>((wake) => lane.waiting.push({ req, wake }));
      if ("result" in turn) return turn.result;
      if ("error" in turn) throw turn.error;
      batch = turn.lead as Array<Waiter<Req, Res>>;
      mine = lane;
    } else {
      if (lane) {
        // The sender of this lane is gone: its waiters are told, and this call starts afresh.
        for (const w of lane.waiting.splice(0)) w.wake({ error: new Error("spend pipeline stalled") });
      }
      mine = { waiting: [], sendingSince: Date.now() };
      this.#lanes.set(key, mine);
      batch = [{ req, wake: () => undefined }];
    }
    mine.sendingSince = Date.now();
    let results: Res[] | null = null;
    let failure: unknown = null;
    try {
      results = await this.#options.send(key, batch.map((w) => w.req));
      if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered with ${results.length}`);
    } catch (error) {
      failure = error;
      results = null;
    }
    for (let i = 1; i < batch.length; i++) {
      const result = results?.[i];
      batch[i]!.wake(results && result !== undefined ? { result } : { error: failure });
    }
    const next = mine.waiting.splice(0, this.#options.maxBatch);
    if (next.length > 0) next[0]!.wake({ lead: next as Array<Waiter<unknown, Res>> });
    else if (this.#lanes.get(key) === mine) this.#lanes.delete(key);
    if (!results) throw failure;
    return results[0]!;
  }
}
