// Attack class: a value cut by terminal escapes (colour codes, OSC titles), as a terminal shows it
// whole, in a body padded with NUL bytes until a tenth of it is control bytes. Text with escapes is
// read as a terminal shows it only when the shown text is not binary; padded, the body is read by
// its binary runs instead, where the escapes' own letters ("[0m", "[31m") split the value. A few
// dozen NUL bytes turn any refused value into a delivered one, for text/plain bodies too; each of
// these was refused before this round.
import { beforeAll, describe, it } from "vitest";
import { ascii, egressPiiAgent, expectRefused } from "./support/egress-pii.js";

const PADDING = "\x00".repeat(40);

describe("values cut by terminal escapes are refused however many NUL bytes pad the body", () => {
  let agent: { token: string };
  beforeAll(async () => {
    agent = await egressPiiAgent("red12-ansi-padding");
  });

  it("control: the card cut by colour resets, without padding", async () => {
    await expectRefused(agent, "/log", {
      headers: { "content-type": "text/plain" },
      rawBody: ascii("card 4111\x1b[0m1111\x1b[0m1111\x1b[0m1111 end"),
    });
  });

  for (const [name, text] of [
    ["card cut by colour resets", "card 4111\x1b[0m1111\x1b[0m1111\x1b[0m1111 end"],
    ["card with a colour before every digit", `4${"\x1b[31m1".repeat(15)}`],
    ["e-mail cut by colour resets", "mail j\x1b[0ma\x1b[0mn\x1b[0me\x1b[0m.roe@exa\x1b[0mmple.org"],
    ["IBAN cut by colour resets", "DE89\x1b[0m3704\x1b[0m0044\x1b[0m0532\x1b[0m0130\x1b[0m00"],
    ["card cut by window-title escapes", "4111\x1b]0;x\x071111\x1b]0;x\x071111\x1b]0;x\x071111"],
  ] as const) {
    for (const contentType of ["text/plain", "application/octet-stream"]) {
      it(`${name}, 40 NUL bytes after it, as ${contentType}`, async () => {
        await expectRefused(agent, "/log", { headers: { "content-type": contentType }, rawBody: ascii(text + PADDING) });
      });
    }
  }
});
