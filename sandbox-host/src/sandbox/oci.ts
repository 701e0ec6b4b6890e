// The second driver: an OCI runtime (crun or runc) running a generated bundle with the same policy as bwrap.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, type FileHandle, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { defaultAssetsDir, guestHelper } from "./assets.js";
import { detectCgroups, unifiedMountBesideV1 } from "./cgroups.js";
import { openProxySocket, openReadOnlyFile, openWorkspace } from "./host-paths.js";
import { HostIds, PROBE_AGENT, type SandboxIds } from "./ids.js";
import { launch } from "./process.js";
import {
  CA_CERT_INSIDE,
  ETC_PIECES,
  MASKED_PROC_FILES,
  PROXY_BRIDGE_PORT,
  PROXY_SOCKET_INSIDE,
  rootEntries,
  sandboxEnv,
  tmpSizeBytes,
  withInit,
  writeIdentityFiles,
} from "./rootfs.js";
import { ociSeccomp, type OciSeccomp } from "./seccomp.js";
import { defaultStateDir, ensurePrivateDir } from "./state-dirs.js";
import {
  idsError,
  probeOutcome,
  SandboxStartError,
  sandboxSpecSchema,
  type DriverAvailability,
  type SandboxDriver,
  type SandboxHandle,
  type SandboxSpec,
} from "./types.js";

const run = promisify(execFile);

export interface OciDriverOptions {
  /** Path to crun or runc; the first one that runs a container here is used by default. */
  runtimePath?: string;
  /**
   * Bundles (config.json + empty rootfs), identity files and the runtimes' own state live here
   * (default `<host state dir>/oci`). Made root's and private, and refused when another user could
   * change it or a directory above it.
   */
  stateDir?: string;
  /** Host ids per agent and per sandbox; by default a range kept in this process. */
  ids?: HostIds;
  /** uid/gid of the command inside the container. */
  sandboxUid?: number;
  /** Parent cgroup (relative to each hierarchy's root) under which the runtime creates `<id>`. */
  cgroupParent?: string;
  /** Host-wide assets (the guest helper image sandboxes bridge their proxy with); default defaultAssetsDir(). */
  assetsDir?: string;
}

const CFS_PERIOD_US = 100_000;
/** The runtimes' own environment: nothing of the daemon's or the spec's. */
const RUNTIME_ENV = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" };

