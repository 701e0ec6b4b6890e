// The host's state directory: enrollment (host.json, 0600), the egress CA, workspaces and per-sandbox dirs.
//
// Layout. bwrap sets a sandbox up as the sandbox's own host uid and resolves the paths it binds
// as that uid, so the directories on the way are traversable (0711) but never listable or
// writable; what is at their end is each sandbox's own (workspace root: the agent's uid, 0700;
// proxy socket: root:<the sandbox's gid>, 0660).
//   host.json                   edge URL, host id, org, pool and the pal_hostkey_ credential (0600)
//   ca/                         the per-host MITM CA (key 0600, dir 0700)
//   trust/ca-cert.pem           public copy of the CA certificate, bound read-only into sandboxes
//   workspaces/<agentId>/       one writable workspace per agent (its image mounted here), bound at /workspace
//   workspace-images/<id>.ext4  the workspaces' filesystem images (their disk quota)
//   sandboxes/<sandboxId>/      per-sandbox dir: proxy.sock (root:<the sandbox's gid> 0660)
//   ids/                        host uids of agents and leased sandbox slots (sandbox/ids.ts)
//   oci/                        the OCI driver's bundles, identity files and runtime roots (sandbox/oci.ts)
//   gvisor/                     the gVisor driver's bundles (each its sandbox's uid's) and identity files (sandbox/gvisor.ts)
//   images/                     imported images: unpacked roots, records, the names index, VM disks (images/store.ts)
// The state dir and everything above it must be root's alone to change (sandbox/state-dirs.ts).
import { chmod, copyFile, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { HostEnrolledSchema } from "../../../schema/api.js";
import { type HostCa, loadOrCreateCa } from "../proxy/ca.js";
import { ensurePrivateDir, PrivateDirError } from "../sandbox/state-dirs.js";

export const HOST_FILE = "host.json";

export const HostStateSchema = z.object({
  edgeUrl: z.string().url(),
  hostId: z.string().min(1),
  orgId: z.string().min(1),
  pool: z.string().min(1),
  name: z.string().min(1),
  credential: z.string().startsWith("pal_hostkey_"),
  enrolledAt: z.string(),
});
export type HostState = z.infer<typeof HostStateSchema>;

/** `--state-dir`, else this. */
export { defaultStateDir } from "../sandbox/state-dirs.js";

export class StateError extends Error {
  override readonly name = "StateError";
}

/**
 * Makes the state dir (0711) or refuses it (StateError) when it, or a directory above it, is not
 * this user's (root's) alone to change: the daemon follows every name below it as root.
 */
export function ensureStateDir(dir: string): Promise<void> {
  return privateStateDir(path.resolve(dir), 0o711);
}

/** ensurePrivateDir for the state dir and its parts, refused as a StateError the commands report. */
async function privateStateDir(dir: string, mode: number): Promise<void> {
  try {
    await ensurePrivateDir(dir, mode);
  } catch (e) {
    if (e instanceof PrivateDirError) throw new StateError(`the state dir cannot be used: ${e.message}`);
    throw e;
  }
}

export async function readHostState(dir: string): Promise<HostState> {
  let raw: string;
  try {
    raw = await readFile(path.join(dir, HOST_FILE), "utf8");
  } catch {
    throw new StateError(`this host is not enrolled (no ${HOST_FILE} in ${dir}); run: palisade host enroll`);
  }
  const st = await stat(path.join(dir, HOST_FILE));
  if ((st.mode & 0o077) !== 0) throw new StateError(`${path.join(dir, HOST_FILE)} is readable by other users; chmod 600 it`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new StateError(`${HOST_FILE} is not valid JSON`);
  }
  const parsed = HostStateSchema.safeParse(json);
  if (!parsed.success) throw new StateError(`${HOST_FILE} is invalid: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  return parsed.data;
}

/** Writes host.json with mode 0600 from its creation on, replacing any previous file in one step. */
export async function writeHostState(dir: string, state: HostState): Promise<string> {
  await ensureStateDir(dir);
  const file = path.join(dir, HOST_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: "w" });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
  return file;
}

export async function hostStateExists(dir: string): Promise<boolean> {
  return (await stat(path.join(dir, HOST_FILE)).catch(() => undefined)) !== undefined;
}

export class EnrollError extends Error {
  override readonly name = "EnrollError";
}

/** Exchanges a one-time pal_host_ token for this host's credential; never includes a token in an error. */
export async function enroll(
  edgeUrl: string,
  token: string,
  name: string,
  version?: string,
): Promise<Omit<HostState, "edgeUrl" | "name" | "enrolledAt">> {
  const url = new URL("/api/v1/hosts/enroll", edgeUrl);
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ name, ...(version ? { version } : {}) }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new EnrollError(`cannot reach the edge at ${url.origin}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) throw new EnrollError("enrollment refused: the token is invalid, expired or already used");
  if (res.status !== 201 && res.status !== 200) throw new EnrollError(`enrollment failed: the edge answered ${res.status}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EnrollError("enrollment failed: the edge's answer is not JSON");
  }
  const parsed = HostEnrolledSchema.safeParse(json);
  if (!parsed.success || !parsed.data.credential.startsWith("pal_hostkey_"))
    throw new EnrollError("enrollment failed: unexpected answer from the edge");
  return parsed.data;
}

export interface RuntimeDirs {
  ca: HostCa;
  /** Public CA certificate, same path inside bwrap sandboxes (bound read-only). */
  trustCert: string;
  workspaces: string;
  workspaceImages: string;
  sandboxes: string;
  /** The OCI driver's bundles and runtime state (sandbox/oci.ts). */
  oci: string;
  /** The gVisor driver's bundles (sandbox/gvisor.ts). */
  gvisor: string;
  /** The image store (images/store.ts). */
  images: string;
}

/** Creates (or reuses) the CA and the runtime directories under the state dir. */
export async function prepareRuntime(dir: string): Promise<RuntimeDirs> {
  await ensureStateDir(dir);
  const ca = await loadOrCreateCa(path.join(dir, "ca"));
  const trust = path.join(dir, "trust");
  await privateStateDir(trust, 0o755);
  const trustCert = path.join(trust, "ca-cert.pem");
  await copyFile(ca.certPath, `${trustCert}.tmp`);
  await chmod(`${trustCert}.tmp`, 0o644);
  await rename(`${trustCert}.tmp`, trustCert);
  const workspaces = path.join(dir, "workspaces");
  const workspaceImages = path.join(dir, "workspace-images");
  const sandboxes = path.join(dir, "sandboxes");
  for (const [d, mode] of [
    [workspaces, 0o711],
    [sandboxes, 0o711],
    [workspaceImages, 0o700],
  ] as const)
    await privateStateDir(d, mode);
  return {
    ca,
    trustCert,
    workspaces,
    workspaceImages,
    sandboxes,
    oci: path.join(dir, "oci"),
    gvisor: path.join(dir, "gvisor"),
    images: path.join(dir, "images"),
  };
}
