// Red team (issue 17): attacks from inside a real sandbox of the host daemon that the escape suite
// does not try. Every driver. Each test passes when the attack fails.
//  - the other system call ABIs of an x86_64 kernel (i386 `int 0x80`, x32): a filter that only
//    matches x86_64 numbers would let socket(AF_VSOCK) and unshare through;
//  - socket(2) arguments with high bits set (the filter compares the low 32 bits);
//  - the mount API calls newer than the deny list (open_tree_attr);
//  - descriptors the driver opened for the sandbox (workspace, proxy socket, CA via --bind-fd):
//    one that reached the command would be a handle on the host's mount tree;
//  - /proc/<pid>/mem of the other processes in sight (the proxy bridge, bwrap's pid 1): the
//    suite asserts ptrace and process_vm_readv fail, but /proc/<pid>/mem is plain open/read/write.
import { execFile } from "node:child_process";
import { chmod, chown, copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostOptionsFor, probeVariants } from "./drivers.js";
import { startTestHost, type TestHost } from "./host-daemon.js";

const exec = promisify(execFile);
const variants = await probeVariants();
const isX64 = process.arch === "x64";
const AGENT = "agt_r17inside";

/** "key value" lines as a map. */
const fields = (out = "") => new Map(out.split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)] as [string, string]));

let probe: string;
let buildDir: string;
beforeAll(async () => {
  buildDir = await mkdtemp("/var/tmp/r17-abi-");
  probe = path.join(buildDir, "abi");
  await exec("/usr/bin/gcc", ["-O1", "-static", "-o", probe, path.join(import.meta.dirname, "redteam-fixtures", "abi.c")], {
    env: { PATH: "/usr/bin:/bin" },
  });
});
afterAll(() => rm(buildDir, { recursive: true, force: true }));

for (const { variant, ok } of variants) {
  describe.skipIf(!ok || process.getuid?.() !== 0)(`red team: inside a sandbox (${variant.name})`, { timeout: 120_000 }, () => {
    let host: TestHost;
    const sh = (script: string) => host.run(AGENT, ["/bin/sh", "-c", script], { limits: { memoryBytes: 128 << 20, pids: 32 } });
    beforeAll(async () => {
      host = await startTestHost(variant.create(), { workspaceQuotaBytes: 32 << 20, ...(await hostOptionsFor(variant)) });
      // The workspace exists once a sandbox of the agent ran; the probe goes in as the agent's own file.
      await sh("true");
      const ws = path.join(host.stateDir, "workspaces", AGENT);
      await copyFile(probe, path.join(ws, "abi"));
      const st = await stat(ws);
      await chown(path.join(ws, "abi"), st.uid, st.gid);
      await chmod(path.join(ws, "abi"), 0o755);
    });
    afterAll(() => host?.stop());

    it.skipIf(!isX64)("i386 system calls (int 0x80): socket(AF_VSOCK) and unshare(CLONE_NEWUSER) through the 32-bit table", async () => {
      const r = await sh("/workspace/abi i386; echo rc=$?");
      expect(r.output).toContain("start i386");
      expect(r.output, r.output).not.toMatch(/^i386-socket-vsock \d/m);
      expect(r.output, r.output).not.toMatch(/^i386-unshare 0$/m);
    });

    it.skipIf(!isX64)("x32 system calls (nr | 0x40000000)", async () => {
      const r = await sh("/workspace/abi x32; echo rc=$?");
      expect(r.output).toContain("start x32");
      expect(r.output, r.output).not.toMatch(/^x32-socket-vsock \d/m);
    });

    it("socket(2) with high bits in the family or protocol, netlink beyond NETLINK_ROUTE, socketpair of a refused family", async () => {
      const r = await sh("/workspace/abi socket");
      const f = fields(r.output);
      for (const k of ["socket-vsock-highbits", "socket-vsock-negative-hi", "netlink-audit", "netlink-route-highbits", "socketpair-vsock"])
        expect(f.get(k), `${k}: ${r.output}`).not.toBe("ok");
    });

    it("open_tree_attr (newer than the deny list) cannot clone the mount tree", async () => {
      const r = await sh("/workspace/abi mountapi");
      const f = fields(r.output);
      expect(f.get("open_tree_attr-clone"), r.output).not.toBe("ok");
      expect(f.get("open_tree-clone"), r.output).not.toBe("ok");
    });

    it("no descriptor of the driver's (workspace, proxy socket, CA, seccomp, env pipe) reaches the command", async () => {
      const r = await host.run(AGENT, [
        "/usr/bin/perl",
        "-e",
        'opendir(my $d, "/proc/self/fd"); for (grep { /^\\d+$/ } readdir($d)) { my $t = readlink("/proc/self/fd/$_"); print "fd $_ $t\\n" } for my $p (1, 2) { if (opendir(my $x, "/proc/$p/fd")) { for (grep { /^\\d+$/ } readdir($x)) { print "pfd$p $_ ", readlink("/proc/$p/fd/$_"), "\\n" } } }',
      ]);
      const fds = (r.output ?? "").split("\n").filter((l) => /^(fd|pfd\d) /.test(l));
      const extra = fds.filter((l) => !/ [012] /.test(l) && !l.includes("/proc/") && !l.includes("eventfd") && !l.startsWith("pfd"));
      expect(extra, r.output).toEqual([]);
      // No descriptor of any process in sight points at a host directory, the socket or the CA.
      expect(r.output).not.toMatch(/palisade|workspaces|proxy\.sock|ca-cert/);
    });

    it("/proc/<pid>/mem of the other processes in sight (the proxy bridge, pid 1) can be neither read nor written", async () => {
      // Reads the first readable mapping of every other process through /proc/<pid>/mem, and writes one byte back.
      // A process whose maps cannot be read (a non-dumpable one) is tried all the same, at the usual
      // load address of a non-PIE program.
      const r = await host.run(AGENT, [
        "/usr/bin/perl",
        "-e",
        `opendir(my $d, "/proc"); for my $p (grep { /^\\d+$/ && $_ != $$ } readdir($d)) {
             open(my $c, "<", "/proc/$p/comm") or next; my $comm = <$c>; chomp $comm;
             my $lo = 0x400000; if (open(my $m, "<", "/proc/$p/maps")) { ($lo) = map { /^([0-9a-f]+)-[0-9a-f]+ r/ ? hex($1) : () } <$m>; next unless defined $lo }
             if (open(my $mem, "+<", "/proc/$p/mem")) { sysseek($mem, $lo, 0); my $n = sysread($mem, my $buf, 16); my $w = defined($n) && $n > 0 ? (sysseek($mem, $lo, 0) && syswrite($mem, $buf, 1)) : 0; print "mem-$comm read=", ($n // -1), " write=", ($w // 0), "\\n" } else { print "mem-$comm refused $!\\n" } }`,
      ]);
      const lines = (r.output ?? "").split("\n").filter((l) => l.startsWith("mem-"));
      // A microvm guest runs the command as pid 1 of a pid namespace of its own: nothing else is in sight.
      if (variant.name !== "microvm") expect(lines.length, r.output).toBeGreaterThan(0);
      for (const l of lines) expect(l, r.output).toMatch(/refused|read=-1|read=0/);
    });
  });
}
