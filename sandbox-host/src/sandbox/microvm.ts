// The microvm driver: each sandbox is a qemu `microvm` guest with a kernel of its own (a Debian
// kernel, assets.ts), so the agent's system calls never reach the host's kernel.
//
// The VMM runs jailed: started by the root launcher after it joined the sandbox's cgroups and dropped
// to the sandbox's host ids, under qemu's own seccomp sandbox, with a fixed environment. The guest
// has no network device. Its devices are the image's root (an ext4 disk, read-only, handed to qemu
// as a descriptor), the workspace (virtio-9p of the workspace directory, also a descriptor) and one
// virtio-serial port joined to qemu's stdin and stdout: the channel (microvm-channel.ts) that carries
// the command's spec, its output and exit, and its proxy connections, which this driver forwards to
// the sandbox's proxy socket. The guest's init (guest/palisade-guest.c) listens on 127.0.0.1:3128
// inside, so the command sees the same HTTP(S)_PROXY as in every other driver, and runs it as the
// agent's host uid under the host's seccomp program and the sandbox's limits (a guest cgroup).
//
// KVM is used when the VMM, as a sandbox's ids plus /dev/kvm's group (the one supplementary group it
// keeps), can open /dev/kvm and a guest boots on it within a short probe at host start (nested KVM
// can hang: the probe gives up and kills it); otherwise TCG (emulation, far slower), and
// `accelerator` says which, `kvmUnavailable` why.
import { existsSync } from "node:fs";
import { type FileHandle, open, readFile, stat } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import { PassThrough } from "node:stream";
import { defaultAssetsDir, microvmAssets, type VmAssets } from "./assets.js";
import { type CgroupLayout, detectCgroups, SandboxCgroup } from "./cgroups.js";
import { openReadOnlyFile, openWorkspace } from "./host-paths.js";
import { HostIds, PROBE_AGENT, type SandboxIds } from "./ids.js";
import { launcherArgs, PERL } from "./launcher.js";
import { CH_STDERR, CH_STDOUT, creditFrame, encodeConfig, encodeFrame, Frame, FrameReader, MAX_PAYLOAD, WINDOW } from "./microvm-channel.js";
import { type LaunchedSandbox, launch } from "./process.js";
import { PROXY_BRIDGE_PORT, sandboxEnv, tmpSizeBytes } from "./rootfs.js";
import { seccompBpf } from "./seccomp.js";
import {
  type DriverAvailability,
  idsError,
  type SandboxDriver,
  type SandboxExit,
  type SandboxHandle,
  type SandboxSpec,
  SandboxStartError,
  type StartHooks,
  sandboxSpecSchema,
} from "./types.js";

export type Accelerator = "kvm" | "tcg";

export interface MicrovmDriverOptions {
  qemuPath?: string;
  ids?: HostIds;
  assetsDir?: string;
  /** auto (default): KVM where it boots a guest within kvmProbeMs, else TCG. */
  accelerator?: Accelerator | "auto";
  kvmProbeMs?: number;
  /** How long a guest may take to start the command (TCG boots in seconds). */
  bootTimeoutMs?: number;
}

const RUNTIME_ENV = { PATH: "/usr/bin:/bin:/usr/sbin:/sbin" };
/** Guest memory beside the command's own (the guest kernel, init, page cache). */
const GUEST_OVERHEAD_BYTES = 96 << 20;
/** What qemu itself needs beside the guest's memory (TCG's translation cache is bounded below). */
const VMM_OVERHEAD_BYTES = 192 << 20;
const TCG_TB_MIB = 64;
/** The CPU model under TCG: baseline x86-64, what every amd64 program runs on. */
const TCG_CPU = "qemu64";

/**
 * Kernel options for a TCG guest. A microvm has no HPET or ACPI PM timer, so the guest calibrates
 * its TSC against the PIT, which fails under emulation on a loaded host, and then has no clock at
 * all (the boot hangs at time 0). TCG's TSC runs at the host's rate: the guest is told that rate.
 */
async function tcgClockOptions(): Promise<string> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(cpuinfo)?.[1]);
  return Number.isFinite(mhz) && mhz > 0 ? `tsc_early_khz=${Math.round(mhz * 1000)} tsc=reliable` : "tsc=reliable";
}
const VMM_PIDS = 64;
/** How long a probe waits for a killed VMM to be gone (one stuck in a hung KVM call may never be). */
const PROBE_REAP_MS = 2_000;

