#!/usr/bin/env node
// Runs the project's wrangler CLI on Node 20: wrangler's launcher refuses Node < 22, but its
// CLI (local dev, D1 migrations, types) works here, so we start the CLI bundle directly.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const cli = path.join(path.dirname(require.resolve("wrangler/package.json")), "wrangler-dist/cli.js");
const child = spawn(process.execPath, ["--no-warnings", cli, ...process.argv.slice(2)], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
