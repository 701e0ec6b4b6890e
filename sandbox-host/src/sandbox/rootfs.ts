// What every driver shows inside a sandbox: the read-only host pieces, identity files and environment.
import { lstatSync, readlinkSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { PERL } from "./launcher.js";
import type { SandboxSpec } from "./types.js";

/** /etc entries a typical command needs; the rest of the host's /etc stays out. */
export const ETC_PIECES = [
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "alternatives",
  "localtime",
  "nsswitch.conf",
  "ssl",
  "ca-certificates",
  "mime.types",
];

/** /proc files that show the host's kernel (memory, symbols, keys, timers): every driver hides them. */
export const MASKED_PROC_FILES = [
  "/proc/kcore",
  "/proc/kallsyms",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
];

export type RootEntry = { path: string; symlink: string } | { path: string; dir: true };

/** Top-level dirs of a (possibly merged-/usr) host root: symlinks are recreated, real dirs bound read-only. */
export function rootEntries(): RootEntry[] {
  const out: RootEntry[] = [];
  for (const d of ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]) {
    const p = `/${d}`;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    out.push(st.isSymbolicLink() ? { path: p, symlink: readlinkSync(p) } : { path: p, dir: true });
  }
  return out;
}

/** A synthetic /etc/passwd and /etc/group naming only the sandbox user, so host accounts stay hidden. */
export function identityFiles(uid: number): { passwd: string; group: string } {
  return {
    passwd: `agent:x:${uid}:${uid}:agent:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `agent:x:${uid}:\nnogroup:x:65534:\n`,
  };
}

/**
 * Writes identityFiles() into `dir` (a private directory of the driver's); returns their paths.
 * A file that already holds the content is left alone: replacing it unlinks the inode a runtime
 * starting another sandbox may have opened to bind, and its mount then fails ("no such file").
 */
export async function writeIdentityFiles(dir: string, uid: number): Promise<{ passwd: string; group: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const files = identityFiles(uid);
  const passwd = path.join(dir, "passwd");
  const group = path.join(dir, "group");
  await writeIfChanged(passwd, files.passwd, 0o644);
  await writeIfChanged(group, files.group, 0o644);
  return { passwd, group };
}

async function writeIfChanged(file: string, data: string, mode: number): Promise<void> {
  const current = await readFile(file, "utf8").catch(() => null);
  if (current === data) return;
  await writeAtomic(file, data, mode);
}

/** Replaces a file in one step, so a sandbox starting meanwhile never binds a half-written one. */
export async function writeAtomic(file: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, file);
}

/** The command's whole environment: defaults, then the spec's variables, then the proxy settings. */
export function sandboxEnv(spec: SandboxSpec): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/workspace",
    TMPDIR: "/tmp",
    LANG: "C.UTF-8",
    // An image's own variables (its PATH above all) come under the spec's.
    ...Object.fromEntries((spec.image?.env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)])),
    ...spec.env,
  };
  const proxy = spec.network.proxyUrl ?? (spec.network.proxySocket ? `http://127.0.0.1:${PROXY_BRIDGE_PORT}` : undefined);
  if (proxy) {
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) env[k] = proxy;
  }
  return env;
}

/**
 * Size of the sandbox's private /tmp: half its memory limit. tmpfs pages count against the memory
 * cgroup, so a full /tmp answers ENOSPC while the command still has memory to handle it.
 */
export function tmpSizeBytes(limits: SandboxSpec["limits"]): number {
  return Math.floor(limits.memoryBytes / 2);
}

/** Where the proxy socket appears inside, and the loopback port bridged to it. */
export const PROXY_SOCKET_INSIDE = "/run/palisade/proxy.sock";
/** Where the host's CA certificate appears inside (read-only), whatever the host path. */
export const CA_CERT_INSIDE = "/run/palisade/ca-cert.pem";
export const PROXY_BRIDGE_PORT = 3128;
/** Process names of the sandbox's own machinery (the init and the proxy bridge), spared by a soft stop. */
export const INIT_NAMES = ["palisade-init", "palisade-bridge"];
/** prctl(2) and execve(2) numbers: perl has no builtin for the first, and see INIT for the second. */
const INIT_SYSCALLS: Partial<Record<NodeJS.Architecture, { prctl: number; execve: number }>> = {
  x64: { prctl: 157, execve: 59 },
  arm64: { prctl: 167, execve: 221 },
};

