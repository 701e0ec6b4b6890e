// Attack class (false refusals): ordinary binary uploads — random bytes, as compressed or encrypted
// files are — refused under a blocking rule because their text runs spell a value by chance. The
// binary readings now read every category's pattern detectors, and two of them match random runs:
// the password label rule ("mdp467:OUw", "pwD s3@>oc": a three-letter label and a token with a letter
// and a digit) and IPv6 with "::" ("a::6", "1::6", "6::B"). Measured with these generators
// (throwaway script, scanOutbound in Node): 3 of 300 random 1 MiB bodies refused for `secret`, and
// 4 of 40 random 4 MiB bodies refused under `ip_address: block`.
import { env } from "cloudflare:workers";
import { beforeAll, describe, it } from "vitest";
import { seedOrg } from "../workers/support/api.js";
import { attachPolicy, createAgent } from "../workers/support/fixtures.js";
import { BLOCKING, egressPiiAgent, expectDelivered, noise } from "./support/egress-pii.js";

/** Deterministic random bytes of another generator: SHA-256 of `seed<n>:<offset>` for each 32 bytes. */
async function hashStream(length: number, seed: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  const encoder = new TextEncoder();
  for (let i = 0; i < length; i += 32) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`seed${seed}:${i}`)));
    bytes.set(digest.subarray(0, Math.min(32, length - i)), i);
  }
  return bytes;
}

const MiB = 1024 * 1024;
const octet = (rawBody: Uint8Array) => ({ headers: { "content-type": "application/octet-stream" }, rawBody });

describe("random binary uploads are delivered under a blocking rule", () => {
  let agent: { token: string };
  let ipAgent: { token: string };
  beforeAll(async () => {
    agent = await egressPiiAgent("red12-binary-false");
    const org = await seedOrg("red12-binary-false-ip");
    const created = await createAgent(org, { name: "ip-blocking", autonomy: 5 });
    await attachPolicy(
      org,
      {
        name: "blocks-ips-too",
        egress: [{ host: "127.0.0.1", ports: [Number(new URL(env.TEST_TARGET_URL).port)] }],
        piiExits: { egress: { ...BLOCKING, ip_address: "block" } },
      },
      { scope: "agent", id: created.id },
    );
    ipAgent = created;
  });

  // Runs in these bodies read as a password after its label ("mdp467:OUw", "mDp8;cdVb", "pwD s3@>oc").
  for (const seed of [120, 124, 162]) {
    it(`1 MiB of SHA-256 stream bytes (seed ${seed}) under secret: block`, async () => {
      await expectDelivered(agent, "/upload", octet(await hashStream(MiB, seed)));
    });
  }

  // Runs in these bodies read as compressed IPv6 addresses ("a::6", "1::6").
  for (const seed of [5, 30, 33]) {
    it(`4 MiB of xorshift bytes (seed ${seed * 7919 + 1}) under ip_address: block`, async () => {
      await expectDelivered(ipAgent, "/upload", octet(noise(4 * MiB, seed * 7919 + 1)));
    });
  }
});
