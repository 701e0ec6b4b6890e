// Attack: a sandbox host is trusted on its word about what it runs. A host (compromised, buggy or
// old) acknowledges a start without saying what it runs it on, names a driver or field the edge does
// not know, runs another image than the digest asked for (or none, or one where none was asked),
// applies other limits than sent or says nothing of one, claims `running` before its ack, or later
// reports a runtime other than the one accepted (accelerator, driver, level, limits). Each fails
// closed: 503 with the reason (or `failed` right after), never `running`, the host told to kill it,
// its session token dead, and a `sandbox.failed` audit event saying why with both runtimes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostCapabilities } from "../../schema/sandbox.js";
import type { SandboxStartCommand, TunnelCommand } from "../../schema/tunnel.js";
import { call, expectErrorShape, type SeededOrg, seedOrg, unique } from "../workers/support/api.js";
import { honestRuntime } from "../workers/support/fake-host.js";
import { type ConnectedHost, connectHost, type HostBehaviour } from "./support/sandbox-host.js";

const DIGEST = `sha256:${"12".repeat(32)}`;
const MANIFEST = `sha256:${"34".repeat(32)}`;
const OTHER = `sha256:${"56".repeat(32)}`;
const CAPS: HostCapabilities = {
  drivers: [
    { name: "bwrap", isolation: "container", images: false },
    { name: "oci", isolation: "container", images: true },
    { name: "gvisor", isolation: "gvisor", images: true },
    { name: "microvm", isolation: "vm", images: true, accelerator: "tcg" },
  ],
  images: [{ digest: DIGEST, manifestDigest: MANIFEST, names: ["agent-image:1"] }],
};

type Start = SandboxStartCommand;
const isStart = (c: TunnelCommand): c is Start => c.op === "sandbox.start";
/** The daemon's answer: the level's driver, the digest of the image asked, a VM's accelerator. */
const honest = (c: Start) => honestRuntime(c, c.image ? DIGEST : undefined);

let org: SeededOrg;
let agentId: string;
const hosts: ConnectedHost[] = [];
const api = (path: string, method = "GET", body?: unknown) =>
  call(`/api/v1/orgs/${org.orgId}${path}`, { method, token: org.apiKey, ...(body === undefined ? {} : { body }) });

async function hostThat(runtime: (c: Start) => Record<string, unknown> | undefined, extra: Partial<HostBehaviour> = {}) {
  const host = await connectHost(org, { capabilities: CAPS, runtime: (c) => (isStart(c) ? runtime(c) : undefined), ...extra });
  hosts.push(host);
  return host;
}

async function waitUntil<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 150 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  return value;
}

/** The start must have failed closed on `host`, for `reason`. */
async function expectFailedClosed(res: Awaited<ReturnType<typeof api>>, host: ConnectedHost, reason: RegExp) {
  expect(res.status, res.text).toBe(503);
  expectErrorShape(res);
  expect(res.json.error.message).toMatch(reason);
  const start = host.commands.filter(isStart).at(-1);
  if (!start) throw new Error("the host never got the start");
  expect(host.commands.at(-1)).toEqual({ op: "sandbox.kill", sandboxId: start.sandboxId });
  const sandbox = await api(`/sandboxes/${start.sandboxId}`);
  expect(sandbox.json).toMatchObject({ state: "failed" });
  expect(sandbox.json.reason).toMatch(reason);
  const audit = await api(`/audit?action=sandbox.failed&resourceId=${start.sandboxId}`);
  expect(audit.json.items[0], JSON.stringify(audit.json)).toMatchObject({ result: "error" });
  expect(audit.json.items[0].reason).toMatch(reason);
  // The session token the host was handed is dead.
  expect((await call("/agent/v1/me", { token: start.agentToken })).status).toBe(401);
  return start;
}

const startOn = (host: ConnectedHost, body: Record<string, unknown>) =>
  api("/sandboxes", "POST", { agentId, pool: host.pool, command: ["/bin/true"], ...body });

beforeAll(async () => {
  org = await seedOrg("runtime-trust");
  const agent = await api("/agents", "POST", { name: unique("agent") });
  agentId = agent.json.id;
});
afterAll(() => {
  for (const h of hosts) h.close();
});

