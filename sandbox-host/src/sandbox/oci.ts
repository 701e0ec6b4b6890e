// The second driver: an OCI runtime (crun or runc) running a generated bundle with the same policy as bwrap.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { launch } from "./process.js";
import { ETC_PIECES, PROXY_SOCKET_INSIDE, rootEntries, sandboxEnv, SOCAT, withProxyBridge, writeIdentityFiles } from "./rootfs.js";
import { ociSeccomp, type OciSeccomp } from "./seccomp.js";
import { SandboxStartError, sandboxSpecSchema, type DriverAvailability, type SandboxDriver, type SandboxHandle, type SandboxSpec } from "./types.js";

const run = promisify(execFile);

export interface OciDriverOptions {
  /** Path to crun or runc; the first one found is used by default. */
  runtimePath?: string;
  /** Bundles (config.json + empty rootfs) and identity files live here; root-only. */
  stateDir?: string;
  /** Container uids/gids 0..65535 map to hostIdBase.. on the host, like a subuid range. */
  hostIdBase?: number;
  sandboxUid?: number;
  /** Parent cgroup (relative to each hierarchy's root) under which the runtime creates `<id>`. */
  cgroupParent?: string;
}

const ID_RANGE = 65_536;
const CFS_PERIOD_US = 100_000;

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
    resources: {
      memory: { limit: number; swap: number };
      cpu: { quota: number; period: number };
      pids: { limit: number };
      devices: { allow: boolean; access: string }[];
    };
    cgroupsPath: string;
    seccomp: OciSeccomp;
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

const ro = ["rbind", "ro", "nosuid", "nodev"];

