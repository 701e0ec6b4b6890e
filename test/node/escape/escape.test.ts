// The sandbox escape suite: every attack of attacks.ts inside real sandboxes of a real host daemon,
// against every driver (bwrap, OCI with runc, OCI with crun). Each test is one attack and passes
// when the attack fails. The suite ends with one line counting what held, what escaped and what
// was skipped; in CI (CI=true) a driver that is missing fails the suite instead of skipping.
import { afterAll, beforeAll, describe, it } from "vitest";
import { ATTACKER, ATTACKS, type AttackContext, PERL_PRELUDE } from "./attacks.js";
import { hostToolsLayer } from "../../support/images.js";
import { ATTACK_TOOLS, attacksOf, PERL_MODULE_DIRS, probeVariants, requireInCi } from "./drivers.js";
import { type HostFixtures, startHostFixtures } from "./fixtures.js";
import { startTestHost, type TestHost } from "./host-daemon.js";

const QUOTA_BYTES = 64 << 20;
const variants = await probeVariants();
const tally = { held: 0, escaped: 0, skipped: 0 };
let fx: HostFixtures;

beforeAll(async () => {
  fx = await startHostFixtures();
});
afterAll(async () => {
  await fx?.close();
  const drivers = variants.map(({ variant, ok }) => `${variant.name}${ok ? "" : " (unavailable)"}`).join(", ");
  // Tests left out by a name filter (-t) count as not run.
  const total = variants.reduce((n, { variant }) => n + attacksOf(variant, ATTACKS).length, 0);
  const notRun = total - tally.held - tally.escaped - tally.skipped;
  console.log(
    `escape suite: ${total} attack runs (${ATTACKS.length} attacks) × ${variants.length} drivers [${drivers}]: ${tally.held} held, ${tally.escaped} escaped, ${tally.skipped} skipped${notRun ? `, ${notRun} not run` : ""}`,
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
          perl: (script, over) => host.run(ATTACKER, ["/usr/bin/perl", "-e", PERL_PRELUDE + script], over),
          sh: (script, over) => host.run(ATTACKER, ["/bin/sh", "-c", script], over),
        };
      });
      afterAll(() => host?.stop());

      for (const attack of attacks) {
        it(`attack: ${attack.name}`, async () => {
          try {
            await attack.run(ctx);
            tally.held++;
          } catch (e) {
            tally.escaped++;
            throw e;
          }
        });
      }
    });
  });
}
