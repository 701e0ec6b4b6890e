// The default sandbox driver: bubblewrap namespaces + seccomp + cgroups, launched as an unprivileged host user.
import { constants, existsSync } from "node:fs";
import { type FileHandle, stat } from "node:fs/promises";
import { detectCgroups, SandboxCgroup, type CgroupLayout } from "./cgroups.js";
import { O_PATH, openProxySocket, openReadOnlyFile, openWorkspace } from "./host-paths.js";
import { HostIds, PROBE_AGENT } from "./ids.js";
import { PERL, parkedLauncherInput, SETGROUPS_NR, type TakenOverFd } from "./launcher.js";
import { LauncherPool, type ParkedLauncher } from "./launcher-pool.js";
import { attach } from "./process.js";
import {
  CA_CERT_INSIDE,
  ETC_PIECES,
  identityFiles,
  INIT_NAMES,
  MASKED_PROC_FILES,
  PROXY_SOCKET_INSIDE,
  rootEntries,
  sandboxEnv,
  tmpSizeBytes,
  withCompiledInit,
  withInit,
  COMPILED_INIT_INSIDE,
} from "./rootfs.js";
import { defaultAssetsDir, guestHelper } from "./assets.js";
import { seccompBpf } from "./seccomp.js";
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

export interface BwrapDriverOptions {
  bwrapPath?: string;
  /** Host ids per agent and per sandbox (root only); by default a range kept in this process. */
  ids?: HostIds;
  /** uid/gid of the command inside the sandbox. */
  sandboxUid?: number;
  /** Host paths bound read-only at the same place (e.g. /opt/node); they must exist. */
  extraReadOnly?: string[];
  /** Launchers kept started ahead, in cgroups of their own (launcher-pool.ts); default 2. */
  prestart?: number;
  /** Where the compiled guest helper (the sandbox's init) is built; defaultAssetsDir() by default. */
  assetsDir?: string;
}

/**
 * Descriptors bwrap reads, in the order launch() places them from fd 3 on. All four are pipes the
 * daemon fills from memory: the driver keeps no file on disk that anyone could swap or redirect.
 */
const SECCOMP_FD = 3;
const ARGS_FD = 4;
const PASSWD_FD = 5;
const GROUP_FD = 6;

/** bwrap options that set the command's whole environment, NUL-separated for `--args`. */
export function envArgs(env: Record<string, string>): Buffer {
  const parts = ["--clearenv"];
  for (const [k, v] of Object.entries(env)) parts.push("--setenv", k, v);
  // A NUL inside a piece would become an option of bwrap's own; the spec schema already refuses them.
  if (parts.some((p) => p.includes("\0"))) throw new SandboxStartError("environment contains a NUL byte");
  return Buffer.from(`${parts.join("\0")}\0`);
}

export class BwrapDriver implements SandboxDriver {
  readonly name = "bwrap";
  readonly isolation = "container";
  readonly runsImages = false;
  readonly #bwrap: string;
  readonly #ids: HostIds;
  readonly #sandboxUid: number;
  readonly #extraReadOnly: string[];
  /** MASKED_PROC_FILES this kernel has (bwrap cannot create a missing one inside /proc). */
  readonly #procMasks = MASKED_PROC_FILES.filter((f) => existsSync(f));
  readonly #prestart: number;
  readonly #assetsDir: string;
  #prepared: Promise<{ layout: CgroupLayout; seccomp: Buffer; rootArgs: string[]; pool: LauncherPool; compiledInit: boolean }> | undefined;

  constructor(opts: BwrapDriverOptions = {}) {
    this.#bwrap = opts.bwrapPath ?? "/usr/bin/bwrap";
    this.#ids = opts.ids ?? new HostIds();
    this.#sandboxUid = opts.sandboxUid ?? 1000;
    this.#extraReadOnly = opts.extraReadOnly ?? [];
    this.#prestart = opts.prestart ?? 2;
    this.#assetsDir = opts.assetsDir ?? defaultAssetsDir();
  }

