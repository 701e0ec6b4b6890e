// Attack class: two holders of the image store's lock (refs.lock), so that two read-modify-writes
// of refs.json interleave and a name is lost or moved. Variants: takers of one stale lock preempted
// at each step of the takeover, stale locks of every form (pid only, pid with start time, a pid
// reused by a live process, a claimant that died mid-takeover), a release after someone else took
// the lock, and real processes contending and being killed while they hold it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

/** Delays the nth readlink of the lock or of its claims: a taker preempted just after reading what the lock names. */
const slow = { reads: 0, nth: 0, ms: 0 };
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const readlink = (async (p: string, ...rest: unknown[]) => {
    const out = await (real.readlink as (...a: unknown[]) => Promise<string>)(p, ...rest);
    if (/refs\.lock/.test(path.basename(String(p))) && ++slow.reads === slow.nth) await new Promise((r) => setTimeout(r, slow.ms));
    return out;
  }) as typeof real.readlink;
  return { ...real, default: { ...real, readlink }, readlink };
});

const { readRefs, withStoreLock, writeRefs } = await import("../../../sandbox-host/src/images/refs.js");
const { holderAlive, holderOf, processStart } = await import("../../../sandbox-host/src/owner-records.js");

const BASE = path.join(process.cwd(), `.tmp-lock-takeover-${process.pid}`);
const CHILD = path.join(import.meta.dirname, "lock-holder-child.ts");
let dir: string;
let n = 0;
const deadPid = () => spawnSync("/bin/true").pid as number;
const nonce = () => randomBytes(8).toString("hex");
const lockFile = () => path.join(dir, "refs.lock");

beforeEach(() => {
  dir = path.join(BASE, `store-${++n}`);
  mkdirSync(dir, { recursive: true });
  Object.assign(slow, { reads: 0, nth: 0, ms: 0 });
});
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

/** Runs `count` holders at once; the most that were inside together. */
async function contend(count: number, holdMs = 40): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      withStoreLock(dir, async () => {
        most = Math.max(most, ++inside);
        await sleep(holdMs);
        inside--;
      }),
    ),
  );
  return most;
}

