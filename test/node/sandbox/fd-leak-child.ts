// Child of the descriptor-leak test: started with an extra inherited pipe, lists the sandbox's fds.
import { BwrapDriver } from "../../../sandbox-host/src/sandbox/bwrap.js";
import { runIn, specFor } from "./helpers.js";

const r = await runIn(new BwrapDriver(), specFor(process.argv[2] ?? "", ["/bin/ls", "/proc/self/fd"]));
process.stdout.write(JSON.stringify({ exitCode: r.exitCode, fds: r.stdout.trim().split("\n"), stderr: r.stderr }));
