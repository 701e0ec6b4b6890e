// `palisade sandbox run [options] -- <cmd…>`: one command in a local sandbox, its exit code passed back.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { constants } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { createDriver, DRIVER_NAMES } from "../sandbox/index.js";
import { SandboxStartError, type SandboxSpec } from "../sandbox/types.js";

export const SANDBOX_RUN_USAGE = `usage: palisade sandbox run [options] -- <command> [args…]
  --driver bwrap|oci      sandbox driver (default bwrap)
  --workspace DIR         host directory bound at /workspace (default: a fresh temporary one)
  --memory SIZE           memory limit, e.g. 512m, 2g (default 512m)
  --cpus N                CPU quota in cores, e.g. 0.5 (default 1)
  --pids N                process limit (default 256)
  --timeout SECONDS       kill the sandbox after this long
  --env KEY=VALUE         environment variable for the command (repeatable)
  --proxy-socket PATH     unix socket of the egress proxy, bridged to HTTP(S)_PROXY inside
  --agent-id ID           agent the sandbox runs for (default "local")`;

const sizeSchema = z
  .string()
  .regex(/^\d+(\.\d+)?[kmg]?$/i, "size like 512m or 2g")
  .transform((s) => {
    const unit = s.slice(-1).toLowerCase();
    const mult = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
    return Math.floor(Number.parseFloat(s) * mult);
  });

const optionsSchema = z.object({
  driver: z.enum(DRIVER_NAMES).default("bwrap"),
  workspace: z.string().optional(),
  memory: sizeSchema.prefault("512m"),
  cpus: z.coerce.number().positive().default(1),
  pids: z.coerce.number().int().positive().default(256),
  timeout: z.coerce.number().positive().optional(),
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "KEY=VALUE")).default([]),
  "proxy-socket": z.string().optional(),
  "agent-id": z.string().default("local"),
});

/** Runs the command and resolves with the exit code for the `palisade` process (128+n on signal n). */
export async function sandboxRun(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        driver: { type: "string" },
        workspace: { type: "string" },
        memory: { type: "string" },
        cpus: { type: "string" },
        pids: { type: "string" },
        timeout: { type: "string" },
        env: { type: "string", multiple: true },
        "proxy-socket": { type: "string" },
        "agent-id": { type: "string" },
        // Accepted for the edge-governed mode, which the host daemon wires to the agent's policy.
        edge: { type: "string" },
        "agent-token": { type: "string" },
      },
    });
  } catch (e) {
    io.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${SANDBOX_RUN_USAGE}\n`);
    return 2;
  }
  const opts = optionsSchema.safeParse(parsed.values);
  if (!opts.success || parsed.positionals.length === 0) {
    const why = opts.success ? "missing command" : opts.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ");
    io.stderr.write(`${why}\n${SANDBOX_RUN_USAGE}\n`);
    return 2;
  }
  const o = opts.data;
  const driver = createDriver(o.driver);
  const avail = await driver.available();
  if (!avail.ok) {
    io.stderr.write(`palisade: the ${o.driver} sandbox is unavailable: ${avail.reason}\n`);
    return 125;
  }
  const tempWs = o.workspace ? undefined : await mkdtemp(path.join(os.tmpdir(), "palisade-run-"));
  try {
    const spec: SandboxSpec = {
      id: `run-${process.pid}-${Date.now()}`,
      agentId: o["agent-id"],
      command: parsed.positionals,
      env: Object.fromEntries(o.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])),
      workspaceDir: path.resolve(o.workspace ?? tempWs!),
      limits: { memoryBytes: o.memory, cpuQuota: o.cpus, pids: o.pids },
      network: o["proxy-socket"] ? { proxySocket: path.resolve(o["proxy-socket"]) } : {},
      ...(o.timeout === undefined ? {} : { timeoutMs: Math.round(o.timeout * 1000) }),
    };
    const h = await driver.start(spec);
    h.stdout.pipe(io.stdout, { end: false });
    h.stderr.pipe(io.stderr, { end: false });
    const onSignal = (sig: NodeJS.Signals) => h.kill(sig);
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    const exit = await h.wait();
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    if (exit.timedOut) io.stderr.write("palisade: sandbox killed at its time limit\n");
    if (exit.oomKilled) io.stderr.write("palisade: sandbox hit its memory limit\n");
    if (exit.exitCode !== null) return exit.exitCode;
    return 128 + (exit.signal ? constants.signals[exit.signal] : 9);
  } catch (e) {
    if (e instanceof SandboxStartError) {
      io.stderr.write(`palisade: ${e.message}\n`);
      return 125;
    }
    throw e;
  } finally {
    if (tempWs) await rm(tempWs, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await sandboxRun(process.argv.slice(2));
}
