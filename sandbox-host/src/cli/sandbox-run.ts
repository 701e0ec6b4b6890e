// `palisade sandbox run [options] -- <cmd…>`: one command in a local sandbox, its exit code passed back.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { constants } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { envNameProblem, reservedAgentIdProblem } from "../../../schema/sandbox.js";
import { agentEnv } from "../daemon/manager.js";
import { defaultStateDir, prepareRuntime, type RuntimeDirs, StateError } from "../daemon/state.js";
import { proxyEnv, type SandboxProxy, startSandboxProxy } from "../proxy/proxy.js";
import { removeAgentTree } from "../sandbox/host-paths.js";
import { HostIds } from "../sandbox/ids.js";
import { createDriver, DRIVER_NAMES } from "../sandbox/index.js";
import { CA_CERT_INSIDE, PROXY_BRIDGE_PORT } from "../sandbox/rootfs.js";
import { sizeSchema } from "./options.js";
import { SandboxStartError, type SandboxSpec } from "../sandbox/types.js";

export const SANDBOX_RUN_USAGE = `usage: palisade sandbox run [options] -- <command> [args…]
  --driver NAME           sandbox driver: bwrap (default), oci, gvisor (microvm runs images: start it through a host)
  --workspace DIR         host directory bound at /workspace (default: a fresh temporary one)
  --memory SIZE           memory limit, e.g. 512m, 2g (default 512m)
  --cpus N                CPU quota in cores, e.g. 0.5 (default 1)
  --pids N                process limit (default 256)
  --timeout SECONDS       kill the sandbox after this long
  --env KEY=VALUE         environment variable for the command (repeatable)
  --proxy-socket PATH     unix socket of the egress proxy, bridged to HTTP(S)_PROXY inside
  --agent-id ID           agent the sandbox runs for (default "local")
  --edge URL              govern the command by an agent's policy at this edge (with --agent-token):
                          egress goes through the edge's /egress, SDKs through its /llm routes
  --agent-token TOKEN     the agent's token (or $PALISADE_AGENT_TOKEN)
  --state-dir DIR         the host's state: egress CA and sandbox ids (default as for \`palisade host\`)`;

const optionsSchema = z.object({
  driver: z.enum(DRIVER_NAMES).default("bwrap"),
  workspace: z.string().optional(),
  memory: sizeSchema.prefault("512m"),
  cpus: z.coerce.number().positive().default(1),
  pids: z.coerce.number().int().positive().default(256),
  timeout: z.coerce.number().positive().optional(),
  env: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "KEY=VALUE")
        .superRefine((kv, ctx) => {
          const problem = envNameProblem(kv.slice(0, kv.indexOf("=")));
          if (problem) ctx.addIssue({ code: "custom", message: `${kv.slice(0, kv.indexOf("="))} ${problem}` });
        }),
    )
    .default([]),
  "proxy-socket": z.string().optional(),
  "agent-id": z
    .string()
    .default("local")
    .superRefine((id, ctx) => {
      const problem = reservedAgentIdProblem(id);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  edge: z
    .string()
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), "http(s) URL")
    .optional(),
  "agent-token": z.string().min(1).optional(),
  "state-dir": z.string().optional(),
});

/** What `GET <edge>/agent/v1/me` tells about the token's agent. */
const AgentMe = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), orgId: z.string(), name: z.string() });

