// What a sandbox's argv and environment may hold: one rule shared by the admin API, the tunnel
// command the host receives, and the daemon that checks it again.
//
// The sandbox host hands the environment to the process inside the sandbox and to nothing else,
// so a loader variable could only ever act inside. They are still refused at every boundary: a
// host where some runtime step reads the environment would run the agent's code outside.
import { z } from "zod";

/** Variables that make the dynamic loader or glibc load code or files chosen by whoever sets them. */
const LOADER_VARIABLES = new Set([
  "GCONV_PATH",
  "GETCONF_DIR",
  "GLIBC_TUNABLES",
  "HOSTALIASES",
  "LOCALDOMAIN",
  "LOCPATH",
  "MUSL_LOCPATH",
  "NIS_PATH",
  "NLSPATH",
  "RESOLV_HOST_CONF",
  "RES_OPTIONS",
  "TZDIR",
]);
/** Whole families: every LD_ variable (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, future ones) and MALLOC_ knobs. */
const LOADER_PREFIXES = ["LD_", "MALLOC_"];

/** Whether `name` is a loader variable; compared case-insensitively, so no spelling of one gets through. */
export function isLoaderVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return LOADER_VARIABLES.has(upper) || LOADER_PREFIXES.some((p) => upper.startsWith(p));
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const noNul = (s: string) => !s.includes("\0");

/** Why `name` cannot name a sandbox variable, or undefined when it can. */
export function envNameProblem(name: string): string | undefined {
  if (!ENV_NAME.test(name)) return "env names are shell identifiers (letters, digits, '_'; at most 128)";
  if (isLoaderVariable(name)) return "is a loader variable (LD_*, MALLOC_*, GCONV_PATH, GLIBC_TUNABLES…) and cannot be set";
  return undefined;
}

export const SandboxEnvValue = z
  .string()
  .max(32 * 1024)
  .refine(noNul, "must not contain NUL bytes");

/** One argument of a sandbox's command. */
export const SandboxArg = z
  .string()
  .max(16 * 1024)
  .refine(noNul, "must not contain NUL bytes");

/**
 * A sandbox environment of at most `maxEntries` variables. Names are checked here rather than by a
 * key schema so that the error names the rule that was broken, not just "invalid key".
 */
export const sandboxEnv = (maxEntries: number) =>
  z.record(z.string(), SandboxEnvValue).superRefine((env, ctx) => {
    const names = Object.keys(env);
    if (names.length > maxEntries) ctx.addIssue({ code: "custom", message: `at most ${maxEntries} variables` });
    for (const name of names) {
      const problem = envNameProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: [name], message: problem });
    }
  });

/**
 * Agent ids the sandbox host keeps for its own sandboxes (its drivers' probes run as
 * `palisade-probe`): an agent with such an id would share their host uid, so none is accepted from
 * the edge or the command line.
 */
export const HOST_AGENT_PREFIX = "palisade-";

/** Why `agentId` cannot name an agent's sandbox on a host, or undefined. */
export function reservedAgentIdProblem(agentId: string): string | undefined {
  return agentId.toLowerCase().startsWith(HOST_AGENT_PREFIX) ? `agent ids starting with ${HOST_AGENT_PREFIX} are the host's own` : undefined;
}

// ── isolation and images ──────────────────────────────────────────────────────

/**
 * How strongly a sandbox is separated from the host, weakest first: `container` shares the host's
 * kernel (bwrap, or an OCI runtime for images), `gvisor` runs the agent on gVisor's application
 * kernel, `vm` in a virtual machine with its own kernel. A policy may require a minimum.
 */
export const ISOLATION_LEVELS = ["container", "gvisor", "vm"] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];
export const IsolationLevelSchema = z.enum(ISOLATION_LEVELS);

/** Position of a level on the scale (container 0 < gvisor 1 < vm 2). */
export const isolationRank = (level: IsolationLevel): number => ISOLATION_LEVELS.indexOf(level);

/** The stricter of two levels (null: no requirement). */
export function stricterIsolation(a: IsolationLevel | null, b: IsolationLevel | null): IsolationLevel | null {
  if (a === null) return b;
  if (b === null) return a;
  return isolationRank(a) >= isolationRank(b) ? a : b;
}

/** An image name as imported on a host (`busybox:latest`, `registry.example/team/agent:1.2`). */
export const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;

/** Longest image name (docker's limit), and longest path component or tag in one. */
export const IMAGE_NAME_MAX = 255;
const IMAGE_COMPONENT_MAX = 128;
/** A repository path component (docker's grammar, lower case). */
const REPO_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host, optionally with a port: only as the first of several components. */
const REGISTRY = /^(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::[0-9]{1,5})?$|^[a-z0-9-]+:[0-9]{1,5}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * The one form of an image name that is stored, advertised and compared: repository in lower case
 * (docker's default registry `docker.io/` and its `library/` left out), always with a tag (`:latest` when
 * none is given). Undefined when `name` is not an image name (length, characters, empty or
 * overlong components, `..`, a digest `@…`). Every comparison of names goes through this, so
 * `Corp/agent`, `docker.io/corp/agent` and `corp/agent:latest` are one name.
 */
export function normaliseImageName(name: string): string | undefined {
  if (name.length === 0 || name.length > IMAGE_NAME_MAX || name.includes("@")) return undefined;
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const tagged = colon > slash;
  const tag = tagged ? name.slice(colon + 1) : "latest";
  const repo = (tagged ? name.slice(0, colon) : name).toLowerCase();
  if (!TAG.test(tag)) return undefined;
  let parts = repo.split("/");
  const [first, ...rest] = parts;
  if ((first === "docker.io" || first === "index.docker.io") && rest.length > 0) parts = rest;
  if (parts.length === 2 && parts[0] === "library") parts = parts.slice(1);
  for (const [i, part] of parts.entries()) {
    if (part.length > IMAGE_COMPONENT_MAX) return undefined;
    if (!(REPO_COMPONENT.test(part) || (i === 0 && parts.length > 1 && REGISTRY.test(part)))) return undefined;
  }
  const out = `${parts.join("/")}:${tag}`;
  return out.length > IMAGE_NAME_MAX ? undefined : out;
}

