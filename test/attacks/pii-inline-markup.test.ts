// Attack class: inline markup inside a value. A browser shows "4111 1111 <span>1111</span> 1111"
// and "<b>alice</b>@example.com" whole, but the pattern detectors read the tags as text between the
// value's parts and found nothing (red team 28b). The text without its inline tags and comments is
// now read too, around each tag; block elements still end a value.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../workers/pii/index.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused } from "./support/egress-pii.js";

const found = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);

describe("attack: inline tags and comments inside a value", () => {
  it.each([
    ["a span around one group of a card", "<p>Card 4111 1111 <span>1111</span> 1111</p>", "credit_card"],
    ["bold last digit", "<p>Card 4111 1111 1111 111<b>1</b></p>", "credit_card"],
    ["a superscript element as the last digit", "<p>Card 4111 1111 1111 111<sup>1</sup></p>", "credit_card"],
    ["a comment inside a group", "<p>Card 4111 1111 11<!-- x -->11 1111</p>", "credit_card"],
    ["bold local part of an address", "<p>Mail <b>alice</b>@example.com</p>", "email"],
    ["a link around the domain", '<p>Mail alice@<a href="#">example.com</a></p>', "email"],
    ["an IBAN split by emphasis", "<p>IBAN DE89 3704 <em>0044</em> 0532 0130 00</p>", "iban"],
  ])("%s is found", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it("the whole value is masked, tags included, and the text around it is not", () => {
    const text = "<p>Card 4111 1111 <span>1111</span> 1111 please</p>";
    const [card] = detectPii(text, { categories: ["credit_card"] });
    expect(text.slice(card?.start, card?.end)).toBe("4111 1111 <span>1111</span> 1111");
  });

  it("control: markup around prose and separate numbers holds no value", () => {
    for (const text of ["<p>Hello <b>world</b>, see <i>page</i> 12 and <span>table</span> 3.</p>", "<td>2019</td><td>2020</td>"]) {
      expect(found(text), text).toEqual([]);
    }
  });

  it("through the egress exit, the HTML body is refused and a clean one delivered", async () => {
    const agent = await egressPiiAgent("pii-inline-markup");
    await expectRefused(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("Card 4111 1111 <span>1111</span> 1111") });
    await expectRefused(agent, "/e", {
      headers: { "content-type": "text/html" },
      rawBody: ascii("<html><body><p>Mail <b>alice</b>@example.com</p></body></html>"),
    });
    await expectDelivered(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("Hello <b>world</b>, page <i>12</i>.") });
  });
});
