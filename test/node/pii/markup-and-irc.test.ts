// Names in HTML are read as a browser shows the text (tags dropped, blocks on lines of their own),
// with offsets into the text as sent; an IRC log's speakers in angle brackets are people.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { markupShown } from "../../../workers/pii/detectors/markup.js";
import { readReference } from "../../../workers/pii/references.js";

const detector = new PiiDetector({});
const values = (text: string, category = "person") =>
  detector
    .detect(text)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("names between HTML tags", () => {
  it.each([
    ["<b>Hannah</b>: I'll push the fix after lunch.", "Hannah"],
    ["<li>Contact: <strong>Gail Thornbury</strong></li>", "Gail Thornbury"],
    ["<p>Dear <em>Mr. Okonkwo</em>, your order has shipped.</p>", "Okonkwo"],
    ["<p>Call <b>Maria Rossi</b> at the front desk.</p>", "Maria Rossi"],
    ['<div class="author"><span>Posted by</span> <a href="/u/42">Margaret Okafor</a></div>', "Margaret Okafor"],
  ])("%s", (text, name) => {
    expect(values(text).some((v) => v.includes(name))).toBe(true);
  });

  it("a name split by inline tags is still one name, masked over its tags (the elements it opens and closes included)", () => {
    const text = "<p>Owner: <b>Gail</b> <i>Thornbury</i></p>";
    expect(values(text)).toEqual(["<b>Gail</b> <i>Thornbury</i>"]);
  });

  it("reads the prose of alt and title attributes", () => {
    const text = '<img src="/team.png" alt="Bartholomew Quist at the annual gala">';
    expect(
      values(text, "person")
        .concat(values(text, "organization"))
        .some((v) => v.includes("Bartholomew Quist")),
    ).toBe(true);
  });

  it("offsets map back: a finding's text is the text as sent", () => {
    const text = '<td>Ref</td><td><span title="x">Jonas Vlietstra</span></td>';
    const [f] = detector.detect(text).filter((x) => x.category === "person");
    expect(text.slice(f?.start, f?.end)).toBe("Jonas Vlietstra");
  });

  it.each([
    "<ul><li>Apples</li><li>Pears</li></ul>",
    "<div> Please restart the server </div>",
    "<p>Your order has shipped and will arrive on Tuesday.</p>",
    "const items: Array<string> = []; if (a <b && c> d) { return; }",
  ])("markup without names stays clean: %s", (text) => {
    expect(detector.detect(text).filter((f) => ["person", "organization", "location"].includes(f.category))).toEqual([]);
  });

  it("leaves text without element tags alone", () => {
    expect(markupShown("plain text, 3 < 4 and <ingrid> in a log")).toBeNull();
    const shown = markupShown("<p>Hi <b>Ana</b></p>");
    expect(shown?.text.replace(/\n/g, "|")).toBe("|Hi Ana|");
  });
});

describe("IRC logs: the speaker in angle brackets", () => {
  it("masks each speaker of a log with timestamps", () => {
    const text = "[12:03] <ingrid> did the deploy go out?\n[12:04] <raj> yep, all green\n[12:05] <ingrid> thanks raj";
    expect(values(text)).toEqual(["ingrid", "raj", "ingrid", "raj"]);
  });

  it("reads bare timestamps and channel modes", () => {
    const text = "12:01 <tkowalski> rebooting db01 now\n12:02 <@mikael> ok, ping me when it is back";
    expect(values(text)).toEqual(["tkowalski", "mikael"]);
  });

  it("does not read HTML list items as speakers", () => {
    expect(values("<li>item one is here</li>\n<li>item two is here</li>")).toEqual([]);
  });
});

describe("HTML's named letter references", () => {
  it.each([
    ["eacute", "é"],
    ["Eacute", "É"],
    ["Uuml", "Ü"],
    ["ccedil", "ç"],
    ["ntilde", "ñ"],
    ["Scaron", "Š"],
    ["aring", "å"],
    ["szlig", "ß"],
    ["Oslash", "Ø"],
    ["AElig", "Æ"],
    ["amp", "&"],
    ["COMMAT", "@"],
  ])("&%s; is %s", (name, letter) => {
    expect(readReference(`&${name};`, 0)?.value).toBe(letter);
  });

  it("leaves what names nothing as written, and reads every name a browser reads", () => {
    expect(readReference("&qacute;", 0)).toBeUndefined();
    expect(readReference("&toString;", 0)).toBeUndefined();
    expect(readReference("AT&T", 2)).toBeUndefined();
    expect(readReference("&copy;", 0)?.value).toBe("©");
    expect(readReference("&NegativeMediumSpace;", 0)?.value).toBe("\u200b");
  });

  it("a name written with them is masked over its references", () => {
    const text = "Kontakt: J&uuml;rgen M&Uuml;LLER, Fran&ccedil;ois &Oslash;stergaard";
    expect(values(text)).toEqual(["J&uuml;rgen M&Uuml;LLER", "Fran&ccedil;ois &Oslash;stergaard"]);
  });
});
