// The host's private dirs (state dir, OCI bundles, id records): made root's, refused when another user
// could change them or a directory above them, never reached through a link another user planted.
import { execFile } from "node:child_process";
import { chmod, chown, lstat, mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHostDaemon } from "../../../sandbox-host/src/daemon/host.js";
import { StateError, writeHostState } from "../../../sandbox-host/src/daemon/state.js";
import { ensurePrivateDir, PrivateDirError, privateDirProblem } from "../../../sandbox-host/src/sandbox/state-dirs.js";
import { missing } from "../../support/capabilities.js";

const exec = promisify(execFile);
const NOBODY = 65534;
/** Directories and links of another user need root to make. */
const noRoot = missing("root", { ok: process.getuid?.() === 0, reason: "the tests run as another user" });

describe.skipIf(noRoot)("private state dirs", () => {
  let base: string;
  beforeAll(async () => {
    // A stand-in for /tmp: sticky and writable by everyone.
    base = await mkdtemp("/var/tmp/palisade-state-dirs-");
    await chmod(base, 0o1777);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("makes a missing dir with exactly the mode asked, below a sticky dir that others can write", async () => {
    const dir = path.join(base, "made", "oci");
    await ensurePrivateDir(dir, 0o711);
    for (const d of [dir, path.dirname(dir)]) {
      const st = await lstat(d);
      expect(st.isDirectory()).toBe(true);
      expect(st.uid).toBe(0);
    }
    expect((await stat(dir)).mode & 0o7777).toBe(0o711);
    // An existing dir of ours with a looser mode is tightened through its descriptor.
    await chmod(dir, 0o755);
    await ensurePrivateDir(dir, 0o700);
    expect((await stat(dir)).mode & 0o7777).toBe(0o700);
    expect(await privateDirProblem(dir)).toBeUndefined();
  });

  it("refuses a dir another user made first (a name pre-created in /tmp)", async () => {
    const dir = path.join(base, "palisade-oci-0");
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, NOBODY, NOBODY);
    await expect(ensurePrivateDir(dir, 0o711)).rejects.toThrow(/belongs to another user \(uid 65534\)/);
    // Nothing was made inside it.
    expect((await stat(dir)).uid).toBe(NOBODY);
    await expect(ensurePrivateDir(path.join(dir, "bundles"), 0o711)).rejects.toThrow(PrivateDirError);
  });

  it("refuses a symlink another user planted, on the way or as the dir itself", async () => {
    const target = path.join(base, "target-of-link");
    await mkdir(target, { mode: 0o711 });
    const planted = path.join(base, "planted");
    await symlink(target, planted);
    await exec("/bin/chown", ["-h", `${NOBODY}:${NOBODY}`, planted]);
    await expect(ensurePrivateDir(path.join(planted, "oci"), 0o711)).rejects.toThrow(/symlink of another user/);
    await expect(ensurePrivateDir(planted, 0o711)).rejects.toThrow(PrivateDirError);
    // Even root's own link in place of the last dir is not followed: it is opened O_NOFOLLOW.
    const rootLink = path.join(base, "root-link");
    await symlink(target, rootLink);
    await expect(ensurePrivateDir(rootLink, 0o711)).rejects.toThrow(/not a plain directory/);
  });

  it("refuses a dir below one that others can write without the sticky bit, and a file or FIFO in its place", async () => {
    const open = path.join(base, "open");
    await mkdir(open);
    await chmod(open, 0o777);
    await expect(ensurePrivateDir(path.join(open, "state"), 0o711)).rejects.toThrow(/writable by other users \(mode 777\)/);
    await expect(ensurePrivateDir(path.join(base, "state-loose"), 0o777)).rejects.toThrow(/not private/);
    const file = path.join(base, "a-file");
    await writeFile(file, "");
    await expect(ensurePrivateDir(file, 0o711)).rejects.toThrow(PrivateDirError);
    const fifo = path.join(base, "a-fifo");
    await exec("/usr/bin/mkfifo", [fifo]);
    await expect(ensurePrivateDir(fifo, 0o711)).rejects.toThrow(PrivateDirError);
    // The last dir itself may not be the sticky, world-writable kind either.
    await expect(privateDirProblem(base)).resolves.toMatch(/writable by other users/);
  });

  it("the daemon refuses to start on a state dir another user can change, before reading or writing anything in it", async () => {
    const stateDir = path.join(base, "host-state");
    await mkdir(stateDir, { mode: 0o711 });
    await chown(stateDir, NOBODY, NOBODY);
    await expect(startHostDaemon({ stateDir, log: () => undefined })).rejects.toThrow(StateError);
    await expect(startHostDaemon({ stateDir, log: () => undefined })).rejects.toThrow(/state dir cannot be used: .*another user/);
    // A part of it that is not a directory is refused the same way, not a crash.
    const enrolled = path.join(base, "host-state-fifo");
    await writeHostState(enrolled, {
      edgeUrl: "http://127.0.0.1:9",
      hostId: "host_1",
      orgId: "org_1",
      pool: "default",
      name: "t",
      credential: "pal_hostkey_x",
      enrolledAt: new Date().toISOString(),
    });
    await exec("/usr/bin/mkfifo", [path.join(enrolled, "sandboxes")]);
    await expect(startHostDaemon({ stateDir: enrolled, log: () => undefined })).rejects.toThrow(/state dir cannot be used: .*sandboxes/);
  });
});