describe("attack: a host acknowledges a start without saying what it runs it on", () => {
  for (const [isolation, image] of [
    ["gvisor", "agent-image:1"],
    ["vm", "agent-image:1"],
    ["container", undefined],
  ] as const) {
    it(`attack: a silent ack of a ${isolation} start is not trusted`, async () => {
      const host = await hostThat(() => undefined);
      const res = await startOn(host, { isolation, ...(image ? { image } : {}) });
      await expectFailedClosed(res, host, /without saying what it runs/);
    });
  }

  it("attack: claim `running` with no runtime before a silent ack: never recorded as running", async () => {
    const host = await hostThat(() => undefined, {
      statusBeforeAck: (c) => (isStart(c) ? { sandboxId: c.sandboxId, state: "running" } : undefined),
    });
    const res = await startOn(host, { isolation: "gvisor", image: "agent-image:1" });
    const start = await expectFailedClosed(res, host, /without saying what it runs/);
    const list = await api(`/sandboxes?agentId=${agentId}`);
    expect(list.json.items.find((s: { id: string }) => s.id === start.sandboxId)?.state).toBe("failed");
  });

  it("attack: claim `running` at a weaker level before an honest ack: the report fails it", async () => {
    const host = await hostThat(honest, {
      statusBeforeAck: (c) =>
        isStart(c)
          ? { sandboxId: c.sandboxId, state: "running", runtime: { driver: "oci", isolation: "container", imageDigest: DIGEST } }
          : undefined,
    });
    const res = await startOn(host, { isolation: "gvisor", image: "agent-image:1" });
    const id = host.commands.filter(isStart).at(-1)?.sandboxId;
    // The ack raced the report: either the start answers 503 or the sandbox ends failed right after.
    const sandbox = await waitUntil(
      () => api(`/sandboxes/${id}`),
      (s) => s.json.state === "failed",
    );
    expect(sandbox.json.state, `${res.status} ${res.text}`).toBe("failed");
    expect(sandbox.json.reason).toMatch(/isolation container, below gvisor/);
    expect(host.commands).toContainEqual({ op: "sandbox.kill", sandboxId: id });
  });
});

describe("attack: a host acknowledges with fields the edge does not know", () => {
  const broken: [string, "gvisor" | "vm", (c: Start) => Record<string, unknown>][] = [
    ["an unknown driver", "vm", () => ({ driver: "firecracker", isolation: "vm", accelerator: "kvm", imageDigest: DIGEST })],
    ["an unknown isolation level", "gvisor", (c) => ({ ...honest(c), isolation: "hypervisor" })],
    ["a microvm without its accelerator", "vm", () => ({ driver: "microvm", isolation: "vm", imageDigest: DIGEST })],
    ["an unknown accelerator", "vm", () => ({ driver: "microvm", isolation: "vm", imageDigest: DIGEST, accelerator: "hvf" })],
    ["an accelerator on a gVisor sandbox", "gvisor", (c) => ({ ...honest(c), accelerator: "kvm" })],
    ["an extra field beside the runtime", "gvisor", (c) => ({ ...honest(c), seccomp: "off" })],
    ["a digest of another algorithm", "gvisor", (c) => ({ ...honest(c), imageDigest: `sha512:${"a".repeat(128)}` })],
  ];
  for (const [name, isolation, runtime] of broken) {
    it(`attack: ${name} fails the ${isolation} start at once (not at the command timeout)`, async () => {
      const host = await hostThat(runtime);
      await expectFailedClosed(await startOn(host, { isolation, image: "agent-image:1" }), host, /invalid ack/);
    });
  }
});

