// Test projects: "workers" runs inside workerd through @cloudflare/vitest-plugin; "node" runs
// the sandbox host, scripts and pure modules that need Node APIs or real processes.
import os from "node:os";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildDashboard } from "./scripts/build-dashboard.mjs";
import { testSecrets } from "./test/support/secrets.js";

// wrangler checks the required secrets exist; in tests they are the fixed test values.
for (const [k, v] of Object.entries(testSecrets)) process.env[k] ??= v;

export default defineConfig(async () => {
  // The Worker imports the built dashboard (dist/dashboard/files.js); the build is fast
  // and leaves unchanged files alone.
  await buildDashboard({ quiet: true });
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations"));
  return {
    test: {
      // Both projects share these slots. Vitest's default (cores - 1) runs everything one file at a
      // time on a 2-core machine, while most node files wait on child processes (sandboxes, VM boots,
      // Chromium) rather than use a core; VITEST_MAX_WORKERS or --maxWorkers override it.
      maxWorkers: Math.max(2, os.availableParallelism()),
      projects: [
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ...testSecrets,
                  ALLOW_PRIVATE_UPSTREAMS: "true",
                  AUDIT_TEST_HOOKS: "true",
                  TEST_MIGRATIONS: migrations,
                  TEST_TARGET_URL: inject("targetUrl"),
                  TEST_FAKE_LLM_URL: inject("fakeLlmUrl"),
                  TEST_MCP_UPSTREAM_URL: inject("mcpUpstreamUrl"),
                  TEST_OIDC_PROVIDER_URL: inject("oidcProviderUrl"),
                  TEST_FAKE_IDP_URL: inject("fakeIdpUrl"),
                },
              },
            })),
          ],
          test: {
            name: "workers",
            // Generous bounds: a loaded CI machine is slower, and these are hang guards, not speed checks.
            testTimeout: 30_000,
            hookTimeout: 60_000,
            globalSetup: ["test/support/global-setup.ts"],
            include: ["test/workers/**/*.test.ts", "test/attacks/**/*.test.ts"],
            // One workerd per worker slot, reused from file to file: loading the Worker's modules into
            // a fresh workerd cost ~6 s per file. Storage still starts empty for every file (setup.ts).
            isolate: false,
            // One workers file at a time: the fake provider and the egress target are servers shared by
            // every file, whose request logs tests read ("the last request"), so two workers files at once
            // would read each other's traffic. Vitest runs projects with different slot counts as separate
            // groups, one after the other; `npm test` (scripts/test.mjs) runs the two projects as two
            // processes side by side instead.
            maxWorkers: 1,
            sequence: { groupOrder: 1 },
            setupFiles: ["test/workers/setup.ts"],
          },
        },
        {
          test: {
            name: "node",
            sequence: { groupOrder: 0 },
            testTimeout: 30_000,
            hookTimeout: 60_000,
            environment: "node",
            include: ["test/node/**/*.test.ts"],
          },
        },
      ],
    },
  };
});
