// Red team (issue 20, after fixes): the image store's lock (refs.lock, a symlink to the holder's pid)
// and its stale-pid takeover. Two importers that find the same stale lock both read the dead pid;
// the first unlinks it and takes the lock; the second, preempted between its readlink and its
// unlink (a busy host), then unlinks the FIRST importer's fresh lock and takes it too: both hold the
// store lock, and their read-modify-write of refs.json loses a name. The preemption is simulated by
// delaying the second readlink of the lock (the syscall has returned the dead pid; the process is
// just slow to act on it), which makes the interleaving deterministic. Seen unforced too (about 1
// in 300 in-process trials).
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const slow = { lockReads: 0, delayNth: 2 };
vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const readlink = (async (p: string, ...rest: unknown[]) => {
    const out = await (real.readlink as (...a: unknown[]) => Promise<string>)(p, ...rest);
    if (String(p).endsWith("refs.lock") && ++slow.lockReads === slow.delayNth) await new Promise((r) => setTimeout(r, 60));
    return out;
  }) as typeof real.readlink;
  return { ...real, default: { ...real, readlink }, readlink };
});

const { readRefs, withStoreLock, writeRefs } = await import("../../../sandbox-host/src/images/refs.js");

const BASE = path.join(process.cwd(), `.redtmp20b-lock-${process.pid}`);
let dir: string;
let n = 0;
const deadPid = () => spawnSync("/bin/true").pid as number;

beforeEach(() => {
  dir = path.join(BASE, `store-${++n}`);
  mkdirSync(dir, { recursive: true });
  slow.lockReads = 0;
});
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

describe("stale-pid takeover of the store lock", () => {
  it("two importers finding one stale lock never hold the store lock at once", async () => {
    symlinkSync(String(deadPid()), path.join(dir, "refs.lock"));
    let inside = 0;
    let most = 0;
    const work = () =>
      withStoreLock(dir, async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(150);
        inside--;
      });
    await Promise.all([work(), work()]);
    expect(most, "holders of the store lock at the same time").toBe(1);
  });

  it("...and so refs.json keeps both names two imports bind (what #commit does under the lock)", async () => {
    await writeRefs(dir, { names: {}, manifests: {} });
    symlinkSync(String(deadPid()), path.join(dir, "refs.lock"));
    const bind = (name: string, hex: string) =>
      withStoreLock(dir, async () => {
        const refs = await readRefs(dir);
        await sleep(150);
        refs.names[name] = hex;
        await writeRefs(dir, refs);
      });
    const results = await Promise.allSettled([bind("a:1", "a".repeat(64)), bind("b:1", "b".repeat(64))]);
    expect(
      results.map((r) => r.status),
      JSON.stringify(results.map((r) => (r.status === "rejected" ? String(r.reason) : "ok"))),
    ).toEqual(["fulfilled", "fulfilled"]);
    expect(Object.keys((await readRefs(dir)).names).sort(), "both names bound").toEqual(["a:1", "b:1"]);
  });
});