/** An image name as given (CLI, archive), normalised; refused with the rule it breaks. */
export const ImageNameSchema = z
  .string()
  .max(IMAGE_NAME_MAX, `an image name is at most ${IMAGE_NAME_MAX} characters`)
  .transform((name, ctx) => {
    const normal = normaliseImageName(name);
    if (normal === undefined) {
      ctx.addIssue({
        code: "custom",
        message:
          "an image name is [registry/]path[:tag]: lower-case letters, digits and . _ - in each /-separated part (at most 128 characters, none empty), a tag of letters, digits and . _ -, no digest",
      });
      return z.NEVER;
    }
    return normal;
  });

/** An image a sandbox runs: a sha256 digest (config or manifest) or a name imported on the pool's hosts. */
export const ImageRefSchema = z
  .string()
  .max(255)
  .refine((s) => /^sha256:[0-9a-f]{64}$/.test(s) || (IMAGE_NAME.test(s) && !s.includes("..") && !/^[A-Za-z0-9+._-]+:[0-9a-fA-F]{32,}$/.test(s)), {
    message: "image: a sha256:<64 hex> digest or an image name (letters, digits, . _ / : @ -)",
  });

/** The host's drivers, and the isolation level each gives. */
export const SANDBOX_DRIVERS = ["bwrap", "oci", "gvisor", "microvm"] as const;
export type SandboxDriverName = (typeof SANDBOX_DRIVERS)[number];
export const DRIVER_ISOLATION: Record<SandboxDriverName, IsolationLevel> = { bwrap: "container", oci: "container", gvisor: "gvisor", microvm: "vm" };

/** How a virtual machine's CPU runs: hardware virtualisation, or emulated by qemu's TCG (far slower). */
export const ACCELERATORS = ["kvm", "tcg"] as const;

/** The limits a host applied to a sandbox, echoed in its runtime so the edge can hold it to what it asked. */
export const RuntimeLimitsSchema = z.strictObject({
  memoryBytes: z.number().int().min(0).optional(),
  cpuMillis: z.number().int().min(0).optional(),
  pids: z.number().int().min(0).optional(),
});

/**
 * What a started sandbox really runs on: reported by the host in its start ack (required there) and
 * with `running`, kept by the edge, put in audit events. A VM names its accelerator, nothing else does.
 */
export const SandboxRuntimeSchema = z
  .strictObject({
    driver: z.enum(SANDBOX_DRIVERS),
    isolation: IsolationLevelSchema,
    /** The image's config digest, when the sandbox runs an image. */
    imageDigest: z
      .string()
      .regex(/^sha256:[0-9a-f]{64}$/)
      .optional(),
    /** microvm only: kvm or tcg. */
    accelerator: z.enum(ACCELERATORS).optional(),
    /** The limits the host applied (memory, cpu in thousandths of a core, pids). */
    limits: RuntimeLimitsSchema.optional(),
  })
  .superRefine((runtime, ctx) => {
    if (runtime.driver === "microvm" && !runtime.accelerator)
      ctx.addIssue({ code: "custom", path: ["accelerator"], message: "a microvm names its accelerator (kvm or tcg)" });
    if (runtime.driver !== "microvm" && runtime.accelerator)
      ctx.addIssue({ code: "custom", path: ["accelerator"], message: "only a microvm has an accelerator" });
  });
export type SandboxRuntime = z.infer<typeof SandboxRuntimeSchema>;

/** One driver a host offers, as it advertises it to the edge. */
export const HostDriverSchema = z.strictObject({
  name: z.enum(SANDBOX_DRIVERS),
  isolation: IsolationLevelSchema,
  accelerator: z.enum(ACCELERATORS).optional(),
  /** Whether it runs images (oci, gvisor, microvm) or only the host's own /usr (bwrap). */
  images: z.boolean(),
});
export type HostDriver = z.infer<typeof HostDriverSchema>;

/** What a host can run: its drivers and the images imported on it (digests and names, bounded). */
export const HostCapabilitiesSchema = z.strictObject({
  drivers: z.array(HostDriverSchema).max(8),
  images: z
    .array(
      z.strictObject({
        digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
        manifestDigest: z
          .string()
          .regex(/^sha256:[0-9a-f]{64}$/)
          .optional(),
        names: z.array(z.string().max(255)).max(32),
      }),
    )
    .max(512),
});
export type HostCapabilities = z.infer<typeof HostCapabilitiesSchema>;

/**
 * The image `image` (a config or manifest digest, or a name; an untagged name means `:latest`)
 * names among a host's imported images, or undefined.
 */
export function imageOnHost(caps: HostCapabilities, image: string): HostCapabilities["images"][number] | undefined {
  const name = image.startsWith("sha256:") ? undefined : normaliseImageName(image);
  return caps.images.find(
    (i) => i.digest === image || i.manifestDigest === image || (name !== undefined && i.names.some((n) => normaliseImageName(n) === name)),
  );
}

/** Whether a host with these capabilities can run a sandbox at `isolation`, of `image` when given. */
export function hostCanRun(caps: HostCapabilities, isolation: IsolationLevel, image: string | undefined): boolean {
  const driver = caps.drivers.some((d) => d.isolation === isolation && (image === undefined || d.images));
  if (!driver || image === undefined) return driver;
  return imageOnHost(caps, image) !== undefined;
}
