// Where `palisade login` keeps the edge URL and credential, and how every admin command finds them.
// The file holds a bearer credential, so it is created 0600 from its first byte (never chmod-ed
// after the fact) inside a 0700 directory, and replaced atomically by rename.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { MeSchema } from "../../../schema/api.js";
import { Api, CliError, checkEdgeTransport } from "./client.js";

export const CliConfigSchema = z.strictObject({
  edge: z.url({ protocol: /^https?$/ }),
  /** A `pal_admin_…` key or a session token from POST /api/v1/login. */
  token: z.string().min(1).max(4096),
  kind: z.enum(["api-key", "session"]),
  /** When a session token stops working (ISO time); absent for API keys. */
  expiresAt: z.string().optional(),
  org: z.string().min(1).max(64).optional(),
  /** Set when login was told `--insecure-http` for a plain-http edge on another host. */
  insecureHttp: z.literal(true).optional(),
});
export type CliConfig = z.infer<typeof CliConfigSchema>;

export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? os.homedir(), ".config");
  return path.join(base, "palisade", "config.json");
}

export async function writeConfig(env: NodeJS.ProcessEnv, config: CliConfig): Promise<string> {
  const file = configPath(env);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const temp = path.join(dir, `.config.${randomBytes(6).toString("hex")}.tmp`);
  // "wx": a fresh file, created with mode 0600, never an existing file or a planted symlink.
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(CliConfigSchema.parse(config), null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return file;
}

export async function readConfig(env: NodeJS.ProcessEnv): Promise<CliConfig | null> {
  const file = configPath(env);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(1, `cannot read ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(1, `${file} is not JSON; run palisade login again`);
  }
  const parsed = CliConfigSchema.safeParse(json);
  if (!parsed.success) throw new CliError(1, `${file} is not a palisade config; run palisade login again`);
  return parsed.data;
}

/**
 * The API and org the admin commands talk to: PALISADE_EDGE / PALISADE_API_KEY / PALISADE_ORG
 * when set (CI), else what `palisade login` stored; the org defaults to the caller's first. A
 * plain-http edge on another host needs `login --insecure-http` (or PALISADE_INSECURE_HTTP=1).
 */
export async function connect(env: NodeJS.ProcessEnv): Promise<{ api: Api; org: string }> {
  const stored = await readConfig(env);
  const edge = env.PALISADE_EDGE ?? stored?.edge;
  const token = env.PALISADE_API_KEY ?? (env.PALISADE_EDGE === undefined || env.PALISADE_EDGE === stored?.edge ? stored?.token : undefined);
  if (!edge || !/^https?:\/\//.test(edge)) throw new CliError(2, "not logged in: run palisade login (or set PALISADE_EDGE and PALISADE_API_KEY)");
  if (!token) throw new CliError(2, "no credential: run palisade login (or set PALISADE_API_KEY to an admin API key)");
  const insecureHttp = env.PALISADE_EDGE === undefined ? stored?.insecureHttp === true : env.PALISADE_INSECURE_HTTP === "1";
  checkEdgeTransport(edge, insecureHttp, (line) => process.stderr.write(line));
  if (env.PALISADE_API_KEY === undefined && stored?.expiresAt !== undefined && Date.parse(stored.expiresAt) <= Date.now()) {
    throw new CliError(1, "the stored session has expired; run palisade login");
  }
  const api = new Api(edge.replace(/\/+$/, ""), token);
  const org = env.PALISADE_ORG ?? stored?.org;
  if (org) return { api, org };
  const me = await api.call("GET", "/api/v1/me", MeSchema);
  const first = me.orgs[0];
  if (!first) throw new CliError(1, "this credential belongs to no organization; set PALISADE_ORG");
  return { api, org: first.id };
}
