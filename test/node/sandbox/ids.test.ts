// Host ids for sandboxes: a uid per agent, a gid (and OCI root id) per sandbox, never shared between processes.
import { mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostIds, idRangeProblem } from "../../../sandbox-host/src/sandbox/ids.js";

const range = { first: 2_000_000, count: 64 };

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

  it("takes over a slot whose process is gone", async () => {
    const d = path.join(dir, "stale");
    const ids = new HostIds({ range, dir: d });
    await ids.agentUid("agt_x");
    // A crashed holder: a pid that does not exist.
    await symlink("999999999", path.join(d, "slots", "0"));
    const lease = await ids.lease("agt_x");
    expect(lease.gid).toBe(range.first + range.count / 2);
    await lease.release();
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
});
