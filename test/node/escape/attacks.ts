// The escape attempts: each one runs inside a real sandbox of the host daemon (or, for a sandbox
// that got out, as its host ids) and asserts that it fails. escape.test.ts runs them against every driver.
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { expect } from "vitest";
import type { SandboxStartCommand } from "../../../schema/tunnel.js";
import { detectCgroups, SandboxCgroup } from "../../../sandbox-host/src/sandbox/cgroups.js";
import { ALLOWED_SOCKET_FAMILIES, LINUX_SOCKET_FAMILIES, SOCKET_FAMILY_BOUND } from "../../../sandbox-host/src/sandbox/seccomp.js";
import { HOST_CREDENTIAL } from "../daemon/fake-edge.js";
import { FAMILY_PROBE, type HostFixtures } from "./fixtures.js";
import type { TestHost } from "./host-daemon.js";

const exec = promisify(execFile);

export interface Outcome {
  state: string;
  exitCode?: number;
  output?: string;
  reason?: string;
}

export interface AttackContext {
  driver: string;
  host: TestHost;
  fx: HostFixtures;
  /** Workspace quota the test host was started with. */
  quotaBytes: number;
  /** Runs a perl program (or a shell script) as the attacking agent and resolves with its final status. */
  perl(script: string, over?: Partial<SandboxStartCommand>): Promise<Outcome>;
  sh(script: string, over?: Partial<SandboxStartCommand>): Promise<Outcome>;
}

export interface Attack {
  name: string;
  /** Drivers it applies to (all when absent). */
  only?: string[];
  run(ctx: AttackContext): Promise<void>;
}

export const ATTACKER = "agt_attacker";
export const VICTIM = "agt_victim";
export const VICTIM_TOKEN = "pal_agent_victimtokenvictimtokenvictimtoken";

/** Syscall numbers of the architectures the host supports. */
const NR = (
  {
    x64: {
      ptrace: 101,
      process_vm_readv: 310,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      bpf: 321,
      perf_event_open: 298,
      io_uring_setup: 425,
      userfaultfd: 323,
      unshare: 272,
      setns: 308,
      clone: 56,
      clone3: 435,
      mount: 165,
      umount2: 166,
      fsopen: 430,
      open_tree: 428,
      pivot_root: 155,
      chroot: 161,
      mknodat: 259,
      socket: 41,
      syslog: 103,
      prctl: 157,
    },
    arm64: {
      ptrace: 117,
      process_vm_readv: 270,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      bpf: 280,
      perf_event_open: 241,
      io_uring_setup: 425,
      userfaultfd: 282,
      unshare: 97,
      setns: 268,
      clone: 220,
      clone3: 435,
      mount: 40,
      umount2: 39,
      fsopen: 430,
      open_tree: 428,
      pivot_root: 41,
      chroot: 51,
      mknodat: 33,
      socket: 198,
      syslog: 116,
      prctl: 167,
    },
  } as const
)[process.arch as "x64" | "arm64"];

/** "key value…" lines of an output as a map (last one wins). */
function fields(output = ""): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of output.split("\n")) {
    const i = line.indexOf(" ");
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

/** Perl that prints "<label> ok" or "<label> <errno>" for a raw syscall. */
const sys = (label: string, call: string) => `{ my $r = ${call}; print "${label} ", ($r == -1 ? $!+0 : "ok"), "\\n"; }`;

/**
 * Perl's syscall() refuses read-only arguments (string literals, pack results); `sc` passes copies.
 * Prepended to every perl attack.
 */
export const PERL_PRELUDE = "sub sc { my ($n, @c) = @_; syscall($n, @c) }\n";

const EPERM = "1";
/**
 * The errno a refused call gets: the seccomp list's own, except under gVisor, whose kernel answers
 * the OCI list's refusals (and its own) with EPERM. Either way the call failed.
 */
const refusal = (driver: string, errno: string) => new RegExp(driver === "gvisor" ? `^(${errno}|${EPERM})$` : `^${errno}$`);
const settle = () => new Promise((r) => setTimeout(r, 300));

/**
 * Host processes whose command line holds `marker`, with their real uid and gid: perl's, or with
 * `name` another program's (under gVisor the command is not a host process; runsc is, named by the sandbox id).
 */
async function hostProcesses(marker: string, name = "perl"): Promise<{ pid: number; uid: number; gid: number }[]> {
  const out = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(marker) || cmdline.includes("vitest")) continue;
    const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    const gid = Number(/^Gid:\s+(\d+)/m.exec(status)?.[1]);
    if (new RegExp(`^Name:\\s+${name}$`, "m").test(status)) out.push({ pid: Number(entry), uid, gid });
  }
  return out;
}

