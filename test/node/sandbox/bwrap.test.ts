// Real bubblewrap sandboxes: identity, capabilities, seccomp, filesystem, network and cgroup limits.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { detectCgroups } from "../../../sandbox-host/src/sandbox/cgroups.js";
import { SandboxStartError } from "../../../sandbox-host/src/sandbox/types.js";
import { perl, runIn, sh, specFor, workspaces } from "./helpers.js";
import { missing } from "../../support/capabilities.js";

const driver = new BwrapDriver();
const availability = await driver.available();
const isX64 = process.arch === "x64";

describe.skipIf(missing("bubblewrap", availability))("bwrap driver", { timeout: 60_000 }, () => {
  let ws: Awaited<ReturnType<typeof workspaces>>;
  let a: string;
  let b: string;
  const marker = `palisade-daemon-marker-${process.pid}`;

  beforeAll(async () => {
    ws = await workspaces();
    a = await ws.make("agent-a");
    b = await ws.make("agent-b");
    process.env.PALISADE_TEST_MARKER = marker;
  });
  afterAll(async () => {
    delete process.env.PALISADE_TEST_MARKER;
    await ws.remove();
  });

  describe("identity and privileges", () => {
    it("runs as an unprivileged uid that is neither root nor the host's uid, with no supplementary groups", async () => {
      const r = await sh(driver, a, "id -u; id -g; id -G; grep '^Groups:' /proc/self/status");
      expect(r.exitCode).toBe(0);
      const [uid, gid, groups, groupsLine] = r.stdout.trim().split("\n");
      expect(Number(uid)).not.toBe(0);
      expect(Number(uid)).not.toBe(process.getuid?.());
      expect(groups?.trim()).toBe(gid?.trim());
      expect(groupsLine?.replace("Groups:", "").trim()).toBe("");
    });

    it("has no capabilities, no_new_privs and a seccomp filter", async () => {
      const r = await sh(driver, a, "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status");
      const f = Object.fromEntries(
        r.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(/:\s+/)),
      );
      for (const k of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(f[k]).toBe("0000000000000000");
      expect(f.NoNewPrivs).toBe("1");
      expect(f.Seccomp).toBe("2");
    });

    it("refuses mount, unshare and ptrace from the shell tools", async () => {
      const r = await sh(
        driver,
        a,
        "mount -t tmpfs none /tmp 2>/dev/null; echo mount=$?; unshare -U true 2>/dev/null; echo unshare=$?; unshare -rm true 2>/dev/null; echo unshare_rm=$?",
      );
      expect(r.stdout).toMatch(/mount=[1-9]/);
      expect(r.stdout).toMatch(/unshare=[1-9]/);
      expect(r.stdout).toMatch(/unshare_rm=[1-9]/);
    });

    // Raw syscall numbers are per architecture; these are x86_64's.
    it.skipIf(!isX64)("seccomp answers EPERM to each dangerous syscall", async () => {
      const calls: Record<string, number> = {
        mount: 165,
        umount2: 166,
        ptrace: 101,
        unshare: 272,
        setns: 308,
        kexec_load: 246,
        kexec_file_load: 320,
        bpf: 321,
        keyctl: 250,
        add_key: 248,
        request_key: 249,
        init_module: 175,
        finit_module: 313,
        delete_module: 176,
        pivot_root: 155,
        swapon: 167,
        swapoff: 168,
        reboot: 169,
        perf_event_open: 298,
        userfaultfd: 323,
        open_by_handle_at: 304,
        process_vm_readv: 310,
        process_vm_writev: 311,
      };
      const script = `use Errno; my %c = (${Object.entries(calls)
        .map(([k, v]) => `${k}=>${v}`)
        .join(",")});
        for my $n (sort keys %c) { my $r = syscall($c{$n}, 0, 0, 0, 0, 0); print "$n ", ($r == -1 ? $!+0 : "ok"), "\\n"; }`;
      const r = await perl(driver, a, script);
      expect(r.exitCode).toBe(0);
      const got = Object.fromEntries(
        r.stdout
          .trim()
          .split("\n")
          .map((l) => l.split(" ")),
      );
      for (const name of Object.keys(calls)) expect(got[name], name).toBe("1");
    });

    it.skipIf(!isX64)("seccomp refuses clone with namespace flags but allows a plain fork", async () => {
      // clone(flags, 0, 0, 0, 0) with SIGCHLD (17); CLONE_NEWUSER and CLONE_NEWNET must fail.
      const script = `for my $f (0x10000000, 0x40000000, 0x20000) { my $r = syscall(56, $f | 17, 0, 0, 0, 0); if ($r == 0) { exit 0 } print "ns ", ($r == -1 ? $!+0 : "ok"), "\\n"; waitpid($r, 0) if $r > 0; }
        my $p = fork(); if ($p == 0) { exit 0 } waitpid($p, 0); print "fork ", (defined $p && $p > 0 ? "ok" : "fail"), "\\n";`;
      const r = await perl(driver, a, script);
      expect(r.stdout.trim().split("\n")).toEqual(["ns 1", "ns 1", "ns 1", "fork ok"]);
    });

    it.skipIf(!isX64)("a syscall through the x32 ABI does not get around the filter", async () => {
      // mount via x32 numbering (0x40000000 | 165): killed for a foreign ABI, or refused.
      const r = await perl(driver, a, `my $r = syscall(0x40000000 | 165, 0, 0, 0, 0, 0); print "r=$r errno=", $!+0, "\\n";`);
      expect(r.stdout).not.toMatch(/^r=0/);
    });

    it("blocks unshare through the filter, not only through missing capabilities", async () => {
      // Control: the same sandbox without the seccomp program can create a user namespace.
      const bare = await promisify(execFile)(
        "/usr/bin/setpriv",
        [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "--",
          "/usr/bin/bwrap",
          "--unshare-all",
          "--ro-bind",
          "/usr",
          "/usr",
          "--symlink",
          "usr/bin",
          "/bin",
          "--symlink",
          "usr/lib",
          "/lib",
          "--symlink",
          "usr/lib64",
          "/lib64",
          "--proc",
          "/proc",
          "--dev",
          "/dev",
          "--",
          "/usr/bin/unshare",
          "-U",
          "/bin/true",
        ],
        { env: {} },
      ).then(
        () => 0,
        (e: { code?: number }) => e.code ?? 1,
      );
      const inSandbox = await runIn(driver, specFor(a, ["/usr/bin/unshare", "-U", "/bin/true"]));
      if (process.getuid?.() === 0) expect(bare).toBe(0);
      expect(inSandbox.exitCode).not.toBe(0);
      expect(inSandbox.stderr).toMatch(/Operation not permitted/);
    });
  });

  describe("filesystem", () => {
    it("has a read-only root, a writable workspace and a private /tmp", async () => {
      const r = await sh(
        driver,
        a,
        "for p in /x /usr/x /etc/x /bin/x; do touch $p 2>/dev/null && echo wrote $p; done; echo hi > /workspace/f && cat /workspace/f; echo t > /tmp/t && cat /tmp/t; pwd",
      );
      expect(r.stdout.trim().split("\n")).toEqual(["hi", "t", "/workspace"]);
      expect(await readFile(path.join(a, "f"), "utf8")).toBe("hi\n");
      expect(existsSync("/tmp/t") && (await readFile("/tmp/t", "utf8")) === "t\n").toBe(false);
    });

    it("cannot see another agent's workspace or the host's private directories and sockets", async () => {
      await writeFile(path.join(a, "secret-of-a"), "s");
      const r = await sh(
        driver,
        b,
        `ls -A /workspace; for p in ${a} ${ws.base} /work /root /home /run /var/run /var /sys /etc/shadow /tmp/.X11-unix; do test -e $p && echo visible $p; done; ls /; true`,
      );
      expect(r.stdout).not.toMatch(/secret-of-a/);
      expect(r.stdout).not.toMatch(/visible/);
      expect(r.stdout).not.toMatch(/\b(work|root|home|run)\b/);
    });

    it("shows only its own processes; host process environments are out of reach", async () => {
      const r = await sh(
        driver,
        a,
        "ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/1/cmdline | tr '\\0' ' '; echo; env",
      );
      const lines = r.stdout.trim().split("\n");
      expect(Number(lines[0])).toBeLessThan(10);
      expect(r.stdout).not.toContain(marker);
      expect(r.stdout).not.toMatch(/^HOME=\/root$/m);
      expect(r.stdout).toMatch(/^HOME=\/workspace$/m);
    });

    it("passes no inherited file descriptor into the sandbox", async () => {
      // The child daemon inherits fd 200 without close-on-exec, as from a service manager.
      const child = spawn(
        "/bin/bash",
        [
          "-c",
          'exec 200</etc/hostname; exec "$@"',
          "leak",
          process.execPath,
          "--import",
          "tsx",
          path.join(import.meta.dirname, "fd-leak-child.ts"),
          a,
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const chunks: Buffer[] = [];
      child.stdout?.on("data", (b: Buffer) => chunks.push(b));
      await new Promise((r) => child.once("close", r));
      const result = z.object({ exitCode: z.number(), fds: z.array(z.string()) }).parse(JSON.parse(Buffer.concat(chunks).toString()));
      expect(result.exitCode).toBe(0);
      // 0-2 are stdio; 3 is the directory ls itself is reading.
      expect(result.fds.map(Number).filter((n) => n > 3)).toEqual([]);
    });

    it("gives the spec environment no hold on the launcher that still runs as root", async () => {
      const marker = path.join(ws.base, "launcher-steered");
      await writeFile(path.join(a, "evil.pm"), `package evil; open(my $f, ">", "${marker}"); 1;\n`);
      const env = { PERL5OPT: `-I${a} -Mevil`, PERL5LIB: a, BASH_ENV: path.join(a, "evil.pm") };
      // Control: the payload does run when perl sees this environment.
      await promisify(execFile)("/usr/bin/perl", ["-e", "1"], { env });
      expect(existsSync(marker)).toBe(true);
      await rm(marker);
      const r = await sh(driver, a, "echo $PERL5OPT", { env });
      expect(r.stdout).toBe(`-I${a} -Mevil\n`);
      expect(existsSync(marker)).toBe(false);
    });

    it("passes exactly the spec environment and the proxy settings", async () => {
      const r = await sh(driver, a, "env | sort", { env: { FOO: "bar" }, network: { proxyUrl: "http://127.0.0.1:3128" } });
      const keys = r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split("=")[0]);
      expect(r.stdout).toMatch(/^FOO=bar$/m);
      expect(r.stdout).toMatch(/^HTTPS_PROXY=http:\/\/127.0.0.1:3128$/m);
      expect(keys.sort()).toEqual(["FOO", "HOME", "HTTPS_PROXY", "HTTP_PROXY", "LANG", "PATH", "PWD", "TMPDIR", "http_proxy", "https_proxy"]);
    });
  });

  describe("network", () => {
    let server: net.Server;
    let port = 0;
    let accepted = 0;
    beforeAll(async () => {
      server = net.createServer((s) => {
        accepted++;
        s.end("hello\n");
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const addr = server.address();
      port = typeof addr === "object" && addr ? addr.port : 0;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it("cannot reach a TCP server on the host's loopback, while the host can", async () => {
      const hostSide = await new Promise<string>((resolve, reject) => {
        const c = net.connect(port, "127.0.0.1");
        c.on("data", (d) => resolve(d.toString()));
        c.on("error", reject);
      });
      expect(hostSide).toBe("hello\n");
      const before = accepted;
      const r = await perl(
        driver,
        a,
        `use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${port}, Proto => "tcp", Timeout => 3); print $s ? "connected\\n" : "refused\\n";`,
      );
      expect(r.stdout.trim()).toBe("refused");
      expect(accepted).toBe(before);
    });

    it("reaches the outside only through its proxy socket, bridged to HTTP_PROXY inside", async () => {
      const seen: string[] = [];
      const sockPath = path.join(ws.base, "proxy-a.sock");
      const proxy = net.createServer((s) => {
        s.once("data", (d) => {
          seen.push(d.toString().split("\r\n")[0] ?? "");
          s.end("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nproxied\n");
        });
      });
      await new Promise<void>((r) => proxy.listen(sockPath, r));
      try {
        const script = `use IO::Socket::INET; my ($h, $p) = $ENV{HTTP_PROXY} =~ m{^http://([^:]+):(\\d+)} or die "no proxy";
          my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p, Proto => "tcp", Timeout => 5) or die "connect: $!";
          print $s "GET http://internal.example/x HTTP/1.1\\r\\nHost: internal.example\\r\\n\\r\\n"; local $/; my $r = <$s>; print((split /\\r\\n\\r\\n/, $r)[1]);
          my $d = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${port}, Proto => "tcp", Timeout => 3); print $d ? "direct ok\\n" : "direct refused\\n";`;
        const r = await perl(driver, a, script, { network: { proxySocket: sockPath } });
        expect(r.stderr).toBe("");
        expect(r.stdout).toBe("proxied\ndirect refused\n");
        expect(seen).toEqual(["GET http://internal.example/x HTTP/1.1"]);
      } finally {
        await new Promise<void>((r) => proxy.close(() => r()));
      }
    });

    it("cannot reach the host's abstract unix sockets", async () => {
      const name = `palisade-test-${process.pid}`;
      const host = net.createServer((s) => s.end("hello\n"));
      await new Promise<void>((r) => host.listen(`\0${name}`, r));
      try {
        const hostSide = await new Promise<string>((resolve, reject) => {
          const c = net.connect(`\0${name}`);
          c.on("data", (d) => resolve(d.toString()));
          c.on("error", reject);
        });
        expect(hostSide).toBe("hello\n");
        const r = await perl(
          driver,
          a,
          `use Socket; socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die; print connect($s, pack_sockaddr_un("\\0${name}")) ? "connected\\n" : "refused\\n";`,
        );
        expect(r.stdout).toBe("refused\n");
      } finally {
        await new Promise<void>((r) => host.close(() => r()));
      }
    });

    it("has no DNS, no route out over IPv4 or IPv6, and no raw sockets", async () => {
      // UDP connect() only looks up a route; nothing is sent.
      const script = `use Socket qw(:all);
        my ($err, @res) = getaddrinfo("example.com", "80"); print "dns ", ($err ? "fail" : "ok"), "\\n";
        socket(my $u4, AF_INET, SOCK_DGRAM, 0) or die; print "udp4 ", (connect($u4, pack_sockaddr_in(53, inet_aton("192.0.2.1"))) ? "ok" : $!+0), "\\n";
        my $ok6 = socket(my $u6, AF_INET6, SOCK_DGRAM, 0); print "udp6 ", ($ok6 && connect($u6, pack_sockaddr_in6(53, inet_pton(AF_INET6, "2001:db8::1"))) ? "ok" : "fail"), "\\n";
        print "raw ", (socket(my $r, AF_INET, SOCK_RAW, 1) ? "ok" : $!+0), "\\n";
        open(my $rt, "<", "/proc/net/route"); my @routes = grep { !/^Iface/ } <$rt>; print "routes ", scalar(@routes), "\\n";
        open(my $r6, "<", "/proc/net/ipv6_route"); my @d6 = grep { !/\\slo$/ } <$r6>; print "routes6 ", scalar(@d6), "\\n";
        open(my $dev, "<", "/proc/net/dev"); my @ifs = map { /^\\s*([^:\\s]+):/ ? $1 : () } <$dev>; print "ifaces @ifs\\n";`;
      const r = await perl(driver, a, script);
      expect(r.stdout.trim().split("\n")).toEqual(["dns fail", "udp4 101", "udp6 fail", "raw 1", "routes 0", "routes6 0", "ifaces lo"]);
    });
  });

  describe("cgroup limits", () => {
    it("places the sandbox in its own cgroups with the requested limits, and removes them after", async () => {
      const layout = await detectCgroups();
      const spec = specFor(a, ["/bin/sh", "-c", "echo ready; exec sleep 30"], { limits: { memoryBytes: 96 << 20, cpuQuota: 0.5, pids: 40 } });
      const dir = (c: "memory" | "cpu" | "pids") => path.join(layout[c].ownDir, "palisade", spec.id);
      const h = await driver.start(spec);
      // The first output comes from the command itself, so the launcher has joined the cgroups by then.
      await new Promise((r) => h.stdout.once("data", r));
      const read = (c: "memory" | "cpu" | "pids", f: string) => readFile(path.join(dir(c), f), "utf8").then((s) => s.trim());
      const procs = await read("pids", "cgroup.procs");
      expect(procs.split("\n").map(Number)).toContain(h.pid);
      expect(await read("pids", "pids.max")).toBe("40");
      if (layout.memory.version === 1) expect(await read("memory", "memory.limit_in_bytes")).toBe(String(96 << 20));
      else expect(await read("memory", "memory.max")).toBe(String(96 << 20));
      if (layout.cpu.version === 1) expect(await read("cpu", "cpu.cfs_quota_us")).toBe("50000");
      else expect(await read("cpu", "cpu.max")).toBe("50000 100000");
      h.kill();
      const exit = await h.wait();
      expect(exit.exitCode === null ? exit.signal : exit.exitCode).toBeTruthy();
      for (const c of ["memory", "cpu", "pids"] as const) expect(existsSync(dir(c))).toBe(false);
    });

    it("stops a fork loop at the pids limit", async () => {
      const r = await perl(
        driver,
        a,
        `my $n = 0; for (1..300) { my $p = fork(); if (!defined $p) { print "stopped after $n\\n"; exit 0 } if ($p == 0) { sleep 60; exit 0 } $n++ } print "forked $n\\n";`,
        { limits: { memoryBytes: 256 << 20, cpuQuota: 1, pids: 32 } },
      );
      const m = /stopped after (\d+)/.exec(r.stdout);
      expect(m, r.stdout + r.stderr).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(32);
    });

    it("contains a shell fork bomb and cleans it up when the time limit (or the shell's own failure to fork) ends it", async () => {
      // The shell usually keeps going when it cannot fork (pids limit) until the time limit ends
      // it; on a loaded machine dash may instead give up on a failed fork. Either way the run
      // ends and nothing of it is left behind.
      const spec = specFor(a, ["/bin/sh", "-c", "b() { b | b & }; b; while :; do sleep 1 2>/dev/null || :; done"], {
        limits: { memoryBytes: 128 << 20, cpuQuota: 0.5, pids: 48 },
        timeoutMs: 2_000,
      });
      const layout = await detectCgroups();
      const pidsDir = path.join(layout.pids.ownDir, "palisade", spec.id);
      const exit = await runIn(driver, spec);
      expect(exit.timedOut || exit.exitCode !== 0).toBe(true);
      expect(existsSync(pidsDir)).toBe(false);
    });

    it("kills a memory hog at the memory limit", async () => {
      const r = await perl(driver, a, `my @a; for (1..64) { push @a, "x" x (8 << 20) } print "survived\\n";`, {
        limits: { memoryBytes: 48 << 20, cpuQuota: 1, pids: 32 },
      });
      expect(r.stdout).not.toContain("survived");
      expect(r.oomKilled).toBe(true);
      expect(r.exitCode).not.toBe(0);
    });
  });

  describe("lifecycle and bad input", () => {
    it("reports the exit code and duration of the command", async () => {
      const r = await sh(driver, a, "echo out; echo err >&2; exit 7");
      expect(r).toMatchObject({ exitCode: 7, stdout: "out\n", stderr: "err\n", timedOut: false, oomKilled: false });
      expect(r.durationMs).toBeGreaterThan(0);
    });

    it("kill() ends every process of the sandbox", async () => {
      const spec = specFor(a, ["/bin/sh", "-c", "sleep 60 & sleep 60 & wait"]);
      const h = await driver.start(spec);
      h.stdout.resume();
      h.stderr.resume();
      h.kill("SIGTERM");
      const exit = await h.wait();
      expect(exit.exitCode === 0).toBe(false);
      const layout = await detectCgroups();
      expect(existsSync(path.join(layout.pids.ownDir, "palisade", spec.id))).toBe(false);
    });

    it("refuses an invalid spec and a missing workspace, saying why", async () => {
      await expect(driver.start(specFor(a, []))).rejects.toThrow(SandboxStartError);
      await expect(driver.start(specFor(a, ["/bin/true"], { id: "../escape" }))).rejects.toThrow(/id/);
      await expect(driver.start(specFor(path.join(ws.base, "missing"), ["/bin/true"]))).rejects.toThrow(/workspace/);
    });

    it("reports a command that cannot be executed", async () => {
      const r = await runIn(driver, specFor(a, ["/no/such/command"]));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/No such file or directory/);
    });
  });
});
