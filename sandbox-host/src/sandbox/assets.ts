// Host-wide files the image drivers need, made once and shared by every state dir on the host:
// the static guest helper (palisade-guest.c, compiled with gcc -static) and, for microvm guests, a
// Debian kernel (apt-get download, extracted from the .deb without installing it) and an initramfs
// holding the helper as /init and the kernel modules the guest needs.
//
// <assets>/                          0755 (the jailed VMM and gVisor's runtime read from it as sandbox ids)
//   guest-<source sha>/palisade-guest
//   vm-<kernel version>-<helper sha>/vmlinux, initramfs.cpio, kernel.txt
//   tmp/                             builds, renamed into place when whole
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { ensurePrivateDir } from "./state-dirs.js";

const run = promisify(execFile);
const TOOL_ENV = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LC_ALL: "C" };

export const GUEST_SOURCE = fileURLToPath(new URL("../../guest/palisade-guest.c", import.meta.url));

/** The shared assets dir: $PALISADE_ASSETS, else /var/lib/palisade/assets for root, else ~/.palisade/assets. */
export function defaultAssetsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PALISADE_ASSETS) return env.PALISADE_ASSETS;
  return process.getuid?.() === 0 ? "/var/lib/palisade/assets" : path.join(os.homedir(), ".palisade", "assets");
}

export class AssetError extends Error {
  override readonly name = "AssetError";
}

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

