// Attack class: a blocked value sent base64-encoded outside a JSON string (query values, header
// values, form fields, text bodies, multipart parts, XML text), bare, URL-safe, unpadded, inside a
// sentence or nested. The egress scan reads the text base64 carries wherever the value sits.
import { beforeAll, describe, it } from "vitest";
import { egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

let agent: { token: string };
beforeAll(async () => {
  agent = await egressPiiAgent("pii-egress-base64");
});

const b64 = (s: string) => btoa(s);
const urlSafe = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const CARD = b64("4111111111111111");
const MAIL = urlSafe("write to jane.roe@example.org?");
const IBAN = b64("DE89 3704 0044 0532 0130 00");

describe("base64 outside JSON strings", () => {
  it("attack: a base64 card as a query value (percent-encoded padding) is refused", async () => {
    await expectRefused(agent, `/b?d=${encodeURIComponent(CARD)}`, { method: "GET" });
  });
  it("attack: a URL-safe unpadded base64 e-mail sentence as a query value is refused", async () => {
    await expectRefused(agent, `/b?q=${MAIL}`, { method: "GET" });
  });
  it("attack: a base64 IBAN in a custom header, and as a bearer-style header token, is refused", async () => {
    await expectRefused(agent, "/b", { method: "GET", headers: { "x-data": IBAN } });
    await expectRefused(agent, "/b", { method: "GET", headers: { "x-session": `Token ${CARD}` } });
  });
  it("attack: a base64 card in a form field, and in a ';'-separated form field, is refused", async () => {
    await expectRefused(agent, "/b", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: `a=1&d=${encodeURIComponent(CARD)}`,
    });
    await expectRefused(agent, "/b", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      rawBody: `a=1;d=${encodeURIComponent(CARD)}`,
    });
  });
  it("attack: a base64 token inside a text/plain sentence, and a body that is only base64, is refused", async () => {
    await expectRefused(agent, "/b", { headers: { "content-type": "text/plain" }, rawBody: `please process ${MAIL} today` });
    await expectRefused(agent, "/b", { headers: { "content-type": "text/plain" }, rawBody: CARD });
  });
  it("attack: base64 of base64 of a card in a text body is refused", async () => {
    await expectRefused(agent, "/b", { headers: { "content-type": "text/plain" }, rawBody: b64(CARD) });
  });
  it("attack: a base64 card in a multipart part, with and without Content-Transfer-Encoding: base64, is refused", async () => {
    const part = (headers: string) => `--x\r\ncontent-disposition: form-data; name="d"\r\n${headers}\r\n${CARD}\r\n--x--\r\n`;
    for (const body of [part("content-transfer-encoding: base64\r\n"), part("")]) {
      await expectRefused(agent, "/b", { headers: { "content-type": "multipart/form-data; boundary=x" }, rawBody: body });
    }
  });
  it("attack: a base64 card as XML text is refused", async () => {
    await expectRefused(agent, "/b", { headers: { "content-type": "application/xml" }, rawBody: `<r><blob>${CARD}</blob></r>` });
  });

  it("control: ordinary tokens (ids, base64 of clean text, long identifiers) are delivered", async () => {
    // Hashes, JWTs and long base64 tokens are not here: this policy blocks `secret`, and the secret
    // rules read a 64-hex digest, a signed token or a long random-looking token as one, whatever
    // it encodes (their own class, refused by design under secret: block).
    await expectDelivered(agent, "/b?id=AbCdEfGhIjKlMnOp&note=build-passed", {
      headers: { "content-type": "text/plain", "x-request-id": "dGhpcyBpcyBmaW5l" },
      rawBody: "Quarterly report: InternationalisationGuidelines and getUserAccountsByOrganisation are done.",
    });
  });
});