/**
 * The supplementary groups the VMM needs to open /dev/kvm as a sandbox's ids (none when the device
 * is open to all; its group when that group may read and write it), or why it cannot. Root's group
 * is never handed out.
 */
export async function kvmAccess(device = "/dev/kvm"): Promise<{ groups: number[] } | { unusable: string }> {
  const st = await stat(device).catch(() => undefined);
  if (!st) return { unusable: `no ${device}` };
  if (!st.isCharacterDevice()) return { unusable: `${device} is not a character device` };
  if ((st.mode & 0o006) === 0o006) return { groups: [] };
  if ((st.mode & 0o060) === 0o060 && st.gid !== 0) return { groups: [st.gid] };
  return { unusable: `${device} (mode ${(st.mode & 0o777).toString(8)}, gid ${st.gid}) is not open to a sandbox's ids` };
}
/** The guest's init keeps at most this many arguments and variables. */
const GUEST_MAX_ARGS = 1024;
const GUEST_MAX_ENV = 290;
/** The guest powers itself off after EXIT; a VMM still there after this is killed. */
const POWER_OFF_GRACE_MS = 2_000;
const MiB = 1 << 20;

export class MicrovmDriver implements SandboxDriver {
  readonly name = "microvm";
  readonly isolation = "vm";
  readonly runsImages = true;
  #accelerator: Accelerator | undefined;
  readonly #qemu: string;
  readonly #ids: HostIds;
  readonly #assetsDir: string;
  readonly #want: Accelerator | "auto";
  readonly #kvmProbeMs: number;
  readonly #bootTimeoutMs: number;
  #probed: Promise<DriverAvailability> | undefined;
  #layout: Promise<CgroupLayout> | undefined;
  #assets: VmAssets | undefined;
  /** The supplementary groups that open /dev/kvm (set when it is open to a sandbox's ids). */
  #kvmGroups: number[] | undefined;
  /** Why KVM is not used, when it is not (for the daemon's log and the bench). */
  kvmUnavailable: string | undefined;

  constructor(opts: MicrovmDriverOptions = {}) {
    this.#qemu = opts.qemuPath ?? "/usr/bin/qemu-system-x86_64";
    this.#ids = opts.ids ?? new HostIds();
    this.#assetsDir = opts.assetsDir ?? defaultAssetsDir();
    this.#want = opts.accelerator ?? "auto";
    this.#kvmProbeMs = opts.kvmProbeMs ?? 5_000;
    this.#bootTimeoutMs = opts.bootTimeoutMs ?? 60_000;
  }

  /** kvm or tcg, known once available() resolved. */
  get accelerator(): Accelerator | undefined {
    return this.#accelerator;
  }

  available(): Promise<DriverAvailability> {
    this.#probed ??= this.#probe();
    return this.#probed;
  }