/**
 * Polls until `probe` answers. A hang guard, not a speed check: a microvm acknowledges its start when
 * the VMM runs and boots the guest afterwards, which under TCG on a loaded machine takes tens of seconds.
 */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const ATTACKS: Attack[] = [
  {
    name: "TCP to a server on the host's loopback",
    async run({ perl, fx }) {
      const before = fx.hits.tcp;
      const r = await perl(
        `use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${fx.tcpPort}, Proto => "tcp", Timeout => 3); print $s ? "tcp connected\\n" : "tcp refused\\n";`,
      );
      expect(r.output).toContain("tcp refused");
      expect(fx.hits.tcp).toBe(before);
    },
  },
  {
    name: "TCP to the host's own network addresses",
    async run({ perl, fx }) {
      const before = fx.hits.tcp;
      const targets = [...fx.externalV4, "10.0.0.1", "192.168.0.1", "169.254.169.254"];
      const r = await perl(
        `use IO::Socket::INET; for my $a (${targets.map((t) => `"${t}"`).join(", ")}) { my $s = IO::Socket::INET->new(PeerAddr => $a, PeerPort => ${fx.tcpPort}, Proto => "tcp", Timeout => 2); print "tcp $a ", ($s ? "connected" : "refused"), "\\n"; }`,
      );
      expect(r.output).not.toContain("connected");
      expect(r.output?.match(/refused/g)).toHaveLength(targets.length);
      expect(fx.hits.tcp).toBe(before);
    },
  },
  {
    name: "UDP datagrams to the host",
    async run({ perl, fx }) {
      const before = fx.hits.udp;
      const targets = ["127.0.0.1", ...fx.externalV4];
      const r = await perl(
        `use Socket; socket(my $u, AF_INET, SOCK_DGRAM, 0) or die "socket: $!"; for my $a (${targets.map((t) => `"${t}"`).join(", ")}) { for (1..3) { send($u, "x", 0, pack_sockaddr_in(${fx.udpPort}, inet_aton($a))) } print "udp $a done\\n"; }`,
      );
      expect(r.exitCode, r.output).toBe(0);
      await settle();
      expect(fx.hits.udp).toBe(before);
    },
  },
  {
    name: "raw IP and packet sockets",
    async run({ perl }) {
      const r = await perl(
        `use Socket; for my $c (["raw-icmp", AF_INET, SOCK_RAW, 1], ["raw-tcp", AF_INET, SOCK_RAW, 6], ["packet", 17, SOCK_RAW, 0], ["sock-packet", AF_INET, 10, 0], ["raw6", AF_INET6, SOCK_RAW, 58]) { my ($n, @a) = @$c; print "$n ", (socket(my $s, $a[0], $a[1], $a[2]) ? "ok" : $!+0), "\\n"; }`,
      );
      const f = fields(r.output);
      for (const name of ["raw-icmp", "raw-tcp", "packet", "sock-packet", "raw6"]) expect(f.get(name), `${name}: ${r.output}`).toMatch(/^\d+$/);
    },
  },
  {
    name: "IPv6 to the host's loopback and beyond",
    async run({ perl, fx }) {
      const before = fx.hits.tcp;
      const r = await perl(
        `use Socket qw(:all);
        socket(my $t, AF_INET6, SOCK_STREAM, 0) or die "socket6: $!";
        print "tcp6 ", (connect($t, pack_sockaddr_in6(${fx.tcp6Port ?? fx.tcpPort}, inet_pton(AF_INET6, "::1"))) ? "connected" : $!+0), "\\n";
        socket(my $u, AF_INET6, SOCK_DGRAM, 0) or die "udp6: $!";
        print "udp6 ", (connect($u, pack_sockaddr_in6(53, inet_pton(AF_INET6, "2001:4860:4860::8888"))) ? "routed" : $!+0), "\\n";
        open(my $r6, "<", "/proc/net/ipv6_route"); my @d6 = grep { !/\\slo$/ } <$r6>; print "routes6 ", scalar(@d6), "\\n";`,
      );
      const f = fields(r.output);
      expect(f.get("tcp6"), r.output).not.toBe("connected");
      expect(f.get("udp6"), r.output).not.toBe("routed");
      expect(f.get("routes6")).toBe("0");
      expect(fx.hits.tcp).toBe(before);
    },
  },
  {
    name: "AF_VSOCK to the hypervisor",
    async run({ perl, driver }) {
      const r = await perl(
        `for my $t (1, 2, 5) { print "vsock$t ", (socket(my $s, 40, $t, 0) ? "ok" : $!+0), "\\n" }
        ${sys("vsock-high-bits", `sc(${NR.socket}, 0xffffffff00000028, 1, 0)`)}`,
      );
      const f = fields(r.output);
      for (const k of ["vsock1", "vsock2", "vsock5", "vsock-high-bits"]) expect(f.get(k), `${k}: ${r.output}`).toMatch(refusal(driver, "97"));
    },
  },
  {
    name: "AF_NETLINK beyond the sandbox's routing table",
    async run({ perl, driver }) {
      // 4 sock_diag, 9 audit, 12 netfilter, 15 kobject uevents, 16 generic netlink.
      const r = await perl(
        `for my $p (4, 9, 12, 15, 16) { print "netlink$p ", (socket(my $s, 16, 3, $p) ? "ok" : $!+0), "\\n" }
        print "route ", (socket(my $r, 16, 3, 0) ? "ok" : $!+0), "\\n";
        open(my $d, "<", "/proc/net/dev"); my @ifs = map { /^\\s*([^:\\s]+):/ ? $1 : () } <$d>; print "ifaces @ifs\\n";`,
      );
      const f = fields(r.output);
      for (const p of [4, 9, 12, 15, 16]) expect(f.get(`netlink${p}`), r.output).toMatch(refusal(driver, "93"));
      // The routing family stays (libc reads the interface list through it) and shows only lo.
      expect(f.get("route")).toBe("ok");
      expect(f.get("ifaces")).toBe("lo");
    },
  },
  {
    name: "a unix socket at a host path, and the host's well-known sockets",
    async run({ perl, fx }) {
      const before = fx.hits.unix;
      const paths = [
        fx.unixPath,
        "/run/dbus/system_bus_socket",
        "/var/run/docker.sock",
        "/run/containerd/containerd.sock",
        "/run/systemd/private",
        "/tmp/.X11-unix/X0",
      ];
      const r = await perl(
        `use Socket; for my $p (${paths.map((p) => `"${p}"`).join(", ")}) { socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; print "unix $p ", (connect($s, pack_sockaddr_un($p)) ? "connected" : $!+0), "\\n"; }`,
      );
      expect(r.output).not.toContain("connected");
      expect(r.output?.match(/^unix /gm)).toHaveLength(paths.length);
      expect(fx.hits.unix).toBe(before);
    },
  },
  {
    name: "the host's abstract unix sockets",
    async run({ perl, fx }) {
      const before = fx.hits.abstract;
      const r = await perl(
        `use Socket; socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; print "abstract ", (connect($s, pack_sockaddr_un("\\0${fx.abstractName}")) ? "connected" : $!+0), "\\n";`,
      );
      expect(fields(r.output).get("abstract")).toBe("111");
      expect(fx.hits.abstract).toBe(before);
    },
  },
  {
    name: "DNS through the host's resolver or any other",
    async run({ perl, fx }) {
      const servers = ["127.0.0.53", "8.8.8.8", ...(fx.nameserver ? [fx.nameserver] : [])];
      // A query for example.com (type A) sent to each server; any answer within a second is an escape.
      const r = await perl(
        `use Socket qw(:all);
        my ($err) = getaddrinfo("example.com", "80"); print "getaddrinfo ", ($err ? "failed" : "resolved"), "\\n";
        print "resolv.conf ", (-e "/etc/resolv.conf" ? "present" : "absent"), "\\n";
        my $q = pack("n n n n n n", 0x1234, 0x0100, 1, 0, 0, 0) . "\\x07example\\x03com\\x00" . pack("n n", 1, 1);
        for my $ns (${servers.map((s) => `"${s}"`).join(", ")}) {
          socket(my $u, AF_INET, SOCK_DGRAM, 0) or die;
          my $sent = send($u, $q, 0, pack_sockaddr_in(53, inet_aton($ns)));
          my $rin = ""; vec($rin, fileno($u), 1) = 1;
          my $n = defined $sent ? select(my $rout = $rin, undef, undef, 1) : 0;
          print "dns $ns ", ($n > 0 && recv($u, my $a, 512, 0) && length $a ? "answered" : "silent"), "\\n";
        }`,
      );
      expect(r.output).toContain("getaddrinfo failed");
      expect(r.output).toContain("resolv.conf absent");
      expect(r.output).not.toContain("answered");
      expect(r.output?.match(/^dns /gm)).toHaveLength(servers.length);
    },
  },
  {
    name: "every socket family of the running kernel beyond unix, inet, inet6 and netlink",
    async run({ perl, fx, driver }) {
      // The deny list covers the running kernel: each family it knows is below the filter's bound and named.
      expect(Math.max(...fx.kernelFamilies)).toBeLessThan(SOCKET_FAMILY_BOUND);
      for (const f of fx.kernelFamilies) expect(LINUX_SOCKET_FAMILIES[f], `family ${f} is unknown to the seccomp list`).toBeDefined();
      // Under gVisor a refused family may answer EPERM instead of EAFNOSUPPORT.
      const r = await perl(driver === "gvisor" ? FAMILY_PROBE.replace("$!+0 != 97", "$!+0 != 97 && $!+0 != 1") : FAMILY_PROBE);
      const inside = (/^families (.*)$/m.exec(r.output ?? "")?.[1] ?? "").split(" ").filter(Boolean).map(Number);
      const allowed = new Set(Object.values(ALLOWED_SOCKET_FAMILIES));
      expect(inside.length).toBeGreaterThan(0);
      for (const f of inside) expect(allowed.has(f), `${LINUX_SOCKET_FAMILIES[f] ?? f} is usable inside`).toBe(true);
      for (const f of fx.kernelFamilies) if (!allowed.has(f)) expect(inside, `${LINUX_SOCKET_FAMILIES[f]} is refused inside`).not.toContain(f);
    },
  },
  {
    name: "/proc/1/root and other views of the host's filesystem and processes",
    async run({ sh, fx, host, driver }) {
      const base = path.basename(fx.markerPath);
      const paths = [
        fx.markerPath,
        `/proc/1/root${fx.markerPath}`,
        `/proc/self/root${fx.markerPath}`,
        `/proc/1/cwd/${base}`,
        host.stateDir,
        `/proc/1/root${host.stateDir}/host.json`,
        `${host.stateDir}/ca/ca-key.pem`,
        "/etc/shadow",
        "/root",
        "/home",
        "/var/lib/palisade",
        // gVisor always shows a sysfs of its own kernel (its loopback, no cgroup of the host's).
        ...(driver === "gvisor" ? [] : ["/sys/fs/cgroup", "/sys/class/net"]),
        "/dev/mapper",
      ];
      const r = await sh(
        `for p in ${paths.join(" ")}; do test -e "$p" && echo "visible $p"; done
        for d in /proc/[0-9]*/root /proc/[0-9]*/cwd; do cat "$d${fx.markerPath}" 2>/dev/null; done
        echo "pids $(ls -d /proc/[0-9]* | wc -l)"
        echo "init $(tr '\\0' '\\n' < /proc/1/cmdline | head -1)"`,
      );
      expect(r.output).not.toMatch(/^visible /m);
      expect(r.output).not.toContain(fx.secret);
      expect(Number(fields(r.output).get("pids"))).toBeLessThan(12);
      // pid 1 in sight is the sandbox's own (bwrap, or the runtime's first process), not the host's init.
      expect(fields(r.output).get("init")).not.toBe(fx.hostInitCmdline.split(" ")[0]);
    },
  },
  {
    name: "mounts, unmounts, pivot_root and chroot",
    async run({ perl, sh }) {
      const r = await perl(
        [
          sys("mount-tmpfs", `sc(${NR.mount}, "none", "/tmp", "tmpfs", 0, 0)`),
          sys("mount-bind", `sc(${NR.mount}, "/", "/workspace", 0, 4096, 0)`),
          sys("remount-rw", `sc(${NR.mount}, 0, "/", 0, 32 | 4096, 0)`),
          sys("umount-workspace", `sc(${NR.umount2}, "/workspace", 2)`),
          sys("umount-proc", `sc(${NR.umount2}, "/proc", 2)`),
          sys("fsopen", `sc(${NR.fsopen}, "tmpfs", 0)`),
          sys("open_tree", `sc(${NR.open_tree}, -100, "/", 1)`),
          sys("pivot_root", `sc(${NR.pivot_root}, "/tmp", "/tmp")`),
          sys("chroot", `sc(${NR.chroot}, "/tmp")`),
        ].join("\n"),
      );
      const f = fields(r.output);
      for (const k of ["mount-tmpfs", "mount-bind", "remount-rw", "umount-workspace", "umount-proc", "fsopen", "open_tree", "pivot_root", "chroot"])
        expect(f.get(k), `${k}: ${r.output}`).toBe(EPERM);
      const tool = await sh("mount -t tmpfs none /tmp 2>&1; echo rc=$?");
      expect(tool.output).not.toContain("rc=0");
    },
  },
  {
    name: "ptrace and memory reads of every process in sight (the proxy bridge, pid 1)",
    async run({ perl }) {
      const r = await perl(
        `opendir(my $d, "/proc"); my @pids = grep { /^\\d+$/ && $_ != $$ } readdir($d);
        for my $p (@pids) { ${sys("ptrace-$p", `sc(${NR.ptrace}, 16, $p, 0, 0)`)} ${sys("vmread-$p", `sc(${NR.process_vm_readv}, $p, 0, 0, 0, 0, 0)`)} }
        ${sys("traceme", `sc(${NR.ptrace}, 0, 0, 0, 0)`)}
        print "tried ", scalar(@pids), "\\n";`,
      );
      const f = fields(r.output);
      expect(Number(f.get("tried"))).toBeGreaterThan(0);
      for (const [k, v] of f) if (/^(ptrace|vmread)-|^traceme$/.test(k)) expect(v, `${k}: ${r.output}`).toBe(EPERM);
    },
  },
  {
    name: "keyctl, add_key and request_key (the kernel keyrings)",
    async run({ perl }) {
      const r = await perl(
        [
          sys("keyctl", `sc(${NR.keyctl}, 0, -3, 0)`),
          sys("add_key", `sc(${NR.add_key}, "user", "palisade", "secret", 6, -3)`),
          sys("request_key", `sc(${NR.request_key}, "user", "palisade", 0, 0)`),
        ].join("\n"),
      );
      const f = fields(r.output);
      for (const k of ["keyctl", "add_key", "request_key"]) expect(f.get(k), `${k}: ${r.output}`).toBe(EPERM);
    },
  },
  {
    name: "bpf (programs and maps)",
    async run({ perl }) {
      const attr = `pack("x128")`;
      const r = await perl([sys("bpf-map", `sc(${NR.bpf}, 0, ${attr}, 128)`), sys("bpf-prog", `sc(${NR.bpf}, 5, ${attr}, 128)`)].join("\n"));
      const f = fields(r.output);
      for (const k of ["bpf-map", "bpf-prog"]) expect(f.get(k), `${k}: ${r.output}`).toBe(EPERM);
    },
  },
  {
    name: "perf_event_open",
    async run({ perl }) {
      const r = await perl(sys("perf", `sc(${NR.perf_event_open}, pack("L L x120", 1, 128), 0, -1, -1, 0)`));
      expect(fields(r.output).get("perf"), r.output).toBe(EPERM);
    },
  },
  {
    name: "io_uring (whose operations no seccomp filter sees)",
    async run({ perl }) {
      const r = await perl(sys("io_uring", `sc(${NR.io_uring_setup}, 4, pack("x120"))`));
      expect(fields(r.output).get("io_uring"), r.output).toBe(EPERM);
    },
  },
  {
    name: "userfaultfd (the race-widening primitive)",
    async run({ perl }) {
      const r = await perl(`${sys("userfaultfd", `sc(${NR.userfaultfd}, 0)`)} print "dev ", (-e "/dev/userfaultfd" ? "present" : "absent"), "\\n";`);
      expect(fields(r.output).get("userfaultfd"), r.output).toBe(EPERM);
      expect(fields(r.output).get("dev")).toBe("absent");
    },
  },
  {
    name: "new user namespaces (and every other namespace)",
    async run({ perl, sh, driver }) {
      const r = await perl(
        [
          sys("unshare-user", `sc(${NR.unshare}, 0x10000000)`),
          sys("unshare-mount", `sc(${NR.unshare}, 0x20000)`),
          sys("unshare-net", `sc(${NR.unshare}, 0x40000000)`),
          sys("setns", `sc(${NR.setns}, 0, 0)`),
          `{ my $r = sc(${NR.clone}, 0x10000000 | 17, 0, 0, 0, 0); exit 0 if $r == 0; print "clone-user ", ($r == -1 ? $!+0 : "ok"), "\\n"; waitpid($r, 0) if $r > 0; }`,
          sys("clone3", `sc(${NR.clone3}, pack("Q11", 0x10000000, (0) x 10), 88)`),
        ].join("\n"),
      );
      const f = fields(r.output);
      for (const k of ["unshare-user", "unshare-mount", "unshare-net", "setns", "clone-user"]) expect(f.get(k), `${k}: ${r.output}`).toBe(EPERM);
      expect(f.get("clone3"), r.output).toMatch(refusal(driver, "38"));
      const tool = await sh("unshare -U -r id 2>&1; echo rc=$?");
      expect(tool.output).not.toContain("rc=0");
    },
  },
  {
    name: "setuid-root binaries (su, passwd, mount, newgrp…)",
    async run({ perl, driver }) {
      // Each setuid binary is started with stdin held open, and its ids read while it waits for input.
      const r = await perl(
        `print "nnp ", sc(${NR.prctl}, 39, 0, 0, 0, 0), "\\n"; print "self ", join(",", $<, $>, $<, $>), "\\n";
        print "su-present ", (-f "/usr/bin/su" ? 1 : 0), " setuid ", (-u "/usr/bin/su" ? 1 : 0), "\n";
        my @bins = grep { -f $_ && -u $_ } map { glob("$_/*") } qw(/usr/bin /usr/sbin /usr/lib/openssh /usr/lib/dbus-1.0 /usr/lib/polkit-1);
        for my $b (@bins) {
          pipe(my $r, my $w) or die;
          my $pid = fork();
          if ($pid == 0) { open(STDIN, "<&", $r); open(STDOUT, ">", "/dev/null"); open(STDERR, ">", "/dev/null"); exec $b; exit 127 }
          close $r;
          my $seen;
          for (1 .. 100) {
            select(undef, undef, undef, 0.005);
            open(my $s, "<", "/proc/$pid/status") or last; my $t = join("", <$s>);
            next if $t =~ /^Name:\\s+perl$/m;
            ($seen) = $t =~ /^Uid:\\s+(.*)$/m; last;
          }
          kill 9, $pid; waitpid($pid, 0); close $w;
          $seen =~ s/\\s+/,/g if defined $seen;
          print "bin-$b ", (defined $seen ? $seen : "gone"), "\\n";
        }`,
      );
      const f = fields(r.output);
      expect(f.get("nnp")).toBe("1");
      const bins = [...f].filter(([k]) => k.startsWith("bin-"));
      const observed = bins.filter(([, v]) => v !== "gone");
      const self = f.get("self");
      if (driver === "microvm") {
        // An image keeps no setuid bit (the store drops them, and the guest mounts it nosuid).
        expect(f.get("su-present"), r.output).toMatch(/setuid 0$/);
        expect(bins).toEqual([]);
        expect(self).not.toMatch(/^0,/);
        return;
      }
      expect(bins.length, r.output).toBeGreaterThan(0);
      expect(observed.length, `no setuid binary could be observed: ${r.output}`).toBeGreaterThan(0);
      // No elevation: each runs with the command's own ids (1000 inside a container; gVisor's uid 0, which is the agent's host uid).
      expect(self, r.output).toBe(driver === "gvisor" ? "0,0,0,0" : "1000,1000,1000,1000");
      for (const [k, v] of observed) expect(v, k).toBe(self);
    },
  },
  {
    name: "device nodes: mknod and the host's devices",
    async run({ perl, driver }) {
      const devices = [
        "/dev/sda",
        "/dev/vda",
        "/dev/kvm",
        "/dev/mem",
        "/dev/kmem",
        "/dev/port",
        "/dev/vsock",
        "/dev/loop-control",
        "/dev/loop0",
        "/dev/fuse",
        "/dev/net/tun",
        "/dev/kmsg",
        "/dev/btrfs-control",
        "/dev/hwrng",
        "/dev/cpu_dma_latency",
      ];
      const r = await perl(
        `${sys("mknod-block", `sc(${NR.mknodat}, -100, "/tmp/sda", 0x6180, 0x800)`)}
        ${sys("mknod-char", `sc(${NR.mknodat}, -100, "/tmp/mem", 0x2180, 0x101)`)}
        ${sys("mknod-workspace", `sc(${NR.mknodat}, -100, "/workspace/kvm", 0x2180, 0xae8)`)}
        for my $d ("/tmp/sda", "/tmp/mem", "/workspace/kvm") { print "open-made-$d ", (open(my $h, "+<", $d) ? "ok" : $!+0), "\\n"; }
        for my $d (${devices.map((d) => `"${d}"`).join(", ")}) { print "open-$d ", (open(my $h, "+<", $d) ? "ok" : $!+0), "\\n"; }`,
      );
      const f = fields(r.output);
      if (driver === "gvisor") {
        // gVisor's own filesystem may make the node, but no host device is behind it: it never opens.
        for (const d of ["/tmp/sda", "/tmp/mem", "/workspace/kvm"]) expect(f.get(`open-made-${d}`), `${d}: ${r.output}`).toMatch(/^\d+$/);
      } else for (const k of ["mknod-block", "mknod-char", "mknod-workspace"]) expect(f.get(k), `${k}: ${r.output}`).toBe(EPERM);
      // gVisor emulates /dev/fuse and /dev/net/tun inside its own kernel (no host device, no network).
      const emulated = driver === "gvisor" ? ["/dev/fuse", "/dev/net/tun"] : [];
      for (const d of devices.filter((d) => !emulated.includes(d))) expect(f.get(`open-${d}`), `${d}: ${r.output}`).toMatch(/^\d+$/);
    },
  },
  {
    name: "the kernel log, kernel symbol addresses and keys",
    async run({ perl }) {
      const r = await perl(
        `${sys("syslog", `sc(${NR.syslog}, 3, "x" x 4096, 4096)`)}
        print "kmsg ", (-e "/dev/kmsg" ? "present" : "absent"), "\n";
        my $addr = 0; if (open(my $k, "<", "/proc/kallsyms")) { while (<$k>) { $addr++ if /^0*[1-9a-f][0-9a-f]* / } } print "kallsyms-addresses $addr\n";
        my $keys = 0; if (open(my $k, "<", "/proc/keys")) { $keys++ while <$k> } print "keys $keys\n";`,
      );
      const f = fields(r.output);
      expect(f.get("syslog"), r.output).toBe(EPERM);
      expect(f.get("kmsg")).toBe("absent");
      expect(f.get("kallsyms-addresses")).toBe("0");
      expect(f.get("keys")).toBe("0");
    },
  },
  {
    name: "kernel settings through /proc/sys and /proc/sysrq-trigger",
    async run({ sh }) {
      const files = [
        "/proc/sys/kernel/hostname",
        "/proc/sys/vm/drop_caches",
        "/proc/sys/kernel/core_pattern",
        "/proc/sys/net/ipv4/ip_forward",
        "/proc/sysrq-trigger",
      ];
      const r = await sh(`for f in ${files.join(" ")}; do (echo 1 > "$f") 2>/dev/null && echo "wrote $f"; done; echo done`);
      expect(r.output).toContain("done");
      expect(r.output).not.toContain("wrote");
    },
  },
  {
    name: "another agent's sandbox: its workspace, proxy socket and processes, from inside and as an escaped uid",
    async run({ host, perl, driver }) {
      const tag = `${driver}-${Date.now()}`;
      const hold = (name: string) => [
        "/usr/bin/perl",
        "-e",
        'open(my $f, ">", "/workspace/secret-$ARGV[0]") or die; print $f "s3cret"; close $f; sleep 60',
        `${name}-${tag}`,
      ];
      const victim = await host.start(VICTIM, hold("victim"), { agentToken: VICTIM_TOKEN });
      const attacker = await host.start(ATTACKER, hold("attacker"));
      try {
        expect(victim.ack).toMatchObject({ ok: true });
        expect(attacker.ack).toMatchObject({ ok: true });
        const victimWs = path.join(host.stateDir, "workspaces", VICTIM);
        const victimSecret = path.join(victimWs, `secret-victim-${tag}`);
        const victimSocket = path.join(host.stateDir, "sandboxes", victim.sandboxId, "proxy.sock");
        const ownSocket = path.join(host.stateDir, "sandboxes", attacker.sandboxId, "proxy.sock");
        await until(
          () =>
            stat(victimSecret).then(
              () => true,
              () => undefined,
            ),
          "the victim's file",
        );
        // Under gVisor and in a VM the command is no host process: runsc's or the VMM's (named by the sandbox id) is.
        const find = (marker: string, sandboxId: string) =>
          driver === "gvisor"
            ? hostProcesses(sandboxId, "runsc[-a-z]*")
            : driver === "microvm"
              ? hostProcesses(`palisade-${sandboxId}`, "qemu-system-x86")
              : hostProcesses(marker);
        const [v] = await until(
          async () => ((await find(`victim-${tag}`, victim.sandboxId)).length ? find(`victim-${tag}`, victim.sandboxId) : undefined),
          "the victim",
        );
        const [a] = await until(
          async () => ((await find(`attacker-${tag}`, attacker.sandboxId)).length ? find(`attacker-${tag}`, attacker.sandboxId) : undefined),
          "the attacker",
        );
        if (!v || !a) throw new Error("sandbox processes not found");
        // Each sandbox runs as ids of its own on the host: none of root's, nobody's or the other's.
        for (const id of [v.uid, v.gid, a.uid, a.gid]) expect([0, 65534]).not.toContain(id);
        expect(a.uid).not.toBe(v.uid);
        expect(a.gid).not.toBe(v.gid);
        expect((await stat(victimWs)).uid).toBe(v.uid);
        // A VMM never connects to a proxy socket (the daemon joins the guest's connections to it): it stays root's.
        expect((await stat(victimSocket)).gid).toBe(driver === "microvm" ? 0 : v.gid);

        // From inside, none of the victim's host paths exist.
        const inside = await perl(
          `for my $p ("${victimWs}", "${victimSecret}", "${victimSocket}") { print "visible $p\\n" if -e $p } print "done\\n";`,
        );
        expect(inside.output).toBe("done\n");

        // As the attacker's host ids (what a sandbox that got out would have): its own socket yes, the victim's things no.
        const asAttacker = (script: string) =>
          exec("/usr/bin/setpriv", [`--reuid=${a.uid}`, `--regid=${a.gid}`, "--clear-groups", "--", "/usr/bin/perl", "-e", script], {
            env: { PATH: "/usr/bin:/bin" },
          }).then((o) => o.stdout);
        const connect = (p: string) =>
          `use Socket; socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; print connect($s, pack_sockaddr_un("${p}")) ? "connected" : "refused $!", "\\n";`;
        expect(await asAttacker(connect(ownSocket))).toMatch(driver === "microvm" ? /^refused Permission denied/ : /^connected$/m);
        expect(await asAttacker(connect(victimSocket))).toMatch(/^refused Permission denied/);
        expect(
          await asAttacker(
            `print open(my $f, "<", "${victimSecret}") ? "read" : "refused $!", "\\n"; print opendir(my $d, "${victimWs}") ? "listed" : "refused $!", "\\n";`,
          ),
        ).toBe("refused Permission denied\nrefused Permission denied\n");
        // Signals and ptrace across sandboxes need the same uid: refused.
        expect(await asAttacker(`print kill(0, ${v.pid}) ? "signalled" : "refused $!", "\\n";`)).toMatch(/^refused Operation not permitted/);
      } finally {
        const mux = await host.edge.mux();
        await mux.command({ op: "sandbox.kill", sandboxId: victim.sandboxId }).catch(() => undefined);
        await mux.command({ op: "sandbox.kill", sandboxId: attacker.sandboxId }).catch(() => undefined);
        await host.daemon.manager.waitFor(victim.sandboxId);
        await host.daemon.manager.waitFor(attacker.sandboxId);
      }
    },
  },
  {
    name: "the daemon's credentials, environment and argv, and other sandboxes' tokens",
    async run({ host, sh }) {
      const victim = await host.start(VICTIM, ["/bin/sleep", "60"], { agentToken: VICTIM_TOKEN });
      try {
        const needles = [HOST_CREDENTIAL, VICTIM_TOKEN, "VITEST", "vitest", host.stateDir, "PRIVATE KEY"];
        // The needles travel hex-encoded, so the scan does not find them in its own command line.
        const hex = needles.map((n) => Buffer.from(n).toString("hex"));
        const r = await sh(
          `for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr '\\0' '\\n' < "$f" 2>/dev/null; done > /tmp/seen
          grep -rIs -e . /etc /run /tmp /workspace 2>/dev/null | head -c 2000000 >> /tmp/seen
          perl -e 'open(my $f, "<", "/tmp/seen") or die; local $/; my $s = <$f>; for (@ARGV) { my $n = pack("H*", $_); print "found $n\\n" if index($s, $n) >= 0 }' ${hex.join(" ")}
          echo "own-token $(test -n "$OPENAI_API_KEY" && echo set)"; echo scanned`,
        );
        expect(r.output).toContain("scanned");
        expect(r.output).toContain("own-token set");
        expect(r.output).not.toContain("found");
      } finally {
        await (await host.edge.mux()).command({ op: "sandbox.kill", sandboxId: victim.sandboxId }).catch(() => undefined);
        await host.daemon.manager.waitFor(victim.sandboxId);
      }
    },
  },
  {
    name: "fork bomb (pids limit)",
    async run({ perl, host, driver }) {
      const r = await perl(
        `my $n = 0; for (1 .. 5000) { my $p = fork(); if (!defined $p) { print "stopped after $n\\n"; exit 0 } if ($p == 0) { sleep 30; exit 0 } $n++ } print "forked $n\\n";`,
        { limits: { memoryBytes: 256 << 20, pids: 48 } },
      );
      const m = /stopped after (\d+)/.exec(r.output ?? "");
      expect(r.output).not.toContain("forked");
      // Under gVisor (ptrace platform) each process is a host stub in the sandbox's pids cgroup: at the
      // limit gVisor itself cannot go on, and the whole sandbox ends instead of one fork failing.
      if (driver === "gvisor" && m === null) expect(r).toMatchObject({ state: "exited" });
      else {
        expect(m, r.output).not.toBeNull();
        expect(Number(m?.[1])).toBeLessThan(48);
      }
      // Everything it forked is gone with the sandbox, and the host starts the next one as usual.
      expect(await host.run(ATTACKER, ["/bin/true"])).toMatchObject({ state: "exited", exitCode: 0 });
    },
  },
  {
    name: "memory bomb (memory limit)",
    async run({ perl, driver }) {
      const r = await perl(`my @a; for (1 .. 128) { push @a, "x" x (8 << 20) } print "survived\\n";`, {
        limits: { memoryBytes: 64 << 20, pids: 32 },
      });
      expect(r.output).not.toContain("survived");
      expect(r.state).toBe("exited");
      expect(r.exitCode).not.toBe(0);
      // crun removes the container's cgroup at once, so only bwrap and runc can say why.
      if (driver !== "oci-crun") expect(r.reason).toBe("memory limit");
    },
  },
  {
    name: "disk fill (workspace quota and a bounded /tmp)",
    async run({ sh, host, quotaBytes }) {
      const mib = quotaBytes / (1 << 20);
      const r = await sh(
        `dd if=/dev/zero of=/workspace/fill bs=1M count=${mib * 4} 2>&1 | grep -o 'No space left' | head -1
        echo "workspace $(stat -c %s /workspace/fill)"; rm -f /workspace/fill
        dd if=/dev/zero of=/tmp/fill bs=1M count=512 2>&1 | grep -o 'No space left' | head -1
        echo "tmp $(stat -c %s /tmp/fill)"; rm -f /tmp/fill; echo done`,
        { limits: { memoryBytes: 128 << 20, pids: 32 } },
      );
      expect(r.output?.match(/No space left/g), r.output).toHaveLength(2);
      expect(r.output).toContain("done");
      const f = fields(r.output);
      expect(Number(f.get("workspace"))).toBeLessThanOrEqual(quotaBytes);
      // /tmp holds half the memory limit, so it fills up (ENOSPC) before the sandbox runs out of memory.
      expect(Number(f.get("tmp"))).toBeLessThanOrEqual(64 << 20);
      // The host paid at most the quota for it.
      const image = await stat(path.join(host.stateDir, "workspace-images", `${ATTACKER}.ext4`));
      expect(image.size).toBe(quotaBytes);
      expect(image.blocks * 512).toBeLessThanOrEqual(quotaBytes + (1 << 20));
    },
  },
  {
    name: "CPU time beyond the quota",
    async run({ perl, driver }) {
      // Two busy processes for about two seconds of wall time at 0.2 of a core.
      const sandboxId = `esc${process.pid}-cpu-${Date.now()}`;
      const cgroup = SandboxCgroup.of(await detectCgroups(), sandboxId);
      // The host's count of the sandbox's CPU (µs), read every 25 ms until it ends (its cgroup goes with it).
      const samples: { ms: number; us: number }[] = [];
      let done = false;
      const sampling = (async () => {
        while (!done) {
          const us = await cgroup.cpuUsageUs();
          if (us !== undefined) samples.push({ ms: performance.now(), us });
          await sleep(25);
        }
      })();
      const r = await perl(
        `my $t0 = time; my @k; for (1 .. 2) { my $p = fork(); if ($p == 0) { my $i = 0; while (time - $t0 < 2) { $i++ } exit 0 } push @k, $p } waitpid($_, 0) for @k;
        my (undef, undef, $cu, $cs) = times; printf "cpu %.2f\\nwall %d\\n", $cu + $cs, time - $t0;`,
        { sandboxId, limits: { memoryBytes: 128 << 20, pids: 16, cpuMillis: 200 } },
      ).finally(() => {
        done = true;
      });
      await sampling;
      // The most host CPU the sandbox used in any two seconds of its life (which hold the busy loop
      // wherever it fell: after gVisor's boot, or a VM's).
      let windowUs = 0;
      for (let i = 0, j = 0; j < samples.length; j++) {
        while (samples[j]!.ms - samples[i]!.ms > 2000) i++;
        windowUs = Math.max(windowUs, samples[j]!.us - samples[i]!.us);
      }
      const f = fields(r.output);
      const seen = `${r.output ?? ""}host cpu ${((samples.at(-1)?.us ?? 0) / 1e6).toFixed(2)} in ${samples.length} samples, at most ${(windowUs / 1e6).toFixed(2)} in 2 s`;
      expect(Number(f.get("wall")), seen).toBeGreaterThanOrEqual(1);
      // Unthrottled, two busy processes would take about 4 s of CPU; the quota allows about 0.4 s.
      if (driver === "gvisor" || driver === "microvm") {
        // Inside gVisor or a VM, `times` is the guest kernel's own count (the Sentry's, the guest's), which
        // grows with time spent waiting on a throttled or loaded host. The quota limits the host's count of
        // everything in the sandbox's cgroup (Sentry, Gofer and stubs; the VMM), so that is what is checked.
        expect(samples.length, seen).toBeGreaterThan(10);
        expect(windowUs, seen).toBeLessThan(1_000_000);
      } else expect(Number(f.get("cpu")), seen).toBeLessThan(1);
    },
  },
  {
    name: "a VM's devices: no network device, no channel but the proxy's, no host path beyond the workspace",
    only: ["microvm"],
    async run({ sh, fx, host }) {
      const r = await sh(
        `echo "net $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
        echo "sys $(ls /sys 2>/dev/null | wc -l)"
        echo "virtio $(grep -o 'virtio[0-9]*' /proc/interrupts | sort -u | wc -l)"
        echo "vsock $(ls /dev/vsock /dev/vhost-vsock 2>/dev/null | wc -l)"
        echo "mounts $(cut -d' ' -f2,3 /proc/mounts | grep -v -e ' proc$' -e ' tmpfs$' -e ' devpts$' -e ' sysfs$' -e ' cgroup2$' | sort | tr '\\n' ',')"
        ln -s ${fx.markerPath} /workspace/marker-link 2>/dev/null; cat /workspace/marker-link 2>&1 | head -1; rm -f /workspace/marker-link
        ls ${host.stateDir} 2>&1 | head -1`,
      );
      const f = fields(r.output);
      // Only loopback; no sysfs in sight; three virtio devices: the image's disk, the channel's serial device, the workspace's 9p.
      expect(f.get("net"), r.output).toBe("lo");
      expect(f.get("sys"), r.output).toBe("0");
      expect(f.get("virtio"), r.output).toBe("3");
      expect(f.get("vsock"), r.output).toBe("0");
      expect(f.get("mounts"), r.output).toBe("/ ext4,/workspace 9p,");
      // A link in the workspace resolves inside the guest, never on the host.
      expect(r.output).not.toContain(fx.secret);
    },
  },
];
