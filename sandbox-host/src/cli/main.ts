// The `palisade` command: dispatches to host, sandbox and admin subcommands; resolves with the exit code.
import { ADMIN_USAGE, admin } from "./admin.js";
import { AUDIT_USAGE, auditVerify } from "./audit-verify.js";
import { HOST_USAGE, hostEnroll, hostImage, hostRun } from "./host.js";
import type { Io } from "./io.js";
import { SANDBOX_RUN_USAGE, sandboxRun } from "./sandbox-run.js";

export const USAGE = `palisade: run AI agents in governed sandboxes

${HOST_USAGE}

${SANDBOX_RUN_USAGE}

${ADMIN_USAGE}

${AUDIT_USAGE}`;

export async function main(argv: string[], io: Io = process): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    (cmd === undefined ? io.stderr : io.stdout).write(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "host" && sub === "enroll") return hostEnroll(rest, io);
  if (cmd === "host" && sub === "run") return hostRun(rest, io);
  if (cmd === "host" && sub === "image") return hostImage(rest, io);
  if (cmd === "sandbox" && sub === "run") return sandboxRun(rest, io);
  if (cmd === "audit" && sub === "verify") return auditVerify(rest, io);
  if (cmd === "agents" || cmd === "hosts") return admin(cmd, sub === undefined ? rest : [sub, ...rest], io);
  io.stderr.write(`palisade: unknown command: ${[cmd, sub].filter(Boolean).join(" ")}\n\n${USAGE}\n`);
  return 2;
}