  async #probe(): Promise<DriverAvailability> {
    if (process.arch !== "x64") return { ok: false, reason: "the microvm driver runs on x86-64 hosts" };
    if (!existsSync(this.#qemu)) return { ok: false, reason: `qemu not found at ${this.#qemu} (apt-get install qemu-system-x86)` };
    if (process.getuid?.() !== 0)
      return { ok: false, reason: "the microvm driver needs the daemon to run as root (it jails each VMM as the sandbox's host ids)" };
    try {
      this.#assets = await microvmAssets(this.#assetsDir);
      await seccompBpf();
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    const reasons: string[] = [];
    const kvm = this.#want === "tcg" ? undefined : await kvmAccess();
    if (kvm && "groups" in kvm) this.#kvmGroups = kvm.groups;
    else if (kvm) reasons.push(`kvm: ${kvm.unusable}`);
    const order: Accelerator[] = this.#want === "auto" ? (this.#kvmGroups ? ["kvm", "tcg"] : ["tcg"]) : [this.#want];
    for (const accel of order) {
      const why = await this.#bootProbe(accel, accel === "kvm" ? this.#kvmProbeMs : this.#bootTimeoutMs);
      if (why === undefined) {
        this.#accelerator = accel;
        if (accel === "tcg" && reasons.length) this.kvmUnavailable = reasons.join("; ");
        return { ok: true };
      }
      reasons.push(`${accel}: ${why}`);
    }
    if (reasons.some((r) => r.startsWith("kvm:"))) this.kvmUnavailable = reasons.filter((r) => r.startsWith("kvm:")).join("; ");
    return { ok: false, reason: `no microvm guest booted (${reasons.join("; ")})` };
  }

  /**
   * Ends what an earlier process left of sandbox `id` (a daemon killed before its sandboxes ended):
   * the VMM runs in the sandbox's cgroups, which are killed and removed. The driver keeps no files
   * (the disk, workspace and spec reach qemu as descriptors and over its channel).
   */
  async reap(id: string): Promise<void> {
    if (!sandboxSpecSchema.shape.id.safeParse(id).success) return;
    await SandboxCgroup.of(await detectCgroups(), id).destroy();
  }

  /** Boots a guest without disk or workspace until its init says READY; undefined when it did. */
  async #bootProbe(accel: Accelerator, timeoutMs: number): Promise<string | undefined> {
    const ids = await this.#ids.lease(PROBE_AGENT);
    let vm: LaunchedSandbox | undefined;
    try {
      vm = await this.#launchVm({ id: `probe-${process.pid}-microvm-${accel}`, ids, accel, memoryBytes: 64 * MiB, cpus: 1, extraFds: [] });
      const launched = vm;
      const reader = new FrameReader();
      const errors: Buffer[] = [];
      launched.stderr.on("data", (b: Buffer) => errors.push(b));
      return await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(`no guest within ${timeoutMs} ms`), timeoutMs);
        launched.stdout.on("data", (chunk: Buffer) => {
          try {
            if (reader.push(chunk).some((f) => f.type === Frame.READY)) {
              clearTimeout(timer);
              resolve(undefined);
            }
          } catch {
            resolve("the guest sent a broken frame");
          }
        });
        void launched.wait().then(() => {
          clearTimeout(timer);
          resolve(`qemu ended: ${Buffer.concat(errors).toString().trim().split("\n").at(-1)?.slice(0, 200) ?? "no reason"}`);
        });
      });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      vm?.kill("SIGKILL");
      await Promise.race([vm?.wait().catch(() => undefined), new Promise((r) => setTimeout(r, PROBE_REAP_MS).unref())]);
      await ids.release();
    }
  }

  /** qemu, jailed as the sandbox's ids: fd 3 the root disk (if any), fd 4 the workspace (if any). */
  async #launchVm(vm: {
    id: string;
    ids: SandboxIds;
    accel: Accelerator;
    memoryBytes: number;
    cpus: number;
    extraFds: number[];
    cgroup?: SandboxCgroup;
    timeoutMs?: number;
    onSoftSignal?: (signal: NodeJS.Signals) => void;
    cleanup?: () => Promise<void>;
  }): Promise<LaunchedSandbox> {
    const assets = this.#assets;
    if (!assets) throw new SandboxStartError("the microvm driver was not probed");
    const memMiB = Math.ceil((vm.memoryBytes + GUEST_OVERHEAD_BYTES) / MiB);
    const args = [
      // Named by the sandbox id, so an operator (and a test) finds the VMM of a sandbox.
      ...["-name", `palisade-${vm.id}`],
      ...["-M", "microvm", "-nodefaults", "-no-user-config", "-display", "none", "-serial", "none", "-monitor", "none", "-nic", "none", "-no-reboot"],
      ...["-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"],
      ...(vm.accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", `tcg,tb-size=${TCG_TB_MIB}`, "-cpu", TCG_CPU]),
      ...["-m", `${memMiB}M`, "-smp", String(vm.cpus)],
      ...[
        "-kernel",
        assets.kernel,
        "-initrd",
        assets.initramfs,
        "-append",
        `quiet loglevel=0 panic=-1 rdinit=/init${vm.accel === "tcg" ? ` ${await tcgClockOptions()}` : ""}`,
      ],
      ...["-device", "virtio-serial-device", "-chardev", "stdio,id=channel,signal=off", "-device", "virtserialport,chardev=channel,name=palisade"],
      ...(vm.extraFds.length >= 1
        ? ["-add-fd", "fd=3,set=1", "-drive", "file=/dev/fdset/1,format=raw,if=none,id=root,readonly=on", "-device", "virtio-blk-device,drive=root"]
        : []),
      ...(vm.extraFds.length >= 2
        ? ["-fsdev", "local,id=workspace,path=/proc/self/fd/4,security_model=none", "-device", "virtio-9p-device,fsdev=workspace,mount_tag=workspace"]
        : []),
    ];
    return launch({
      id: vm.id,
      file: PERL,
      args: launcherArgs({
        keepFds: 2 + vm.extraFds.length,
        cgroupProcs: vm.cgroup?.procsFiles ?? [],
        ids: vm.ids,
        // /dev/kvm's group, for a KVM guest only: a TCG VMM keeps no group at all.
        ...(vm.accel === "kvm" && this.#kvmGroups ? { groups: this.#kvmGroups } : {}),
        argv: [this.#qemu, ...args],
      }),
      env: RUNTIME_ENV,
      extraFds: vm.extraFds,
      stdin: "pipe",
      ...(vm.cgroup ? { cgroup: vm.cgroup } : {}),
      ...(vm.timeoutMs === undefined ? {} : { timeoutMs: vm.timeoutMs }),
      // A soft signal goes to the command inside the guest; SIGKILL ends the VMM (and so the guest).
      softSignalsThroughKillAll: true,
      // The launcher execs qemu: a probe's VMM (no cgroup) ends with its SIGKILL, not a grace later.
      launcherIsSandbox: true,
      killAll: (signal) => {
        if (signal !== "SIGKILL") vm.onSoftSignal?.(signal);
      },
      ...(vm.cleanup ? { cleanup: vm.cleanup } : {}),
    });
  }

  async start(input: SandboxSpec, hooks: StartHooks = {}): Promise<SandboxHandle> {
    const parsed = sandboxSpecSchema.safeParse(input);
    if (!parsed.success)
      throw new SandboxStartError(`invalid sandbox spec: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const spec = parsed.data;
    if (!spec.image?.disk) throw new SandboxStartError("a microvm runs an image (its root disk): none was given");
    const avail = await this.available();
    const accel = this.#accelerator;
    if (!avail.ok || !accel) throw new SandboxStartError(`the microvm driver is not available: ${avail.reason ?? "unknown reason"}`);
    const env = sandboxEnv(spec);
    if (spec.command.length > GUEST_MAX_ARGS) throw new SandboxStartError(`a microvm command has at most ${GUEST_MAX_ARGS} arguments`);
    if (Object.keys(env).length > GUEST_MAX_ENV) throw new SandboxStartError(`a microvm command has at most ${GUEST_MAX_ENV} environment variables`);
    this.#layout ??= detectCgroups();
    const layout = await this.#layout.catch((e: unknown) => {
      this.#layout = undefined;
      throw new SandboxStartError(e instanceof Error ? e.message : String(e));
    });
    const ids = await this.#ids.lease(spec.agentId).catch(idsError);
    const opened: FileHandle[] = [];
    let cgroup: SandboxCgroup | undefined;
    try {
      const disk = await open(spec.image.disk, "r");
      opened.push(disk);
      const workspace = await openWorkspace(spec.workspaceDir, ids.uid);
      opened.push(workspace);
      let ca: Buffer | undefined;
      if (spec.network.caCertFile) {
        const fh = await openReadOnlyFile(spec.network.caCertFile, "CA certificate");
        opened.push(fh);
        ca = await readFile(`/proc/self/fd/${fh.fd}`);
      }
      const config = encodeConfig({
        argv: spec.command,
        env,
        uid: ids.uid,
        gid: ids.gid,
        memoryBytes: spec.limits.memoryBytes,
        cpuQuotaUs: Math.max(1000, Math.round(spec.limits.cpuQuota * 100_000)),
        pids: spec.limits.pids,
        tmpBytes: tmpSizeBytes(spec.limits),
        bridgePort: PROXY_BRIDGE_PORT,
      });
      const bpf = await seccompBpf();
      const cpus = Math.max(1, Math.min(os.cpus().length, Math.ceil(spec.limits.cpuQuota)));
      const memoryBytes = Math.ceil(spec.limits.memoryBytes / MiB) * MiB;
      cgroup = await SandboxCgroup.create(layout, spec.id, {
        memoryBytes: memoryBytes + GUEST_OVERHEAD_BYTES + VMM_OVERHEAD_BYTES,
        cpuQuota: spec.limits.cpuQuota,
        pids: VMM_PIDS + cpus,
      }).catch((e: unknown) => {
        throw new SandboxStartError(`cgroup setup failed: ${e instanceof Error ? e.message : String(e)}`);
      });
      const channel = new GuestChannel(spec.network.proxySocket, { config, bpf, ...(ca ? { ca } : {}) });
      const vm = await this.#launchVm({
        id: spec.id,
        ids,
        accel,
        memoryBytes,
        cpus,
        extraFds: [disk.fd, workspace.fd],
        cgroup,
        ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
        onSoftSignal: (signal) => channel.signal(signal),
        cleanup: async () => {
          channel.close();
          await ids.release();
        },
      });
      cgroup = undefined; // the launched VM owns it now
      const started = channel.attach(vm, this.#bootTimeoutMs);
      hooks.launched?.(() => vm.kill("SIGKILL"));
      return await started;
    } catch (e) {
      await cgroup?.destroy().catch(() => undefined);
      await ids.release().catch(() => undefined);
      throw e;
    } finally {
      await Promise.all(opened.map((fh) => fh.close().catch(() => undefined)));
    }
  }
}

/** One guest's channel: spec out, output and exit in, proxy connections both ways within their windows. */
class GuestChannel {
  readonly #proxySocket: string | undefined;
  readonly #spec: { config: Buffer; bpf: Buffer; ca?: Buffer };
  readonly #stdout = new PassThrough();
  readonly #stderr = new PassThrough();
  readonly #conns = new Map<number, { sock: net.Socket; credit: number; queue: Buffer[]; ended: boolean; closeSent: boolean }>();
  #vm: LaunchedSandbox | undefined;
  #exit: { status: number; oom: boolean } | undefined;
  #failure: string | undefined;

  constructor(proxySocket: string | undefined, spec: { config: Buffer; bpf: Buffer; ca?: Buffer }) {
    this.#proxySocket = proxySocket;
    this.#spec = spec;
  }

  #send(frame: Buffer) {
    const stdin = this.#vm?.stdin;
    if (stdin && !stdin.destroyed) stdin.write(frame);
  }

  signal(signal: NodeJS.Signals) {
    const n = os.constants.signals[signal];
    if (n) this.#send(encodeFrame(Frame.SIGNAL, 0, Buffer.from([n])));
  }

  close() {
    for (const c of this.#conns.values()) c.sock.destroy();
    this.#conns.clear();
    this.#stdout.end();
    this.#stderr.end();
  }

  /** Resolves once the guest started the command; rejects with the guest's reason if it could not. */
  attach(vm: LaunchedSandbox, bootTimeoutMs: number): Promise<SandboxHandle> {
    this.#vm = vm;
    vm.stdin?.on("error", () => undefined);
    const vmm: Buffer[] = [];
    vm.stderr.on("data", (b: Buffer) => {
      if (vmm.length < 64) vmm.push(b);
    });
    const reader = new FrameReader();
    const handle: SandboxHandle = {
      id: vm.id,
      pid: vm.pid,
      stdout: this.#stdout,
      stderr: this.#stderr,
      kill: (signal, graceMs) => vm.kill(signal, graceMs),
      wait: async (): Promise<SandboxExit> => {
        const ended = await vm.wait();
        const status = this.#exit?.status;
        if (status === undefined) return { ...ended, exitCode: ended.exitCode === 0 ? null : ended.exitCode, signal: ended.signal ?? "SIGKILL" };
        const sig = status & 0x7f;
        const signal = sig ? ((Object.entries(os.constants.signals).find(([, n]) => n === sig)?.[0] ?? "SIGKILL") as NodeJS.Signals) : null;
        return { ...ended, exitCode: sig ? null : (status >> 8) & 0xff, signal, oomKilled: ended.oomKilled || (this.#exit?.oom ?? false) };
      },
    };
    return new Promise<SandboxHandle>((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        vm.kill("SIGKILL");
        void vm.wait().finally(() => reject(new SandboxStartError(why.slice(0, 400))));
      };
      const timer = setTimeout(() => fail(`the microvm guest did not start the command within ${bootTimeoutMs} ms`), bootTimeoutMs);
      void vm.wait().then((ended) => {
        const vmmError = Buffer.concat(vmm).toString().trim().split("\n").at(-1);
        if (ended.timedOut) fail("the sandbox's timeout ended the microvm before its guest started the command");
        else fail(this.#failure ?? `the microvm ended before the command started${vmmError ? ` (${vmmError.slice(0, 200)})` : ""}`);
      });
      vm.stdout.on("data", (chunk: Buffer) => {
        let frames;
        try {
          frames = reader.push(chunk);
        } catch {
          this.#failure = "the microvm guest sent a broken frame";
          vm.kill("SIGKILL");
          return;
        }
        for (const f of frames) {
          if (f.type === Frame.STARTED && !settled) {
            settled = true;
            clearTimeout(timer);
            resolve(handle);
          } else if (f.type === Frame.ERROR) {
            this.#failure = `the microvm guest failed: ${f.payload.toString("utf8").slice(0, 300)}`;
            fail(this.#failure);
          } else this.#frame(f.type, f.ch, f.payload);
        }
      });
    });
  }

  #frame(type: number, ch: number, payload: Buffer) {
    switch (type) {
      case Frame.READY:
        this.#send(encodeFrame(Frame.CONFIG, 0, this.#spec.config));
        if (this.#spec.ca) this.#send(encodeFrame(Frame.CA, 0, this.#spec.ca));
        this.#send(encodeFrame(Frame.SECCOMP, 0, this.#spec.bpf));
        this.#send(encodeFrame(Frame.GO, 0));
        return;
      case Frame.OUT: {
        const out = ch === CH_STDOUT ? this.#stdout : ch === CH_STDERR ? this.#stderr : undefined;
        // Credit goes back once the reader took the bytes: a slow reader slows the guest, not the host's memory.
        out?.write(Buffer.from(payload), () => this.#send(creditFrame(ch, payload.length)));
        return;
      }
      case Frame.OPEN:
        this.#open(ch);
        return;
      case Frame.DATA: {
        const c = this.#conns.get(ch);
        c?.sock.write(Buffer.from(payload), () => this.#send(creditFrame(ch, payload.length)));
        return;
      }
      case Frame.CLOSE:
        this.#conns.get(ch)?.sock.end();
        return;
      case Frame.CREDIT: {
        const c = this.#conns.get(ch);
        if (c && payload.length === 4) {
          c.credit += payload.readUInt32BE(0);
          this.#flush(ch);
        }
        return;
      }
      case Frame.EXIT:
        if (payload.length === 5) this.#exit = { status: payload.readUInt32BE(0), oom: payload[4] === 1 };
        // The guest powers itself off; a VMM that lingers is ended.
        setTimeout(() => this.#vm?.kill("SIGKILL"), POWER_OFF_GRACE_MS).unref();
        return;
    }
  }

  /** A connection from the command to 127.0.0.1:3128 inside: joined to the sandbox's proxy socket. */
  #open(ch: number) {
    if (!this.#proxySocket || this.#conns.has(ch)) {
      this.#send(encodeFrame(Frame.CLOSE, ch));
      return;
    }
    const sock = net.connect(this.#proxySocket);
    const conn = { sock, credit: WINDOW, queue: [] as Buffer[], ended: false, closeSent: false };
    this.#conns.set(ch, conn);
    // The guest hears of the end once it has every byte before it.
    const closeToGuest = () => {
      conn.ended = true;
      this.#flush(ch);
    };
    sock.on("data", (d: Buffer) => {
      conn.queue.push(d);
      this.#flush(ch);
    });
    sock.on("end", closeToGuest);
    sock.on("error", closeToGuest);
    sock.on("close", closeToGuest);
  }

  /** Sends what the guest has room for; the socket waits while it has none. */
  #flush(ch: number) {
    const c = this.#conns.get(ch);
    if (!c) return;
    while (c.queue.length && c.credit > 0) {
      const head = c.queue[0] as Buffer;
      const n = Math.min(head.length, c.credit, MAX_PAYLOAD);
      this.#send(encodeFrame(Frame.DATA, ch, head.subarray(0, n)));
      c.credit -= n;
      if (n === head.length) c.queue.shift();
      else c.queue[0] = head.subarray(n);
    }
    if (c.queue.length) c.sock.pause();
    else if (c.ended && !c.closeSent) {
      c.closeSent = true;
      this.#send(encodeFrame(Frame.CLOSE, ch));
      this.#conns.delete(ch);
    } else c.sock.resume();
  }
}
