// The default sandbox driver: bubblewrap namespaces + seccomp + cgroups, launched as an unprivileged host user.
import { chown, open, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { detectCgroups, SandboxCgroup, type CgroupLayout } from "./cgroups.js";
import { launch } from "./process.js";
import { ETC_PIECES, PROXY_SOCKET_INSIDE, rootEntries, sandboxEnv, SOCAT, withProxyBridge, writeAtomic, writeIdentityFiles } from "./rootfs.js";
import { seccompBpf } from "./seccomp.js";
import { SandboxStartError, sandboxSpecSchema, type DriverAvailability, type SandboxDriver, type SandboxHandle, type SandboxSpec } from "./types.js";

export interface BwrapDriverOptions {
  bwrapPath?: string;
  /** Host uid/gid the sandbox maps to when the daemon runs as root (default nobody, 65534). */
  runAs?: { uid: number; gid: number };
  /** uid/gid of the command inside the sandbox. */
  sandboxUid?: number;
  /** Directory for the synthetic /etc/passwd, /etc/group and the compiled seccomp program. */
  stateDir?: string;
  /** Host paths bound read-only at the same place (e.g. /opt/node); they must exist. */
  extraReadOnly?: string[];
}

// The launcher, run by perl (perl-base is in every Debian system) with a fixed environment, so no
// variable of the spec can steer it while it is still root (as BASH_ENV or PERL5OPT would):
// 1. reads the sandbox's environment from fd 4, so it never appears on a command line;
// 2. joins every cgroup.procs given, so the sandbox is limited from its first instruction;
// 3. closes every descriptor above 3 (the seccomp program), so nothing the daemon inherited
//    without close-on-exec reaches the sandbox;
// 4. drops to the unprivileged host uid/gid with no supplementary groups, then execs bwrap.
// Exit 125 marks a launcher failure.
const LAUNCHER = `
my ($n, $uid, $gid, $setgroups, @a) = @ARGV;
my @procs = splice(@a, 0, $n);
open(my $e, "<&=", 4) or exit 125; my $blob = do { local $/; <$e> }; close($e);
%ENV = map { my ($k, $v) = split /=/, $_, 2; ($k, $v) } grep { length } split /\\0/, $blob;
for my $f (@procs) { open(my $h, ">", $f) or exit 125; print $h "$$\\n"; close($h) or exit 125 }
opendir(my $d, "/proc/self/fd") or exit 125;
my @fds = grep { /^\\d+$/ && $_ > 3 } readdir($d);
closedir($d);
for my $fd (@fds) { my $h; close($h) if open($h, "<&=", $fd) or open($h, ">&=", $fd) }
if ($uid ne "-") { syscall($setgroups, 0, 0) == 0 or exit 125; $( = $gid; $) = $gid; $< = $> = $uid; exit 125 if $< != $uid || $> != $uid || $( != $gid || $) != $gid }
exec { $a[0] } @a or exit 127;
`;
export const PERL = "/usr/bin/perl";
/** setgroups(2) numbers: perl has no builtin that empties the group list. */
const SETGROUPS_NR: Partial<Record<NodeJS.Architecture, number>> = { x64: 116, arm64: 159 };

export class BwrapDriver implements SandboxDriver {
  readonly name = "bwrap";
  readonly #bwrap: string;
  readonly #runAs: { uid: number; gid: number };
  readonly #sandboxUid: number;
  readonly #stateDir: string;
  readonly #extraReadOnly: string[];
  #prepared: Promise<{ layout: CgroupLayout; seccompPath: string; rootArgs: string[] }> | undefined;

  constructor(opts: BwrapDriverOptions = {}) {
    this.#bwrap = opts.bwrapPath ?? "/usr/bin/bwrap";
    this.#runAs = opts.runAs ?? { uid: 65534, gid: 65534 };
    this.#sandboxUid = opts.sandboxUid ?? 1000;
    this.#stateDir = opts.stateDir ?? path.join(os.tmpdir(), `palisade-sandbox-${process.getuid?.() ?? 0}`);
    this.#extraReadOnly = opts.extraReadOnly ?? [];
  }

  get #isRoot(): boolean {
    return process.getuid?.() === 0;
  }

  async available(): Promise<DriverAvailability> {
    try {
      await this.#prepare();
      // A real round trip: namespaces, cgroups and the seccomp program must all work here.
      const h = await this.#spawn({
        id: `probe-${process.pid}-${Date.now()}`,
        agentId: "probe",
        command: ["/bin/true"],
        env: {},
        workspaceDir: "",
        limits: { memoryBytes: 64 << 20, cpuQuota: 1, pids: 16 },
        network: {},
      });
      const err: Buffer[] = [];
      h.stderr.on("data", (b: Buffer) => err.push(b));
      h.stdout.resume();
      const exit = await h.wait();
      if (exit.exitCode !== 0) return { ok: false, reason: `bwrap probe failed: ${Buffer.concat(err).toString().trim()}` };
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  async start(input: SandboxSpec): Promise<SandboxHandle> {
    const parsed = sandboxSpecSchema.safeParse(input);
    if (!parsed.success)
      throw new SandboxStartError(`invalid sandbox spec: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const spec = parsed.data;
    const ws = await stat(spec.workspaceDir).catch(() => undefined);
    if (!ws?.isDirectory()) throw new SandboxStartError("workspace directory does not exist");
    if (this.#isRoot) await chown(spec.workspaceDir, this.#runAs.uid, this.#runAs.gid);
    if (spec.network.proxySocket) {
      const sock = await stat(spec.network.proxySocket).catch(() => undefined);
      if (!sock?.isSocket()) throw new SandboxStartError("proxy socket does not exist");
      if (!(await stat(SOCAT).catch(() => undefined))) throw new SandboxStartError(`proxy bridge needs ${SOCAT} (apt-get install socat)`);
      // Connecting needs write access: the sandbox's host user gets it, other host users do not;
      // other sandboxes share that uid but never see this socket (it is not in their mounts).
      if (this.#isRoot) await chown(spec.network.proxySocket, this.#runAs.uid, this.#runAs.gid);
    }
    return this.#spawn(spec);
  }

  /** Everything that is the same for every sandbox, done once. */
  #prepare() {
    this.#prepared ??= (async () => {
      const bwrapOk = await stat(this.#bwrap).catch(() => undefined);
      if (!bwrapOk) throw new Error(`bubblewrap not found at ${this.#bwrap} (apt-get install bubblewrap)`);
      if (!(await stat(PERL).catch(() => undefined))) throw new Error(`perl not found at ${PERL}`);
      if (this.#isRoot && SETGROUPS_NR[process.arch] === undefined) throw new Error(`no setgroups syscall number for ${process.arch}`);
      const layout = await detectCgroups();
      await writeIdentityFiles(this.#stateDir, this.#sandboxUid);
      const seccompPath = path.join(this.#stateDir, "seccomp.bpf");
      await writeAtomic(seccompPath, await seccompBpf(), 0o600);
      return { layout, seccompPath, rootArgs: this.#rootArgs() };
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
    args.push("--ro-bind", path.join(this.#stateDir, "passwd"), "/etc/passwd");
    args.push("--ro-bind", path.join(this.#stateDir, "group"), "/etc/group");
    for (const p of this.#extraReadOnly) args.push("--ro-bind", p, p);
    return args;
  }

  /** bwrap arguments for one sandbox; the seccomp program arrives on fd 3. */
  bwrapArgs(spec: Pick<SandboxSpec, "command" | "workspaceDir" | "network">, rootArgs: string[]): string[] {
    const socket = spec.network.proxySocket;
    const u = String(this.#sandboxUid);
    return [
      "--unshare-all", // user, ipc, pid, net, uts, cgroup (if supported); no --share-net
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
      "--dev",
      "/dev",
      "--tmpfs",
      "/tmp",
      ...(spec.workspaceDir ? ["--bind", spec.workspaceDir, "/workspace"] : ["--dir", "/workspace"]),
      "--chdir",
      "/workspace",
      ...(socket ? ["--ro-bind", socket, PROXY_SOCKET_INSIDE] : []),
      "--remount-ro",
      "/",
      "--seccomp",
      "3",
      "--",
      ...(socket ? withProxyBridge(spec.command) : spec.command),
    ];
  }

  async #spawn(spec: SandboxSpec): Promise<SandboxHandle> {
    const { layout, seccompPath, rootArgs } = await this.#prepare().catch((e: unknown) => {
      throw new SandboxStartError(e instanceof Error ? e.message : String(e));
    });
    const cgroup = await SandboxCgroup.create(layout, spec.id, spec.limits).catch((e: unknown) => {
      throw new SandboxStartError(`cgroup setup failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    const seccompFd = await open(seccompPath, "r");
    try {
      const [uid, gid] = this.#isRoot ? [String(this.#runAs.uid), String(this.#runAs.gid)] : ["-", "-"];
      const files = cgroup.procsFiles;
      const env = Object.entries(sandboxEnv(spec))
        .map(([k, v]) => `${k}=${v}\0`)
        .join("");
      return await launch({
        id: spec.id,
        file: PERL,
        args: [
          "-e",
          LAUNCHER,
          String(files.length),
          uid,
          gid,
          String(SETGROUPS_NR[process.arch] ?? -1),
          ...files,
          this.#bwrap,
          ...this.bwrapArgs(spec, rootArgs),
        ],
        env: { PATH: "/usr/bin:/bin" },
        extraFds: [seccompFd.fd, { data: Buffer.from(env) }],
        cgroup,
        spareOnSoftSignal: ["bwrap"],
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
      });
    } catch (e) {
      await cgroup.destroy();
      throw e;
    } finally {
      await seccompFd.close();
    }
  }
}
