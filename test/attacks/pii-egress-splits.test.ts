// Attack class: a blocked value cut into pieces placed where the split check did not read them in
// order: across request headers, between a header and the body, across ';'-separated form fields,
// across fields of JSON with comments, across XML/HTML elements and attributes. The egress scan
// feeds these pieces to the split check in the order the server reads them.
import { beforeAll, describe, it } from "vitest";
import { egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

let agent: { token: string };
beforeAll(async () => {
  agent = await egressPiiAgent("pii-egress-splits");
});

describe("values split where the split check reads in order", () => {
  it("attack: a card split across three custom headers is refused", async () => {
    await expectRefused(agent, "/s", { method: "GET", headers: { "x-a": "4111 1111", "x-b": "1111", "x-c": "1111" } });
  });
  it("attack: an e-mail split across two headers is refused", async () => {
    await expectRefused(agent, "/s", { method: "GET", headers: { "x-p1": "jane.roe@exam", "x-p2": "ple.org" } });
  });
  it("attack: a card split between a header and a JSON body is refused", async () => {
    await expectRefused(agent, "/s", { headers: { "x-first": "4111 1111", "content-type": "application/json" }, rawBody: '{"rest":"1111 1111"}' });
  });
  it("attack: a card split across ';'-separated form fields is refused", async () => {
    await expectRefused(agent, "/s", { headers: { "content-type": "application/x-www-form-urlencoded" }, rawBody: "a=4111%201111;b=1111%201111" });
  });
  it("attack: a card split across JSON fields with line and block comments is refused", async () => {
    await expectRefused(agent, "/s", {
      headers: { "content-type": "application/json" },
      rawBody: '{\n // first\n "a": "4111 1111", /* then */\n "b": "1111 1111"\n}',
    });
  });
  it("attack: a card split across XML elements, a CDATA section, and HTML attributes is refused", async () => {
    await expectRefused(agent, "/s", { headers: { "content-type": "text/xml" }, rawBody: "<p><a>4111 1111</a><b><![CDATA[1111 1111]]></b></p>" });
    await expectRefused(agent, "/s", { headers: { "content-type": "text/html" }, rawBody: '<div data-a="4111 1111" data-b="1111 1111"></div>' });
  });
  it("control: ordinary headers and an XML order with quantities and dates are delivered", async () => {
    await expectDelivered(agent, "/s", {
      headers: {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "user-agent": "Mozilla/5.0 (X11; Linux x86_64) node-fetch/3.3.2",
        "x-request-id": "7f9c2ba4-e88f-4a1b-9d3c-1f2e3d4c5b6a",
        "content-type": "application/xml",
      },
      rawBody: "<order><id>20260301</id><qty>3</qty><sku>A-100</sku><date>2026-03-01</date><note>Leave at door</note></order>",
    });
  });
});
