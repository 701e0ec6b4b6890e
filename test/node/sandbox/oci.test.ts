// Real OCI sandboxes (crun or runc from a generated config.json): the same policy as the bwrap driver.
import net from "node:net";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OciDriver, ociConfig } from "../../../sandbox-host/src/sandbox/oci.js";
import { DENIED_SYSCALLS } from "../../../sandbox-host/src/sandbox/seccomp.js";
import { perl, sh, specFor, workspaces } from "./helpers.js";
import { missing } from "../../support/capabilities.js";

const driver = new OciDriver();
const availability = await driver.available();

describe("OCI config generation", () => {
  it("asks for every namespace, no capabilities, no_new_privs, a read-only root, seccomp and limits", () => {
    const spec = specFor("/srv/ws/a", ["/bin/true"], { env: { A: "1" }, limits: { memoryBytes: 64 << 20, cpuQuota: 0.25, pids: 20 } });
    const ids = { uid: 1_000_007, gid: 1_032_768, rootId: 1_032_769 };
    const c = ociConfig(spec, { user: { uid: 1000, gid: 1000 }, ids, passwd: "/p", group: "/g", cgroupsPath: "/palisade/x" });
    expect(c.linux.namespaces.map((n) => n.type).sort()).toEqual(["cgroup", "ipc", "mount", "network", "pid", "user", "uts"]);
    expect(Object.values(c.process.capabilities).every((l) => l.length === 0)).toBe(true);
    expect(c.process.noNewPrivileges).toBe(true);
    expect(c.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [] });
    expect(c.root.readonly).toBe(true);
    // Two ids inside: container root, and the command's, which is the agent's uid and the sandbox's own gid.
    expect(c.linux.uidMappings).toEqual([
      { containerID: 0, hostID: ids.rootId, size: 1 },
      { containerID: 1000, hostID: ids.uid, size: 1 },
    ]);
    expect(c.linux.gidMappings).toEqual([
      { containerID: 0, hostID: ids.rootId, size: 1 },
      { containerID: 1000, hostID: ids.gid, size: 1 },
    ]);
    expect(c.linux.resources).toMatchObject({ memory: { limit: 64 << 20 }, cpu: { quota: 25_000, period: 100_000 }, pids: { limit: 20 } });
    const denied = new Set(c.linux.seccomp.syscalls.flatMap((s) => s.names));
    for (const name of ["mount", "ptrace", "unshare", "setns", "bpf", "keyctl", "kexec_load", "clone", "clone3"])
      expect(denied.has(name), name).toBe(true);
    expect(DENIED_SYSCALLS.every((n) => denied.has(n))).toBe(true);
    expect(c.process.env).toContain("A=1");
    const dests = c.mounts.map((m) => m.destination);
    for (const hidden of ["/home", "/root", "/work", "/run", "/var"]) expect(dests).not.toContain(hidden);
    expect(c.mounts.find((m) => m.destination === "/workspace")).toMatchObject({ source: "/srv/ws/a", options: expect.arrayContaining(["rw"]) });
    expect(c.mounts.find((m) => m.destination === "/usr")?.options).toContain("ro");
  });
});

describe.skipIf(missing("an OCI runtime (crun or runc)", availability))(`oci driver (${driver.runtime ?? "none"})`, { timeout: 60_000 }, () => {
  let ws: Awaited<ReturnType<typeof workspaces>>;
  let a: string;
  let b: string;
  beforeAll(async () => {
    ws = await workspaces();
    a = await ws.make("agent-a");
    b = await ws.make("agent-b");
  });
  afterAll(() => ws.remove());

  it("runs a command with its exit code and output", async () => {
    const r = await sh(driver, a, "echo out; echo err >&2; exit 3");
    expect(r).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("runs as an unprivileged uid with no capabilities, no_new_privs and seccomp", async () => {
    const r = await sh(driver, a, "id -u; id -G; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
    const lines = r.stdout.trim().split("\n");
    expect(Number(lines[0])).not.toBe(0);
    expect(lines[1]).toBe("1000");
    expect(lines.slice(2)).toEqual(["CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"]);
  });

  it.skipIf(process.arch !== "x64")("refuses mount, ptrace, unshare and setns with EPERM", async () => {
    const r = await perl(
      driver,
      a,
      `for my $c (165, 101, 272, 308, 321, 250) { my $r = syscall($c, 0, 0, 0, 0, 0); print $r == -1 ? $!+0 : "ok", "\\n" }`,
    );
    expect(r.stdout.trim().split("\n")).toEqual(["1", "1", "1", "1", "1", "1"]);
  });

  it("has a read-only root and a writable workspace, and cannot see another agent's", async () => {
    const r = await sh(
      driver,
      b,
      `touch /x /usr/x 2>/dev/null && echo wrote; echo b > /workspace/f && cat /workspace/f; test -e ${a} && echo visible; ls / | grep -E '^(home|root|work|run|var)$'; true`,
    );
    expect(r.stdout.trim()).toBe("b");
    expect(await readFile(path.join(b, "f"), "utf8")).toBe("b\n");
  });

  it("cannot reach a TCP server on the host's loopback and has only lo", async () => {
    const server = net.createServer((s) => s.end("hello\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    try {
      const r = await perl(
        driver,
        a,
        `use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => ${port}, Proto => "tcp", Timeout => 3); print $s ? "connected\\n" : "refused\\n"; open(my $d, "<", "/proc/net/dev"); print map { /^\\s*([^:\\s]+):/ ? "$1\\n" : () } <$d>;`,
      );
      expect(r.stdout.trim().split("\n")).toEqual(["refused", "lo"]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("reaches its proxy socket through the bridge inside", async () => {
    const sockPath = path.join(ws.base, "proxy-oci.sock");
    const proxy = net.createServer((s) => s.once("data", () => s.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")));
    await new Promise<void>((r) => proxy.listen(sockPath, r));
    try {
      const r = await perl(
        driver,
        a,
        `use IO::Socket::INET; my ($h, $p) = $ENV{HTTPS_PROXY} =~ m{^http://([^:]+):(\\d+)} or die "no proxy"; my $s = IO::Socket::INET->new(PeerAddr => $h, PeerPort => $p, Proto => "tcp", Timeout => 5) or die "connect: $!"; print $s "GET http://x/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"; local $/; my $r = <$s>; print((split /\\r\\n\\r\\n/, $r)[1]);`,
        { network: { proxySocket: sockPath } },
      );
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe("ok\n");
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
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

  it("kills a memory hog at the memory limit", async () => {
    const r = await perl(driver, a, `my @a; for (1..64) { push @a, "x" x (8 << 20) } print "survived\\n";`, {
      limits: { memoryBytes: 48 << 20, cpuQuota: 1, pids: 32 },
    });
    expect(r.stdout).not.toContain("survived");
    expect(r.exitCode).not.toBe(0);
    // Only runc keeps the cgroup long enough to read the OOM counter.
    if (driver.runtime?.endsWith("runc")) expect(r.oomKilled).toBe(true);
  });

  it("ends a sandbox at its time limit", async () => {
    const r = await sh(driver, a, "sleep 60", { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
  });
});