/** Builds into a temp dir and renames it into place; a concurrent build of the same thing is harmless. */
async function buildOnce(dir: string, build: (tmp: string) => Promise<void>): Promise<string> {
  if (await exists(dir)) return dir;
  const parent = path.dirname(dir);
  // Sandboxes run what is in it: the assets dir must be root's alone to change, and everything above it.
  await ensurePrivateDir(parent, 0o755);
  await mkdir(path.join(parent, "tmp"), { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(path.join(parent, "tmp", `${path.basename(dir)}-`));
  try {
    await build(tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOTEMPTY" && e.code !== "EEXIST") throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

const helpers = new Map<string, Promise<string>>();

/** The static guest helper, compiled from GUEST_SOURCE once per source version. */
export function guestHelper(assetsDir = defaultAssetsDir()): Promise<string> {
  let p = helpers.get(assetsDir);
  if (!p) {
    p = (async () => {
      const source = await readFile(GUEST_SOURCE);
      const sha = createHash("sha256").update(source).digest("hex").slice(0, 16);
      const dir = await buildOnce(path.join(assetsDir, `guest-${sha}`), async (tmp) => {
        const out = path.join(tmp, "palisade-guest");
        await run("/usr/bin/gcc", ["-static", "-O2", "-o", out, GUEST_SOURCE], { env: TOOL_ENV, timeout: 120_000 }).catch((e: Error) => {
          throw new AssetError(`the guest helper could not be compiled (apt-get install gcc libc6-dev): ${e.message.split("\n")[0]}`);
        });
        await chmod(out, 0o755);
      });
      return path.join(dir, "palisade-guest");
    })();
    p.catch(() => helpers.delete(assetsDir));
    helpers.set(assetsDir, p);
  }
  return p;
}

/** Kernel modules the guest loads, in dependency order (ext4 for the image, 9p for the workspace, virtio-console for the channel). */
const GUEST_MODULES = ["virtio_mmio", "virtio_blk", "virtio_console", "crc32c_generic", "ext4", "9pnet_virtio", "9p"];

export interface VmAssets {
  dir: string;
  kernel: string;
  initramfs: string;
  kernelVersion: string;
}

/** A newc cpio archive (what the kernel unpacks as its initramfs). */
export function cpioNewc(entries: { name: string; mode: number; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const pad = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const hdr = (name: string, mode: number, size: number) => {
    const fields = [ino++, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    const head = Buffer.from(`070701${fields.map((f) => f.toString(16).toUpperCase().padStart(8, "0")).join("")}${name}\0`);
    return Buffer.concat([head, pad(head.length)]);
  };
  for (const e of entries) {
    const data = e.data ?? Buffer.alloc(0);
    parts.push(hdr(e.name, e.mode, data.length), data, pad(data.length));
  }
  parts.push(hdr("TRAILER!!!", 0, 0));
  return Buffer.concat(parts);
}

/** The `depends=` of a kernel module (read from its .modinfo strings; kmod is not needed). */
function moduleDepends(ko: Buffer): string[] {
  const m = /depends=([A-Za-z0-9_,-]*)/.exec(ko.toString("latin1"));
  return m?.[1] ? m[1].split(",").filter(Boolean) : [];
}

/** The uncompressed kernel (ELF with a PVH entry) inside a bzImage: qemu boots it without a slow in-guest decompression. */
async function extractVmlinux(vmlinuz: string, out: string): Promise<void> {
  const image = await readFile(vmlinuz);
  const formats: { magic: Buffer; argv: string[] }[] = [
    { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), argv: ["/usr/bin/xz", "-dc", "--single-stream"] },
    { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), argv: ["/usr/bin/zstd", "-dcq"] },
    { magic: Buffer.from([0x1f, 0x8b, 0x08]), argv: ["/usr/bin/gzip", "-dcq"] },
  ];
  for (const f of formats) {
    const at = image.indexOf(f.magic);
    if (at < 0) continue;
    const [file, ...args] = f.argv;
    const elf = await new Promise<Buffer>((resolve, reject) => {
      const child = execFile(file ?? "", args, { encoding: "buffer", maxBuffer: 512 << 20, env: TOOL_ENV }, (err, stdout) => {
        // Trailing data after the stream makes some decompressors complain; the ELF check decides.
        if (stdout.length > 4 && stdout.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) resolve(stdout);
        else reject(new AssetError(`the kernel could not be decompressed: ${err?.message ?? "no ELF image"}`));
      });
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(image.subarray(at));
    });
    await writeFile(out, elf, { mode: 0o644 });
    return;
  }
  throw new AssetError("no compressed kernel found in the bzImage");
}

/** The Debian kernel package the guest runs: the one `linux-image-amd64` depends on. */
async function kernelPackage(): Promise<string> {
  const meta = process.arch === "arm64" ? "linux-image-arm64" : "linux-image-amd64";
  const { stdout } = await run("/usr/bin/apt-cache", ["depends", meta], { env: TOOL_ENV }).catch((e: Error) => {
    throw new AssetError(`apt-cache cannot resolve ${meta}: ${e.message.split("\n")[0]}`);
  });
  const pkg = /Depends: (linux-image-[0-9][^\s]*)/.exec(stdout)?.[1];
  if (!pkg) throw new AssetError(`apt-cache names no kernel package for ${meta} (run apt-get update)`);
  return pkg;
}

const vmAssets = new Map<string, Promise<VmAssets>>();

/**
 * The guest kernel and initramfs, made once: the kernel .deb is fetched with `apt-get download`
 * (Debian's archive; `debFile` gives a local one instead) and unpacked with dpkg-deb into a temp
 * dir, never installed on the host.
 */
export function microvmAssets(assetsDir = defaultAssetsDir(), opts: { debFile?: string } = {}): Promise<VmAssets> {
  let p = vmAssets.get(assetsDir);
  if (!p) {
    p = (async () => {
      const helper = await guestHelper(assetsDir);
      const helperSha = path.basename(path.dirname(helper)).slice("guest-".length);
      // Reuse what is there for this helper: no apt round trip on every start.
      const existing = (await readdir(assetsDir).catch(() => [] as string[]))
        .filter((d) => d.startsWith("vm-") && d.endsWith(`-${helperSha}`))
        .sort();
      const found = existing.at(-1);
      if (found && !opts.debFile) return loadVmAssets(path.join(assetsDir, found));
      const work = await mkdtemp(path.join(os.tmpdir(), "palisade-kernel-"));
      try {
        let deb = opts.debFile;
        if (!deb) {
          const pkg = await kernelPackage();
          await run("/usr/bin/apt-get", ["download", "-q", pkg], { cwd: work, env: TOOL_ENV, timeout: 600_000 }).catch((e: Error) => {
            throw new AssetError(`apt-get download ${pkg} failed: ${e.message.split("\n").slice(-2).join(" ")}`);
          });
          const debs = (await readdir(work)).filter((f) => f.endsWith(".deb"));
          if (!debs[0]) throw new AssetError(`apt-get download ${pkg} fetched nothing`);
          deb = path.join(work, debs[0]);
        }
        const root = path.join(work, "x");
        await run("/usr/bin/dpkg-deb", ["-x", deb, root], { env: TOOL_ENV, timeout: 300_000 });
        const boot = await readdir(path.join(root, "boot"));
        const vmlinuz = boot.find((f) => f.startsWith("vmlinuz-"));
        if (!vmlinuz) throw new AssetError("the kernel package holds no vmlinuz");
        const version = vmlinuz.slice("vmlinuz-".length);
        const modRoot = path.join(root, "lib", "modules", version, "kernel");
        const byName = new Map<string, string>();
        const walk = async (d: string) => {
          for (const e of await readdir(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) await walk(p);
            else if (e.name.endsWith(".ko")) byName.set(e.name.slice(0, -3).replaceAll("-", "_"), p);
          }
        };
        await walk(modRoot);
        const order: string[] = [];
        const files = new Map<string, Buffer>();
        const visit = async (name: string, stack: string[]) => {
          if (order.includes(name)) return;
          if (stack.includes(name)) throw new AssetError(`module dependency cycle at ${name}`);
          const file = byName.get(name);
          // Built into this kernel: nothing to load.
          if (!file) return;
          const ko = await readFile(file);
          for (const dep of moduleDepends(ko)) await visit(dep.replaceAll("-", "_"), [...stack, name]);
          files.set(name, ko);
          order.push(name);
        };
        for (const m of GUEST_MODULES) await visit(m, []);
        const dir = await buildOnce(path.join(assetsDir, `vm-${version}-${helperSha}`), async (tmp) => {
          await extractVmlinux(path.join(root, "boot", vmlinuz), path.join(tmp, "vmlinux"));
          const entries = [
            { name: "init", mode: 0o100755, data: await readFile(helper) },
            ...["dev", "proc", "sys", "newroot", "lib", "lib/modules"].map((name) => ({ name, mode: 0o40755 })),
            ...order.map((m) => ({ name: `lib/modules/${m}.ko`, mode: 0o100644, data: files.get(m) as Buffer })),
            { name: "lib/modules/order", mode: 0o100644, data: Buffer.from(`${order.map((m) => `${m}.ko`).join("\n")}\n`) },
          ];
          await writeFile(path.join(tmp, "initramfs.cpio"), cpioNewc(entries), { mode: 0o644 });
          await writeFile(path.join(tmp, "kernel.txt"), `${version}\n`, { mode: 0o644 });
        });
        return loadVmAssets(dir);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    })();
    p.catch(() => vmAssets.delete(assetsDir));
    vmAssets.set(assetsDir, p);
  }
  return p;
}

async function loadVmAssets(dir: string): Promise<VmAssets> {
  const kernel = path.join(dir, "vmlinux");
  const initramfs = path.join(dir, "initramfs.cpio");
  if (!(await exists(kernel)) || !(await exists(initramfs))) throw new AssetError(`${dir} is incomplete`);
  const kernelVersion = (await readFile(path.join(dir, "kernel.txt"), "utf8")).trim();
  return { dir, kernel, initramfs, kernelVersion };
}
