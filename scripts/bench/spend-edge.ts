// The edge on workerd with the spend driver Worker (spend-driver.ts) beside it, bound to the edge's
// own Durable Object classes, so the spend and capacity benches call the very objects the LLM
// routes use. Shared by `bench:spend` and `bench:capacity`.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { startEdge } from "./edge.js";

type Edge = Awaited<ReturnType<typeof startEdge>>;

/** Builds the driver, starts the edge with it, runs `body`, then closes the edge and removes the build. */
export async function withSpendDriverEdge<T>(body: (edge: Edge) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "palisade-spend-driver-"));
  try {
    const driver = path.join(dir, "spend-driver.js");
    await build({
      entryPoints: [path.join(import.meta.dirname, "spend-driver.ts")],
      outfile: driver,
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      external: ["cloudflare:*", "node:*"],
      logLevel: "silent",
    });
    const edge = await startEdge(
      {},
      {
        extraWorkers: [
          {
            name: "spend-driver",
            modules: true,
            modulesRoot: dir,
            scriptPath: driver,
            compatibilityDate: "2026-10-01",
            compatibilityFlags: ["nodejs_compat"],
            durableObjects: {
              ORG_SPEND: { className: "OrgSpend", scriptName: "palisade" },
              ORG_SPEND_SHARD: { className: "OrgSpendShard", scriptName: "palisade" },
              AUDIT_LOG: { className: "AuditLog", scriptName: "palisade" },
            },
            unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
          },
        ],
      },
    );
    try {
      return await body(edge);
    } finally {
      await edge.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
