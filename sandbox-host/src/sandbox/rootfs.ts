// What every driver shows inside a sandbox: the read-only host pieces, identity files and environment.
import { lstatSync, readlinkSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { SandboxSpec } from "./types.js";

/** /etc entries a typical command needs; the rest of the host's /etc stays out. */
export const ETC_PIECES = [
  "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "nsswitch.conf",
  "ssl", "ca-certificates", "mime.types",
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
  await writeFile(passwd, `agent:x:${uid}:${uid}:agent:/workspace:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`, { mode: 0o644 });
  await writeFile(group, `agent:x:${uid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  return { passwd, group };
}

/** The command's whole environment: defaults, then the spec's variables, then the proxy settings. */
export function sandboxEnv(spec: SandboxSpec): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: "/workspace",
    TMPDIR: "/tmp",
    LANG: "C.UTF-8",
    ...spec.env,
  };
  if (spec.network.proxyUrl) {
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"]) env[k] = spec.network.proxyUrl;
  }
  return env;
}
