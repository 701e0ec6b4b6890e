// The two host escapes an outside review reproduced (main at 8e0f2ee), as regression tests against
// every driver. Each builds its hostile piece itself: a preload library compiled here, and a
// symlink planted from inside a sandbox the way an agent would.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxDriver } from "../../../sandbox-host/src/sandbox/types.js";
import { runIn, specFor, workspaces } from "../sandbox/helpers.js";
import { hostToolsLayer } from "../../support/images.js";
import { ATTACK_TOOLS, inCi, PERL_MODULE_DIRS, probeVariants, requireInCi, toolsImageSpec } from "./drivers.js";
import { startTestHost, type TestHost } from "./host-daemon.js";

const exec = promisify(execFile);
const variants = await probeVariants();
const hasGcc = existsSync("/usr/bin/gcc");
if (!hasGcc && !inCi) console.warn("preload regression tests skipped: gcc is not installed (apt-get install gcc libc6-dev)");
if (!hasGcc && inCi) {
  it("gcc is available on this CI machine (the preload regression test builds its library)", () => {
    throw new Error("gcc is not installed (apt-get install gcc libc6-dev)");
  });
}

/** A shared library whose constructor appends "pid uid netns" to `outsideMarker` and to /workspace/preload-ran-inside. */
async function buildPreloadLibrary(dir: string, outsideMarker: string): Promise<string> {
  const src = path.join(dir, "evil.c");
  await writeFile(
    src,
    `#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static void note(const char *file) {
  char ns[64] = "?", line[160];
  ssize_t n = readlink("/proc/self/ns/net", ns, sizeof ns - 1);
  if (n > 0) ns[n] = 0;
  int len = snprintf(line, sizeof line, "%d %d %s\\n", (int)getpid(), (int)getuid(), ns);
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0666);
  if (fd >= 0) { (void)!write(fd, line, len); close(fd); }
}
__attribute__((constructor)) static void ran(void) {
  note(${JSON.stringify(outsideMarker)});
  note("/workspace/preload-ran-inside");
}
unsigned int la_version(unsigned int v) { return v; }
`,
  );
  const lib = path.join(dir, "evil.so");
  await exec("/usr/bin/gcc", ["-shared", "-fPIC", "-O0", "-o", lib, src], { env: { PATH: "/usr/bin:/bin" } });
  await chmod(lib, 0o755);
  return lib;
}

for (const { variant, ok, reason } of variants) {
  describe(`reported escapes (${variant.name})`, { timeout: 120_000 }, () => {
    requireInCi(variant.name, ok, reason);

    describe.skipIf(!ok || !hasGcc)("a preloaded library from the sandbox's environment", () => {
      let driver: SandboxDriver;
      let ws: Awaited<ReturnType<typeof workspaces>>;
      let buildDir: string;
      let markerDir: string;
      let lib: string;
      beforeAll(async () => {
        driver = variant.create();
        ws = await workspaces();
        // Not below /tmp, which is private inside a sandbox: the marker path must mean the host's.
        buildDir = await mkdtemp("/var/tmp/palisade-preload-");
        await chmod(buildDir, 0o755);
        // Writable by every host uid, so a library running as any sandbox uid on the host could leave its mark.
        markerDir = path.join(buildDir, "markers");
        await mkdir(markerDir);
        await chmod(markerDir, 0o1777);
        lib = await buildPreloadLibrary(buildDir, path.join(markerDir, "ran-outside"));
      });
      afterAll(async () => {
        await ws?.remove();
        if (buildDir) await rm(buildDir, { recursive: true, force: true });
      });

      for (const variable of ["LD_PRELOAD", "LD_AUDIT"]) {
        it(`${variable} naming a library in the agent's workspace never runs outside the sandbox`, async () => {
          const outside = path.join(markerDir, "ran-outside");
          await rm(outside, { force: true });
          const dir = await ws.make(`preload-${variable.toLowerCase()}`);
          await copyFile(lib, path.join(dir, "evil.so"));
          await chmod(path.join(dir, "evil.so"), 0o755);
          // Control: the library runs in any host process that gets this environment.
          await exec("/bin/true", [], { env: { [variable]: path.join(dir, "evil.so") } });
          expect(existsSync(outside)).toBe(true);
          await rm(outside);

          // The host path (what the review used) and the path inside, so the library loads wherever the variable is honoured.
          const value = `${path.join(dir, "evil.so")}:/workspace/evil.so`;
          const r = await runIn(
            driver,
            specFor(dir, ["/bin/sh", "-c", "cat /workspace/preload-ran-inside 2>/dev/null | wc -l"], {
              agentId: `preload-${variable.toLowerCase()}`,
              env: { [variable]: value },
              ...(variant.needsImage ? { image: await toolsImageSpec() } : {}),
            }),
          );
          expect(existsSync(outside), `ran outside: ${existsSync(outside) ? await readFile(outside, "utf8") : ""}`).toBe(false);
          // The variable reached the command inside (it is the sandbox's business there).
          expect(r.exitCode, r.stderr).toBe(0);
          // In a microvm guest the audit library is not seen to run (not yet understood; LD_PRELOAD is).
          if (!(variant.name === "microvm" && variable === "LD_AUDIT")) expect(Number(r.stdout.trim())).toBeGreaterThan(0);
        });
      }
    });
  });
}

