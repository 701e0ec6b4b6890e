// The sandbox escape suite: every attack of attacks.ts inside real sandboxes of a real host daemon,
// against every driver (bwrap, OCI with runc and with crun, gVisor, microvm). Each test is one
// attack and passes when the attack fails. The suite ends with one line counting what held, what
// escaped and what was skipped; in CI (CI=true) a driver that is missing fails the suite instead of skipping.
import { afterAll, beforeAll, describe, it } from "vitest";
import { ATTACKER, ATTACKS, type AttackContext, PERL_PRELUDE } from "./attacks.js";
import { hostToolsLayer } from "../../support/images.js";
import { ATTACK_TOOLS, attacksOf, PERL_MODULE_DIRS, probeVariants, requireInCi } from "./drivers.js";
import { type HostFixtures, startHostFixtures } from "./fixtures.js";
import { startTestHost, type TestHost } from "./host-daemon.js";

const QUOTA_BYTES = 64 << 20;
const variants = await probeVariants();
const tally = { held: 0, escaped: 0, skipped: 0, notStarted: 0 };

/** An attack whose sandbox never started proves nothing either way: it fails as such, not as an escape. */
class SandboxNotStarted extends Error {}
async function ran<T extends { state: string; output?: string | undefined; ack: unknown }>(result: Promise<T>): Promise<T> {
  const r = await result;
  if (r.state === "failed" && r.output === undefined) throw new SandboxNotStarted(`the attack's sandbox did not start: ${JSON.stringify(r.ack)}`);
  return r;
}
let fx: HostFixtures;

beforeAll(async () => {
  fx = await startHostFixtures();
});
afterAll(async () => {
  await fx?.close();
  const drivers = variants.map(({ variant, ok }) => `${variant.name}${ok ? "" : " (unavailable)"}`).join(", ");
  // Tests left out by a name filter (-t) count as not run.
  const total = variants.reduce((n, { variant }) => n + attacksOf(variant, ATTACKS).length, 0);
  const notRun = total - tally.held - tally.escaped - tally.skipped - tally.notStarted;
  console.log(
    `escape suite: ${total} attack runs (${ATTACKS.length} attacks) × ${variants.length} drivers [${drivers}]: ${tally.held} held, ${tally.escaped} escaped, ${tally.skipped} skipped${tally.notStarted ? `, ${tally.notStarted} whose sandbox did not start` : ""}${notRun ? `, ${notRun} not run` : ""}`,
  );
});

for (const { variant, ok, reason } of variants) {
  describe(`escape attempts (${variant.name})`, { timeout: 120_000 }, () => {
    requireInCi(variant.name, ok, reason);
    const attacks = attacksOf(variant, ATTACKS);
    if (!ok) tally.skipped += attacks.length;

    describe.skipIf(!ok)("inside a sandbox of the host daemon", () => {
      let host: TestHost;
      let ctx: AttackContext;
      beforeAll(async () => {
        host = await startTestHost(variant.create(), {
          workspaceQuotaBytes: QUOTA_BYTES,
          ...(variant.needsImage ? { imageLayer: await hostToolsLayer(ATTACK_TOOLS, PERL_MODULE_DIRS) } : {}),
        });
        ctx = {
          driver: variant.name,
          host,
          fx,
          quotaBytes: QUOTA_BYTES,
          perl: (script, over) => ran(host.run(ATTACKER, ["/usr/bin/perl", "-e", PERL_PRELUDE + script], over)),
          sh: (script, over) => ran(host.run(ATTACKER, ["/bin/sh", "-c", script], over)),
        };
      });
      afterAll(() => host?.stop());

      for (const attack of attacks) {
        it(`attack: ${attack.name}`, async () => {
          for (let attempt = 1; ; attempt++) {
            try {
              await attack.run(ctx);
              tally.held++;
              return;
            } catch (e) {
              // A sandbox that did not start proves nothing either way (seen once: a VM booting under
              // a 0.2-core quota on a machine loaded by the whole suite): the attack runs once more.
              if (e instanceof SandboxNotStarted && attempt < 2) continue;
              if (e instanceof SandboxNotStarted) tally.notStarted++;
              else tally.escaped++;
              throw e;
            }
          }
        });
      }
    });
  });
}
