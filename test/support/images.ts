// Test images built here, from Debian's static busybox and the host's own binaries: OCI layouts and
// `docker save` archives, written with tar-stream. No image is ever downloaded.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

export type TarEntry =
  | { name: string; type?: "file"; data: Buffer | string; mode?: number }
  | { name: string; type: "directory"; mode?: number }
  | { name: string; type: "symlink" | "link"; linkname: string }
  | { name: string; type: "character-device" | "block-device" | "fifo"; devmajor?: number; devminor?: number };

/** A tar archive of the entries, in order. */
export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const e of entries) {
    if (e.type === undefined || e.type === "file") {
      const data = Buffer.from(e.data);
      await new Promise<void>((r, j) => pack.entry({ name: e.name, mode: e.mode ?? 0o644, size: data.length }, data, (err) => (err ? j(err) : r())));
    } else if (e.type === "directory") {
      pack.entry({ name: e.name, type: "directory", mode: e.mode ?? 0o755 });
    } else if (e.type === "symlink" || e.type === "link") {
      pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    } else if (e.type === "character-device" || e.type === "block-device" || e.type === "fifo") {
      pack.entry({ name: e.name, type: e.type, devmajor: e.devmajor ?? 1, devminor: e.devminor ?? 3, mode: 0o666 });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export interface BuiltImage {
  /** sha256:<hex> of the config: the image's digest in Palisade. */
  digest: string;
  manifestDigest?: string;
}

function configOf(layers: Buffer[], env: string[]) {
  return Buffer.from(
    JSON.stringify({
      architecture: process.arch === "arm64" ? "arm64" : "amd64",
      os: "linux",
      config: { Env: env, WorkingDir: "/" },
      rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${sha(l)}`) },
    }),
  );
}

/** Writes an OCI image layout into `dir` (layers gzip-compressed unless `gzip: false`). */
export async function writeOciLayout(
  dir: string,
  layers: Buffer[],
  opts: { name?: string; env?: string[]; gzip?: boolean; layerMediaType?: string; manifestMediaType?: string } = {},
): Promise<BuiltImage> {
  await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
  const put = async (b: Buffer) => {
    const hex = sha(b);
    await writeFile(path.join(dir, "blobs", "sha256", hex), b);
    return { digest: `sha256:${hex}`, size: b.length };
  };
  const config = configOf(layers, opts.env ?? ["PATH=/usr/local/bin:/usr/bin:/bin"]);
  const gzip = opts.gzip ?? true;
  const layerDescs = [];
  for (const l of layers)
    layerDescs.push({
      mediaType: opts.layerMediaType ?? (gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar"),
      ...(await put(gzip ? gzipSync(l) : l)),
    });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...(await put(config)) },
      layers: layerDescs,
    }),
  );
  const m = await put(manifest);
  await writeFile(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  await writeFile(
    path.join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: opts.manifestMediaType ?? "application/vnd.oci.image.manifest.v1+json",
          ...m,
          ...(opts.name ? { annotations: { "org.opencontainers.image.ref.name": opts.name } } : {}),
        },
      ],
    }),
  );
  return { digest: `sha256:${sha(config)}`, manifestDigest: m.digest };
}

/** A `docker save` archive (legacy layout: manifest.json, <id>.json, <id>/layer.tar) as one tar. */
export async function dockerSaveArchive(layers: Buffer[], opts: { tag?: string; env?: string[] } = {}): Promise<{ archive: Buffer } & BuiltImage> {
  const config = configOf(layers, opts.env ?? ["PATH=/usr/local/bin:/usr/bin:/bin"]);
  const configName = `${sha(config)}.json`;
  const entries: TarEntry[] = [{ name: configName, data: config }];
  const layerNames: string[] = [];
  for (const l of layers) {
    const id = sha(l);
    entries.push({ name: `${id}/`, type: "directory" }, { name: `${id}/layer.tar`, data: l }, { name: `${id}/VERSION`, data: "1.0" });
    layerNames.push(`${id}/layer.tar`);
  }
  entries.push({ name: "manifest.json", data: JSON.stringify([{ Config: configName, RepoTags: opts.tag ? [opts.tag] : null, Layers: layerNames }]) });
  return { archive: await tarOf(entries), digest: `sha256:${sha(config)}` };
}

/** A tar of an OCI layout directory's files (how `skopeo copy … oci-archive:` ships one). */
export async function layoutArchive(files: Record<string, Buffer>): Promise<Buffer> {
  return tarOf(Object.entries(files).map(([name, data]) => ({ name, data })));
}

/** One layer with Debian's static busybox as /bin/busybox and /bin/sh and its applets as links. */
export async function busyboxLayer(
  applets = [
    "sh",
    "ls",
    "cat",
    "echo",
    "id",
    "uname",
    "wget",
    "sleep",
    "ip",
    "ifconfig",
    "env",
    "true",
    "grep",
    "mkdir",
    "rm",
    "dd",
    "stat",
    "wc",
    "head",
    "tr",
    "test",
    "ps",
    "mount",
  ],
): Promise<Buffer> {
  const busybox = readFileSync("/bin/busybox");
  return tarOf([
    { name: "bin/", type: "directory" },
    { name: "bin/busybox", data: busybox, mode: 0o755 },
    ...applets.map((a) => ({ name: `bin/${a}`, type: "link" as const, linkname: "bin/busybox" })),
    { name: "etc/", type: "directory" },
    { name: "etc/os-release", data: 'NAME="palisade-test"\n' },
    { name: "usr/", type: "directory" },
    { name: "usr/bin", type: "symlink", linkname: "../bin" },
  ]);
}

/** Whether Debian's static busybox is installed (the package busybox-static). */
export function busyboxStatic(): boolean {
  if (!existsSync("/bin/busybox")) return false;
  try {
    return !execFileSync("/usr/bin/ldd", ["/bin/busybox"], { stdio: ["ignore", "pipe", "pipe"] })
      .toString()
      .includes("=>");
  } catch {
    // ldd exits non-zero for a static binary ("not a dynamic executable").
    return true;
  }
}

/**
 * A layer of host programs with every library they load (ldd), plus perl's modules: a test image on
 * which the escape suite's perl and shell attacks run unchanged.
 */
export async function hostToolsLayer(programs: string[], extraDirs: string[] = []): Promise<Buffer> {
  const files = new Map<string, string>();
  const add = (p: string) => {
    if (!existsSync(p) || files.has(p)) return;
    files.set(p, realpathSync(p));
  };
  for (const prog of programs) {
    add(prog);
    let out = "";
    try {
      out = execFileSync("/usr/bin/ldd", [prog], { stdio: ["ignore", "pipe", "ignore"] }).toString();
    } catch {
      continue;
    }
    for (const m of out.matchAll(/(\/[^\s)]+)/g)) if (m[1]) add(m[1]);
  }
  const entries: TarEntry[] = [];
  const dirs = new Set<string>();
  const addDirs = (p: string) => {
    const parts = p.split("/").filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const d = `${parts.slice(0, i).join("/")}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: d, type: "directory" });
      }
    }
  };
  // Merged /usr: the top-level links as the host has them.
  for (const top of ["bin", "sbin", "lib", "lib64"]) {
    const p = `/${top}`;
    if (existsSync(p) && statSync(p).isDirectory() && realpathSync(p) !== p)
      entries.push({ name: top, type: "symlink", linkname: realpathSync(p).slice(1) });
  }
  const walk = (d: string) => {
    for (const name of execFileSync("/usr/bin/find", [d, "-type", "f"]).toString().split("\n").filter(Boolean)) add(name);
  };
  for (const d of extraDirs) if (existsSync(d)) walk(d);
  for (const [p, real] of files) {
    const name = `${realpathSync(path.dirname(p)).slice(1)}/${path.basename(p)}`;
    addDirs(`/${name}`);
    entries.push({ name, data: readFileSync(real), mode: statSync(real).mode & 0o7777 });
  }
  return tarOf(entries);
}
