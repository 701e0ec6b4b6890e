// The seccomp policy shared by all drivers: one deny list, compiled to classic BPF (bwrap) or OCI JSON.
import { execFile } from "node:child_process";

const EPERM = 1;
const ENOSYS = 38;

/** Syscalls a sandboxed agent never needs and that widen the kernel attack surface. */
export const DENIED_SYSCALLS: readonly string[] = [
  // mounts and filesystem namespaces, including the new mount API
  "mount",
  "umount2",
  "pivot_root",
  "chroot",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "move_mount",
  "open_tree",
  "mount_setattr",
  // namespaces
  "unshare",
  "setns",
  // debugging and other processes' memory
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "kcmp",
  // kernel code, keys, BPF
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "bpf",
  "keyctl",
  "add_key",
  "request_key",
  // host-wide state
  "reboot",
  "swapon",
  "swapoff",
  "acct",
  "quotactl",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "sethostname",
  "setdomainname",
  "iopl",
  "ioperm",
  // known exploit vehicles
  "perf_event_open",
  "userfaultfd",
  "open_by_handle_at",
  "name_to_handle_at",
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "fanotify_init",
  "lookup_dcookie",
  "uselib",
];
// adjtimex and personality stay allowed: programs call them to read the clock status or query the
// persona; without capabilities the clock cannot change, and a persona affects only the caller.

/** clone() flags that create namespaces; clone with any of them is refused. */
export const CLONE_NAMESPACE_FLAGS: Readonly<Record<string, number>> = {
  CLONE_NEWTIME: 0x80,
  CLONE_NEWNS: 0x20000,
  CLONE_NEWCGROUP: 0x2000000,
  CLONE_NEWUTS: 0x4000000,
  CLONE_NEWIPC: 0x8000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
};

interface Rule {
  syscall: string;
  errno: number;
  /** Refuse only when (arg0 & mask) == mask. */
  arg0Mask?: number;
}

function rules(): Rule[] {
  const out: Rule[] = DENIED_SYSCALLS.map((syscall) => ({ syscall, errno: EPERM }));
  for (const flag of Object.values(CLONE_NAMESPACE_FLAGS)) out.push({ syscall: "clone", errno: EPERM, arg0Mask: flag });
  // clone3 passes its flags in memory that seccomp cannot read; ENOSYS makes libc fall back to clone.
  out.push({ syscall: "clone3", errno: ENOSYS });
  return out;
}

// libseccomp (Debian's python3-seccomp) does the compiling: arch check, x32 handling and jump
// layout come from the reference library instead of hand-written BPF. Unknown names (an older
// libseccomp) are skipped so the rest of the policy still applies.
const COMPILER = `
import json, sys, seccomp
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
for r in json.load(sys.stdin):
    try:
        if "arg0Mask" in r:
            f.add_rule(seccomp.ERRNO(r["errno"]), r["syscall"], seccomp.Arg(0, seccomp.MASKED_EQ, r["arg0Mask"], r["arg0Mask"]))
        else:
            f.add_rule(seccomp.ERRNO(r["errno"]), r["syscall"])
    except (RuntimeError, ValueError) as e:
        print("skip " + r["syscall"] + ": " + str(e), file=sys.stderr)
f.export_bpf(sys.stdout)
`;

export const SECCOMP_PYTHON = "/usr/bin/python3";

let compiled: Promise<Buffer> | undefined;

/** The filter as classic BPF (struct sock_filter[]), compiled once per process. */
export function seccompBpf(python = SECCOMP_PYTHON): Promise<Buffer> {
  compiled ??= new Promise<Buffer>((resolve, reject) => {
    const child = execFile(
      python,
      ["-c", COMPILER],
      { encoding: "buffer", env: { PATH: "/usr/bin:/bin" }, timeout: 10_000 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`seccomp compiler failed (is python3-seccomp installed?): ${stderr.toString().trim() || err.message}`));
        } else if (stdout.length === 0 || stdout.length % 8 !== 0) {
          reject(new Error("seccomp compiler produced no valid BPF program"));
        } else {
          resolve(stdout);
        }
      },
    );
    child.stdin?.end(JSON.stringify(rules()));
  });
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

const OCI_ARCH: Partial<Record<NodeJS.Architecture, string>> = {
  x64: "SCMP_ARCH_X86_64",
  arm64: "SCMP_ARCH_AARCH64",
};

export interface OciSeccomp {
  defaultAction: "SCMP_ACT_ALLOW";
  architectures: string[];
  syscalls: {
    names: string[];
    action: "SCMP_ACT_ERRNO";
    errnoRet: number;
    args?: { index: number; value: number; valueTwo: number; op: "SCMP_CMP_MASKED_EQ" }[];
  }[];
}

/** The same filter in the OCI runtime-spec form (linux.seccomp); the runtime compiles it. */
export function ociSeccomp(arch: NodeJS.Architecture = process.arch): OciSeccomp {
  const scmpArch = OCI_ARCH[arch];
  if (!scmpArch) throw new Error(`no seccomp architecture mapping for ${arch}`);
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    // Only the native ABI is listed: syscalls of any other ABI (i386, x32) are killed.
    architectures: [scmpArch],
    syscalls: rules().map((r) => ({
      names: [r.syscall],
      action: "SCMP_ACT_ERRNO",
      errnoRet: r.errno,
      ...(r.arg0Mask === undefined ? {} : { args: [{ index: 0, value: r.arg0Mask, valueTwo: r.arg0Mask, op: "SCMP_CMP_MASKED_EQ" as const }] }),
    })),
  };
}
