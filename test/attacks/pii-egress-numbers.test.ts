// Attack class: a card or phone number written as a JSON number that a parser reads as the same
// integer: a fraction of zeros, an exponent, leading zeros after the point, more digits than a
// double holds, in a body, a JSON multipart part, or a JSON-with-comments body.
import { beforeAll, describe, it } from "vitest";
import { egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

let agent: { token: string };
beforeAll(async () => {
  agent = await egressPiiAgent("pii-egress-numbers");
});
const json = { "content-type": "application/json" };

describe("JSON numbers that equal a blocked integer", () => {
  it.each([
    ["4111111111111111.0", "a zero fraction"],
    ["4.111111111111111e15", "scientific notation"],
    ["4.111111111111111E+15", "an upper-case exponent with a sign"],
    ["411111111111111100E-2", "trailing zeros and a negative exponent"],
    ["0.0004111111111111111e19", "leading zeros after the point"],
    ["-4111111111111111e0", "a minus sign"],
    ["4111111111111111000000000000e-12", "more digits than a double holds"],
  ])("attack: a card as the JSON number %s (%s) is refused", async (n) => {
    await expectRefused(agent, "/n", { headers: json, rawBody: `{"card":${n}}` });
  });
  it("attack: a card as an exponent number in an array, and in JSON with comments, is refused", async () => {
    await expectRefused(agent, "/n", { headers: json, rawBody: "[1, 2, 5.4e1, 41111111111111110e-1]" });
    await expectRefused(agent, "/n", { headers: json, rawBody: '// export\n{"card": 4.111111111111111e15 /* test */}' });
  });
  it("control: prices, measurements and large non-card numbers are delivered", async () => {
    await expectDelivered(agent, "/n", {
      headers: json,
      rawBody: '{"price":19.99,"total":1.5e3,"ratio":0.25,"id":1234567890123,"big":1e21,"temp":-4.5}',
    });
  });
});
