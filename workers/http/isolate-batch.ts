// Groups fire-and-forget writes of one isolate (audit events, spend settles) into one Durable
// Object call per key and window: on this runtime every DO call is a storage commit, and commits,
// not the JavaScript around them, are what a busy isolate spends its time on.
//
// Workers' rule is that a request may not wait on I/O started by another request. So a batch is
// sent from the waitUntil of the request that opened it; a request that fills a batch, or that
// must read what is queued (flush), takes the batch over and sends it itself. Nobody awaits a
// promise another request created.

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

interface Batch<T> {
  items: T[];
  taken: boolean;
}

export interface IsolateBatcherOptions<T> {
  /** How long the first item waits for company. Bounds how long an item lives only in memory. */
  windowMs: number;
  /** A batch this full is sent at once. */
  maxItems: number;
  /**
   * Sends one batch; must not throw (it logs and retries as its caller requires). ctx is the
   * sending request's (null for a flush the caller awaits), for follow-up work of its own.
   */
  send(key: string, items: T[], ctx: WaitUntil | null): Promise<void>;
}

export class IsolateBatcher<T> {
  readonly #open = new Map<string, Batch<T>>();
  readonly #options: IsolateBatcherOptions<T>;

  constructor(options: IsolateBatcherOptions<T>) {
    this.#options = options;
  }

  /** Queues one item; the batch goes out within the window, from this or an earlier request's waitUntil. */
  add(key: string, item: T, ctx: WaitUntil): void {
    let batch = this.#open.get(key);
    if (!batch) {
      batch = { items: [], taken: false };
      this.#open.set(key, batch);
      const opened = batch;
      ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, this.#options.windowMs)).then(() => this.#send(key, opened, ctx)));
    }
    batch.items.push(item);
    if (batch.items.length >= this.#options.maxItems) ctx.waitUntil(this.#send(key, batch, ctx));
  }

  /** Sends what this isolate holds for key now, from the caller's request (reads call this first). */
  async flush(key: string): Promise<void> {
    const batch = this.#open.get(key);
    if (batch) await this.#send(key, batch, null);
  }

  /** Items waiting in this isolate (all keys). */
  get pending(): number {
    let n = 0;
    for (const batch of this.#open.values()) n += batch.items.length;
    return n;
  }

  async #send(key: string, batch: Batch<T>, ctx: WaitUntil | null): Promise<void> {
    if (batch.taken) return;
    batch.taken = true;
    if (this.#open.get(key) === batch) this.#open.delete(key);
    await this.#options.send(key, batch.items, ctx);
  }
}
