// What a sandbox's argv and environment may hold: one rule shared by the admin API, the tunnel
// command the host receives, and the daemon that checks it again.
//
// The sandbox host hands the environment to the process inside the sandbox and to nothing else,
// so a loader variable could only ever act inside. They are still refused at every boundary: a
// host where some runtime step reads the environment would run the agent's code outside.
import { z } from "zod";

/** Variables that make the dynamic loader or glibc load code or files chosen by whoever sets them. */
const LOADER_VARIABLES = new Set([
  "GCONV_PATH",
  "GETCONF_DIR",
  "GLIBC_TUNABLES",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "LOCPATH",
  "MUSL_LOCPATH",
  "NIS_PATH",
  "NLSPATH",
  "RESOLV_HOST_CONF",
  "RES_OPTIONS",
  "TZDIR",
]);
/** Whole families: every LD_ variable (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, future ones) and MALLOC_ knobs. */
const LOADER_PREFIXES = ["LD_", "MALLOC_"];

/** Whether `name` is a loader variable; compared case-insensitively, so no spelling of one gets through. */
export function isLoaderVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return LOADER_VARIABLES.has(upper) || LOADER_PREFIXES.some((p) => upper.startsWith(p));
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const noNul = (s: string) => !s.includes("\0");

/** Why `name` cannot name a sandbox variable, or undefined when it can. */
export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return "env names are shell identifiers (letters, digits, '_'; at most 128)";
  if (isLoaderVariable(name)) return "is a loader variable (LD_*, MALLOC_*, GCONV_PATH, GLIBC_TUNABLES…) and cannot be set";
  return undefined;
}

export const SandboxEnvValue = z
  .string()
  .max(32 * 1024)
  .refine(noNul, "must not contain NUL bytes");

/** One argument of a sandbox's command. */
export const SandboxArg = z
  .string()
  .max(16 * 1024)
  .refine(noNul, "must not contain NUL bytes");

/**
 * A sandbox environment of at most `maxEntries` variables. Names are checked here rather than by a
 * key schema so that the error names the rule that was broken, not just "invalid key".
 */
export const sandboxEnv = (maxEntries: number) =>
  z.record(z.string(), SandboxEnvValue).superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > maxEntries) ctx.addIssue({ code: "custom", message: `at most ${maxEntries} variables` });
    for (const name of names) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
    }
  });

/**
 * Agent ids the sandbox host keeps for its own sandboxes (its drivers' probes run as
 * `palisade-probe`): an agent with such an id would share their host uid, so none is accepted from
 * the edge or the command line.
 */
export const HOST_AGENT_PREFIX = "palisade-";

/** Why `agentId` cannot name an agent's sandbox on a host, or undefined. */
export function reservedAgentIdProblem(agentId: string): string | undefined {
  return agentId.toLowerCase().startsWith(HOST_AGENT_PREFIX) ? `agent ids starting with ${HOST_AGENT_PREFIX} are the host's own` : undefined;
}