// The sandbox's pid 1, in perl (perl-base is in every Debian system and bound read-only inside).
// 1. Makes itself non-dumpable (PR_SET_DUMPABLE 0) before anything else, so the command, which runs
//    as the same uid, can open neither /proc/1/mem nor the /proc files of the bridge it forks: they
//    need CAP_SYS_PTRACE for a non-dumpable process, and nothing in the sandbox has it.
// 2. With a proxy socket: listens on 127.0.0.1:3128 and forks the bridge, which relays each
//    connection to the socket (one forked relay each, half-closes passed on). The command starts
//    once the listener exists, so its first request never races the bridge.
// 3. Forks and execs the command (searching PATH as execvp does: 127 when not found, 126 when not
//    executable), reaps every orphan, and exits with the command's status (128+n for signal n)
//    when it ends; the kernel then kills the rest of the pid namespace.
// Taint mode (-T) makes perl ignore PERL5OPT, PERL5LIB and PERL5DB, so the command's environment,
// which this process carries to pass on, cannot load code into it; only built-ins are used (no
// module is loaded at all). The command is started with execve(2) itself because perl's exec
// refuses, in taint mode, a PATH with a directory others can write (the sandbox's own /tmp). A soft signal from outside does not reach it (a namespace's init gets
// only the signals it handles), and the bridge ignores SIGTERM so a stopping command can still
// reach the proxy until the SIGKILL.
const INIT = `
my ($prctl, $execve, $socket, @cmd) = map { /\\A(.*)\\z/s; $1 } @ARGV;
for (keys %ENV) { ($ENV{$_}) = $ENV{$_} =~ /\\A(.*)\\z/s }
sub fail { print STDERR "palisade: sandbox init: $_[0]: $!\\n"; exit 125 }
syscall($prctl + 0, 4, 0, 0, 0, 0) == 0 or fail("prctl");
$0 = "palisade-init";
if ($socket ne "") {
  socket(my $l, 2, 1, 0) or fail("socket");
  setsockopt($l, 1, 2, pack("i", 1)) or fail("setsockopt");
  bind($l, pack("S n C4 x8", 2, ${PROXY_BRIDGE_PORT}, 127, 0, 0, 1)) or fail("bind");
  listen($l, 128) or fail("listen");
  my $b = fork() // fail("fork");
  if ($b == 0) {
    $0 = "palisade-bridge";
    $SIG{TERM} = "IGNORE";
    $SIG{CHLD} = "IGNORE";
    while (1) {
      my $c;
      unless (accept($c, $l)) { select(undef, undef, undef, 0.05); next }
      my $r = fork();
      if (defined $r && $r == 0) { close($l); relay($c); exit 0 }
      close($c);
    }
  }
  close($l);
}
my $pid = fork() // fail("fork");
if ($pid == 0) {
  my @env = map { "$_=$ENV{$_}" } keys %ENV;
  my ($argv, $envp) = (pack("p*", @cmd, undef), pack("p*", @env, undef));
  my $err = 2;
  for my $d ($cmd[0] =~ m{/} ? ("") : split(/:/, $ENV{PATH} // "", -1)) {
    my $file = $cmd[0] =~ m{/} ? $cmd[0] : ($d eq "" ? "." : $d) . "/$cmd[0]";
    syscall($execve + 0, $file, $argv, $envp);
    $err = $! + 0 if $! != 2 && $! != 20;
  }
  $! = $err;
  print STDERR "palisade: cannot run $cmd[0]: $!\\n";
  exit($err == 2 ? 127 : 126);
}
while ((my $p = wait()) > 0) { exit(($? & 127) ? 128 + ($? & 127) : $? >> 8) if $p == $pid }
exit 125;
sub relay {
  my ($c) = @_;
  $SIG{PIPE} = "IGNORE";
  socket(my $u, 1, 1, 0) or exit 1;
  connect($u, pack("S a108", 1, $socket)) or exit 1;
  my @open = (1, 1);
  while ($open[0] || $open[1]) {
    my $rin = "";
    vec($rin, fileno($c), 1) = 1 if $open[0];
    vec($rin, fileno($u), 1) = 1 if $open[1];
    my $rout;
    next if select($rout = $rin, undef, undef, undef) < 0;
    for my $d (0, 1) {
      my ($from, $to) = $d == 0 ? ($c, $u) : ($u, $c);
      next unless $open[$d] && vec($rout, fileno($from), 1);
      my $n = sysread($from, my $buf, 65536);
      if (!$n) { shutdown($to, 1); $open[$d] = 0; next }
      for (my $off = 0; $off < $n;) { my $w = syswrite($to, $buf, $n - $off, $off); exit 0 unless $w; $off += $w }
    }
  }
}
`;

/** Where the bwrap driver binds the compiled guest helper (palisade-guest.c), read-only: out of `ls /`, and /run stays absent without a proxy. */
export const COMPILED_INIT_INSIDE = "/.palisade-init";

/**
 * The argv that runs `command` under the compiled init (`palisade-guest sandbox-init`, bound at
 * COMPILED_INIT_INSIDE): the same steps as INIT without a perl start (about 4 ms of a start).
 */
export function withCompiledInit(command: string[], proxySocket: boolean): string[] {
  return [COMPILED_INIT_INSIDE, "sandbox-init", proxySocket ? PROXY_SOCKET_INSIDE : "", "--", ...command];
}

/**
 * The argv that runs `command` under the sandbox's init (see INIT): pid 1 is then a process the
 * command cannot read or write, with the proxy bridge listening first when `proxySocket` is set.
 */
export function withInit(command: string[], proxySocket: boolean): string[] {
  const nr = INIT_SYSCALLS[process.arch];
  if (!nr) throw new Error(`no prctl/execve syscall numbers for ${process.arch}`);
  return [PERL, "-T", "-e", INIT, String(nr.prctl), String(nr.execve), proxySocket ? PROXY_SOCKET_INSIDE : "", ...command];
}
