// Attack class: a large binary body (random bytes, as a compressed upload, an image or a model file
// holds) sent to make the egress scan's binary readings costly: the readings of random bytes used to
// glue one- and two-character runs into millions of characters of junk (4 MiB took seconds of CPU
// and hundreds of MB), which either exhausted the isolate or failed the scan's size budget, so a
// blocking rule refused every large upload. The readings keep only what can carry a value, and a
// value hidden in such a body is still found.
import { beforeAll, describe, expect, it } from "vitest";
import { binaryReadings } from "../../workers/pii/body-formats.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused, noise } from "./support/egress-pii.js";

// The scan's 2 s budget is wall time under the test pool: when the whole suite loads the machine a
// delivery control can overrun it once; a retry keeps a scan that is slow every time failing.
const LOADED_MACHINE = { retry: 2 };

const MiB = 1024 * 1024;
const readingsLength = (bytes: Uint8Array) => [...binaryReadings(bytes, new TextDecoder().decode(bytes))].reduce((n, r) => n + r.length, 0);

describe("binary bodies made to be costly to read", () => {
  let agent: { token: string };
  beforeAll(async () => {
    agent = await egressPiiAgent("pii-egress-binary-cost");
  });

  it("attack: 1 MiB of random bytes no longer reads as a million characters of junk text", () => {
    // It was 2.7 characters a byte (seven readings of glued one- and two-character runs); random
    // data holds few runs of three or more characters, and only those are joined across bytes.
    expect(readingsLength(noise(MiB))).toBeLessThan(MiB / 8);
  });

  it("attack: a 6 MiB random upload under a blocking rule is scanned within budget and delivered", LOADED_MACHINE, async () => {
    await expectDelivered(agent, "/upload", { headers: { "content-type": "application/octet-stream" }, rawBody: noise(6 * MiB, 7) });
  });

  it("attack: a binary body of terminal escapes alone (ESC[m repeated, 256 KiB) is scanned within budget and delivered", async () => {
    // Each escape started a search for a run of escapes ending before a value character, read to
    // the body's end and back: 128 KiB took 17 s. Runs are now read 16 escapes at most.
    const body = ascii("\x00\x01\x02".repeat(200) + "\x1b[m".repeat((256 * 1024) / 3));
    await expectDelivered(agent, "/upload", { headers: { "content-type": "application/octet-stream" }, rawBody: body });
  });

  it("attack: a card coloured digit by digit inside a binary body is still refused", async () => {
    const card = "4111 1111 1111 1111".replace(/\d/g, (d) => `\x1b[3${d}m${d}\x1b[0m`);
    await expectRefused(agent, "/upload", {
      headers: { "content-type": "application/octet-stream" },
      rawBody: new Uint8Array([...noise(64 * 1024, 5), 0, ...ascii(card), 0, ...noise(64 * 1024, 6)]),
    });
  });

  it("attack: a card, an e-mail and a control-split card inside 2 MiB of random bytes are still refused", async () => {
    const around = (inner: Uint8Array, seed: number) => new Uint8Array([...noise(MiB, seed), 0, ...inner, 0, ...noise(MiB, seed + 1)]);
    for (const [i, value] of ["4111 1111 1111 1111", "jane.roe@example.org", "4111\x01\x02\x031111\x01\x02\x031111\x01\x02\x031111"].entries()) {
      await expectRefused(agent, "/upload", { headers: { "content-type": "application/octet-stream" }, rawBody: around(ascii(value), 11 + i * 2) });
    }
  });
});
