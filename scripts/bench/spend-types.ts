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

/** The capacity sweep (`npm run bench:capacity`): the same org's objects at rising concurrency. */
export interface CapacitySweepRun {
  orgId: string;
  teamId: string;
  agentIds: string[];
  model: string;
  /** Concurrency levels, each run for `pairsPerLevel` operations (or `timeCapMs`). */
  levels: number[];
  pairsPerLevel: number;
  timeCapMs: number;
  /** Shards for the sharded variant of the keyed path. */
  shards: number;
}

export interface CapacityPoint {
  concurrency: number;
  ops: number;
  opsPerSecond: number;
  /** Mean time one operation took: concurrency over throughput (Little's law). */
  meanMs: number;
}

export interface CapacitySweepResult {
  /** A keyed call's spend work at the org's one OrgSpend: reserve (one DO call) + batched settle. */
  orgSpend: CapacityPoint[];
  /** The same through `shards` OrgSpendShards drawing leases from the org's OrgSpend. */
  sharded: CapacityPoint[];
  /** One AuditLog append per event (one DO call each, as recordAudit without a batch). */
  auditLog: CapacityPoint[];
}