describe("attack: a host runs another image than asked", () => {
  it("attack: another digest than the one asked by digest", async () => {
    const host = await hostThat((c) => ({ ...honest(c), imageDigest: OTHER }));
    const res = await startOn(host, { isolation: "gvisor", image: DIGEST });
    await expectFailedClosed(res, host, /ran image .*, not /);
    expect(res.json.error.message).toContain(`ran image ${OTHER}, not ${DIGEST}`);
  });

  it("attack: another digest than the one the name resolves to on that host", async () => {
    const host = await hostThat((c) => ({ ...honest(c), imageDigest: OTHER }));
    await expectFailedClosed(await startOn(host, { isolation: "vm", image: "agent-image:1" }), host, /ran image .* not /);
  });

  it("attack: no image digest at all for a start that named an image", async () => {
    const host = await hostThat((c) => {
      const { imageDigest: _dropped, ...rest } = honest(c);
      return rest;
    });
    await expectFailedClosed(await startOn(host, { isolation: "gvisor", image: "agent-image:1" }), host, /did not say it runs image/);
  });

  it("attack: an image where none was asked (a container of the host's choosing)", async () => {
    const host = await hostThat((c) => ({ ...honest(c), driver: "oci", imageDigest: OTHER }));
    await expectFailedClosed(await startOn(host, { isolation: "container" }), host, /where none was asked/);
  });

  it("control: asked by manifest digest, the host reports the image's config digest, and the start stands", async () => {
    const host = await hostThat(honest);
    const res = await startOn(host, { isolation: "gvisor", image: MANIFEST });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ state: "starting", driver: "gvisor", imageDigest: DIGEST });
  });

  it("attack: a later `running` report naming another image ends the sandbox", async () => {
    const host = await hostThat(honest);
    const res = await startOn(host, { isolation: "gvisor", image: "agent-image:1" });
    expect(res.status, res.text).toBe(201);
    const id = res.json.id as string;
    host.sendStatus({ sandboxId: id, state: "running", runtime: { driver: "gvisor", isolation: "gvisor", imageDigest: OTHER } });
    const sandbox = await waitUntil(
      () => api(`/sandboxes/${id}`),
      (s) => s.json.state === "failed",
    );
    expect(sandbox.json.state).toBe("failed");
    expect(sandbox.json.reason).toMatch(/ran image .* not /);
    expect(host.commands).toContainEqual({ op: "sandbox.kill", sandboxId: id });
    const audit = await api(`/audit?action=sandbox.failed&resourceId=${id}`);
    expect(audit.json.items[0]?.details).toMatchObject({ imageDigest: DIGEST, reportedImageDigest: OTHER });
  });
});

describe("attack: a host applies other limits than sent", () => {
  const limits = { memoryMiB: 256, cpuMillis: 500, pids: 64 };
  const echoed = { memoryBytes: 256 * 1024 * 1024, cpuMillis: 500, pids: 64 };
  for (const [key, value] of [
    ["memoryBytes", 8 * 1024 * 1024 * 1024],
    ["cpuMillis", 4000],
    ["pids", 65_536],
  ] as const) {
    it(`attack: echo ${key} ${value} instead of the one asked`, async () => {
      const host = await hostThat((c) => ({ ...honest(c), limits: { ...echoed, [key]: value } }));
      await expectFailedClosed(
        await startOn(host, { isolation: "gvisor", image: "agent-image:1", limits }),
        host,
        new RegExp(`applied ${key} ${value}`),
      );
    });
  }

  it("control: limits echoed as sent are accepted", async () => {
    const host = await hostThat((c) => ({ ...honest(c), limits: echoed }));
    const res = await startOn(host, { isolation: "gvisor", image: "agent-image:1", limits });
    expect(res.status, res.text).toBe(201);
  });
});

describe("a vm start says which accelerator runs it", () => {
  it("control: the start returns `starting` with the accelerator, `running` follows with the report", async () => {
    const host = await hostThat(honest);
    const res = await startOn(host, { isolation: "vm", image: "agent-image:1" });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ state: "starting", driver: "microvm", accelerator: "tcg", imageDigest: DIGEST });
    const audit = await api(`/audit?action=sandbox.start&resourceId=${res.json.id}`);
    expect(audit.json.items[0]?.details).toMatchObject({ isolation: "vm", driver: "microvm", accelerator: "tcg" });
    host.sendStatus({ sandboxId: res.json.id, state: "running", runtime: honest(host.commands.filter(isStart).at(-1) as Start) });
    const running = await waitUntil(
      () => api(`/sandboxes/${res.json.id}`),
      (s) => s.json.state === "running",
    );
    expect(running.json).toMatchObject({ state: "running", accelerator: "tcg" });
  });
});

