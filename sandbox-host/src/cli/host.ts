// `palisade host enroll` and `palisade host run`.
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DAEMON_VERSION, DaemonStartError, startHostDaemon } from "../daemon/host.js";
import { EnrollError, defaultStateDir, enroll, hostStateExists, StateError, writeHostState } from "../daemon/state.js";
import { ImageNameSchema } from "../../../schema/sandbox.js";
import { ImageError, ImageStore } from "../images/store.js";
import { DRIVER_NAMES } from "../sandbox/index.js";
import type { Io } from "./io.js";
import { idRangeSchema, maxWorkspacesSchema, sizeSchema } from "./options.js";

export const HOST_USAGE = `usage:
  palisade host enroll --edge URL --token pal_host_… [--name NAME] [--state-dir DIR] [--force]
      (the token may come from $PALISADE_HOST_TOKEN instead, to keep it off the command line)
  palisade host run [--state-dir DIR] [--driver NAME[,NAME…]] [--id-range FIRST:COUNT] [--workspace-quota SIZE] [--max-workspaces N]
  palisade host image import PATH [--name NAME…] [--replace] [--state-dir DIR]
  palisade host image list|remove REF [--state-dir DIR]
The state dir defaults to $PALISADE_HOST_STATE, else ~/.palisade (/var/lib/palisade for root).
--id-range: host uids/gids for sandboxes (default 1000000:65536; no host user, group or subordinate id may be in it).
--driver: ${DRIVER_NAMES.join(", ")}; default every one available here (each is probed at start).
--workspace-quota: disk quota of each new agent workspace (default 1g).
--max-workspaces: most agent workspaces mounted at once (default 256; idle ones are unmounted to make room).
image import: an OCI image layout (directory or tar) or a \`docker save\` archive; no registry is contacted.
  The image gets the --name(s) given; without one, the names the archive claims that no other image holds.
  --replace moves a given name from the image that holds it (recorded in the store's events.log).`;

const usage = (io: Io, why: string) => {
  io.stderr.write(`palisade: ${why}\n${HOST_USAGE}\n`);
  return 2;
};

const edgeUrl = z
  .string()
  .url()
  .refine((u) => /^https?:$/.test(new URL(u).protocol), "http(s) URL");

