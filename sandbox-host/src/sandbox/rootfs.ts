// What every driver shows inside a sandbox: the read-only host pieces, identity files and environment.
import { lstatSync, readlinkSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
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

/** Writes a synthetic /etc/passwd and /etc/group naming only the sandbox user, so host accounts stay hidden. */
export async function writeIdentityFiles(dir: string, uid: number): Promise<{ passwd: string; group: string }> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const passwd = path.join(dir, "passwd");
  const group = path.join(dir, "group");
  await writeAtomic(passwd, `agent:x:${uid}:${uid}:agent:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, 0o644);
  await writeAtomic(group, `agent:x:${uid}:\nnogroup:x:65534:\n`, 0o644);
  return { passwd, group };
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
export const SOCAT = "/usr/bin/socat";

/**
 * Prefixes the command with a bridge from 127.0.0.1:3128 (inside the sandbox's own network
 * namespace) to the proxy socket, and starts the command once the bridge listens. The bridge runs
 * under the same restrictions as the command; it can reach nothing but the proxy socket.
 */
export function withProxyBridge(command: string[]): string[] {
  const listen = `:${PROXY_BRIDGE_PORT.toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A`;
  const script = [
    `${SOCAT} TCP-LISTEN:${PROXY_BRIDGE_PORT},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${PROXY_SOCKET_INSIDE} &`,
    `i=0; until grep -q '${listen}' /proc/net/tcp; do i=$((i+1)); [ $i -gt 2000 ] && { echo 'palisade: proxy bridge did not start' >&2; exit 125; }; done`,
    'exec "$@"',
  ].join("\n");
  return ["/bin/sh", "-c", script, "palisade-bridge", ...command];
}