describe("attack: a host says nothing of a limit it was sent", () => {
  const limits = { memoryMiB: 256, cpuMillis: 500, pids: 64 };
  const echoed = { memoryBytes: 256 * 1024 * 1024, cpuMillis: 500, pids: 64 };
  for (const key of ["memoryBytes", "cpuMillis", "pids"] as const) {
    it(`attack: an ack that leaves ${key} out of the limits it echoes`, async () => {
      const host = await hostThat((c) => {
        const { [key]: _dropped, ...rest } = echoed;
        return { ...honest(c), limits: rest };
      });
      await expectFailedClosed(
        await startOn(host, { isolation: "gvisor", image: "agent-image:1", limits }),
        host,
        new RegExp(`applied ${key} \\(none\\)`),
      );
    });
  }

  it("attack: a vm ack with no limits at all for a start that asked memory", async () => {
    const host = await hostThat(honest);
    await expectFailedClosed(
      await startOn(host, { isolation: "vm", image: "agent-image:1", limits: { memoryMiB: 512 } }),
      host,
      /applied memoryBytes \(none\)/,
    );
  });

  it("control: a host that echoes more limits than asked (its own defaults) is accepted", async () => {
    const host = await hostThat((c) => ({ ...honest(c), limits: echoed }));
    const res = await startOn(host, { isolation: "gvisor", image: "agent-image:1", limits: { pids: 64 } });
    expect(res.status, res.text).toBe(201);
  });
});

/** Starts a sandbox on an honest host (echoing `echo` as its limits) and returns its id once 201. */
async function acceptedSandbox(body: Record<string, unknown>, echo?: Record<string, number>) {
  const host = await hostThat((c) => ({ ...honest(c), ...(echo ? { limits: echo } : {}) }));
  const res = await startOn(host, body);
  expect(res.status, res.text).toBe(201);
  return { host, id: res.json.id as string, start: host.commands.filter(isStart).at(-1) as Start };
}

/** A later report must have failed the sandbox closed: failed, killed, session dead, both runtimes audited, the row not rewritten. */
async function expectReportFailed(host: ConnectedHost, id: string, start: Start, reason: RegExp) {
  const sandbox = await waitUntil(
    () => api(`/sandboxes/${id}`),
    (s) => s.json.state === "failed",
  );
  expect(sandbox.json.state).toBe("failed");
  expect(sandbox.json.reason).toMatch(reason);
  expect(host.commands).toContainEqual({ op: "sandbox.kill", sandboxId: id });
  expect((await call("/agent/v1/me", { token: start.agentToken })).status).toBe(401);
  const audit = await api(`/audit?action=sandbox.failed&resourceId=${id}`);
  expect(audit.json.items[0]?.reason).toMatch(reason);
  return { sandbox: sandbox.json, details: audit.json.items[0]?.details };
}

describe("attack: a later report contradicts the limits asked", () => {
  const limits = { memoryMiB: 256, cpuMillis: 500, pids: 64 };
  const echoed = { memoryBytes: 256 * 1024 * 1024, cpuMillis: 500, pids: 64 };
  const report = (id: string, state: "running" | "exited", reportedLimits?: Record<string, number>) => ({
    sandboxId: id,
    state,
    ...(state === "exited" ? { exitCode: 0 } : {}),
    runtime: { driver: "gvisor" as const, isolation: "gvisor" as const, imageDigest: DIGEST, ...(reportedLimits ? { limits: reportedLimits } : {}) },
  });

  it("attack: `running` after an honest ack, with the limits left out", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "gvisor", image: "agent-image:1", limits }, echoed);
    host.sendStatus(report(id, "running"));
    const { details } = await expectReportFailed(host, id, start, /applied memoryBytes \(none\)/);
    expect(details).toMatchObject({ askedLimits: echoed, acceptedRuntime: { limits: echoed } });
  });

  it("attack: `running` after an honest ack, with one cpu thousandth more", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "gvisor", image: "agent-image:1", limits }, echoed);
    host.sendStatus(report(id, "running", { ...echoed, cpuMillis: 501 }));
    const { details } = await expectReportFailed(host, id, start, /applied cpuMillis 501, not the 500 asked/);
    expect(details).toMatchObject({ reportedLimits: { cpuMillis: 501 } });
  });

  it("attack: an `exited` report carrying other limits is not believed either", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "gvisor", image: "agent-image:1", limits }, echoed);
    host.sendStatus(report(id, "exited", { ...echoed, pids: 100_000 }));
    await expectReportFailed(host, id, start, /applied pids 100000/);
  });

  it("attack: no limits asked, then a report with limits other than those accepted at the ack", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "gvisor", image: "agent-image:1" }, echoed);
    host.sendStatus(report(id, "running", { ...echoed, memoryBytes: 8 << 30 }));
    await expectReportFailed(host, id, start, /reported memoryBytes \d+ after it was accepted with 268435456/);
  });
});