for (const { variant, ok } of variants) {
  describe(`reported escapes (${variant.name})`, { timeout: 120_000 }, () => {
    describe.skipIf(!ok)("a symlink planted in the workspace", () => {
      let host: TestHost;
      let victimDir: string;
      let agents = 0;
      // A fresh agent (so a fresh workspace) per test: each plants its own links.
      const nextAgent = () => `agt_planter${++agents}`;
      beforeAll(async () => {
        // A state dir below /tmp is the layout in which the daemon used to copy its CA into the workspace.
        host = await startTestHost(variant.create(), {
          stateDirParent: "/tmp",
          ...(variant.needsImage ? { imageLayer: await hostToolsLayer(ATTACK_TOOLS, PERL_MODULE_DIRS) } : {}),
        });
        victimDir = await mkdtemp("/var/tmp/palisade-victim-");
        await chmod(victimDir, 0o755);
      });
      afterAll(async () => {
        await host?.stop();
        if (victimDir) await rm(victimDir, { recursive: true, force: true });
      });

      it("a link at .palisade/ca-cert.pem to a host file is never written through", async () => {
        const victim = path.join(victimDir, "shadow");
        await writeFile(victim, "precious\n", { mode: 0o644 });
        const agent = nextAgent();
        // A first start, so the daemon has prepared this workspace once already.
        await host.run(agent, ["/bin/true"]);
        const plant = await host.run(agent, [
          "/bin/sh",
          "-c",
          // What the daemon put there is moved aside (the workspace is the agent's), then the link goes in its place.
          `mv /workspace/.palisade /workspace/.moved-$$ 2>/dev/null; mkdir -p /workspace/.palisade && ln -sfn ${victim} /workspace/.palisade/ca-cert.pem`,
        ]);
        expect(plant).toMatchObject({ state: "exited", exitCode: 0 });
        // The agent's next start: the daemon prepares the sandbox again.
        const next = await host.run(agent, ["/bin/sh", "-c", 'head -1 "$SSL_CERT_FILE"']);
        expect(await readFile(victim, "utf8")).toBe("precious\n");
        // The sandbox still trusts the host's CA, from a path the agent cannot redirect.
        expect(next).toMatchObject({ state: "exited", exitCode: 0 });
        expect(next.output).toContain("-----BEGIN CERTIFICATE-----");
      });

      it("a .palisade link to a host directory gets nothing created in it", async () => {
        const dir = path.join(victimDir, "cron.d");
        await mkdir(dir);
        await chmod(dir, 0o755);
        const agent = nextAgent();
        await host.run(agent, ["/bin/true"]);
        const plant = await host.run(agent, [
          "/bin/sh",
          "-c",
          `mv /workspace/.palisade /workspace/.moved-$$ 2>/dev/null; ln -sfn ${dir} /workspace/.palisade`,
        ]);
        expect(plant).toMatchObject({ state: "exited", exitCode: 0 });
        const next = await host.run(agent, ["/bin/true"]);
        expect(await readdir(dir)).toEqual([]);
        expect(next).toMatchObject({ state: "exited", exitCode: 0 });
      });

      it("a link in place of the workspace's own files is not followed when the daemon prepares the next sandbox", async () => {
        const victim = path.join(victimDir, "passwd");
        await writeFile(victim, "root:x:0:0\n", { mode: 0o644 });
        const agent = nextAgent();
        await host.run(agent, ["/bin/true"]);
        // Every name the daemon or a driver could touch at the workspace's top level.
        const names = [".palisade", "ca-cert.pem", ".ssh", "tmp", "proxy.sock", "lost+found"];
        const script = names
          .map((n) => `mv /workspace/${n} /workspace/.moved-$$-${n} 2>/dev/null; ln -sfn ${victim} /workspace/${n} 2>/dev/null`)
          .join("; ");
        await host.run(agent, ["/bin/sh", "-c", `${script}; true`]);
        const next = await host.run(agent, ["/bin/true"]);
        expect(await readFile(victim, "utf8")).toBe("root:x:0:0\n");
        expect(next).toMatchObject({ state: "exited", exitCode: 0 });
      });
    });
  });
}
