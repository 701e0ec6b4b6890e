// The microvm driver on a busybox image built here: a soft stop reaches the command inside the
// guest, the memory limit is the guest's and is reported as an OOM kill, a timeout ends the VM,
// a start says when the VMM runs (before the guest booted) and can be killed then, and a spec
// without an image is refused. The channel's framing is checked on its own.
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageStore } from "../../../sandbox-host/src/images/store.js";
import { MicrovmDriver } from "../../../sandbox-host/src/sandbox/microvm.js";
import { encodeConfig, encodeFrame, Frame, FrameReader, MAX_PAYLOAD } from "../../../sandbox-host/src/sandbox/microvm-channel.js";
import { SandboxStartError, type SandboxSpec } from "../../../sandbox-host/src/sandbox/types.js";
import { missing } from "../../support/capabilities.js";
import { busyboxLayer, busyboxStatic, writeOciLayout } from "../../support/images.js";

describe("the microvm channel's frames", () => {
  it("splits a byte stream into frames wherever it was cut, and refuses an oversized one", () => {
    const frames = Buffer.concat([
      encodeFrame(Frame.READY, 0),
      encodeFrame(Frame.OUT, 1, Buffer.from("hello")),
      encodeFrame(Frame.EXIT, 0, Buffer.alloc(5)),
    ]);
    const reader = new FrameReader();
    const got = [];
    for (let i = 0; i < frames.length; i += 3) got.push(...reader.push(frames.subarray(i, i + 3)));
    expect(got.map((f) => [f.type, f.ch, f.payload.toString()])).toEqual([
      [Frame.READY, 0, ""],
      [Frame.OUT, 1, "hello"],
      [Frame.EXIT, 0, "\0\0\0\0\0"],
    ]);
    const huge = Buffer.alloc(9);
    huge[0] = Frame.DATA;
    huge.writeUInt32BE(MAX_PAYLOAD + 1, 5);
    expect(() => new FrameReader().push(huge)).toThrow(/oversized/);
  });

  it("encodes the spec as NUL-ended records and refuses one beyond the guest's buffer", () => {
    const config = encodeConfig({
      argv: ["/bin/sh", "-c", "echo hi"],
      env: { A: "1" },
      uid: 1000,
      gid: 1001,
      memoryBytes: 1,
      cpuQuotaUs: 2,
      pids: 3,
      tmpBytes: 4,
      bridgePort: 3128,
    });
    expect(config.toString().split("\0").filter(Boolean)).toEqual([
      "A/bin/sh",
      "A-c",
      "Aecho hi",
      "EA=1",
      "U1000",
      "G1001",
      "M1",
      "C2",
      "P3",
      "T4",
      "B3128",
    ]);
    expect(() =>
      encodeConfig({ argv: ["x".repeat(MAX_PAYLOAD)], env: {}, uid: 0, gid: 0, memoryBytes: 0, cpuQuotaUs: 0, pids: 0, tmpBytes: 0, bridgePort: 0 }),
    ).toThrow(/256 KiB/);
  });
});

/** Pids of running processes whose command line holds `marker` (a VMM's -name). */
async function runningVmms(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // A zombie (state Z) has ended; it waits only for its parent to reap it.
    if (cmdline.includes(marker) && !/^\d+ \(.*\) Z/.test(stat)) pids.push(Number(entry));
  }
  return pids;
}

const isRoot = process.getuid?.() === 0;
const driver = new MicrovmDriver();
const avail = isRoot && busyboxStatic() ? await driver.available() : { ok: false, reason: "needs root and busybox-static" };
// Read the moment the probe answered (its own VM boot, no second one: TCG boots are costly).
const probeVmmsLeft = await runningVmms(`palisade-probe-${process.pid}-microvm-`);

