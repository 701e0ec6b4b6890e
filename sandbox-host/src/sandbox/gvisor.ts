// The gvisor driver: runsc (gVisor) as the OCI runtime, so the agent's system calls are served by
// gVisor's application kernel (the Sentry) and never reach the host's kernel directly.
//
// runsc runs rootless, started by the root launcher after it joined the sandbox's cgroups and
// dropped to the sandbox's host ids: the Sentry and the Gofer run as the agent's uid and the
// sandbox's own gid, exactly the ids a bwrap sandbox gets, with no network (--network=none: only
// gVisor's loopback), the OCI seccomp list enforced inside (--oci-seccomp), and only the proxy socket
// connectable among host sockets (--host-uds=open, and only it is bound in). Inside gVisor the
// command is uid 0 of gVisor's own kernel with every capability set and the bounding set empty and
// no_new_privs (runsc of Debian 12 cannot map a user namespace in rootless mode): it owns its
// workspace (the agent's host uid appears as 0), and nothing else.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, type FileHandle, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultAssetsDir, guestHelper } from "./assets.js";
import { type CgroupLayout, detectCgroups, SandboxCgroup } from "./cgroups.js";
import { openProxySocket, openReadOnlyFile, openWorkspace } from "./host-paths.js";
import { HostIds, PROBE_AGENT } from "./ids.js";
import { launcherArgs, PERL } from "./launcher.js";
import { ociConfig } from "./oci.js";
import { launch } from "./process.js";
import { rootEntries, writeIdentityFiles } from "./rootfs.js";
import { defaultStateDir, ensurePrivateDir } from "./state-dirs.js";
import {
  idsError,
  probeOutcome,
  type DriverAvailability,
  type SandboxDriver,
  type SandboxHandle,
  type SandboxSpec,
  SandboxStartError,
  sandboxSpecSchema,
} from "./types.js";

export interface GvisorDriverOptions {
  runscPath?: string;
  /**
   * Bundles and identity files live here (default `<host state dir>/gvisor`): made root's, traversable
   * but not listable, and refused when another user could change it or a directory above it. Each
   * sandbox's bundle belongs to its host uid (runsc reads it as that uid).
   */
  stateDir?: string;
  ids?: HostIds;
  /** gVisor's platform: ptrace works everywhere; systrap/kvm where this runsc and the host offer them. */
  platform?: string;
  assetsDir?: string;
}

const RUNTIME_ENV = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" };
/** What the Sentry and the Gofer need beside the agent's own memory and processes. */
const SENTRY_MEMORY_BYTES = 96 << 20;
const SENTRY_PIDS = 512;
/** Names the runsc processes carry (comm): a soft signal goes through `runsc kill`, never to them. */
const RUNSC_PROCESSES = ["runsc", "runsc-sandbox", "runsc-gofer", "exe"];

export class GvisorDriver implements SandboxDriver {
  readonly name = "gvisor";
  readonly isolation = "gvisor";
  readonly runsImages = true;
  readonly #runsc: string;
  readonly #stateDir: string;
  readonly #ids: HostIds;
  readonly #platform: string;
  readonly #assetsDir: string;
  #probed: Promise<DriverAvailability> | undefined;
  #layout: Promise<CgroupLayout> | undefined;
  #ready: Promise<void> | undefined;

  constructor(opts: GvisorDriverOptions = {}) {
    this.#runsc = opts.runscPath ?? "/usr/bin/runsc";
    this.#stateDir = path.resolve(opts.stateDir ?? path.join(defaultStateDir(), "gvisor"));
    this.#ids = opts.ids ?? new HostIds();
    this.#platform = opts.platform ?? "ptrace";
    this.#assetsDir = opts.assetsDir ?? defaultAssetsDir();
  }

  available(): Promise<DriverAvailability> {
    this.#probed ??= this.#probe();
    return this.#probed;
  }

