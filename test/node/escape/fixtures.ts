// What the host offers an escaped sandbox, set up once per run: listeners on every address and
// kind of socket, a marker file, and what the running kernel supports. Each escape test aims at one.
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface HostFixtures {
  /** A TCP server on 127.0.0.1, on every IPv4 address of the host and (if the host has IPv6) on ::1. */
  tcpPort: number;
  tcp6Port: number | null;
  /** The host's own non-loopback IPv4 addresses. */
  externalV4: string[];
  udpPort: number;
  /** Connections and datagrams that reached the host's servers. */
  hits: { tcp: number; udp: number; unix: number; abstract: number };
  /** A unix socket at a host path any host user may connect to, and an abstract one. */
  unixPath: string;
  abstractName: string;
  /** A file on the host holding `secret`. */
  markerPath: string;
  secret: string;
  /** The host's nameserver, from its resolv.conf. */
  nameserver: string | null;
  /** Socket families the running kernel supports (probed on the host). */
  kernelFamilies: number[];
  /** The host's pid 1 command line. */
  hostInitCmdline: string;
  close(): Promise<void>;
}

/** Families for which some socket type gets an answer other than EAFNOSUPPORT (97): the kernel knows them. */
export const FAMILY_PROBE = `my @known; for my $f (0..255) { for my $t (1, 2, 3, 5) { if (socket(my $s, $f, $t, 0)) { push @known, $f; close $s; last } if ($!+0 != 97) { push @known, $f; last } } } print "families @known\\n";`;

export async function startHostFixtures(): Promise<HostFixtures> {
  const hits = { tcp: 0, udp: 0, unix: 0, abstract: 0 };
  const dir = await mkdtemp("/var/tmp/palisade-escape-fixtures-");
  await chmod(dir, 0o755);
  const secret = `host-secret-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const markerPath = path.join(dir, "marker");
  await writeFile(markerPath, `${secret}\n`, { mode: 0o644 });

  const tcp = net.createServer((s) => {
    hits.tcp++;
    s.end("hello\n");
  });
  await new Promise<void>((r) => tcp.listen(0, "0.0.0.0", r));
  const tcpPort = (tcp.address() as net.AddressInfo).port;
  const tcp6Server = net.createServer((s) => {
    hits.tcp++;
    s.end("hello\n");
  });
  // A host without IPv6 has no ::1 to listen on; the IPv6 attack then aims at the IPv4 port.
  const tcp6Port = await new Promise<number | null>((resolve) => {
    tcp6Server.once("error", () => resolve(null));
    tcp6Server.listen(0, "::1", () => resolve((tcp6Server.address() as net.AddressInfo).port));
  });
  const tcp6 = tcp6Port === null ? null : tcp6Server;

  const udp = dgram.createSocket("udp4");
  udp.on("message", () => hits.udp++);
  await new Promise<void>((r) => udp.bind(0, "0.0.0.0", () => r()));
  const udpPort = udp.address().port;

  const unixPath = path.join(dir, "host.sock");
  const unix = net.createServer((s) => {
    hits.unix++;
    s.end("hello\n");
  });
  await new Promise<void>((r) => unix.listen(unixPath, r));
  await chmod(unixPath, 0o777);
  const abstractName = `palisade-escape-${process.pid}`;
  const abstract = net.createServer((s) => {
    hits.abstract++;
    s.end("hello\n");
  });
  await new Promise<void>((r) => abstract.listen(`\0${abstractName}`, r));

  const externalV4 = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === "IPv4" && !a.internal)
    .map((a) => a.address);
  const resolv = await readFile("/etc/resolv.conf", "utf8").catch(() => "");
  const nameserver = /^nameserver\s+(\d+\.\d+\.\d+\.\d+)/m.exec(resolv)?.[1] ?? null;
  const probe = execFileSync("/usr/bin/perl", ["-e", FAMILY_PROBE], { env: { PATH: "/usr/bin:/bin" } }).toString();
  const kernelFamilies = (/^families (.*)$/m.exec(probe)?.[1] ?? "").split(" ").filter(Boolean).map(Number);
  const hostInitCmdline = (await readFile("/proc/1/cmdline", "utf8").catch(() => "")).replaceAll("\0", " ").trim();

  return {
    tcpPort,
    tcp6Port,
    externalV4,
    udpPort,
    hits,
    unixPath,
    abstractName,
    markerPath,
    secret,
    nameserver,
    kernelFamilies,
    hostInitCmdline,
    close: async () => {
      for (const s of [tcp, tcp6, unix, abstract]) if (s) await new Promise<void>((r) => s.close(() => r()));
      await new Promise<void>((r) => udp.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