describe.skipIf(missing("the microvm driver", avail))("microvm sandboxes", { timeout: 120_000 }, () => {
  let base: string;
  let image: NonNullable<SandboxSpec["image"]>;
  let seq = 0;
  const spec = (command: string[], over: Partial<SandboxSpec> = {}): SandboxSpec => ({
    id: `mvm-${process.pid}-${++seq}`,
    agentId: "agt_microvm",
    command,
    env: {},
    workspaceDir: path.join(base, "ws"),
    limits: { memoryBytes: 96 << 20, cpuQuota: 1, pids: 64 },
    network: {},
    image,
    timeoutMs: 90_000,
    ...over,
  });
  const collect = (h: Awaited<ReturnType<MicrovmDriver["start"]>>) => {
    const out: Buffer[] = [];
    h.stdout.on("data", (b: Buffer) => out.push(b));
    h.stderr.on("data", (b: Buffer) => out.push(b));
    return () => Buffer.concat(out).toString();
  };

  beforeAll(async () => {
    base = await mkdtemp(path.join("/var/tmp", "palisade-microvm-"));
    await chmod(base, 0o711);
    await mkdir(path.join(base, "ws"));
    const layout = path.join(base, "layout");
    await writeOciLayout(layout, [await busyboxLayer()], { env: ["PATH=/bin"] });
    const store = new ImageStore(path.join(base, "images"));
    const record = await store.import(layout);
    const resolved = await store.resolve(record.digest);
    if (!resolved) throw new Error("image not imported");
    image = { digest: record.digest, rootfsDir: resolved.rootfsDir, env: record.env, disk: await store.vmDisk(resolved) };
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  // A probe's VMM has no cgroup: its kill was deferred by the grace a runtime CLI gets, longer than
  // the probe waits, so a daemon stopped soon after start left the VMM running for good.
  it("leaves no VMM of its boot probe running once the probe answers", () => {
    expect(probeVmmsLeft).toEqual([]);
  });

  it("names its accelerator", () => {
    expect(["kvm", "tcg"]).toContain(driver.accelerator);
  });

  it("delivers a soft stop to the command inside the guest, which can end on its own terms", async () => {
    const h = await driver.start(spec(["/bin/sh", "-c", "trap 'echo got-term; exit 7' TERM; echo ready; while true; do sleep 1; done"]));
    const output = collect(h);
    for (let i = 0; i < 200 && !output().includes("ready"); i++) await new Promise((r) => setTimeout(r, 50));
    h.kill("SIGTERM", 20_000);
    const exit = await h.wait();
    expect(output()).toContain("got-term");
    expect(exit).toMatchObject({ exitCode: 7, signal: null, timedOut: false });
  });

  it("ends the command at the guest's memory limit and says it was an OOM kill", async () => {
    const h = await driver.start(
      // One 64 MiB buffer filled by the kernel from /dev/zero: past the 48 MiB limit in one read,
      // where piping bytes through the shell takes a minute of emulated CPU.
      spec(["/bin/sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1 && echo survived"], {
        limits: { memoryBytes: 48 << 20, cpuQuota: 1, pids: 64 },
      }),
    );
    const output = collect(h);
    const exit = await h.wait();
    expect(output()).not.toContain("survived");
    expect(exit.oomKilled).toBe(true);
  });

  it("kills the whole VM at its timeout, even while it boots", async () => {
    const booting = spec(["/bin/sleep", "600"], { timeoutMs: 500 });
    await expect(driver.start(booting)).rejects.toThrow(/timeout ended the microvm/);
    expect(spawnSync("pgrep", ["-f", `palisade-${booting.id}`]).status).toBe(1);
    const h = await driver.start(spec(["/bin/sleep", "600"], { timeoutMs: 30_000 }));
    const exit = await h.wait();
    expect(exit.timedOut).toBe(true);
    expect(exit.exitCode).toBeNull();
  });

  it("says when its VMM runs, before the guest started the command, and the kill it hands over ends the boot", async () => {
    let launchedFirst: boolean | undefined;
    let started = false;
    const ok = driver.start(spec(["/bin/true"]), {
      launched: () => {
        launchedFirst = !started;
      },
    });
    const h = await ok;
    started = true;
    expect(launchedFirst).toBe(true);
    expect((await h.wait()).exitCode).toBe(0);
    const booting = spec(["/bin/sleep", "600"]);
    const killed = driver.start(booting, { launched: (kill) => kill() });
    await expect(killed).rejects.toThrow(SandboxStartError);
    expect(spawnSync("pgrep", ["-f", `palisade-${booting.id}`]).status).toBe(1);
  });

  it("refuses a spec without an image, saying why", async () => {
    const { image: _, ...noImage } = spec(["/bin/true"]);
    await expect(driver.start(noImage)).rejects.toThrow(SandboxStartError);
    await expect(driver.start(noImage)).rejects.toThrow(/runs an image/);
  });
});
