// What the spend benchmark posts to its driver Worker and reads back (shared by Node and the driver).
export interface SpendDriverRun {
  orgId: string;
  teamId: string;
  agentIds: string[];
  model: string;
  pairs: number;
  concurrency: number;
  latencySamples: number;
  timeCapMs: number;
}

export interface SpendPhase {
  pairs: number;
  elapsedMs: number;
  pairsPerSecond: number;
}

export interface SpendDriverResult {
  warmupPairs: number;
  leased: SpendPhase;
  batched: SpendPhase;
  unbatched: SpendPhase;
  /**
   * What a call waits for: the reserve round trip (the settle is off its path). workerd's clock
   * moves in whole milliseconds, so the percentiles are coarse; `meanMs` is the whole sequential
   * run's time over its samples, which is exact.
   */
  latency: { samples: number; meanMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
  /** Mean round trip of a read-only RPC to the same object: the transport floor. */
  baselineRpcMeanMs: number;
}
