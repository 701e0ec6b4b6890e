// The seccomp policy shared by all drivers: one deny list, compiled to classic BPF (bwrap) or OCI JSON.
import { execFile } from "node:child_process";

const EPERM = 1;
const ENOSYS = 38;
const EPROTONOSUPPORT = 93;
const EAFNOSUPPORT = 97;

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
  // the kernel log, other processes' pages, obsolete interfaces
  "syslog",
  "move_pages",
  "migrate_pages",
  "vhangup",
  "nfsservctl",
  "sysfs",
  "ustat",
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

/**
 * Socket address families a sandbox may use. The network namespace isolates these: AF_UNIX (the
 * proxy bridge; its abstract names are per namespace), AF_INET and AF_INET6 (only lo exists), and
 * AF_NETLINK for NETLINK_ROUTE only (libc asks it for the interface list, which shows lo). Every
 * other family is refused, above all those no network namespace confines: AF_VSOCK reaches the
 * hypervisor of a VM host, AF_BLUETOOTH, AF_CAN, AF_QIPCRTR… devices of the host, AF_ALG its kernel
 * crypto, and rarely used families are where kernel bugs hide (their modules load on first use).
 */
export const ALLOWED_SOCKET_FAMILIES: Readonly<Record<string, number>> = { AF_UNIX: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16 };

/** Linux's address families (include/linux/socket.h, AF_MAX 46 in 6.x), named for reports and tests. */
export const LINUX_SOCKET_FAMILIES: Readonly<Record<number, string>> = {
  0: "AF_UNSPEC",
  1: "AF_UNIX",
  2: "AF_INET",
  3: "AF_AX25",
  4: "AF_IPX",
  5: "AF_APPLETALK",
  6: "AF_NETROM",
  7: "AF_BRIDGE",
  8: "AF_ATMPVC",
  9: "AF_X25",
  10: "AF_INET6",
  11: "AF_ROSE",
  12: "AF_DECnet",
  13: "AF_NETBEUI",
  14: "AF_SECURITY",
  15: "AF_KEY",
  16: "AF_NETLINK",
  17: "AF_PACKET",
  18: "AF_ASH",
  19: "AF_ECONET",
  20: "AF_ATMSVC",
  21: "AF_RDS",
  22: "AF_SNA",
  23: "AF_IRDA",
  24: "AF_PPPOX",
  25: "AF_WANPIPE",
  26: "AF_LLC",
  27: "AF_IB",
  28: "AF_MPLS",
  29: "AF_CAN",
  30: "AF_TIPC",
  31: "AF_BLUETOOTH",
  32: "AF_IUCV",
  33: "AF_RXRPC",
  34: "AF_ISDN",
  35: "AF_PHONET",
  36: "AF_IEEE802154",
  37: "AF_CAIF",
  38: "AF_ALG",
  39: "AF_NFC",
  40: "AF_VSOCK",
  41: "AF_KCM",
  42: "AF_QIPCRTR",
  43: "AF_SMC",
  44: "AF_XDP",
  45: "AF_MCTP",
};

/**
 * Families below this are refused one by one unless allowed; the kernel refuses everything at or
 * above its AF_MAX itself. Kept well above today's 46 so a newer kernel's families are covered
 * (the test compares it with the running kernel's).
 */
export const SOCKET_FAMILY_BOUND = 64;
/** NETLINK_ROUTE, the one netlink protocol allowed. */
const NETLINK_ROUTE = 0;
/** socket(2)'s domain is an int: only its low 32 bits count, so the filter compares only those (high bits cannot hide a family). */
const INT_MASK = 0xffffffff;

interface ArgCheck {
  index: number;
  /** MASKED_EQ: (arg & mask) == value; NE: arg != value. */
  op: "MASKED_EQ" | "NE";
  mask?: number;
  value: number;
}

interface Rule {
  syscall: string;
  errno: number;
  /** Refuse only when every check holds (no checks: always). */
  args?: ArgCheck[];
}

function rules(): Rule[] {
  const out: Rule[] = DENIED_SYSCALLS.map((syscall) => ({ syscall, errno: EPERM }));
  for (const flag of Object.values(CLONE_NAMESPACE_FLAGS))
    out.push({ syscall: "clone", errno: EPERM, args: [{ index: 0, op: "MASKED_EQ", mask: flag, value: flag }] });
  // clone3 passes its flags in memory that seccomp cannot read; ENOSYS makes libc fall back to clone.
  out.push({ syscall: "clone3", errno: ENOSYS });
  const allowed = new Set(Object.values(ALLOWED_SOCKET_FAMILIES));
  for (let family = 0; family < SOCKET_FAMILY_BOUND; family++) {
    if (allowed.has(family)) continue;
    out.push({ syscall: "socket", errno: EAFNOSUPPORT, args: [{ index: 0, op: "MASKED_EQ", mask: INT_MASK, value: family }] });
  }
  out.push({
    syscall: "socket",
    errno: EPROTONOSUPPORT,
    args: [
      { index: 0, op: "MASKED_EQ", mask: INT_MASK, value: ALLOWED_SOCKET_FAMILIES.AF_NETLINK ?? 16 },
      { index: 2, op: "NE", value: NETLINK_ROUTE },
    ],
  });
  return out;
}

// libseccomp (Debian's python3-seccomp) does the compiling: arch check, x32 handling and jump
// layout come from the reference library instead of hand-written BPF. Unknown names (an older
// libseccomp) are skipped so the rest of the policy still applies.
const COMPILER = `
import json, sys, seccomp
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
def arg(a):
    if a["op"] == "MASKED_EQ":
        return seccomp.Arg(a["index"], seccomp.MASKED_EQ, a["mask"], a["value"])
    return seccomp.Arg(a["index"], seccomp.NE, a["value"])
for r in json.load(sys.stdin):
    try:
        f.add_rule(seccomp.ERRNO(r["errno"]), r["syscall"], *[arg(a) for a in r.get("args", [])])
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
    args?: { index: number; value: number; valueTwo?: number; op: "SCMP_CMP_MASKED_EQ" | "SCMP_CMP_NE" }[];
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
      ...(r.args
        ? {
            args: r.args.map((a) =>
              // The runtime spec's MASKED_EQ: (arg & value) == valueTwo.
              a.op === "MASKED_EQ"
                ? { index: a.index, value: a.mask ?? 0, valueTwo: a.value, op: "SCMP_CMP_MASKED_EQ" as const }
                : { index: a.index, value: a.value, op: "SCMP_CMP_NE" as const },
            ),
          }
        : {}),
    })),
  };
}
