// Runs before each test file. The workers project shares one workerd (and its loaded Worker
// modules) across files (`isolate: false` in vitest.config.ts), so each file first empties all
// storage — reset() deletes every Durable Object, and D1, KV and R2 are Durable Objects in
// Miniflare — then applies the D1 migrations: every file still starts from an empty database.
import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";

await reset();
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
