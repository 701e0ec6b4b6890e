// Shared helpers for the sandbox tests: workspaces, a driver run that collects output, skip reasons.
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SandboxDriver, SandboxExit, SandboxSpec } from "../../../sandbox-host/src/sandbox/types.js";

export interface RunResult extends SandboxExit {
  stdout: string;
  stderr: string;
}

/** A parent dir that the unprivileged sandbox user can traverse, with one workspace per agent. */
export async function workspaces(): Promise<{ base: string; make(agent: string): Promise<string>; remove(): Promise<void> }> {
  const base = await mkdtemp(path.join(os.tmpdir(), "palisade-ws-"));
  await chmod(base, 0o711);
  return {
    base,
    async make(agent) {
      const dir = path.join(base, agent);
      await mkdir(dir, { recursive: true });
      return dir;
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}

let seq = 0;
export function specFor(workspaceDir: string, command: string[], over: Partial<SandboxSpec> = {}): SandboxSpec {
  seq++;
  return {
    id: `t-${process.pid}-${seq}`,
    agentId: "agent-a",
    command,
    env: {},
    workspaceDir,
    limits: { memoryBytes: 256 << 20, cpuQuota: 1, pids: 64 },
    network: {},
    timeoutMs: 20_000,
    ...over,
  };
}

export async function runIn(driver: SandboxDriver, spec: SandboxSpec): Promise<RunResult> {
  const h = await driver.start(spec);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  h.stdout.on("data", (b: Buffer) => out.push(b));
  h.stderr.on("data", (b: Buffer) => err.push(b));
  const exit = await h.wait();
  return { ...exit, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** Runs a shell snippet inside the sandbox. */
export const sh = (driver: SandboxDriver, ws: string, script: string, over: Partial<SandboxSpec> = {}) =>
  runIn(driver, specFor(ws, ["/bin/sh", "-c", script], over));

/** Runs a perl snippet inside the sandbox (perl-base is part of every Debian system). */
export const perl = (driver: SandboxDriver, ws: string, script: string, over: Partial<SandboxSpec> = {}) =>
  runIn(driver, specFor(ws, ["/usr/bin/perl", "-e", script], over));
