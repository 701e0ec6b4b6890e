// Host ids for sandboxes: a uid per agent, a gid (and OCI root id) per sandbox, never shared between processes.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missing } from "../../support/capabilities.js";
import { DEFAULT_ID_RANGE, HostIds, idRangeProblem, idsInUse } from "../../../sandbox-host/src/sandbox/ids.js";

const range = { first: 2_000_000, count: 64 };
/** Processes with other ids (an escaped sandbox's, started with setpriv) need root. */
const noRoot = missing("root", { ok: process.getuid?.() === 0, reason: "the tests run as another user" });

async function until(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await probe()); i++) await new Promise((r) => setTimeout(r, 20));
}

describe("host ids", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "palisade-ids-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("gives each agent its own uid and each sandbox its own gid, in separate halves of the range", async () => {
    const ids = new HostIds({ range });
    const a1 = await ids.lease("agt_a");
    const a2 = await ids.lease("agt_a");
    const b = await ids.lease("agt_b");
    expect(a1.uid).toBe(a2.uid);
    expect(b.uid).not.toBe(a1.uid);
    const gids = [a1.gid, a2.gid, b.gid];
    expect(new Set(gids).size).toBe(3);
    for (const l of [a1, a2, b]) {
      expect(l.uid).toBeGreaterThanOrEqual(range.first);
      expect(l.uid).toBeLessThan(range.first + range.count / 2);
      expect(l.gid).toBeGreaterThanOrEqual(range.first + range.count / 2);
      expect(l.rootId).toBe(l.gid + 1);
      expect(l.rootId).toBeLessThan(range.first + range.count);
    }
    // Container root ids are never an agent's uid or another sandbox's gid.
    expect(new Set([...gids, a1.rootId, a2.rootId, b.rootId, a1.uid, b.uid]).size).toBe(8);
    await a1.release();
    const again = await ids.lease("agt_c");
    expect([a2.gid, b.gid]).not.toContain(again.gid);
  });

  it("refuses a lease when the range is used up, and takes released slots back", async () => {
    const ids = new HostIds({ range: { first: 3_000_000, count: 8 } });
    const held = [await ids.lease("a"), await ids.lease("a")];
    await expect(ids.lease("a")).rejects.toThrow(/no free sandbox slot/);
    await held[0]?.release();
    await expect(ids.lease("a")).resolves.toMatchObject({ gid: held[0]?.gid });
  });

  it("never hands the same id to two processes sharing the directory (daemon and CLI)", async () => {
    const shared = path.join(dir, "shared");
    const daemon = new HostIds({ range, dir: shared });
    const cli = new HostIds({ range, dir: shared });
    const agents = Array.from({ length: 10 }, (_, i) => `agt_${i}`);
    const [fromDaemon, fromCli] = await Promise.all([
      Promise.all(agents.map((a) => daemon.agentUid(a))),
      Promise.all(agents.map((a) => cli.agentUid(a))),
    ]);
    // The same agent gets the same uid from either; different agents never share one.
    expect(fromCli).toEqual(fromDaemon);
    expect(new Set(fromDaemon).size).toBe(agents.length);
    const leases = await Promise.all([...agents.slice(0, 5).map((a) => daemon.lease(a)), ...agents.slice(0, 5).map((a) => cli.lease(a))]);
    expect(new Set(leases.map((l) => l.gid)).size).toBe(leases.length);
    // A fresh process reads the assignments back.
    expect(await new HostIds({ range, dir: shared }).agentUid("agt_3")).toBe(fromDaemon[3]);
    for (const l of leases) await l.release();
    expect(await readdir(path.join(shared, "slots"))).toEqual([]);
  });

  it("keeps a few slots claimed ahead for the next starts, and gives them back on close", async () => {
    const d = path.join(dir, "prefetch");
    const ids = new HostIds({ range, dir: d, prefetch: 2 });
    const first = await ids.lease("agt_p");
    // The refill runs after the lease: wait until the slot files of the lease and two spares exist.
    for (let i = 0; i < 100 && (await readdir(path.join(d, "slots"))).length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await readdir(path.join(d, "slots"))).toHaveLength(3);
    // Another process on the same directory never gets a slot held ahead.
    const other = await new HostIds({ range, dir: d }).lease("agt_q");
    const second = await ids.lease("agt_p");
    expect(new Set([first.gid, second.gid, other.gid]).size).toBe(3);
    for (const l of [first, second, other]) await l.release();
    await ids.close();
    expect(await readdir(path.join(d, "slots"))).toEqual([]);
  });

  it("takes over a slot whose process is gone only when no slot without a record is left", async () => {
    const d = path.join(dir, "stale");
    // Two slots: 0 has a crashed holder (a pid that does not exist), 1 is free.
    const small = { first: 3_100_000, count: 8 };
    const ids = new HostIds({ range: small, dir: d });
    await ids.agentUid("agt_x");
    await symlink("999999999", path.join(d, "slots", "0"));
    const first = await ids.lease("agt_x");
    expect(first.gid).toBe(small.first + small.count / 2 + 2);
    const second = await ids.lease("agt_x");
    expect(second.gid).toBe(small.first + small.count / 2);
    await first.release();
    await second.release();
  });

  it.skipIf(noRoot)("keeps a released slot out of use while a process still holds its gid, and frees it once that process is gone", async () => {
    const small = { first: 3_200_000, count: 8 };
    const ids = new HostIds({ range: small });
    const a = await ids.lease("agt_a");
    // A process that got out of the sandbox with its ids and outlives it.
    const escaped = spawn("/usr/bin/setpriv", [`--reuid=${a.uid}`, `--regid=${a.gid}`, "--clear-groups", "--", "/bin/sleep", "60"], {
      stdio: "ignore",
    });
    await until(async () => (await idsInUse(small)).has(a.gid));
    await a.release();
    const b = await ids.lease("agt_b");
    expect(b.gid).not.toBe(a.gid);
    // Both slots are taken now (one by b, one held by the escaped process).
    await expect(ids.lease("agt_c")).rejects.toThrow(/no free sandbox slot/);
    escaped.kill("SIGKILL");
    await until(async () => !(await idsInUse(small)).has(a.gid));
    const c = await ids.lease("agt_c");
    expect(c.gid).toBe(a.gid);
    for (const l of [b, c]) await l.release();
  });

  for (const [form, stale] of [
    ["a dead pid only", () => "999999999"],
    ["a dead pid with start time and nonce", () => "999999999.1.0123456789abcdef"],
    ["a live pid reused by another process (other start time)", () => `${process.ppid}.1.0123456789abcdef`],
  ] as const) {
    it(`two processes taking over stale slots (${form}) at once never get the same slot`, async () => {
      const d = path.join(dir, `race-${form.replace(/\W+/g, "-")}`);
      const small = { first: 3_300_000, count: 12 };
      const daemon = new HostIds({ range: small, dir: d });
      const cli = new HostIds({ range: small, dir: d });
      await daemon.agentUid("agt_x");
      for (const slot of ["0", "1", "2"]) await symlink(stale(), path.join(d, "slots", slot));
      const leases = await Promise.all(
        [daemon.lease("agt_x"), cli.lease("agt_x"), daemon.lease("agt_x"), cli.lease("agt_x")].map((p) => p.catch(() => undefined)),
      );
      const got = leases.filter((l) => l !== undefined);
      expect(got).toHaveLength(3);
      expect(new Set(got.map((l) => l.gid)).size, "each slot to one holder").toBe(3);
      // Each holder's record stays until it releases; a release never removes another's record.
      expect((await readdir(path.join(d, "slots"))).sort()).toEqual(["0", "1", "2"]);
      for (const l of got) await l.release();
      expect(await readdir(path.join(d, "slots"))).toEqual([]);
    });
  }

  it("frees every slot of sandboxes that end together (their /proc scans shared), and only those", async () => {
    const small = { first: 3_500_000, count: 16 };
    const ids = new HostIds({ range: small });
    const leases = await Promise.all(["a", "b", "c", "d"].map((a) => ids.lease(`agt_${a}`)));
    const gids = leases.map((l) => l.gid).sort();
    expect(new Set(gids).size).toBe(4);
    await Promise.all(leases.map((l) => l.release()));
    // The range has four slots: all four are free again, each once.
    const again = await Promise.all(["e", "f", "g", "h"].map((a) => ids.lease(`agt_${a}`)));
    expect(again.map((l) => l.gid).sort()).toEqual(gids);
    await expect(ids.lease("agt_a")).rejects.toThrow(/no free sandbox slot/);
    await Promise.all(again.map((l) => l.release()));
  });

  it.skipIf(noRoot)("counts a process whose leader thread has exited (a zombie leader) while another of its threads runs on", async () => {
    const small = { first: 3_400_000, count: 8 };
    const gid = small.first + small.count / 2;
    // The leader ends with exit(2) (its thread only): /proc/<pid> then says zombie while a thread
    // holding the gid keeps running, a way for an escaped process to look gone.
    const script =
      "import ctypes, threading, time, sys\n" +
      "threading.Thread(target=lambda: time.sleep(60)).start()\n" +
      "sys.stdout.write('ready\\n'); sys.stdout.flush()\n" +
      "ctypes.CDLL(None).syscall(60 if __import__('platform').machine() == 'x86_64' else 93, 0)\n";
    const escaped = spawn(
      "/usr/bin/setpriv",
      [`--reuid=${small.first}`, `--regid=${gid}`, "--clear-groups", "--", "/usr/bin/python3", "-c", script],
      {
        stdio: ["ignore", "pipe", "ignore"],
      },
    );
    try {
      await new Promise((r) => escaped.stdout.once("data", r));
      await until(async () => /State:\s+Z/.test(await readFile(`/proc/${escaped.pid}/status`, "utf8").catch(() => "")));
      expect(await readFile(`/proc/${escaped.pid}/status`, "utf8")).toMatch(/State:\s+Z/);
      expect(await idsInUse(small)).toContain(gid);
    } finally {
      escaped.kill("SIGKILL");
    }
  });

  it.skipIf(noRoot)("never takes over a dead process's slot whose ids a live process still holds", async () => {
    const d = path.join(dir, "orphaned");
    const small = { first: 3_300_000, count: 8 };
    const ids = new HostIds({ range: small, dir: d });
    const uid = await ids.agentUid("agt_x");
    const gids = [0, 1].map((slot) => small.first + small.count / 2 + 2 * slot);
    // Both slots were leased by a daemon that died; a process of slot 0's sandbox still runs.
    for (const slot of ["0", "1"]) await symlink("999999999", path.join(d, "slots", slot));
    const orphan = spawn("/usr/bin/setpriv", [`--reuid=${uid}`, `--regid=${gids[0]}`, "--clear-groups", "--", "/bin/sleep", "60"], {
      stdio: "ignore",
    });
    try {
      await until(async () => (await idsInUse(small)).has(gids[0] ?? 0));
      const lease = await ids.lease("agt_x");
      expect(lease.gid).toBe(gids[1]);
      await expect(ids.lease("agt_x")).rejects.toThrow(/no free sandbox slot/);
      await lease.release();
    } finally {
      orphan.kill("SIGKILL");
    }
  });

  it("refuses ranges that overlap the host's users or groups, or are malformed", async () => {
    const passwd = path.join(dir, "passwd");
    const group = path.join(dir, "group");
    await writeFile(passwd, "root:x:0:0::/root:/bin/sh\nbig:x:2000010:2000010::/home/big:/bin/sh\n");
    await writeFile(group, "root:x:0:\n");
    expect(idRangeProblem({ first: 2_000_000, count: 64 }, { passwd, group })).toMatch(/2000010/);
    expect(idRangeProblem({ first: 2_100_000, count: 64 }, { passwd, group })).toBeUndefined();
    expect(idRangeProblem({ first: 1000, count: 64 }, { passwd, group })).toMatch(/65536/);
    expect(idRangeProblem({ first: 2_100_000, count: 63 }, { passwd, group })).toMatch(/even/);
    expect(idRangeProblem({ first: 4_294_967_000, count: 65_536 }, { passwd, group })).toMatch(/largest/);
    expect(() => new HostIds({ range: { first: 10, count: 4 } })).toThrow(/65536/);
    await expect(new HostIds({ range }).agentUid("../x")).rejects.toThrow(/agent id/);
  });

  it("checks the range, the default one included, against passwd, group, subuid and subgid before handing out an id", async () => {
    const passwd = path.join(dir, "passwd-subid");
    const group = path.join(dir, "group-subid");
    const subuid = path.join(dir, "subuid");
    const subgid = path.join(dir, "subgid");
    await writeFile(passwd, "root:x:0:0::/root:/bin/sh\nsvc:x:1500:1000005::/:/bin/false\n");
    await writeFile(group, "root:x:0:\n");
    await writeFile(subuid, "alice:100000:65536\nzed:951968:65536\n");
    await writeFile(subgid, "alice:100000:65536\n");
    // A passwd entry's primary gid inside the range.
    expect(idRangeProblem(DEFAULT_ID_RANGE, { passwd, group })).toMatch(/1000005/);
    // The 14th user's subordinate ids (951968-1017503) overlap the default range's start.
    expect(idRangeProblem(DEFAULT_ID_RANGE, { subuid, subgid })).toMatch(/subuid gives ids 951968-1017503/);
    expect(idRangeProblem({ first: 2_000_000, count: 64 }, { passwd, group, subuid, subgid })).toBeUndefined();
    // HostIds refuses before the first id, whatever the range was given by.
    const ids = new HostIds({ hostFiles: { passwd, group, subuid, subgid } });
    await expect(ids.lease("agt_a")).rejects.toThrow(/inside the sandbox id range/);
    await expect(ids.verify()).rejects.toThrow(/inside the sandbox id range/);
  });
});
