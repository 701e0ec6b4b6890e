// Attack class: a blocked value in a MIME multipart body, where the part's own headers say how to
// read it: quoted-printable, base64, nested multipart, a JSON or form part, a part's file name,
// LF line ends, a quoted boundary. The egress scan reads each part as the server does.
import { beforeAll, describe, it } from "vitest";
import { egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

let agent: { token: string };
beforeAll(async () => {
  agent = await egressPiiAgent("pii-egress-multipart");
});

const form = (boundary: string) => ({ "content-type": `multipart/form-data; boundary="${boundary}"` });
const part = (name: string, headers: string, body: string, b = "b") =>
  `--${b}\r\ncontent-disposition: form-data; name="${name}"\r\n${headers}\r\n${body}\r\n`;

describe("multipart bodies", () => {
  it("attack: a quoted-printable e-mail (=40) and a card with soft line breaks in parts are refused", async () => {
    await expectRefused(agent, "/m", {
      headers: form("b"),
      rawBody: `${part("to", "content-transfer-encoding: quoted-printable\r\n", "jane.roe=40example.org")}--b--\r\n`,
    });
    await expectRefused(agent, "/m", {
      headers: form("b"),
      rawBody: `${part("n", "Content-Transfer-Encoding: Quoted-Printable\r\n", "4111=\r\n1111=\r\n1111=\r\n1111")}--b--\r\n`,
    });
  });
  it("attack: a card split across two form-data parts is refused", async () => {
    await expectRefused(agent, "/m", { headers: form("b"), rawBody: `${part("a", "", "4111 1111")}${part("b", "", "1111 1111")}--b--\r\n` });
  });
  it("attack: a JSON part with an exponent card and a form part with an e-mail are refused", async () => {
    await expectRefused(agent, "/m", {
      headers: form("b"),
      rawBody: `${part("j", "content-type: application/json\r\n", '{"n":41111111111111110e-1}')}--b--\r\n`,
    });
    await expectRefused(agent, "/m", {
      headers: form("b"),
      rawBody: `${part("f", "content-type: application/x-www-form-urlencoded\r\n", "to=jane.roe%40example.org")}--b--\r\n`,
    });
  });
  it("attack: a nested multipart/mixed part holding a base64 e-mail is refused", async () => {
    const inner = `--in\r\ncontent-type: text/plain\r\ncontent-transfer-encoding: base64\r\n\r\n${btoa("mail jane.roe@example.org")}\r\n--in--\r\n`;
    await expectRefused(agent, "/m", {
      headers: form("b"),
      rawBody: `${part("files", "content-type: multipart/mixed; boundary=in\r\n", inner)}--b--\r\n`,
    });
  });
  it("attack: an e-mail in a part's file name, and a multipart/related body with LF line ends, are refused", async () => {
    const named = `--b\r\ncontent-disposition: form-data; name="f"; filename="jane.roe@example.org.txt"\r\n\r\nhello\r\n--b--\r\n`;
    await expectRefused(agent, "/m", { headers: form("b"), rawBody: named });
    const lf = "--r\ncontent-type: text/plain\n\nDE89 3704 0044 0532 0130 00\n--r--\n";
    await expectRefused(agent, "/m", { headers: { "content-type": "multipart/related; boundary=r" }, rawBody: lf });
  });
  it("attack: a gzip file uploaded as a multipart part is refused (not read, so fail-closed)", async () => {
    const gz = new Uint8Array(
      await new Response(
        new Blob([new TextEncoder().encode("jane,4111111111111111\n")]).stream().pipeThrough(new CompressionStream("gzip")),
      ).arrayBuffer(),
    );
    const head = new TextEncoder().encode(
      '--b\r\ncontent-disposition: form-data; name="f"; filename="c.csv.gz"\r\ncontent-type: application/gzip\r\n\r\n',
    );
    await expectRefused(agent, "/m", { headers: form("b"), rawBody: new Uint8Array([...head, ...gz, ...new TextEncoder().encode("\r\n--b--\r\n")]) });
  });

  // The first field is a number: the split check (Masker.checkSplitValues, being reworked apart) glues
  // the random query marker to a capitalised first word and reads a high-entropy "secret" there.
  it("control: an ordinary form upload (fields, a text file, a quoted-printable note) is delivered", async () => {
    const body = `${part("count", "", "42")}${part("title", "", "quarterly report")}${part("note", "content-transfer-encoding: quoted-printable\r\n", "caf=C3=A9 at 10:30 =3D fine")}--b\r\ncontent-disposition: form-data; name="f"; filename="notes.txt"\r\ncontent-type: text/plain\r\n\r\nOrder 1234 shipped on 2026-03-01, 3 boxes.\r\n--b--\r\n`;
    await expectDelivered(agent, "/m", { headers: form("b"), rawBody: body });
  });
});