export async function hostEnroll(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        edge: { type: "string" },
        token: { type: "string" },
        name: { type: "string" },
        "state-dir": { type: "string" },
        force: { type: "boolean" },
      },
    }));
  } catch (e) {
    return usage(io, e instanceof Error ? e.message : String(e));
  }
  if (!values.edge || !edgeUrl.safeParse(values.edge).success) return usage(io, "--edge must be the edge's http(s) URL");
  const token = values.token ?? (io.env ?? process.env).PALISADE_HOST_TOKEN;
  // Checked by shape only, so a wrong kind of token is named without echoing it.
  if (!token?.startsWith("pal_host_") || token.startsWith("pal_hostkey_")) return usage(io, "--token must be a pal_host_ enrollment token");
  const name = values.name ?? os.hostname();
  if (name.trim().length === 0 || name.length > 120) return usage(io, "--name must be 1 to 120 characters");
  const dir = values["state-dir"] ?? defaultStateDir(io.env ?? process.env);
  if (!values.force && (await hostStateExists(dir))) {
    io.stderr.write(`palisade: this host is already enrolled (${dir}/host.json); use --force to replace it\n`);
    return 1;
  }
  try {
    const edge = values.edge.replace(/\/+$/, "");
    const r = await enroll(edge, token, name, DAEMON_VERSION);
    const file = await writeHostState(dir, {
      edgeUrl: edge,
      hostId: r.hostId,
      orgId: r.orgId,
      pool: r.pool,
      name,
      credential: r.credential,
      enrolledAt: new Date().toISOString(),
    });
    io.stdout.write(`enrolled host ${r.hostId} in pool ${r.pool} (org ${r.orgId}); credential stored in ${file}\n`);
    return 0;
  } catch (e) {
    if (e instanceof EnrollError) {
      io.stderr.write(`palisade: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

export async function hostRun(argv: string[], io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "state-dir": { type: "string" },
        driver: { type: "string" },
        "id-range": { type: "string" },
        "workspace-quota": { type: "string" },
        "max-workspaces": { type: "string" },
      },
    }));
  } catch (e) {
    return usage(io, e instanceof Error ? e.message : String(e));
  }
  const drivers = z.array(z.enum(DRIVER_NAMES)).min(1).optional().safeParse(values.driver?.split(","));
  if (!drivers.success) return usage(io, `--driver must be one or more of ${DRIVER_NAMES.join(", ")} (comma-separated)`);
  const idRange = idRangeSchema.optional().safeParse(values["id-range"]);
  if (!idRange.success) return usage(io, `--id-range: ${idRange.error.issues[0]?.message ?? "invalid"}`);
  const quota = sizeSchema.optional().safeParse(values["workspace-quota"]);
  if (!quota.success || (quota.data !== undefined && quota.data < 16 << 20))
    return usage(io, "--workspace-quota must be a size of at least 16m, e.g. 1g");
  const maxWorkspaces = maxWorkspacesSchema.optional().safeParse(values["max-workspaces"]);
  if (!maxWorkspaces.success) return usage(io, "--max-workspaces must be a whole number from 1 to 65536");
  const log = (event: string, fields?: Record<string, string | number | boolean | undefined>) =>
    io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
  let daemon;
  try {
    daemon = await startHostDaemon({
      stateDir: values["state-dir"] ?? defaultStateDir(io.env ?? process.env),
      ...(drivers.data ? { drivers: drivers.data } : {}),
      log,
      ...(idRange.data ? { idRange: idRange.data } : {}),
      ...(quota.data === undefined ? {} : { workspaceQuotaBytes: quota.data }),
      ...(maxWorkspaces.data === undefined ? {} : { maxWorkspaces: maxWorkspaces.data }),
    });
  } catch (e) {
    if (e instanceof StateError || e instanceof DaemonStartError) {
      io.stderr.write(`palisade: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const d = daemon;
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log("host.signal", { signal: sig });
      signals.off("SIGINT", onSignal).off("SIGTERM", onSignal);
      d.stop().then(resolve, resolve);
    };
    signals.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  });
  return 0;
}

/** `palisade host image import|list|remove`: the host's image store (in the state dir), which the daemon advertises. */
export async function hostImage(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { "state-dir": { type: "string" }, name: { type: "string", multiple: true }, replace: { type: "boolean" } },
    });
  } catch (e) {
    return usage(io, e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  // Name changes are also in the store's events.log; here the operator sees them at once.
  const store = new ImageStore(path.join(values["state-dir"] ?? defaultStateDir(io.env ?? process.env), "images"), {
    log: (event, fields) => io.stderr.write(`${JSON.stringify({ event, ...fields })}\n`),
  });
  try {
    if (sub === "list" && positionals.length === 0) {
      for (const image of await store.list()) io.stdout.write(`${image.digest}\t${image.names.join(",")}\t${image.sizeBytes}\n`);
      return 0;
    }
    const [ref] = positionals;
    if (positionals.length !== 1 || ref === undefined) return usage(io, `host image ${sub ?? ""}: one path or reference expected`);
    if (sub === "import") {
      const names = ImageNames.safeParse(values.name ?? []);
      if (!names.success) return usage(io, `--name must be an image name such as agent:1 (${names.error.issues[0]?.message ?? "invalid"})`);
      const record = await store.import(path.resolve(ref), { names: names.data, replace: values.replace === true });
      io.stdout.write(`${JSON.stringify({ digest: record.digest, names: record.names, sizeBytes: record.sizeBytes })}\n`);
      return 0;
    }
    if (sub === "remove") {
      if (await store.remove(ref)) return 0;
      io.stderr.write(`palisade: no image ${JSON.stringify(ref)} on this host\n`);
      return 1;
    }
    return usage(io, `unknown host image command: ${sub ?? "(none)"}`);
  } catch (e) {
    // Refusals say what was wrong with the archive; nothing of it was kept.
    if (e instanceof ImageError) {
      io.stderr.write(`palisade: image refused: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const ImageNames = z.array(ImageNameSchema);