/** Checks the agent token at the edge; a message (never the token) when it cannot be used. */
async function checkAgent(
  edge: string,
  token: string,
): Promise<{ ok: true; agent: z.infer<typeof AgentMe> } | { ok: false; code: number; message: string }> {
  let res: Response;
  try {
    res = await fetch(`${edge}/agent/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
      redirect: "manual",
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    return { ok: false, code: 1, message: `cannot reach the edge at ${new URL(edge).origin}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (res.type === "opaqueredirect" || (res.status >= 300 && res.status <= 399))
    return {
      ok: false,
      code: 1,
      message: `the edge answered a redirect (HTTP ${res.status}); palisade does not follow redirects with the agent token`,
    };
  const text = await res.text();
  if (res.status === 401 || res.status === 403)
    return { ok: false, code: 2, message: "the edge refused the agent token (revoked, expired or wrong)" };
  if (!res.ok) return { ok: false, code: 1, message: `the edge answered ${res.status} to the agent check` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const me = AgentMe.safeParse(json);
  if (!me.success) return { ok: false, code: 1, message: "unexpected answer from the edge's agent check" };
  return { ok: true, agent: me.data };
}

/** Runs the command and resolves with the exit code for the `palisade` process (128+n on signal n). */
export async function sandboxRun(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env?: NodeJS.ProcessEnv } = process,
): Promise<number> {
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
        edge: { type: "string" },
        "agent-token": { type: "string" },
        "state-dir": { type: "string" },
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
  const token = o["agent-token"] ?? (o.edge ? (io.env ?? process.env).PALISADE_AGENT_TOKEN : undefined);
  if ((o.edge === undefined) !== (token === undefined)) {
    io.stderr.write(`--edge and --agent-token go together\n${SANDBOX_RUN_USAGE}\n`);
    return 2;
  }
  if (o.edge && o["proxy-socket"]) {
    io.stderr.write(`--proxy-socket cannot be combined with --edge (the edge's proxy is used)\n${SANDBOX_RUN_USAGE}\n`);
    return 2;
  }
  let governed: { edge: string; token: string; agentId: string } | undefined;
  if (o.edge && token) {
    const edge = o.edge.replace(/\/+$/, "");
    const check = await checkAgent(edge, token);
    if (!check.ok) {
      io.stderr.write(`palisade: ${check.message}\n`);
      return check.code;
    }
    governed = { edge, token, agentId: check.agent.id };
  }
  const stateDir = o["state-dir"] ?? defaultStateDir(io.env ?? process.env);
  let rt: RuntimeDirs | undefined;
  try {
    rt = governed ? await prepareRuntime(stateDir) : undefined;
  } catch (e) {
    if (!(e instanceof StateError)) throw e;
    io.stderr.write(`palisade: ${e.message}\n`);
    return 1;
  }
  // As root, ids come from the state dir the daemon uses, so a local run never shares one with its sandboxes.
  const ids = process.getuid?.() === 0 ? new HostIds({ dir: path.join(stateDir, "ids") }) : undefined;
  // Every driver gets the host's ids (never an in-process range a daemon on this host could also hand out) and its state dir.
  const driver = createDriver(
    o.driver,
    ids
      ? {
          bwrap: { ids },
          oci: { ids, stateDir: path.join(stateDir, "oci") },
          gvisor: { ids, stateDir: path.join(stateDir, "gvisor") },
          microvm: { ids },
        }
      : {},
  );
  const avail = await driver.available();
  if (!avail.ok) {
    io.stderr.write(`palisade: the ${o.driver} sandbox is unavailable: ${avail.reason}\n`);
    return 125;
  }
  const tempWs = o.workspace ? undefined : await mkdtemp(path.join(os.tmpdir(), "palisade-run-"));
  const workspaceDir = path.resolve(o.workspace ?? tempWs!);
  let proxy: SandboxProxy | undefined;
  let proxyDir: string | undefined;
  try {
    let env = Object.fromEntries(o.env.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    let proxySocket = o["proxy-socket"] ? path.resolve(o["proxy-socket"]) : undefined;
    if (governed && rt) {
      // One proxy for this sandbox; its dir is traversable (bwrap binds the socket as the sandbox's uid),
      // and the driver gives the socket itself to the sandbox's own gid.
      proxyDir = await mkdtemp(path.join(os.tmpdir(), "palisade-proxy-"));
      await chmod(proxyDir, 0o711);
      proxySocket = path.join(proxyDir, "proxy.sock");
      proxy = await startSandboxProxy({
        edgeUrl: governed.edge,
        agentToken: governed.token,
        ca: rt.ca,
        listen: { socketPath: proxySocket },
        log: () => undefined,
      });
      env = { ...agentEnv(governed.edge, governed.token), ...env, ...proxyEnv(`http://127.0.0.1:${PROXY_BRIDGE_PORT}`, CA_CERT_INSIDE) };
    }
    const spec: SandboxSpec = {
      id: `run-${process.pid}-${Date.now()}`,
      agentId: governed?.agentId ?? o["agent-id"],
      command: parsed.positionals,
      env,
      workspaceDir,
      limits: { memoryBytes: o.memory, cpuQuota: o.cpus, pids: o.pids },
      network: { ...(proxySocket ? { proxySocket } : {}), ...(governed && rt ? { caCertFile: rt.trustCert } : {}) },
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
    await proxy?.close();
    if (proxyDir) await rm(proxyDir, { recursive: true, force: true });
    // Deleted as the agent's uid: the tree is the agent's, and root never walks it.
    if (tempWs) await removeAgentTree(tempWs);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await sandboxRun(process.argv.slice(2));
}