/** Builds config.json for one sandbox: every namespace, no capabilities, read-only root, seccomp, limits. */
export function ociConfig(
  spec: SandboxSpec,
  opts: { sandboxUid: number; hostIdBase: number; passwd: string; group: string; cgroupsPath: string },
): OciConfig {
  const mounts: Mount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"] },
    { destination: "/usr", type: "bind", source: "/usr", options: ro },
  ];
  for (const e of rootEntries()) if (!("symlink" in e)) mounts.push({ destination: e.path, type: "bind", source: e.path, options: ro });
  for (const piece of ETC_PIECES) {
    const p = `/etc/${piece}`;
    if (existsSync(p)) mounts.push({ destination: p, type: "bind", source: p, options: ro });
  }
  mounts.push({ destination: "/etc/passwd", type: "bind", source: opts.passwd, options: ro });
  mounts.push({ destination: "/etc/group", type: "bind", source: opts.group, options: ro });
  mounts.push({ destination: "/workspace", type: "bind", source: spec.workspaceDir, options: ["rbind", "rw", "nosuid", "nodev"] });
  const socket = spec.network.proxySocket;
  if (socket) mounts.push({ destination: PROXY_SOCKET_INSIDE, type: "bind", source: socket, options: ro });
  const noCaps = { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] };
  const ids = [{ containerID: 0, hostID: opts.hostIdBase, size: ID_RANGE }];
  return {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: opts.sandboxUid, gid: opts.sandboxUid, additionalGids: [] },
      args: socket ? withProxyBridge(spec.command) : spec.command,
      env: Object.entries(sandboxEnv(spec)).map(([k, v]) => `${k}=${v}`),
      cwd: "/workspace",
      capabilities: noCaps,
      noNewPrivileges: true,
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 4096, soft: 4096 }],
    },
    root: { path: "rootfs", readonly: true },
    hostname: "sandbox",
    mounts,
    linux: {
      // A network namespace without a path is a new, empty one: loopback only.
      namespaces: ["pid", "network", "ipc", "uts", "mount", "user", "cgroup"].map((type) => ({ type })),
      uidMappings: ids,
      gidMappings: ids,
      resources: {
        memory: { limit: spec.limits.memoryBytes, swap: spec.limits.memoryBytes },
        cpu: { quota: Math.max(1000, Math.round(spec.limits.cpuQuota * CFS_PERIOD_US)), period: CFS_PERIOD_US },
        pids: { limit: spec.limits.pids },
        devices: [{ allow: false, access: "rwm" }],
      },
      cgroupsPath: opts.cgroupsPath,
      seccomp: ociSeccomp(),
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
        "/proc/kallsyms",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

export class OciDriver implements SandboxDriver {
  readonly name = "oci";
  readonly #candidates: string[];
  #runtime: string | undefined;
  #probed: Promise<DriverAvailability> | undefined;
  readonly #stateDir: string;
  readonly #hostIdBase: number;
  readonly #sandboxUid: number;
  readonly #cgroupParent: string;

  constructor(opts: OciDriverOptions = {}) {
    this.#candidates = opts.runtimePath ? [opts.runtimePath] : ["/usr/bin/crun", "/usr/bin/runc"].filter((p) => existsSync(p));
    this.#stateDir = opts.stateDir ?? path.join(os.tmpdir(), `palisade-oci-${process.getuid?.() ?? 0}`);
    this.#hostIdBase = opts.hostIdBase ?? 1_000_000;
    this.#sandboxUid = opts.sandboxUid ?? 1000;
    this.#cgroupParent = opts.cgroupParent ?? "/palisade";
  }

  /**
   * Picks the first runtime that really runs a container here: crun refuses the hybrid cgroup
   * layout when the v2 tree holds any controller, while runc uses the v1 controllers there.
   */
  available(): Promise<DriverAvailability> {
    this.#probed ??= this.#probe();
    return this.#probed;
  }

  async #probe(): Promise<DriverAvailability> {
    if (this.#candidates.length === 0) return { ok: false, reason: "no OCI runtime found (apt-get install crun or runc)" };
    if (process.getuid?.() !== 0) return { ok: false, reason: "the oci driver needs the daemon to run as root (it maps a private uid range)" };
    const reasons: string[] = [];
    const ws = path.join(this.#stateDir, "probe-workspace");
    await mkdir(ws, { recursive: true });
    for (const runtime of this.#candidates) {
      this.#runtime = runtime;
      try {
        const h = await this.start({
          id: `probe-${process.pid}-${path.basename(runtime)}`,
          agentId: "probe",
          command: ["/bin/true"],
          env: {},
          workspaceDir: ws,
          limits: { memoryBytes: 64 << 20, cpuQuota: 1, pids: 16 },
          network: {},
          timeoutMs: 10_000,
        });
        const err: Buffer[] = [];
        h.stderr.on("data", (b: Buffer) => err.push(b));
        h.stdout.resume();
        const exit = await h.wait();
        if (exit.exitCode === 0) return { ok: true };
        reasons.push(`${path.basename(runtime)}: ${Buffer.concat(err).toString().trim().slice(0, 300)}`);
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
    if (!runtime) throw new SandboxStartError("no usable OCI runtime");
    const ws = await stat(spec.workspaceDir).catch(() => undefined);
    if (!ws?.isDirectory()) throw new SandboxStartError("workspace directory does not exist");
    const hostUid = this.#hostIdBase + this.#sandboxUid;
    await chown(spec.workspaceDir, hostUid, hostUid);
    if (spec.network.proxySocket) {
      const sock = await stat(spec.network.proxySocket).catch(() => undefined);
      if (!sock?.isSocket()) throw new SandboxStartError("proxy socket does not exist");
      if (!existsSync(SOCAT)) throw new SandboxStartError(`proxy bridge needs ${SOCAT} (apt-get install socat)`);
      await chown(spec.network.proxySocket, hostUid, hostUid);
    }

    const bundle = path.join(this.#stateDir, spec.id);
    const cgroupsPath = path.posix.join(this.#cgroupParent, spec.id);
    // runc can keep the finished container (and its cgroup) until `delete`, so its OOM counter can
    // still be read; crun has no such option, and then oomKilled stays false.
    const keep = path.basename(runtime) === "runc";
    const cleanup = async () => {
      await run(runtime, ["delete", "--force", spec.id]).catch(() => undefined);
      await rm(bundle, { recursive: true, force: true });
    };
    try {
      await mkdir(this.#stateDir, { recursive: true, mode: 0o711 });
      const ident = await writeIdentityFiles(path.join(this.#stateDir, "etc"), this.#sandboxUid);
      const rootfs = path.join(bundle, "rootfs");
      await mkdir(rootfs, { recursive: true, mode: 0o755 });
      for (const e of rootEntries()) if ("symlink" in e) await symlink(e.symlink, path.join(rootfs, e.path));
      // The runtime creates mount points as the container's root, which is hostIdBase on the host.
      await chown(rootfs, this.#hostIdBase, this.#hostIdBase);
      const config = ociConfig(spec, { sandboxUid: this.#sandboxUid, hostIdBase: this.#hostIdBase, ...ident, cgroupsPath });
      // config.json holds the environment (which may carry the agent token): root-only, removed after.
      await writeFile(path.join(bundle, "config.json"), JSON.stringify(config), { mode: 0o600 });
      return await launch({
        id: spec.id,
        file: runtime,
        args: ["run", ...(keep ? ["--keep"] : []), "--bundle", bundle, spec.id],
        env: { PATH: "/usr/bin:/bin" },
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
        killAll: (signal) => {
          execFile(runtime, ["kill", "--all", spec.id, signal.replace(/^SIG/, "")], () => undefined);
        },
        oomKilled: () => (keep ? oomKilled(cgroupsPath) : Promise.resolve(false)),
        cleanup,
      });
    } catch (e) {
      await cleanup();
      throw e;
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
