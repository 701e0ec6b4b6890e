// The root launcher every driver that runs as the sandbox's host ids starts first (bwrap, gVisor's
// runsc, the microvm's jailed VMM).
//
// The launcher, run by perl (perl-base is in every Debian system) with a fixed environment, so
// nothing of the spec can steer it while it is still root (as BASH_ENV or PERL5OPT would):
// 1. joins every cgroup.procs given, so the sandbox is limited from its first instruction;
// 2. closes every descriptor above the ones its program needs (`keepFds`; for bwrap 3 = seccomp
//    program, 4 = bwrap's --args with the command's environment, 5 and 6 = /etc/passwd and
//    /etc/group, then the workspace, proxy socket and CA descriptors; for qemu the root disk and the
//    workspace), so nothing the daemon inherited without close-on-exec reaches the sandbox;
// 3. drops to the sandbox's host uid/gid with no supplementary groups but the ones given (only the
//    microvm's VMM gets one: /dev/kvm's group, where KVM works);
// 4. execs its program (bwrap, runsc, qemu) with an empty environment. The command's environment
//    reaches bwrap only as --clearenv/--setenv options on fd 4, runsc only in the bundle's
//    config.json and qemu's guest only over its channel: the dynamic loader never sees it in a
//    process outside the sandbox.
// Exit 125 marks a launcher failure.
import { SandboxStartError } from "./types.js";

/** The launcher's common end: close what is above `$keep`, run `between`, drop to the ids, exec. */
const launcherTail = (between: string) => `
opendir(my $d, "/proc/self/fd") or exit 125;
my @fds = grep { /^\\d+$/ && $_ > $keep } readdir($d);
closedir($d);
for my $fd (@fds) { my $h; close($h) if open($h, "<&=", $fd) or open($h, ">&=", $fd) }
${between}
if ($uid ne "-") { syscall($setgroups, scalar(@groups), @groups ? pack("L*", @groups) : 0) == 0 or exit 125; $( = $gid; $) = $gid; $< = $> = $uid; exit 125 if $< != $uid || $> != $uid || $( != $gid || $) != $gid }
%ENV = ();
exec { $a[0] } @a or exit 127;
`;

export const LAUNCHER = `
my ($keep, $n, $uid, $gid, $setgroups, $groups, @a) = @ARGV;
my @groups = $groups eq "-" ? () : split(/,/, $groups);
my @procs = splice(@a, 0, $n);
for my $f (@procs) { open(my $h, ">", $f) or exit 125; print $h "$$\\n"; close($h) or exit 125 }
${launcherTail("")}`;

/**
 * The launcher started ahead of its sandbox (launcher-pool.ts), which the daemon moves into cgroups
 * of its own while it waits, so the kernel's cost of moving a process into a cgroup (a wait for an
 * RCU grace period on cgroup v1) is paid before a start is asked for. It reads its orders on stdin
 * until EOF: NUL-separated keepFds, the count of descriptors to take over, uid, gid, the setgroups
 * number, groups, those descriptors as "flags:fd" of the daemon, and the argv. It takes each
 * descriptor over by opening /proc/<daemon>/fd/<fd> (the daemon's open file itself: no name below it
 * is resolved), only while the daemon is still its parent, and checks it landed on the next number
 * after keepFds; then drops to the ids and execs as LAUNCHER does. Stdin closed with nothing on it
 * (a pool emptied): it exits 0.
 */
export const PARKED_LAUNCHER = `
my ($daemon) = @ARGV;
my $in = do { local $/; <STDIN> };
exit 0 if !defined($in) || $in eq "";
open(STDIN, "<", "/dev/null") or exit 125;
my ($keep, $n, $uid, $gid, $setgroups, $groups, @a) = split(/\\0/, $in, -1);
pop(@a);
my @groups = $groups eq "-" ? () : split(/,/, $groups);
my @reopen = splice(@a, 0, $n);
${launcherTail(`exit 125 if getppid() != $daemon;
$^F = 1 << 30;
my @held;
for my $r (@reopen) { my ($flags, $fd) = split(/:/, $r); sysopen(my $h, "/proc/$daemon/fd/$fd", $flags) or exit 125; exit 125 if fileno($h) != $keep + 1 + @held; push @held, $h }`)}`;
export const PERL = "/usr/bin/perl";
/** setgroups(2) numbers: perl has no builtin that empties the group list. */
export const SETGROUPS_NR: Partial<Record<NodeJS.Architecture, number>> = { x64: 116, arm64: 159 };

/**
 * The launcher's argv (after PERL): join the cgroups, keep fds up to `keepFds`, drop to `ids` with
 * `groups` as the only supplementary groups (none by default), exec `argv`.
 */
export function launcherArgs(opts: {
  keepFds: number;
  cgroupProcs: string[];
  ids?: { uid: number; gid: number } | undefined;
  groups?: number[];
  argv: string[];
}): string[] {
  const groups = (opts.groups ?? []).filter((g) => Number.isInteger(g) && g > 0 && g < 0xffffffff);
  return [
    "-e",
    LAUNCHER,
    String(opts.keepFds),
    String(opts.cgroupProcs.length),
    opts.ids ? String(opts.ids.uid) : "-",
    opts.ids ? String(opts.ids.gid) : "-",
    String(SETGROUPS_NR[process.arch] ?? -1),
    groups.length ? groups.join(",") : "-",
    ...opts.cgroupProcs,
    ...opts.argv,
  ];
}

/** PARKED_LAUNCHER's argv (after PERL): the daemon's pid. */
export function parkedLauncherArgs(): string[] {
  return ["-e", PARKED_LAUNCHER, String(process.pid)];
}

/** A descriptor of the daemon the parked launcher opens again for its sandbox, with these open(2) flags. */
export interface TakenOverFd {
  fd: number;
  flags: number;
}

/** What a parked launcher reads on stdin to start its sandbox (see PARKED_LAUNCHER). */
export function parkedLauncherInput(opts: {
  keepFds: number;
  takeOver: TakenOverFd[];
  ids?: { uid: number; gid: number } | undefined;
  groups?: number[];
  argv: string[];
}): Buffer {
  const groups = (opts.groups ?? []).filter((g) => Number.isInteger(g) && g > 0 && g < 0xffffffff);
  const fields = [
    String(opts.keepFds),
    String(opts.takeOver.length),
    opts.ids ? String(opts.ids.uid) : "-",
    opts.ids ? String(opts.ids.gid) : "-",
    String(SETGROUPS_NR[process.arch] ?? -1),
    groups.length ? groups.join(",") : "-",
    ...opts.takeOver.map((t) => `${t.flags}:${t.fd}`),
    ...opts.argv,
  ];
  // A NUL would split one argument into two; the spec schema already refuses them in commands.
  if (fields.some((f) => f.includes("\0"))) throw new SandboxStartError("launcher argument contains a NUL byte");
  return Buffer.from(`${fields.join("\0")}\0`);
}
