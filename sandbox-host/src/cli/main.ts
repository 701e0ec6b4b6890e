// The `palisade` command: dispatches to host, sandbox, admin and declarative subcommands; resolves with the exit code.
import { ADMIN_USAGE, admin } from "./admin.js";
import { AUDIT_USAGE, auditVerify } from "./audit-verify.js";
import { CliError } from "./client.js";
import { DECLARATIVE_USAGE, applyCommand, auditTail, describe, explain, get, login } from "./declarative.js";
import { HOST_USAGE, hostEnroll, hostImage, hostRun } from "./host.js";
import type { Io } from "./io.js";
import { SANDBOX_RUN_USAGE, sandboxRun } from "./sandbox-run.js";

export const USAGE = `palisade: run AI agents in governed sandboxes

${HOST_USAGE}

${SANDBOX_RUN_USAGE}

${ADMIN_USAGE}

${AUDIT_USAGE}

${DECLARATIVE_USAGE}`;

/** Runs a declarative command; a CliError becomes its message on stderr and its exit code. */
async function declarative(run: () => Promise<number>, io: Io): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    io.stderr.write(`palisade: ${e.message}\n${e.exitCode === 2 ? `\n${DECLARATIVE_USAGE}\n` : ""}`);
    return e.exitCode;
  }
}

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
  const args = sub === undefined ? rest : [sub, ...rest];
  if (cmd === "audit" && sub === "tail") return declarative(() => auditTail(rest, io), io);
  if (cmd === "login") return declarative(() => login(args, io), io);
  if (cmd === "get") return declarative(() => get(args, io), io);
  if (cmd === "describe") return declarative(() => describe(args, io), io);
  if (cmd === "apply") return declarative(() => applyCommand("apply", args, io), io);
  if (cmd === "delete") return declarative(() => applyCommand("delete", args, io), io);
  if (cmd === "explain") return declarative(() => explain(args, io), io);
  if (cmd === "agents" || cmd === "hosts") return admin(cmd, sub === undefined ? rest : [sub, ...rest], io);
  io.stderr.write(`palisade: unknown command: ${[cmd, sub].filter(Boolean).join(" ")}\n\n${USAGE}\n`);
  return 2;
}