interface Mount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** The subset of the OCI runtime spec (config.json) this driver writes. */
export interface OciConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<"bounding" | "effective" | "inheritable" | "permitted" | "ambient", string[]>;
    noNewPrivileges: boolean;
    rlimits: { type: string; hard: number; soft: number }[];
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: Mount[];
  linux: {
    namespaces: { type: string }[];
    uidMappings: { containerID: number; hostID: number; size: number }[];
    gidMappings: { containerID: number; hostID: number; size: number }[];
    resources?: {
      memory: { limit: number; swap: number };
      cpu: { quota: number; period: number };
      pids: { limit: number };
      devices: { allow: boolean; access: string }[];
    };
    cgroupsPath?: string;
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

const ro = ["rbind", "ro", "nosuid", "nodev"];

/** Where the static guest helper (the proxy bridge of image sandboxes) appears inside. */
export const BRIDGE_INSIDE = "/run/palisade/bridge";

/** The command an image sandbox runs: the static bridge listens on 127.0.0.1:3128 inside, then execs the command. */
export function withStaticBridge(command: string[]): string[] {
  return [BRIDGE_INSIDE, "bridge", String(PROXY_BRIDGE_PORT), PROXY_SOCKET_INSIDE, "--", ...command];
}

export interface ContainerConfigOptions {
  /** uid/gid of the command inside. */
  user: { uid: number; gid: number };
  /** Map container root and the command's ids to these host ids (runc, crun); without, no user namespace (runsc rootless). */
  ids?: Pick<SandboxIds, "uid" | "gid" | "rootId">;
  passwd: string;
  group: string;
  /** The runtime's cgroup and resources (runc, crun); without, the caller's own cgroup applies (runsc). */
  cgroupsPath?: string;
  /** Host path of the static guest helper, bound at BRIDGE_INSIDE (image sandboxes with a proxy). */
  bridge?: string;
  /** Bundle-relative or absolute root; default "rootfs" (host mode) or the image's root. */
  rootPath?: string;
}

/**
 * Builds config.json for one sandbox: every namespace, no capabilities, read-only root, seccomp,
 * limits. With an image the root is the image's (prepared by the image store, read-only) and
 * nothing of the host's /usr is bound; without, the root is empty and the host's /usr, /lib* and a
 * few /etc files are bound read-only.
 */
export function ociConfig(spec: SandboxSpec, opts: ContainerConfigOptions): OciConfig {
  const mounts: Mount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    {
      destination: "/tmp",
      type: "tmpfs",
      source: "tmpfs",
      options: ["nosuid", "nodev", "mode=1777", `size=${tmpSizeBytes(spec.limits)}`],
    },
  ];
  if (!spec.image) {
    mounts.push({ destination: "/usr", type: "bind", source: "/usr", options: ro });
    for (const e of rootEntries()) if (!("symlink" in e)) mounts.push({ destination: e.path, type: "bind", source: e.path, options: ro });
    for (const piece of ETC_PIECES) {
      const p = `/etc/${piece}`;
      if (existsSync(p)) mounts.push({ destination: p, type: "bind", source: p, options: ro });
    }
  }
  mounts.push({ destination: "/etc/passwd", type: "bind", source: opts.passwd, options: ro });
  mounts.push({ destination: "/etc/group", type: "bind", source: opts.group, options: ro });
  mounts.push({ destination: "/workspace", type: "bind", source: spec.workspaceDir, options: ["rbind", "rw", "nosuid", "nodev"] });
  const socket = spec.network.proxySocket;
  if (socket) mounts.push({ destination: PROXY_SOCKET_INSIDE, type: "bind", source: socket, options: ro });
  if (spec.network.caCertFile) mounts.push({ destination: CA_CERT_INSIDE, type: "bind", source: spec.network.caCertFile, options: ro });
  const useBridge = spec.image !== undefined && socket !== undefined;
  if (useBridge) {
    if (!opts.bridge) throw new SandboxStartError("an image sandbox with a proxy needs the guest helper");
    mounts.push({ destination: BRIDGE_INSIDE, type: "bind", source: opts.bridge, options: ro });
  }
  const noCaps = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
  const ids = opts.ids;
  const map = (own: number) =>
    ids
      ? [
          { containerID: 0, hostID: ids.rootId, size: 1 },
          { containerID: opts.user.uid, hostID: own, size: 1 },
        ]
      : [];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: opts.user.uid, gid: opts.user.gid, additionalGids: [] },
      // pid 1 is the sandbox's init (rootfs.ts), which the command can neither read nor write. An
      // image has no perl: there the static guest helper bridges the proxy (made non-dumpable too).
      args: spec.image ? (useBridge ? withStaticBridge(spec.command) : spec.command) : withInit(spec.command, socket !== undefined),
      env: Object.entries(sandboxEnv(spec)).map(([k, v]) => `${k}=${v}`),
      cwd: "/workspace",
      capabilities: noCaps,
      noNewPrivileges: true,
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 4096, soft: 4096 }],
    },
    root: { path: opts.rootPath ?? spec.image?.rootfsDir ?? "rootfs", readonly: true },
    hostname: "sandbox",
    mounts,
    linux: {
      // A network namespace without a path is a new, empty one: loopback only.
      namespaces: ["pid", "network", "ipc", "uts", "mount", ...(ids ? ["user", "cgroup"] : [])].map((type) => ({ type })),
      uidMappings: ids ? map(ids.uid) : [],
      gidMappings: ids ? map(ids.gid) : [],
      ...(opts.cgroupsPath
        ? {
            resources: {
              memory: { limit: spec.limits.memoryBytes, swap: spec.limits.memoryBytes },
              cpu: { quota: Math.max(1000, Math.round(spec.limits.cpuQuota * CFS_PERIOD_US)), period: CFS_PERIOD_US },
              pids: { limit: spec.limits.pids },
              devices: [{ allow: false, access: "rwm" }],
            },
            cgroupsPath: opts.cgroupsPath,
          }
        : {}),
      seccomp: ociSeccomp(),
      maskedPaths: [...MASKED_PROC_FILES, "/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware"],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

export class OciDriver implements SandboxDriver {
  readonly name = "oci";
  readonly isolation = "container";
  readonly runsImages = true;
  readonly #assetsDir: string;
  readonly #candidates: string[];
  #runtime: string | undefined;
  /** Argv that starts the runtime: crun on a hybrid host runs where the unified tree is out of sight. */
  #runtimeArgv: string[] = [];
  #probed: Promise<DriverAvailability> | undefined;
  readonly #stateDir: string;
  readonly #ids: HostIds;
  readonly #sandboxUid: number;
  readonly #cgroupParent: string;

  #ready: Promise<void> | undefined;

  constructor(opts: OciDriverOptions = {}) {
    this.#candidates = opts.runtimePath ? [opts.runtimePath] : ["/usr/bin/crun", "/usr/bin/runc", "/usr/sbin/runc"].filter((p) => existsSync(p));
    this.#stateDir = path.resolve(opts.stateDir ?? path.join(defaultStateDir(), "oci"));
    this.#ids = opts.ids ?? new HostIds();
    this.#sandboxUid = opts.sandboxUid ?? 1000;
    this.#cgroupParent = opts.cgroupParent ?? "/palisade";
    this.#assetsDir = opts.assetsDir ?? defaultAssetsDir();
  }

  /**
   * Picks the first runtime that really runs a container here. crun refuses the hybrid cgroup
   * layout outright, so on a hybrid host whose controllers all live on v1 it runs in a mount
   * namespace of its own without the unified tree; runc uses the v1 controllers as they are.
   */
  available(): Promise<DriverAvailability> {
    this.#probed ??= this.#probe();
    return this.#probed;
  }

  /**
   * The state dir and its parts, made once: `bundles/<id>/`, `etc/` (identity files), `runtime/<name>/`
   * (each runtime's `--root`, so its `list` and `delete` see only this driver's containers) and
   * `probe-workspace/`. Traversable (0711) because container root, a host id of the sandbox's own,
   * resolves the rootfs and the bind sources; nothing in it is listable or writable by another user.
   */
  #prepareState(): Promise<void> {
    this.#ready ??= (async () => {
      await ensurePrivateDir(this.#stateDir, 0o711);
      for (const d of ["bundles", "etc", "runtime"]) await mkdir(path.join(this.#stateDir, d), { recursive: true, mode: 0o711 });
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  /** Argv that starts `runtime` with this driver's own state root. */
  #argvFor(runtime: string, unified: string | undefined): string[] {
    const root = ["--root", path.join(this.#stateDir, "runtime", path.basename(runtime))];
    if (path.basename(runtime) !== "crun" || !unified) return [runtime, ...root];
    return [
      "/usr/bin/unshare",
      "--mount",
      "--propagation",
      "slave",
      "--",
      "/bin/sh",
      "-c",
      'umount -l -- "$1" && shift && exec "$@"',
      "crun",
      unified,
      runtime,
      ...root,
    ];
  }

  async #probe(): Promise<DriverAvailability> {
    if (this.#candidates.length === 0) return { ok: false, reason: "no OCI runtime found (apt-get install crun or runc)" };
    if (process.getuid?.() !== 0) return { ok: false, reason: "the oci driver needs the daemon to run as root (it maps a private uid range)" };
    try {
      await this.#prepareState();
    } catch (e) {
      return { ok: false, reason: `the oci driver's state dir cannot be used: ${e instanceof Error ? e.message : String(e)}` };
    }
    const reasons: string[] = [];
    const ws = path.join(this.#stateDir, "probe-workspace");
    await mkdir(ws, { recursive: true, mode: 0o700 });
    const unified = await detectCgroups().then(unifiedMountBesideV1, () => undefined);
    for (const runtime of this.#candidates) {
      this.#runtime = runtime;
      this.#runtimeArgv = this.#argvFor(runtime, unified);
      try {
        const h = await this.start({
          id: `probe-${process.pid}-${path.basename(runtime)}`,
          agentId: PROBE_AGENT,
          command: ["/bin/true"],
          env: {},
          workspaceDir: ws,
          limits: { memoryBytes: 64 << 20, cpuQuota: 1, pids: 16 },
          network: {},
          timeoutMs: 10_000,
        });
        const probe = await probeOutcome(h);
        if (probe.exitCode === 0) return { ok: true };
        reasons.push(`${path.basename(runtime)}: ${probe.stderr.slice(0, 300)}`);
      } catch (e) {
        reasons.push(`${path.basename(runtime)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.#runtime = undefined;
    return { ok: false, reason: reasons.join("; ") };
  }

  get runtime(): string | undefined {
    return this.#runtime;
  }

  /**
   * Ends what an earlier process left of sandbox `id` (a daemon killed before its sandboxes
   * ended): the container with every process in it, and its bundle. A container lives in a cgroup
   * of its own, outside the daemon's, so it outlives the daemon and nothing else would end it.
   * Every runtime's root is tried, in case the previous run used another one.
   */
  async reap(id: string): Promise<void> {
    if (!sandboxSpecSchema.shape.id.safeParse(id).success) return;
    const unified = await detectCgroups().then(unifiedMountBesideV1, () => undefined);
    for (const runtime of this.#candidates) {
      if (!existsSync(path.join(this.#stateDir, "runtime", path.basename(runtime)))) continue;
      const [file, ...pre] = this.#argvFor(runtime, unified);
      await run(file ?? runtime, [...pre, "delete", "--force", id], { env: RUNTIME_ENV }).catch(() => undefined);
    }
    await rm(path.join(this.#stateDir, "bundles", id), { recursive: true, force: true });
  }

  /** Runs a runtime subcommand (kill, delete) with the runtime's fixed environment. */
  #runtimeCommand(args: string[]): Promise<unknown> {
    const [file, ...pre] = this.#runtimeArgv;
    return run(file ?? "", [...pre, ...args], { env: RUNTIME_ENV });
  }

  async start(input: SandboxSpec): Promise<SandboxHandle> {
    const parsed = sandboxSpecSchema.safeParse(input);
    if (!parsed.success)
      throw new SandboxStartError(`invalid sandbox spec: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const spec = parsed.data;
    if (!this.#runtime) {
      const avail = await this.available();
      if (!avail.ok) throw new SandboxStartError(avail.reason ?? "no usable OCI runtime");
    }
    const runtime = this.#runtime;
    const [file, ...pre] = this.#runtimeArgv;
    if (!runtime || !file) throw new SandboxStartError("no usable OCI runtime");
    await this.#prepareState().catch((e: unknown) => {
      throw new SandboxStartError(`the oci driver's state dir cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    });

    const ids = await this.#ids.lease(spec.agentId).catch(idsError);
    const bundle = path.join(this.#stateDir, "bundles", spec.id);
    const cgroupsPath = path.posix.join(this.#cgroupParent, spec.id);
    // runc can keep the finished container (and its cgroup) until `delete`, so its OOM counter can
    // still be read; crun has no such option, and then oomKilled stays false.
    const keep = path.basename(runtime) === "runc";
    const cleanup = async () => {
      await this.#runtimeCommand(["delete", "--force", spec.id]).catch(() => undefined);
      await rm(bundle, { recursive: true, force: true });
      await ids.release();
    };
    const opened: FileHandle[] = [];
    try {
      // Owner and mode are set through descriptors opened without following links; the runtime
      // (root) then binds these paths, which sit in root-only directories.
      opened.push(await openWorkspace(spec.workspaceDir, ids.uid));
      if (spec.network.proxySocket) opened.push(await openProxySocket(spec.network.proxySocket, ids.gid));
      if (spec.network.caCertFile) opened.push(await openReadOnlyFile(spec.network.caCertFile, "CA certificate"));
      const ident = await writeIdentityFiles(path.join(this.#stateDir, "etc"), this.#sandboxUid);
      // A bundle is made new, in a directory only root can write: never one that was there before.
      await rm(bundle, { recursive: true, force: true });
      await mkdir(bundle, { mode: 0o711 });
      if (!spec.image) {
        const rootfs = path.join(bundle, "rootfs");
        await mkdir(rootfs, { mode: 0o755 });
        for (const e of rootEntries()) if ("symlink" in e) await symlink(e.symlink, path.join(rootfs, e.path));
        // The runtime creates mount points as container root, which is this sandbox's rootId on the host.
        await chown(rootfs, ids.rootId, ids.rootId);
      }
      const bridge = spec.image && spec.network.proxySocket ? await guestHelper(this.#assetsDir).catch(assetError) : undefined;
      const config = ociConfig(spec, {
        user: { uid: this.#sandboxUid, gid: this.#sandboxUid },
        ids,
        ...ident,
        cgroupsPath,
        ...(bridge ? { bridge } : {}),
      });
      // config.json holds the environment (which may carry the agent token): root-only, removed after.
      await writeFile(path.join(bundle, "config.json"), JSON.stringify(config), { mode: 0o600, flag: "wx" });
      return await launch({
        id: spec.id,
        file,
        args: [...pre, "run", ...(keep ? ["--keep"] : []), "--bundle", bundle, spec.id],
        env: RUNTIME_ENV,
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
        killAll: (signal) => {
          void this.#runtimeCommand(["kill", "--all", spec.id, signal.replace(/^SIG/, "")]).catch(() => undefined);
        },
        oomKilled: () => (keep ? oomKilled(cgroupsPath) : Promise.resolve(false)),
        cleanup,
      });
    } catch (e) {
      await cleanup();
      throw e;
    } finally {
      await Promise.all(opened.map((fh) => fh.close().catch(() => undefined)));
    }
  }
}

/** Reads the OOM-kill counter of the container's memory cgroup (v1 or v2); false if unreadable. */
async function oomKilled(cgroupsPath: string): Promise<boolean> {
  const files = [path.join("/sys/fs/cgroup/memory", cgroupsPath, "memory.oom_control"), path.join("/sys/fs/cgroup", cgroupsPath, "memory.events")];
  for (const file of files) {
    const m = /^oom_kill (\d+)$/m.exec(await readFile(file, "utf8").catch(() => ""));
    if (m) return Number(m[1]) > 0;
  }
  return false;
}

function assetError(e: unknown): never {
  throw new SandboxStartError(e instanceof Error ? e.message : String(e));
}
