// The image drivers against a real image built here from Debian's static busybox: gVisor (runsc)
// and the OCI runtimes run it read-only, with the workspace, the proxy reached through the static
// bridge, and a kernel that is gVisor's own for gvisor.
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ResolvedImage, ImageStore } from "../../../sandbox-host/src/images/store.js";
import { GvisorDriver } from "../../../sandbox-host/src/sandbox/gvisor.js";
import { HostIds } from "../../../sandbox-host/src/sandbox/ids.js";
import { OciDriver } from "../../../sandbox-host/src/sandbox/oci.js";
import type { SandboxDriver, SandboxSpec } from "../../../sandbox-host/src/sandbox/types.js";
import { missing } from "../../support/capabilities.js";
import { busyboxLayer, busyboxStatic, writeOciLayout } from "../../support/images.js";

const base = await mkdtemp(path.join("/var/tmp", "palisade-image-drivers-"));
await chmod(base, 0o711);
const ids = new HostIds();
const drivers: SandboxDriver[] = [
  new GvisorDriver({ ids, stateDir: path.join(base, "gvisor") }),
  new OciDriver({ ids, stateDir: path.join(base, "oci") }),
];
const reasons = new Map<string, string | undefined>();
for (const d of drivers) {
  const a = process.getuid?.() === 0 && busyboxStatic() ? await d.available() : { ok: false, reason: "needs root and busybox-static" };
  if (!a.ok) console.warn(d.name, a.reason);
  reasons.set(d.name, a.ok ? undefined : a.reason);
}

let image: ResolvedImage;
let proxy: http.Server;
let socketPath: string;
const seen: string[] = [];

beforeAll(async () => {
  const layout = path.join(base, "layout");
  await writeOciLayout(layout, [await busyboxLayer()], { name: "busybox:test", env: ["PATH=/bin", "IMAGE_VAR=from-image"] });
  const store = new ImageStore(path.join(base, "images"));
  const record = await store.import(layout);
  image = (await store.resolve(record.digest)) as ResolvedImage;
  socketPath = path.join(base, "proxy.sock");
  proxy = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.end("through the proxy\n");
  });
  await new Promise<void>((r) => proxy.listen(socketPath, r));
});
afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await rm(base, { recursive: true, force: true });
});

async function run(driver: SandboxDriver, command: string[], over: Partial<SandboxSpec> = {}) {
  const ws = path.join(base, `ws-${driver.name}`);
  await mkdir(ws, { recursive: true });
  const spec: SandboxSpec = {
    id: `img-${driver.name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    agentId: `agt_${driver.name}`,
    command,
    env: { AGENT_VAR: "x" },
    workspaceDir: ws,
    limits: { memoryBytes: 256 << 20, cpuQuota: 1, pids: 64 },
    network: { proxySocket: socketPath },
    image: { digest: image.record.digest, rootfsDir: image.rootfsDir, env: image.record.env },
    timeoutMs: 60_000,
    ...over,
  };
  const h = await driver.start(spec);
  const out: Buffer[] = [];
  h.stdout.on("data", (b: Buffer) => out.push(b));
  h.stderr.on("data", (b: Buffer) => out.push(b));
  const exit = await h.wait();
  return { ...exit, output: Buffer.concat(out).toString(), ws };
}

for (const driver of drivers) {
  const why = reasons.get(driver.name);
  describe.skipIf(missing(`the ${driver.name} driver`, { ok: why === undefined, reason: why }))(
    `${driver.name} runs an imported image`,
    { timeout: 120_000 },
    () => {
      it("shows the image's root read-only, its environment under the sandbox's, the workspace writable, and only loopback", async () => {
        const r = await run(driver, [
          "/bin/sh",
          "-c",
          'cat /etc/os-release; echo "var $IMAGE_VAR $AGENT_VAR path $PATH"; echo hi > /workspace/out && echo wrote; echo x > /bin/new 2>/dev/null || echo ro; ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1; uname -r',
        ]);
        expect(r.exitCode, r.output).toBe(0);
        expect(r.output).toContain('NAME="palisade-test"');
        expect(r.output).toContain("var from-image x path /bin");
        expect(r.output).toContain("wrote");
        expect(r.output).toContain("ro");
        expect(r.output.split("\n").filter((l) => l.trim() === "lo").length).toBeGreaterThan(0);
        expect(r.output).not.toMatch(/eth0|ens|enp/);
        // The file belongs to the agent's host uid (a uid of the configured range), not root.
        const st = await stat(path.join(r.ws, "out"));
        expect(st.uid).toBeGreaterThanOrEqual(1_000_000);
        expect(await readFile(path.join(r.ws, "out"), "utf8")).toBe("hi\n");
        if (driver.name === "gvisor") expect(r.output.trim().split("\n").at(-1)).not.toBe(os.release());
      });

      it("reaches the proxy at 127.0.0.1:3128 through the static bridge, and nothing else", async () => {
        const before = seen.length;
        const r = await run(driver, [
          "/bin/sh",
          "-c",
          "wget -q -O- http://allowed.example/path; echo; wget -q -T 2 -O- http://127.0.0.1:1/ 2>&1 || echo direct-refused",
        ]);
        expect(r.output, r.output).toContain("through the proxy");
        expect(r.output).toContain("direct-refused");
        expect(seen.slice(before)).toContain("GET http://allowed.example/path");
      });

      it("ends at the memory limit", async () => {
        const r = await run(
          driver,
          ["/bin/sh", "-c", 'exec awk \'BEGIN { s = "a"; while (length(s) < 150000000) s = s s; print "survived", length(s) }\''],
          {
            limits: { memoryBytes: 64 << 20, cpuQuota: 1, pids: 64 },
            network: {},
          },
        );
        expect(r.output).not.toContain("survived");
        expect(r.exitCode).not.toBe(0);
      });
    },
  );
}