  get #isRoot(): boolean {
    return process.getuid?.() === 0;
  }

  async available(): Promise<DriverAvailability> {
    try {
      await this.#prepare();
      // A real round trip: namespaces, cgroups, the uid drop and the seccomp program must all work here.
      const h = await this.#spawn({
        id: `probe-${process.pid}-${Date.now()}`,
        agentId: PROBE_AGENT,
        command: ["/bin/true"],
        env: {},
        workspaceDir: "",
        limits: { memoryBytes: 64 << 20, cpuQuota: 1, pids: 16 },
        network: {},
      });
      const probe = await probeOutcome(h);
      if (probe.exitCode !== 0) return { ok: false, reason: `bwrap probe failed: ${probe.stderr}` };
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  async start(input: SandboxSpec): Promise<SandboxHandle> {
    const parsed = sandboxSpecSchema.safeParse(input);
    if (!parsed.success)
      throw new SandboxStartError(`invalid sandbox spec: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    return this.#spawn(parsed.data);
  }

  /**
   * Ends what an earlier process left of sandbox `id`. bwrap and the init die with the daemon
   * (`--die-with-parent`), but a process of the sandbox that survived them stays in its cgroups:
   * everything there is killed and the cgroups removed.
   */
  async reap(id: string): Promise<void> {
    if (!sandboxSpecSchema.shape.id.safeParse(id).success) return;
    await SandboxCgroup.of(await detectCgroups(), id).destroy();
  }

  /** Ends the parked launchers and removes their cgroups. */
  async close(): Promise<void> {
    const prepared = await this.#prepared?.catch(() => undefined);
    await prepared?.pool.close();
  }

  /**
   * The bwrap command this driver would run for `spec` (without its workspace, proxy or CA binds), with the
   * data of its descriptors 3-6, to be started directly by the caller: none of the driver's own
   * steps (launcher, cgroups, id lease, uid drop). The benchmark times it as the bound the
   * sandbox's own hardening sets (user namespaces, seccomp, masked /proc, read-only root, init).
   */
  async hardenedCommand(spec: SandboxSpec): Promise<{ argv: string[]; fdData: Buffer[] }> {
    const { seccomp, rootArgs, compiledInit } = await this.#prepare();
    const ident = identityFiles(this.#sandboxUid);
    return {
      argv: [this.#bwrap, ...this.bwrapArgs(spec, rootArgs, {}, compiledInit)],
      fdData: [seccomp, envArgs(sandboxEnv(spec)), Buffer.from(ident.passwd), Buffer.from(ident.group)],
    };
  }

  /** Everything that is the same for every sandbox, done once. */
  #prepare() {
    this.#prepared ??= (async () => {
      const bwrapOk = await stat(this.#bwrap).catch(() => undefined);
      if (!bwrapOk) throw new Error(`bubblewrap not found at ${this.#bwrap} (apt-get install bubblewrap)`);
      if (!(await stat(PERL).catch(() => undefined))) throw new Error(`perl not found at ${PERL}`);
      if (this.#isRoot && SETGROUPS_NR[process.arch] === undefined) throw new Error(`no setgroups syscall number for ${process.arch}`);
      const layout = await detectCgroups();
      await LauncherPool.reapStale(layout);
      const pool = new LauncherPool(layout, { size: this.#prestart, pipes: GROUP_FD - SECCOMP_FD + 1 });
      pool.fill();
      // The compiled init where gcc can build the guest helper (once per source version, kept in the
      // assets dir); otherwise the perl one, which does the same steps.
      const helper = await guestHelper(this.#assetsDir).catch(() => undefined);
      const rootArgs = this.#rootArgs();
      if (helper) rootArgs.push("--ro-bind", helper, COMPILED_INIT_INSIDE);
      return { layout, seccomp: await seccompBpf(), rootArgs, pool, compiledInit: helper !== undefined };
    })();
    this.#prepared.catch(() => {
      this.#prepared = undefined;
    });
    return this.#prepared;
  }

  /** The read-only root: /usr, the top-level dirs or their symlinks, a few /etc files. */
  #rootArgs(): string[] {
    const args = ["--ro-bind", "/usr", "/usr"];
    for (const e of rootEntries()) {
      if ("symlink" in e) args.push("--symlink", e.symlink, e.path);
      else args.push("--ro-bind", e.path, e.path);
    }
    for (const e of ETC_PIECES) args.push("--ro-bind-try", `/etc/${e}`, `/etc/${e}`);
    args.push("--ro-bind-data", String(PASSWD_FD), "/etc/passwd", "--ro-bind-data", String(GROUP_FD), "/etc/group");
    for (const p of this.#extraReadOnly) args.push("--ro-bind", p, p);
    return args;
  }

  /**
   * bwrap arguments for one sandbox. The seccomp program arrives on fd 3, the environment options
   * on fd 4, the identity files on 5 and 6; the workspace, proxy socket and CA certificate are
   * bound from the descriptors in `fds`. The command runs under the sandbox's own init (rootfs.ts),
   * which is pid 1 (`--as-pid-1`: no bwrap process the command could read or write is in sight).
   */
  bwrapArgs(
    spec: Pick<SandboxSpec, "command" | "limits">,
    rootArgs: string[],
    fds: { workspace?: number; proxySocket?: number; caCert?: number },
    compiledInit = false,
  ): string[] {
    const u = String(this.#sandboxUid);
    return [
      "--unshare-all", // ipc, pid, net, uts, cgroup; no --share-net
      "--unshare-user",
      // A nested user namespace limited to itself: no further ones inside (seccomp refuses them too).
      "--disable-userns",
      "--as-pid-1",
      "--die-with-parent",
      "--new-session",
      "--uid",
      u,
      "--gid",
      u,
      "--hostname",
      "sandbox",
      "--cap-drop",
      "ALL",
      ...rootArgs,
      "--proc",
      "/proc",
      // The same /proc files the OCI runtimes mask (maskedPaths): /dev/null over each this kernel has.
      ...this.#procMasks.flatMap((f) => ["--ro-bind", "/dev/null", f]),
      "--dev",
      "/dev",
      "--size",
      String(tmpSizeBytes(spec.limits)),
      "--tmpfs",
      "/tmp",
      ...(fds.workspace === undefined ? ["--dir", "/workspace"] : ["--bind-fd", String(fds.workspace), "/workspace"]),
      "--chdir",
      "/workspace",
      ...(fds.proxySocket === undefined ? [] : ["--ro-bind-fd", String(fds.proxySocket), PROXY_SOCKET_INSIDE]),
      ...(fds.caCert === undefined ? [] : ["--ro-bind-fd", String(fds.caCert), CA_CERT_INSIDE]),
      "--remount-ro",
      "/",
      "--seccomp",
      String(SECCOMP_FD),
      "--args",
      String(ARGS_FD),
      "--",
      ...(compiledInit ? withCompiledInit : withInit)(spec.command, fds.proxySocket !== undefined),
    ];
  }

  async #spawn(spec: SandboxSpec): Promise<SandboxHandle> {
    const { layout, seccomp, rootArgs, pool, compiledInit } = await this.#prepare().catch((e: unknown) => {
      throw new SandboxStartError(e instanceof Error ? e.message : String(e));
    });
    const ids = this.#isRoot ? await this.#ids.lease(spec.agentId).catch(idsError) : undefined;
    const opened: FileHandle[] = [];
    const closeOpened = () => Promise.all(opened.map((fh) => fh.close().catch(() => undefined)));
    // A launcher and its cgroups are made ready while the host files are opened.
    const launcher = this.#adoptLauncher(pool, layout, spec);
    launcher.catch(() => undefined);
    try {
      const ident = identityFiles(this.#sandboxUid);
      const pipes: { data: Buffer }[] = [
        { data: seccomp },
        { data: envArgs(sandboxEnv(spec)) },
        { data: Buffer.from(ident.passwd) },
        { data: Buffer.from(ident.group) },
      ];
      // The launcher opens these again from the daemon's descriptors, after the pipes (fd 7 on).
      const takeOver: TakenOverFd[] = [];
      const add = (fh: FileHandle, flags: number) => {
        opened.push(fh);
        takeOver.push({ fd: fh.fd, flags });
        return 2 + pipes.length + takeOver.length;
      };
      const fds: { workspace?: number; proxySocket?: number; caCert?: number } = {};
      if (spec.workspaceDir) fds.workspace = add(await openWorkspace(spec.workspaceDir, ids?.uid), constants.O_RDONLY | constants.O_DIRECTORY);
      if (spec.network.proxySocket) fds.proxySocket = add(await openProxySocket(spec.network.proxySocket, ids?.gid), O_PATH);
      if (spec.network.caCertFile) fds.caCert = add(await openReadOnlyFile(spec.network.caCertFile, "CA certificate"), constants.O_RDONLY);
      const { parked, cgroup } = await launcher;
      const input = parkedLauncherInput({
        keepFds: 2 + pipes.length,
        takeOver,
        ids,
        argv: [this.#bwrap, ...this.bwrapArgs(spec, rootArgs, fds, compiledInit)],
      });
      const handle = attach(parked.child, {
        id: spec.id,
        file: PERL,
        args: [],
        env: {},
        extraFds: pipes,
        cgroup,
        spareOnSoftSignal: ["bwrap", ...INIT_NAMES],
        ...(ids ? { cleanup: () => ids.release() } : {}),
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
      });
      // The launcher reopens the daemon's descriptors by their numbers: they stay open while it runs.
      parked.child.once("exit", () => void closeOpened());
      parked.child.stdin?.end(input);
      return handle;
    } catch (e) {
      const ready = await launcher.catch(() => undefined);
      ready?.parked.child.kill("SIGKILL");
      await ready?.cgroup.destroy().catch(() => undefined);
      await ids?.release();
      await closeOpened();
      throw e;
    }
  }

  /**
   * A parked launcher whose cgroups now bear the sandbox's name and limits. One that ended while
   * parked (killed from outside) is dropped with its cgroups and another taken. On failure nothing
   * of it is left.
   */
  async #adoptLauncher(pool: LauncherPool, layout: CgroupLayout, spec: SandboxSpec): Promise<{ parked: ParkedLauncher; cgroup: SandboxCgroup }> {
    for (let attempt = 1; ; attempt++) {
      const parked = await pool.take();
      const cgroup = await parked.cgroup.adopt(layout, spec.id, spec.limits).catch(async (e: unknown) => {
        parked.child.kill("SIGKILL");
        await parked.cgroup.destroy().catch(() => undefined);
        throw new SandboxStartError(`cgroup setup failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      if (parked.child.exitCode === null && parked.child.signalCode === null) return { parked, cgroup };
      await cgroup.destroy().catch(() => undefined);
      if (attempt === 3) throw new SandboxStartError("sandbox launchers end before their start");
    }
  }
}
