// Runs before each test file. The workers project shares one workerd (and its loaded Worker
// modules) across files (`isolate: false` in vitest.config.ts), so each file first empties all
// storage — reset() deletes every Durable Object, and D1, KV and R2 are Durable Objects in
// Miniflare — then applies the D1 migrations: every file still starts from an empty database.
// The shared local servers' request logs are emptied too, so a file reads only its own traffic.
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";

await reset();
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await Promise.all(
  [env.TEST_TARGET_URL, env.TEST_FAKE_LLM_URL].map(async (base) => (await fetch(`${base}/__reset`, { method: "POST" })).body?.cancel()),
);
