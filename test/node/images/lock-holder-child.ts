// A separate process contending for an image store's lock (lock-takeover.test.ts): takes it `rounds`
// times and writes `in <id>` / `out <id>` around each hold, or holds it until killed with `hang`.
import { appendFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { withStoreLock } from "../../../sandbox-host/src/images/refs.js";

const [dir = "", id = "", rounds = "1", mode = ""] = process.argv.slice(2);
const trace = path.join(dir, "trace.log");
for (let i = 0; i < Number(rounds); i++) {
  await withStoreLock(dir, async () => {
    appendFileSync(trace, `in ${id}\n`);
    if (mode === "hang") {
      process.stdout.write("holding\n");
      await sleep(60_000);
    }
    await sleep(5);
    appendFileSync(trace, `out ${id}\n`);
  });
}
