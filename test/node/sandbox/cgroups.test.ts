// Cgroup layout detection for v2, v1 and the hybrid, from the texts the kernel shows in /proc.
import { describe, expect, it } from "vitest";
import { cgroupLayoutFrom } from "../../../sandbox-host/src/sandbox/cgroups.js";

const hybridMounts = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const hybridSelf = `8:pids:/
4:memory:/process_api/abc
1:cpu:/
0::/`;

const v2Mounts = `30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate`;

describe("cgroup layout", () => {
  it("uses the v1 hierarchies on the hybrid layout, under this process's own cgroup", async () => {
    const layout = await cgroupLayoutFrom(hybridMounts, hybridSelf, async () => "hugetlb");
    expect(layout).toEqual({
      memory: { version: 1, ownDir: "/sys/fs/cgroup/memory/process_api/abc" },
      cpu: { version: 1, ownDir: "/sys/fs/cgroup/cpu" },
      pids: { version: 1, ownDir: "/sys/fs/cgroup/pids" },
    });
  });

  it("adds the cpuacct hierarchy on v1, mounted alone or with cpu, to count the sandbox's CPU", async () => {
    const alone = `${hybridMounts}\n33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct`;
    expect((await cgroupLayoutFrom(alone, `${hybridSelf}\n2:cpuacct:/x`, async () => "")).cpuacct).toEqual({
      version: 1,
      ownDir: "/sys/fs/cgroup/cpuacct/x",
    });
    const together = hybridMounts.replace(
      "/sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
      "/sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
    );
    const layout = await cgroupLayoutFrom(together, hybridSelf.replace("1:cpu:/", "1:cpu,cpuacct:/"), async () => "");
    expect(layout.cpuacct).toEqual(layout.cpu);
  });

  it("uses the unified tree on pure v2 when it offers the controllers", async () => {
    const seen: string[] = [];
    const layout = await cgroupLayoutFrom(v2Mounts, "0::/system.slice/palisade.service\n", async (dir) => {
      seen.push(dir);
      return "cpuset cpu io memory hugetlb pids rdma misc\n";
    });
    const ownDir = "/sys/fs/cgroup/system.slice/palisade.service";
    expect(seen).toEqual([ownDir]);
    expect(layout).toEqual({ memory: { version: 2, ownDir }, cpu: { version: 2, ownDir }, pids: { version: 2, ownDir } });
  });

  it("mixes the two when a controller lives only on v2", async () => {
    const mounts = hybridMounts
      .split("\n")
      .filter((l) => !l.includes(",pids"))
      .join("\n");
    const layout = await cgroupLayoutFrom(mounts, "4:memory:/\n1:cpu:/\n0::/\n", async () => "pids");
    expect(layout.pids).toEqual({ version: 2, ownDir: "/sys/fs/cgroup/unified" });
    expect(layout.memory.version).toBe(1);
  });

  it("maps paths when the hierarchy is mounted from a subtree (a cgroup namespace)", async () => {
    const mounts = "50 40 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw";
    const layout = await cgroupLayoutFrom(mounts, "0::/kubepods/pod1/ctr\n", async () => "memory cpu pids");
    expect(layout.memory.ownDir).toBe("/sys/fs/cgroup/ctr");
  });

  it("refuses, naming them, when controllers are missing", async () => {
    await expect(cgroupLayoutFrom(v2Mounts, "0::/\n", async () => "cpu io")).rejects.toThrow(/memory, pids/);
  });
});
