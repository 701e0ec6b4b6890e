// Benchmark-only round-trip counter (`npm run bench:round-trips`): with BENCH_IO_COUNTS = "true"
// the Worker's env is wrapped so every Durable Object call (by binding), D1 query and KV read the
// Worker makes is counted, and GET /__bench/io-counts answers the totals (DELETE resets them).
// Off (the default), the entry makes one string comparison and nothing here runs. Objects' own
// work (their D1 outboxes, a shard's calls to its org object) uses their own env and is not counted.
const counts: Record<string, number> = {};
const bump = (key: string, n = 1) => {
  counts[key] = (counts[key] ?? 0) + n;
};

const envs = new WeakMap<object, Env>();
const bindings = new Map<string, unknown>();
/** The real prepared statement behind each counting one, for D1's batch(). */
const statements = new WeakMap<object, D1PreparedStatement>();

export const ioCountsPath = "/__bench/io-counts";

export function ioCountsResponse(method: string): Response {
  if (method === "DELETE") for (const key of Object.keys(counts)) delete counts[key];
  return Response.json(counts);
}

/** The env with its bindings counted; the same wrapper for the same env, so per-env caches still hit. */
export function countingEnv(env: Env): Env {
  let wrapped = envs.get(env);
  if (!wrapped) {
    wrapped = new Proxy(env, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (typeof prop !== "string" || value === null || typeof value !== "object") return value;
        let counted = bindings.get(prop);
        if (!counted) {
          counted = countBinding(prop, value);
          bindings.set(prop, counted);
        }
        return counted;
      },
    });
    envs.set(env, wrapped);
  }
  return wrapped;
}

const has = (value: object, ...names: string[]) => names.every((n) => typeof (value as Record<string, unknown>)[n] === "function");

function countBinding(name: string, binding: object): unknown {
  if (has(binding, "idFromName", "get")) return countNamespace(name, binding as DurableObjectNamespace);
  if (has(binding, "prepare", "batch")) return countD1(binding as D1Database);
  if (has(binding, "get", "put", "list", "getWithMetadata")) return countKv(binding as KVNamespace);
  return binding;
}

/** Calls each method through its target, counting the ones listed. */
function passThrough<T extends object>(target: T, counted: (prop: string, args: unknown[]) => unknown | undefined): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => counted(prop, args) ?? Reflect.apply(value, t, args);
    },
  });
}

function countNamespace(name: string, ns: DurableObjectNamespace): DurableObjectNamespace {
  return passThrough(ns, (prop, args) => {
    if (prop !== "get" && prop !== "getByName") return undefined;
    const stub = Reflect.apply(ns[prop], ns, args) as DurableObjectStub;
    return new Proxy(stub, {
      get(t, method) {
        const value: unknown = Reflect.get(t, method);
        if (typeof value !== "function" || typeof method !== "string" || method === "then") return value;
        return (...callArgs: unknown[]) => {
          bump(`do.${name}`);
          return Reflect.apply(value, t, callArgs);
        };
      },
    });
  });
}

function countStatement(statement: D1PreparedStatement): D1PreparedStatement {
  const counted = passThrough(statement, (prop, args) => {
    if (prop === "bind") return countStatement(statement.bind(...args));
    if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") bump("d1");
    return undefined;
  });
  statements.set(counted, statement);
  return counted;
}

function countD1(db: D1Database): D1Database {
  return passThrough(db, (prop, args) => {
    if (prop === "prepare") return countStatement(db.prepare(args[0] as string));
    if (prop === "batch") {
      // One round trip for the batch, whatever its size.
      bump("d1");
      const list = (args[0] as D1PreparedStatement[]).map((s) => statements.get(s) ?? s);
      return db.batch(list);
    }
    if (prop === "exec") bump("d1");
    return undefined;
  });
}

function countKv(kv: KVNamespace): KVNamespace {
  return passThrough(kv, (prop) => {
    if (prop === "get" || prop === "getWithMetadata") bump("kv.read");
    return undefined;
  });
}