  async #probe(): Promise<DriverAvailability> {
    if (!existsSync(this.#runsc)) return { ok: false, reason: `runsc not found at ${this.#runsc} (apt-get install runsc)` };
    if (process.getuid?.() !== 0)
      return { ok: false, reason: "the gvisor driver needs the daemon to run as root (it runs each sandbox as its own host ids)" };
    try {
      await this.#prepareState().catch((e: unknown) => {
        throw new Error(`the gvisor driver's state dir cannot be used: ${e instanceof Error ? e.message : String(e)}`);
      });
      await guestHelper(this.#assetsDir);
      const ws = path.join(this.#stateDir, "probe-workspace");
      await mkdir(ws, { recursive: true, mode: 0o700 });
      const h = await this.start({
        id: `probe-${process.pid}-gvisor`,
        agentId: PROBE_AGENT,
        command: ["/bin/true"],
        env: {},
        workspaceDir: ws,
        limits: { memoryBytes: 128 << 20, cpuQuota: 1, pids: 64 },
        network: {},
        timeoutMs: 30_000,
      });
      const probe = await probeOutcome(h);
      if (probe.exitCode === 0) return { ok: true };
      return { ok: false, reason: `runsc probe failed: ${probe.stderr.slice(-300)}` };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * The state dir (root's; runsc, as a sandbox's uid, may pass through it but list nothing) with its
   * bundles and etc dirs, checked once per driver.
   */
  #prepareState(): Promise<void> {
    this.#ready ??= (async () => {
      await ensurePrivateDir(this.#stateDir, 0o711);
      for (const d of ["bundles", "etc"]) await mkdir(path.join(this.#stateDir, d), { recursive: true, mode: 0o711 });
    })();
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  /**
   * Ends what an earlier process left of sandbox `id` (a daemon killed before its sandboxes ended):
   * runsc, its Sentry and Gofer and every process of the sandbox run in the sandbox's cgroups, which
   * are killed and removed; then its bundle (with runsc's state root in it) is deleted.
   */
  async reap(id: string): Promise<void> {
    if (!sandboxSpecSchema.shape.id.safeParse(id).success) return;
    await SandboxCgroup.of(await detectCgroups(), id).destroy();
    await rm(path.join(this.#stateDir, "bundles", id), { recursive: true, force: true });
  }

  /** runsc's global flags for one sandbox (its own state root). */
  #flags(root: string): string[] {
    return [`--root=${root}`, "--rootless", "--ignore-cgroups", "--network=none", "--host-uds=open", "--oci-seccomp", `--platform=${this.#platform}`];
  }

  async start(input: SandboxSpec): Promise<SandboxHandle> {
    const parsed = sandboxSpecSchema.safeParse(input);
    if (!parsed.success)
      throw new SandboxStartError(`invalid sandbox spec: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const spec = parsed.data;
    await this.#prepareState().catch((e: unknown) => {
      throw new SandboxStartError(`the gvisor driver's state dir cannot be used: ${e instanceof Error ? e.message : String(e)}`);
    });
    this.#layout ??= detectCgroups();
    const layout = await this.#layout.catch((e: unknown) => {
      this.#layout = undefined;
      throw new SandboxStartError(e instanceof Error ? e.message : String(e));
    });
    const ids = await this.#ids.lease(spec.agentId).catch(idsError);
    const bundle = path.join(this.#stateDir, "bundles", spec.id);
    const root = path.join(bundle, "runsc");
    let cgroup: SandboxCgroup | undefined;
    const cleanup = async () => {
      await rm(bundle, { recursive: true, force: true });
      await ids.release();
    };
    const opened: FileHandle[] = [];
    try {
      opened.push(await openWorkspace(spec.workspaceDir, ids.uid));
      if (spec.network.proxySocket) opened.push(await openProxySocket(spec.network.proxySocket, ids.gid));
      if (spec.network.caCertFile) opened.push(await openReadOnlyFile(spec.network.caCertFile, "CA certificate"));
      // Inside gVisor the command is uid 0 of gVisor's kernel, which is the agent's host uid.
      const ident = await writeIdentityFiles(path.join(this.#stateDir, "etc"), 0);
      // A bundle is made new, in a directory only root can write: never one that was there before.
      await rm(bundle, { recursive: true, force: true });
      await mkdir(bundle, { mode: 0o700 });
      await mkdir(root, { mode: 0o700 });
      let rootPath: string | undefined;
      if (!spec.image) {
        // The Gofer (as the sandbox's uid) creates the mount points in this empty root.
        rootPath = path.join(bundle, "rootfs");
        await mkdir(rootPath, { mode: 0o755 });
        for (const e of rootEntries()) if ("symlink" in e) await symlink(e.symlink, path.join(rootPath, e.path));
        await chown(rootPath, ids.uid, ids.gid);
      }
      const bridge = spec.image && spec.network.proxySocket ? await guestHelper(this.#assetsDir) : undefined;
      const config = ociConfig(spec, { user: { uid: 0, gid: 0 }, ...ident, ...(bridge ? { bridge } : {}), ...(rootPath ? { rootPath } : {}) });
      // runsc reads the bundle as the sandbox's uid; config.json holds the environment (the agent token): the sandbox's own, 0600.
      await writeFile(path.join(bundle, "config.json"), JSON.stringify(config), { mode: 0o600, flag: "wx" });
      for (const p of [bundle, root, path.join(bundle, "config.json")]) await chown(p, ids.uid, ids.gid);
      cgroup = await SandboxCgroup.create(layout, spec.id, {
        memoryBytes: spec.limits.memoryBytes + SENTRY_MEMORY_BYTES,
        cpuQuota: spec.limits.cpuQuota,
        pids: spec.limits.pids + SENTRY_PIDS,
      }).catch((e: unknown) => {
        throw new SandboxStartError(`cgroup setup failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      const c = cgroup;
      const asSandbox = (argv: string[], procs: string[] = []) => launcherArgs({ keepFds: 2, cgroupProcs: procs, ids, argv });
      return await launch({
        id: spec.id,
        file: PERL,
        args: asSandbox([this.#runsc, ...this.#flags(root), "run", "--bundle", bundle, spec.id], c.procsFiles),
        env: RUNTIME_ENV,
        cgroup: c,
        spareOnSoftSignal: RUNSC_PROCESSES,
        softSignalsThroughKillAll: true,
        killAll: (signal) => {
          if (signal === "SIGKILL") return;
          // A soft signal reaches the command's processes inside gVisor, through runsc itself.
          const [file, ...args] = [PERL, ...asSandbox([this.#runsc, ...this.#flags(root), "kill", "--all", spec.id, signal.replace(/^SIG/, "")])];
          execFile(file ?? PERL, args, { env: RUNTIME_ENV }, () => undefined);
        },
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
        cleanup,
      });
    } catch (e) {
      await cgroup?.destroy().catch(() => undefined);
      await cleanup();
      throw e;
    } finally {
      await Promise.all(opened.map((fh) => fh.close().catch(() => undefined)));
    }
  }
}