describe("attack: a later report rewrites the runtime accepted at the ack", () => {
  it("attack: a tcg vm later claims kvm (a slow emulated VM passed off as a fast one)", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "vm", image: "agent-image:1" });
    host.sendStatus({ sandboxId: id, state: "running", runtime: { driver: "microvm", isolation: "vm", imageDigest: DIGEST, accelerator: "kvm" } });
    const { sandbox, details } = await expectReportFailed(host, id, start, /reported accelerator kvm after it was accepted with tcg/);
    expect(sandbox).toMatchObject({ driver: "microvm", accelerator: "tcg" });
    expect(details).toMatchObject({ accelerator: "tcg", reportedAccelerator: "kvm" });
  });

  it("attack: a gvisor sandbox later claims to be a kvm microvm (stronger, but not what was accepted)", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "gvisor", image: "agent-image:1" });
    host.sendStatus({ sandboxId: id, state: "running", runtime: { driver: "microvm", isolation: "vm", imageDigest: DIGEST, accelerator: "kvm" } });
    const { sandbox, details } = await expectReportFailed(host, id, start, /reported driver microvm after it was accepted with gvisor/);
    expect(sandbox).toMatchObject({ driver: "gvisor", accelerator: null });
    expect(details).toMatchObject({ driver: "gvisor", reportedDriver: "microvm" });
  });

  it("attack: an oci container sandbox later relabels itself gvisor (same driver, another level)", async () => {
    const { host, id, start } = await acceptedSandbox({ isolation: "container", image: "agent-image:1" });
    host.sendStatus({ sandboxId: id, state: "running", runtime: { driver: "oci", isolation: "gvisor", imageDigest: DIGEST } });
    await expectReportFailed(host, id, start, /reported isolation gvisor after it was accepted with container/);
  });

  it("attack: `running` with kvm before an ack saying tcg: the host contradicted itself, the sandbox fails", async () => {
    const host = await hostThat(honest, {
      statusBeforeAck: (c) =>
        isStart(c)
          ? { sandboxId: c.sandboxId, state: "running", runtime: { driver: "microvm", isolation: "vm", imageDigest: DIGEST, accelerator: "kvm" } }
          : undefined,
    });
    const res = await startOn(host, { isolation: "vm", image: "agent-image:1" });
    const start = host.commands.filter(isStart).at(-1) as Start;
    // Whichever of the report and the ack the edge took first, the other contradicts it.
    const { sandbox } = await expectReportFailed(host, start.sandboxId, start, /reported accelerator (kvm|tcg) after it was accepted with (tcg|kvm)/);
    expect(res.status === 503 || sandbox.state === "failed", res.text).toBe(true);
  });

  it("control: `running` before the ack with the same runtime as the ack: the sandbox runs", async () => {
    const host = await hostThat(honest, {
      statusBeforeAck: (c) => (isStart(c) ? { sandboxId: c.sandboxId, state: "running", runtime: honest(c) } : undefined),
    });
    const res = await startOn(host, { isolation: "vm", image: "agent-image:1" });
    expect(res.status, res.text).toBe(201);
    host.sendStatus({ sandboxId: res.json.id, state: "running", runtime: honest(host.commands.filter(isStart).at(-1) as Start) });
    const running = await waitUntil(
      () => api(`/sandboxes/${res.json.id}`),
      (s) => s.json.state === "running",
    );
    expect(running.json).toMatchObject({ state: "running", driver: "microvm", accelerator: "tcg" });
  });
});