describe("two holders of the store lock after a stale-lock takeover", () => {
  for (const [form, stale] of [
    ["pid only", () => String(deadPid())],
    ["pid, start time and nonce", () => `${deadPid()}.1.${nonce()}`],
  ] as const) {
    for (const nth of [1, 2, 3, 4, 5]) {
      it(`three takers of one stale lock (${form}), the taker of readlink #${nth} preempted: one holder at a time`, async () => {
        symlinkSync(stale(), lockFile());
        Object.assign(slow, { nth, ms: 80 });
        expect(await contend(3)).toBe(1);
        expect(
          readdirSync(dir).filter((f) => f.startsWith("refs.lock")),
          "no lock or claim left behind",
        ).toEqual([]);
      });
    }
  }

  for (const nth of [2, 3]) {
    it(`two imports binding names over a stale lock, the taker of readlink #${nth} preempted: refs.json keeps both names`, async () => {
      await writeRefs(dir, { names: {}, manifests: {} });
      symlinkSync(String(deadPid()), lockFile());
      Object.assign(slow, { nth, ms: 60 });
      const bind = (name: string, hex: string) =>
        withStoreLock(dir, async () => {
          const refs = await readRefs(dir);
          await sleep(150);
          refs.names[name] = hex;
          await writeRefs(dir, refs);
        });
      await Promise.all([bind("a:1", "a".repeat(64)), bind("b:1", "b".repeat(64))]);
      expect(Object.keys((await readRefs(dir)).names).sort()).toEqual(["a:1", "b:1"]);
    });
  }

  for (const [what, target] of [
    ["a dead pid only (a lock of an older version)", () => String(deadPid())],
    ["a dead pid with its start time", () => `${deadPid()}.12345.${nonce()}`],
    ["a live pid reused by an unrelated process (other start time)", () => `${process.ppid}.1.${nonce()}`],
  ] as const) {
    it(`a stale lock naming ${what} is taken over at once, by one taker at a time`, async () => {
      symlinkSync(target(), lockFile());
      const t = Date.now();
      expect(await contend(3, 10)).toBe(1);
      expect(Date.now() - t, "no wait for the lock timeout").toBeLessThan(10_000);
    });
  }

  it("a takeover claim left by a claimant that died mid-takeover does not block the lock", async () => {
    const stale = `${deadPid()}.1.${nonce()}`;
    symlinkSync(stale, lockFile());
    symlinkSync(`${deadPid()}.1.${nonce()}`, `${lockFile()}~${stale}`);
    expect(await contend(2, 10)).toBe(1);
    expect(readdirSync(dir).filter((f) => f.startsWith("refs.lock"))).toEqual([]);
  });

  it("a holder's release leaves a lock someone else holds by then", async () => {
    const other = `${process.ppid}.${processStart(process.ppid)}.${nonce()}`;
    await withStoreLock(dir, async () => {
      // What a wrong takeover would leave: the lock now names another, live holder.
      rmSync(lockFile());
      symlinkSync(other, lockFile());
    });
    expect(readlinkSync(lockFile())).toBe(other);
  });

  it("a holder is alive only with the start time it recorded; a pid alone is judged by the pid (fail closed)", () => {
    const start = processStart(process.ppid);
    expect(start).toMatch(/^[0-9]+$/);
    expect(holderAlive(holderOf(`${process.ppid}.${start}.${nonce()}`))).toBe(true);
    expect(holderAlive(holderOf(`${process.ppid}.${Number(start) + 1}.${nonce()}`))).toBe(false);
    expect(holderAlive(holderOf(String(process.ppid)))).toBe(true);
    expect(holderAlive(holderOf(`${deadPid()}.1.${nonce()}`))).toBe(false);
    expect(holderOf("../../etc").pid, "a damaged lock names no holder a takeover could remove").toBe(0);
  });
});

describe("real processes contending for the store lock", () => {
  const run = (id: string, rounds: number, mode = "") =>
    spawn(process.execPath, ["--import", "tsx", CHILD, dir, id, String(rounds), mode], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = (c: ChildProcess) => new Promise<number | null>((r) => c.on("exit", (code) => r(code)));
  /** The trace's holds never overlap: every `in` is followed by the same holder's `out` (but a killed holder's last). */
  function holdsOneAtATime(killed?: string) {
    const lines = readFileSync(path.join(dir, "trace.log"), "utf8").trim().split("\n");
    let holder: string | undefined;
    for (const line of lines) {
      const [what, id] = line.split(" ");
      if (what === "in") {
        expect(holder === undefined || holder === killed, `${id} entered while ${holder} held the lock`).toBe(true);
        holder = id;
      } else {
        expect(id).toBe(holder);
        holder = undefined;
      }
    }
    return lines.length;
  }

  it("four processes taking one stale lock left by a dead process hold it one at a time", async () => {
    symlinkSync(`${deadPid()}.1.${nonce()}`, lockFile());
    const children = ["a", "b", "c", "d"].map((id) => run(id, 8));
    expect(await Promise.all(children.map(exited))).toEqual([0, 0, 0, 0]);
    expect(holdsOneAtATime()).toBe(4 * 8 * 2);
  }, 90_000);

  it("a process killed while it holds the lock: the others take it over, one at a time", async () => {
    const hung = run("k", 1, "hang");
    await new Promise<void>((r) => hung.stdout?.on("data", (d: Buffer) => d.toString().includes("holding") && r()));
    hung.kill("SIGKILL");
    await exited(hung);
    const children = ["a", "b", "c"].map((id) => run(id, 5));
    expect(await Promise.all(children.map(exited))).toEqual([0, 0, 0]);
    expect(holdsOneAtATime("k")).toBe(1 + 3 * 5 * 2);
  }, 90_000);
});
