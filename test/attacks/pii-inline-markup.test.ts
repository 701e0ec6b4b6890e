// Attack class: markup inside a value. A browser shows "4111 1111 <span>1111</span> 1111" and
// "<b>alice</b>@example.com" whole, a Markdown view "4111 1111 1111 11**11**", but the pattern
// detectors read the marks as text between the value's parts and found nothing (red teams 28b and
// 29). The text without its markup is now read too, around each mark, the way an HTML tokeniser
// reads tags (any element, quoted attributes, every comment form), footnote elements glued, apart and
// dropped, hidden elements dropped (red team 29b), Markdown emphasis, links, footnotes and backslash
// escapes; values split across content parts are judged without the markup at the seam. Every scan
// is linear, and a tag that never ends switches off no tag after it (red team 29c). Red team 30: the
// text a reading leaves is gated as shown, not as sent; hidden text is read by the tokeniser's attributes
// and CSS however it is spelled; HTML elements break out of SVG; empty invented elements make no XML.
// Red team 30b: foreign content's other exits, spelled e-mails, values shown whole judged as plain text,
// style sheets' classes and ids, closed details, CSS numbers and custom properties. Red team 30c: a
// sheet in another message, selectors of every kind, declarations read one by one, a closed details'
// summary shown, Markdown's characters beside tags read as text too. Red team 30d: a rule counts by its
// subject (not under an ancestor, on a state or for a pseudo-element; ":not(.show)" honoured), every CSS
// identifier form, nesting, element and attribute rules across messages.
import { describe, expect, it } from "vitest";
import { createMasker, detectPii, type JsonValue, maskJsonStrings } from "../../workers/pii/index.js";
import { ascii, egressPiiAgent, expectDelivered, expectRefused, sendEgress } from "./support/egress-pii.js";

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

  it.each([
    ["an element no list names (label)", "Card 4111 1111 1111 11<label>11</label>", "credit_card"],
    ["a namespaced Word element", "Card 4111 1111 1111 11<o:p>11</o:p>", "credit_card"],
    ["a custom element", "Card 4111 1111 1111 11<x-y>11</x-y>", "credit_card"],
    ["an image between digits", "Card 4111 1111 1111 11<img src=x>11", "credit_card"],
    ["a quoted attribute holding >", 'Card 4111 1111 1111 11<span title="a>b">11</span>', "credit_card"],
    ["a quoted attribute holding <", 'Card 4111 1111 1111 11<span title="a<b">11</span>', "credit_card"],
    ["a slash before the attributes", "Card 4111 1111 1111 11<span/class=a>11</span>", "credit_card"],
    ["a long attribute", `Card 4111 1111 1111 11<span title="${"x".repeat(900)}">11</span>`, "credit_card"],
    ["the empty comment <!-->", "Card 4111 1111 1111 11<!-->11", "credit_card"],
    ["a comment closed by --!>", "Card 4111 1111 1111 11<!-- x --!>11", "credit_card"],
    ["a long comment", `Card 4111 1111 1111 11<!--${"x".repeat(500)}-->11`, "credit_card"],
    ["a bogus comment <?x?>", "Card 4111 1111 1111 11<?x?>11", "credit_card"],
    ["CDATA", "Card 4111 1111 1111 11<![CDATA[ ]]>11", "credit_card"],
    ["the dropped tag </>", "Card 4111 1111 1111 11</>11", "credit_card"],
    ["an e-mail's @ in a label element", "Mail alice<label>@</label>example.com", "email"],
    ["a line break inside a card", "Card 4111 1111 1111<br>1111", "credit_card"],
    ["Markdown bold digits", "Card 4111 1111 1111 11**11**", "credit_card"],
    ["Markdown code digits", "Card 4111 1111 1111 11`11`", "credit_card"],
    ["Markdown strike-through group", "Card 4111 1111 ~~1111~~ 1111", "credit_card"],
    ["a Markdown bold local part", "Mail **alice**@example.com", "email"],
  ])("%s is found", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it.each([
    ["an attribute name opening on = with a quote", 'Card 4111 1111 1111 11<b ="x>11</b>" ok', "credit_card"],
    ["an e-mail cut by an attribute name opening on =", 'Mail alice<b ="x>@example.com</b>" ok', "email"],
    ["blanks between = and the quote", 'Card 4111 1111 1111 11<span title=         "a>b">11</span>', "credit_card"],
    ["a < in an unquoted value", "Card 4111 1111 1111 11<span title=a<b>11</span>", "credit_card"],
    ["a < in an attribute name", "Card 4111 1111 1111 11<span a<b=1>11</span>", "credit_card"],
    ["a < in the element name", "Card 4111 1111 1111 11<b<>11</b<>", "credit_card"],
    ["an attribute of 5,000 characters", `Card 4111 1111 1111 11<span title="${"x".repeat(5000)}">11</span>`, "credit_card"],
    ["a bogus comment of 5,000 characters", `Card 4111 1111 1111 11<!${"x".repeat(5000)}>11`, "credit_card"],
    ["a footnote link after a phone number", 'Phone +1 415 <b>555</b> 2671<sup><a href="#note-3">3</a></sup> ok', "phone"],
    ["a footnote link before a card", '<sup><a href="#note-3">3</a></sup>4111 1111 <b>1111</b> 1111 ok', "credit_card"],
    ["a superscript inside the last group", "Card 4111 1111 1111 111<sup>2</sup>1 ok", "credit_card"],
    ["a hidden digit inside a group", "Card 4111 1111 1111 111<span hidden>2</span>1 ok", "credit_card"],
    ["a script between groups", "Card 4111 1111 <script>9</script>1111 1111", "credit_card"],
    ["a display:none digit", 'Card 4111 1111 <span style="display:none">9</span>1111 1111', "credit_card"],
    ["a hidden digit in a phone number", "Call +1 415 555 <span hidden>9</span>2671", "phone"],
    ["a style element inside an e-mail", "Mail alice<style>p{}</style>@example.com", "email"],
    ["mixed Markdown marks", "Card 4111 1111 ***~~1111~~*** 1111", "credit_card"],
    ["underscore emphasis", "Card 4111 1111 1111 __1111__", "credit_card"],
    ["a Markdown link around a group", "Card 4111 1111 [1111](#) 1111", "credit_card"],
    ["a Markdown reference link", "Card 4111 1111 [1111][r] 1111\n\n[r]: #", "credit_card"],
    ["a Markdown link around the local part", "Mail [alice](#)@example.com", "email"],
    ["a Markdown link inside an SSN", "SSN 536-[22](#)-1234", "tax_id"],
    ["a backslash-escaped @", "Mail alice\\@example.com", "email"],
    ["backslash-escaped dashes", "SSN 536\\-22\\-1234", "tax_id"],
  ])("%s is found", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it.each([
    ["an unclosed quoted attribute before a tagged card", 'See <a href="x for details.\nCard 4111 1111 <b>1111</b> 1111', "credit_card"],
    ["an unclosed single-quoted attribute before a tagged card", "Use <img alt='it for now. Card 4111 1111 <b>1111</b> 1111", "credit_card"],
    ["an unclosed comment before a tagged card", "Note <!-- todo\nCard 4111 1111 <b>1111</b> 1111", "credit_card"],
    ["custom elements side by side", "Card <x-a>4111 1111 1111 11</x-a><x-b>11</x-b>", "credit_card"],
    ["an SSN across custom elements", "SSN <x-a>536-22-</x-a><x-b>1234</x-b>", "tax_id"],
    [
      "Word runs split at a bold mark",
      "<w:p><w:r><w:t>Card 4111 1111 1111 11</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>11</w:t></w:r></w:p>",
      "credit_card",
    ],
    [
      "Word runs split at a spell-check mark",
      '<w:r><w:t>alice</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:t>@example.com</w:t></w:r>',
      "email",
    ],
    ["emphasis closed before a digit", "Card 4111 1111 1111 11**1**1 ok", "credit_card"],
    ["a code span inside a group", "Card 4111 1111 1111 11`1`1 ok", "credit_card"],
    ["emphasis inside an address", "Mail ali**ce@exa**mple.com", "email"],
    ["nested hidden spans", "Card 4111 1111 1111 111<span hidden><span>2</span>3</span>1", "credit_card"],
    ["nested display:none blocks", "Card 4111 1111 1111 111<div style='display:none'><div>2</div>3</div>1", "credit_card"],
    ["a link with a title", 'Card 4111 1111 1111 11[11](# "t")', "credit_card"],
    ["a Markdown footnote inside a group", "Card 4111 1111 1111 11[^1]11", "credit_card"],
  ])("%s is found (red team 29c)", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it.each([
    ["an HTML element beside an unknown one", "Card 4111 1111 1111 11</i><z>11", "credit_card"],
    ["a phone across an HTML and an unknown element", "Call +1 415 555 26</i><z>71", "phone"],
    ["an IBAN across an HTML and an unknown element", "IBAN DE89 3704 0044 0532 01</i><z>30 00", "iban"],
    ["SVG text runs", '<svg><text><tspan>4111 1111 1111 11</tspan><a href="#">11</a></text></svg>', "credit_card"],
    ["emphasis over more than four digits, closed before a blank", "Card 4111 1111 11**11 1111**", "credit_card"],
    ["emphasis inside a phone number", "Call +1 415 5**55 2671**", "phone"],
    ["a hidden span holding a comment with a tag", "Card 4111 1111 1111 111<span hidden>9<!-- <span> --></span>1", "credit_card"],
    ["a hidden span holding a script with a tag", "Card 4111 1111 1111 111<span hidden>9<script><span></script></span>1", "credit_card"],
    ["a hidden span holding a tag in an attribute", 'Card 4111 1111 1111 111<span hidden>9<b title="<span>"></b></span>1', "credit_card"],
    ["a hidden span holding 40 empty spans", `Card 4111 1111 1111 111<span hidden>${"<span></span>".repeat(40)}9</span>1`, "credit_card"],
  ])("%s is found (red team 29d)", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it.each([
    ["invented tags in a comment before an HTML split", "<p>Card <b>4111 1111 1111 11</b><i>11</i></p><!-- <q1><q2><q3><q4><q5> -->", "credit_card"],
    ["invented tags before an SSN split by HTML elements", "<!--<q1><q2><q3>-->SSN <i>123-45-67</i><b>89</b>", "tax_id"],
    ["visible invented tags before an HTML split", "<q1/><q2/><q3/>Card 4111 1111 1111 11</i><b>11", "credit_card"],
    ["a style inside SVG inside a hidden span", "Card 4111 1111 1111 11<span hidden>9<svg><style></span>11 <i></style></svg></span>", "credit_card"],
    ["a self-closing span inside a hidden span", "Card 4111 1111 1111 111<span hidden><span/>9</span>9</span>1", "credit_card"],
    ["a hidden span holding 600 empty spans", `Card 4111 1111 1111 111<span hidden>${"<span></span>".repeat(600)}9</span>1`, "credit_card"],
    ["emphasis opened before a blank and closed inside a group", "Card **4111 1111 1111 11**11 ok", "credit_card"],
    ["emphasis closed inside a phone number", "Call **+1 415 555 26**71", "phone"],
  ])("%s is found (red team 29e)", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  it.each([
    ["a footnote element after a tagged card", "Card 4111 1111 <b>1111</b> 1111<sup>2</sup>", "credit_card"],
    ["a superscript reference after a tagged card", "Card 4111 1111 <b>1111</b> 111&sup1;", "credit_card"],
    ["a footnote element after a tagged address", "Mail <b>jane.doe</b>@example.com<sup>2</sup>", "email"],
    ["a footnote element after a tagged phone number", "Phone +1 415 <b>555</b> 2671<sup>3</sup>", "phone"],
    ["a footnote element after a tagged IBAN", "IBAN DE89 3704 <em>0044</em> 0532 0130 00<sup>3</sup>", "iban"],
    ["a footnote element before a tagged card", "<sup>3</sup>4111 1111 <b>1111</b> 1111", "credit_card"],
    ["a footnote element before a tagged SSN", "<sup>3</sup>536-<b>22</b>-1234", "tax_id"],
  ])("%s: the footnote is read glued and apart", (_title, text, category) => {
    expect(found(text), text).toContain(category);
  });

  const blockedAcross = (parts: string[][]) => {
    const masker = createMasker({ credit_card: "block", email: "block" });
    maskJsonStrings({ messages: parts.map((content) => ({ role: "user", content: content.map((text) => ({ type: "text", text })) })) }, masker);
    return masker.result().blockedCategories;
  };
  it.each([
    ["an opening tag at the end of a part", [["Card 4111 1111 1111 11<b>", "11"]], "credit_card"],
    ["a tag on each side of the seam", [["Card 4111 1111 <b>11", "11</b> 1111"]], "credit_card"],
    ["a part that is only a tag", [["Card 4111 1111 1111 11", "<b>", "11"]], "credit_card"],
    ["a comment across two parts", [["Card 4111 1111 1111 11<!-- ", " -->11"]], "credit_card"],
    ["a tag opening the next part", [["Card 4111 1111 1111 11", "<b>11"]], "credit_card"],
    ["an address with a tag at the seam", [["Mail alice@exa<b>", "mple</b>.com"]], "email"],
    ["two messages with a tag at the seam", [["Card 4111 1111 1111 11<b>"], ["11</b>"]], "credit_card"],
    ["Markdown marks at the seam", [["Card 4111 1111 1111 11**", "11**"]], "credit_card"],
    ["a Markdown link across the seam", [["Card 4111 1111 1111 11[", "11](#)"]], "credit_card"],
    ["a Markdown link opening the next part", [["Card 4111 1111 1111 11", "[11](#)"]], "credit_card"],
    ["a hidden digit at the seam", [["Card 4111 1111 1111 11<span hidden>9</span>", "11"]], "credit_card"],
    ["blanks before a quoted attribute at the seam", [['Card 4111 1111 1111 11<span title=         "a>b">', "11</span>"]], "credit_card"],
  ])("%s: the split value is blocked", (_title, parts, category) => {
    expect(blockedAcross(parts)).toContain(category);
  });

  it("control: footnoted lists of numbers hold no card (their digits pass Luhn only glued, in no card's layout)", () => {
    for (const text of [
      "Years 2001 2019 2020<sup>1</sup> 2021",
      "Years 2001 2019 2020¹ 2021",
      "<td>Sales 2001 2019 2020<sup>1</sup> 2021</td>",
      "Values: 12 34 56 78<sup>1</sup> 12 34 56",
    ]) {
      expect(found(text), text).toEqual([]);
    }
    expect(blockedAcross([["Hello <b>world</b>", "see page 12"]])).toEqual([]);
  });

  it("control: fields of a record and products hold no value (red teams 29b and 29c)", () => {
    for (const text of [
      "<r><id>45</id><qty>320151</qty><ref>12833428</ref></r>",
      "<row><year>673857</year><code>750568</code><amt>18991</amt></row>",
      "<row><zip>382</zip><year>9441</year><id>2</id><ref>5</ref><zip>41</zip></row>",
      "<row><ref>3695</ref><id>48714</id><zip>87201</zip></row>",
      "x = 5711*272*4882 and 45*320151*12833428",
      "a **b** c 2**10 and 3**4**5",
      "size = 45*320151*12833428",
      "snake_case_name = __init__(4111, 1111)",
    ]) {
      expect(found(text), text).toEqual([]);
    }
  });

  it("every scan is linear: 1 MB of unclosed comments, bogus comments and quotes completes", () => {
    for (const text of [
      "<!".repeat(500_000),
      `€${"<!".repeat(500_000)}`,
      "</ ".repeat(330_000),
      Array.from({ length: 80_000 }, (_, i) => `<x${i} hidden>a `).join(""),
      Array.from({ length: 200_000 }, (_, i) => `1${["*", "~", "`", "**", "*~", "~`", "`*", "***"][i % 8]}1 `).join(""),
      "[".repeat(1_000_000),
      "](".repeat(500_000),
      "<!-- a ".repeat(140_000),
      `${"<sup>1</sup>".repeat(4000)}${"<!".repeat(480_000)}`,
      // Red team 30: a run of "<a" after enough tags to make the window the whole text (an XML name that could hold "<").
      `1 ${"<b>x</b>".repeat(300)}${"<a".repeat(400_000)}`,
      // ...and the tag-by-tag check for hidden text, which "style" or "hidden" anywhere switches on.
      `style hidden ${"<!".repeat(500_000)}`,
      `1 hidden ${"<a ".repeat(330_000)}`,
      `1 ${'<span style="a:b">'.repeat(50_000)}`,
      // Red team 30c: one style attribute of "{font:" runs, a large sheet over many classed elements.
      `1 <span style="${"{font:".repeat(150_000)}">`,
      `<style>${".a{display:none}".repeat(12_000)}</style>${'1 <span class="a b c">2</span> '.repeat(20_000)}`,
    ]) {
      expect(() => detectPii(text, { categories: ["credit_card", "email"], timeBudgetMs: 10_000 })).not.toThrow();
    }
  });

  it("control: code and Markdown around separate numbers hold no value", () => {
    for (const text of [
      "x = a*b*c; **kwargs** 2*3*4",
      "Vec<String> has 2019 items and Map<K, V> 2020",
      "**Q3** revenue 14 *million*, `v2.1` released",
    ]) {
      expect(found(text), text).toEqual([]);
    }
  });

  it("the mask takes the elements and marks that open or close inside the value", () => {
    for (const [text, value] of [
      ["Mail <b>alice</b>@example.com now", "<b>alice</b>@example.com"],
      ["Card <b>4111 1111 1111 11</b>11 now", "<b>4111 1111 1111 11</b>11"],
      ["Mail **alice**@example.com now", "**alice**@example.com"],
      ["Mail [alice](#)@example.com now", "[alice](#)@example.com"],
      ["Mail alice\\_smith@example.com now", "alice\\_smith@example.com"],
      ["<s><strong>alice</strong>@example.com and more</s> ok", "<strong>alice</strong>@example.com"],
    ] as const) {
      const [f] = detectPii(text, { categories: ["email", "credit_card"] });
      expect(text.slice(f?.start, f?.end)).toBe(value);
    }
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
    await expectRefused(agent, "/e", {
      headers: { "content-type": "application/json" },
      rawBody: ascii(JSON.stringify({ a: "4111 1111 1111 11<b>", b: "11</b>" })),
    });
    await expectRefused(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("Card 4111 1111 1111 11**11**") });
    await expectDelivered(agent, "/e", { headers: { "content-type": "text/plain" }, rawBody: ascii("Hello <b>world</b>, page <i>12</i>.") });
  });
});

describe("attack: what the markup reading skipped or could not see (red team 30)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id", "secret"] }).map((f) => f.category);
  it.each([
    // The text a reading leaves was gated on the text as sent: a value spelled by references or other scripts' characters skipped it.
    ["an @ written as a reference beside a tag", "Mail <b>alice</b>&commat;example.com", "email"],
    ["a small commercial at beside a comment", "Mail alice<!-- x -->\uFE6Bexample.com", "email"],
    ["a key with no digit split by an empty element", "token ghp_abcdefghijklmnop<b></b>qrstuvwxyzABCDEFGHIJ", "secret"],
    ["a key's prefix split by an element", "token gh<b></b>p_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "secret"],
    ["superscript digits beside a tag", "Card ⁴¹¹¹ ¹¹¹¹ ¹¹¹¹ ¹¹<b>¹¹</b>", "credit_card"],
    ["circled digits beside a tag", "Card ④①①① ①①①① ①①①① ①①<b>①①</b>", "credit_card"],
    // Hidden text the old test could not see.
    ["hidden after a quoted >", 'Card 4111 1111 1111 11<span title=">" hidden>9</span>11', "credit_card"],
    ["hidden after a long attribute", `Card 4111 1111 1111 11<span title="${"x".repeat(300)}" hidden>9</span>11`, "credit_card"],
    ["hidden after a slash", "Card 4111 1111 1111 11<span/hidden>9</span>11", "credit_card"],
    ["a phone with hidden after a quoted >", 'Call +1 415 555 <span title=">" hidden>9</span>2671', "phone"],
    ["display:none spelled with a reference", 'Card 4111 1111 1111 11<span style="display&colon;none">9</span>11', "credit_card"],
    ["display:none with a CSS comment", 'Card 4111 1111 1111 11<span style="display:/**/none">9</span>11', "credit_card"],
    ["display:none with a CSS escape", 'Card 4111 1111 1111 11<span style="display:\\6e one">9</span>11', "credit_card"],
    ["visibility:collapse", 'Card 4111 1111 1111 11<span style="visibility: collapse">9</span>11', "credit_card"],
    ["font-size:0", 'Card 4111 1111 1111 11<span style="font-size:0px">9</span>11', "credit_card"],
    ["a canvas's fallback", "Card 4111 1111 1111 11<canvas>9</canvas>11", "credit_card"],
    ["a video's fallback", "Card 4111 1111 1111 11<video>9</video>11", "credit_card"],
    ["ruby's parenthesis", "Card 4111 1111 1111 11<rp>9</rp>11", "credit_card"],
    ["noembed", "Card 4111 1111 1111 11<noembed>9</noembed>11", "credit_card"],
    // "<span/>" inside SVG or MathML leaves it and opens a span: the hidden span still holds the digit.
    ["an HTML element breaking out of SVG", "Card 4111 1111 1111 11<span hidden><svg><span/></svg></span>9</span>11", "credit_card"],
    ["an HTML element breaking out of MathML", "Card 4111 1111 1111 11<span hidden><math><span/></math></span>9</span>11", "credit_card"],
    // Empty invented elements make no XML records: the tags between digits are HTML's.
    ["self-closing invented tags before a phone", "<q1/><q2/><q3/>Call +1 415 555 26</i><z>71", "phone"],
    ["empty invented elements before a card", "<q1></q1><q2></q2><q3></q3>Card 4111 1111 1111 11</b><z>11</z>", "credit_card"],
    // Red team 30b: foreign content's other doors, spelled e-mails, values shown whole, CSS read more ways.
    ["a self-closing MathML root opens nothing", "<math/>Card 4111 1111 1111 11<q1 hidden/>9</q1>11", "credit_card"],
    ["an end tag </p> leaving SVG", "<svg></p>Card 4111 1111 1111 11<q1 hidden/>9</q1>11", "credit_card"],
    ["HTML inside MathML's mtext", "<math><mtext>Card 4111 1111 1111 11<q1 hidden/>9</q1>11</mtext></math>", "credit_card"],
    ["a spelled e-mail cut by bold", "Mail <b>alice</b> at example dot com", "email"],
    ["a spelled e-mail cut by an empty element", "Mail alice<b></b>(at)example.com", "email"],
    ["a card shown as 4-4-8 across two elements", "<b>4111 1111 1111</b><i>1111</i>", "credit_card"],
    ["a card in two invented elements a blank keeps apart", "<x>4111 1111 1111</x> <y>1111</y>", "credit_card"],
    ["a custom property hiding", 'Card 4111 1111 1111 11<span style="--x:none;display:var(--x)">9</span>11', "credit_card"],
    ["a style sheet's class", "<style>.h{display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11", "credit_card"],
    ["a style sheet's id", "<style>p #k { visibility: hidden }</style>Card 4111 1111 1111 11<span id=k>9</span>11", "credit_card"],
    ["a closed details element", "Card 4111 1111 1111 11<details style=display:inline>9</details>11", "credit_card"],
    ["opacity written .0", 'Card 4111 1111 1111 11<span style="opacity:.0">9</span>11', "credit_card"],
    ["a font shorthand of size 0", 'Card 4111 1111 1111 11<span style="font:0/0 a">9</span>11', "credit_card"],
    // Red team 30c: style sheets read as a browser does, CSS numbers, Markdown characters beside tags.
    ["a class in capitals", "<style>.H{display:none}</style>Card 4111 1111 1111 11<span class=H>9</span>11", "credit_card"],
    ["a class written as a reference", "<style>.h{display:none}</style>Card 4111 1111 1111 11<span class=&#104;>9</span>11", "credit_card"],
    ["a rule with a pseudo-class", "<style>.h:not(:hover){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11", "credit_card"],
    ["a nested rule after the declaration", "<style>.h{display:none;&:hover{color:red}}</style>Call +1 415 555 26<span class=h>9</span>71", "phone"],
    ["a type selector", "<style>q{display:none}</style>Card 4111 1111 1111 11<q>9</q>11", "credit_card"],
    ["a descendant selector", "<style>.h *{display:none}</style>Card 4111 1111 1111 11<span class=h><b>9</b></span>11", "credit_card"],
    ["an attribute selector", "<style>[data-x]{display:none}</style>Card 4111 1111 1111 11<span data-x>9</span>11", "credit_card"],
    ["a font shorthand with a style keyword", 'Card 4111 1111 1111 11<span style="font:italic 0 a">9</span>11', "credit_card"],
    ["opacity near zero", 'Card 4111 1111 1111 11<span style="opacity:0.001">9</span>11', "credit_card"],
    ["opacity as a small percentage", 'Card 4111 1111 1111 11<span style="opacity:1%">9</span>11', "credit_card"],
    ["a font size written +0px", 'Card 4111 1111 1111 11<span style="font-size:+0px">9</span>11', "credit_card"],
    ["asterisk separators beside a hidden digit", "Card 4111*1111*1111*11<span hidden>9</span>11", "credit_card"],
    ["tilde separators beside an empty tag", "Card 4111~1111~1111~11<b></b>11", "credit_card"],
    ["a hidden element elsewhere in the window", "Card 411111<b></b>111111111 1 <span hidden>x</span>", "credit_card"],
    // Red team 30d: class names of every form CSS allows, nesting.
    ["a class opening on an escaped digit", "<style>.\\31 h{display:none}</style>Card 4111 1111 1111 11<span class=1h>9</span>11", "credit_card"],
    ["a class opening on --", "<style>.--h{display:none}</style>Card 4111 1111 1111 11<span class=--h>9</span>11", "credit_card"],
    ["a class of an emoji", "<style>.😀{display:none}</style>Card 4111 1111 1111 11<span class=😀>9</span>11", "credit_card"],
    ["a class with an escaped slash", "<style>.w-1\\/2{display:none}</style>Card 4111 1111 1111 11<span class=w-1/2>9</span>11", "credit_card"],
    ["a class with an escaped colon", "<style>.a\\:b{display:none}</style>Card 4111 1111 1111 11<span class=a:b>9</span>11", "credit_card"],
    ["a nested rule on &", "<style>.h{&{display:none}}</style>Card 4111 1111 1111 11<span class=h>9</span>11", "credit_card"],
    ["a nested @media block", "<style>.h{@media screen{display:none}}</style>Card 4111 1111 1111 11<span class=h>9</span>11", "credit_card"],
  ])("%s is found", (_title, text, category) => {
    expect(all(text), text).toContain(category);
  });

  const blockedAcross = (parts: string[][]) => {
    const masker = createMasker({ credit_card: "block" });
    maskJsonStrings({ messages: parts.map((content) => ({ role: "user", content: content.map((text) => ({ type: "text", text })) })) }, masker);
    return masker.result().blockedCategories;
  };
  it.each([
    ["hidden after a quoted > opening the next part", [["Card 4111 1111 1111", '<i title=">" hidden>9</i>1111']]],
    ["hidden after a quoted > closing the first part", [['Card 4111 1111 <i title=">" hidden>9</i>', "1111 1111"]]],
    ["a hiding style at the seam", [['Card 4111 1111 1111 11<span style="display:/**/none">9</span>', "11"]]],
  ])("%s: the split card is blocked", (_title, parts) => {
    expect(blockedAcross(parts)).toContain("credit_card");
  });

  it("a style sheet in one message or content part hides an element in another (red team 30c)", () => {
    const blocked = (messages: JsonValue[]) => {
      const masker = createMasker({ credit_card: "block", iban: "block", phone: "block" });
      maskJsonStrings({ messages }, masker);
      return masker.result().blockedCategories;
    };
    const sheet = "<style>.h{display:none}</style>";
    expect(
      blocked([
        { role: "system", content: sheet },
        { role: "user", content: "Card 4111 1111 1111 11<span class=h>9</span>11" },
      ]),
    ).toContain("credit_card");
    expect(
      blocked([
        {
          role: "user",
          content: [
            { type: "text", text: sheet },
            { type: "text", text: "IBAN DE89 3704 0044 0532 01<span class=h>9</span>30 00" },
          ],
        },
      ]),
    ).toContain("iban");
    expect(
      blocked([
        { role: "system", content: sheet },
        { role: "user", content: "Call +1 415 555 26<span class=h>9</span>71" },
      ]),
    ).toContain("phone");
    // By element or attribute name too (red team 30d: the quick test looked only for a class or id there).
    expect(
      blocked([
        { role: "system", content: "<style>b{display:none}</style>" },
        { role: "user", content: "Card 4111 1111 1111 11<b>9</b>11" },
      ]),
    ).toContain("credit_card");
    expect(
      blocked([
        { role: "system", content: "<style>[title]{display:none}</style>" },
        { role: "user", content: "Card 4111 1111 1111 11<i title=x>9</i>11" },
      ]),
    ).toContain("credit_card");
  });

  it("control: styles that show their text and visible elements hide nothing", () => {
    for (const text of [
      // Shown as "…1111 11911": no card, as the same plain text is none.
      'Code 4111 1111 1111 11<span style="display:inline">9</span>11',
      'Code 4111 1111 1111 11<span style="font-size:10px">9</span>11',
      '<span style="width:auto;font-size:large">Order 12</span> of <span style="font:12px/1.0 Arial">34</span>',
      "<style>.h:hover{display:none}</style><span class=h>Order 12</span> of 34",
      "<details open><summary>Order</summary>12 of 34</details>",
      // A closed details element shows its summary (red team 30c: the whole element was dropped, a false block).
      "<p>Order 2321 8183</p><details><summary>More</summary>notes</details> 1669 2204",
      // Rules a browser applies only under an ancestor, on a state, to a pseudo-element, or not to ".show" (red team 30d).
      "<style>.nav-item span{display:none}</style><p>CI: build <b>4120</b> <span>passed</span> <b>1250</b> <span>tests in</span> <b>1024</b> <span>s, cache</span> <b>1000</b> MB</p>",
      '<style>.fade:not(.show){opacity:0}</style><p>Build 4120 1250 <span class="badge fade show">passed</span> 1024 1000</p>',
      '<style>.group:hover .group-hover\\:opacity-0{opacity:0}</style><p>Build 4120 1250 <span class="group">passed</span> 1024 1000</p>',
      '<style>.clearfix:after{content:"";height:0;visibility:hidden}</style><p>Build 4120 1250 <span class="clearfix">passed</span> 1024 1000</p>',
      "<style>@keyframes f{0%{opacity:0}}</style><p>Build 4120 1250 <span>passed</span> 1024 1000</p>",
      "<style>.k{color:red} p{margin:0}</style>Code 4111 1111 1111 11<span class=k>9</span>11",
      '<span style="font-size:10px">Order 12</span> of <span title="hidden">34</span>',
      "<td>2019</td><td>2020</td><video>Your browser cannot play this.</video>",
    ]) {
      expect(all(text), text).toEqual([]);
    }
  });
});

describe("attack: style-sheet rules read wrong or at a cost (red team 31)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const card = (inner: string) => `Card 4111 1111 1111 11${inner}11`;

  it("a one-argument :is() or :where() ends (it restarted its own parts forever: 500 after 83 s)", () => {
    expect(all(`<style>.h:is(span){display:none}</style>${card("<span class=h>9</span>")}`)).toContain("credit_card");
    expect(all(`<style>.h:where(.k){display:none}</style>${card("<span class='h k'>9</span>")}`)).toContain("credit_card");
    expect(all("<style>.h:is(span){display:none}</style><p>hello <span class=h>x</span></p>")).toEqual([]);
  });

  it("an attribute selector of escapes without its ']' costs no more than its length (15 s for 112 bytes)", () => {
    // Forty escapes: the old reading grew sixfold with each one (eleven took 15 s); this ends within the test's timeout.
    expect(all(`<style>[${"\\111111".repeat(40)}{display:none}</style>hello`)).toEqual([]);
  });

  it.each([
    ["attribute selector with a value", "<style>[data-h=x]{display:none}</style>", "<span data-h=x>9</span>"],
    ["attribute selector with a quoted value", '<style>[aria-hidden="true"]{display:none}</style>', '<span aria-hidden="true">9</span>'],
    ["attribute selector with an operator", '<style>span[class^="hid"]{display:none}</style>', '<span class="hidden-x">9</span>'],
    ["a selector list inside :is()", "<style>:is(.a,.b){display:none}</style>", "<i class=a>9</i>"],
    ["a selector list inside :where()", "<style>:where(.a,.b){display:none}</style>", "<i class=b>9</i>"],
    ["a brace inside a @font-face string", '<style>@font-face{font-family:"{"} .h{display:none}</style>', "<span class=h>9</span>"],
    ["a brace inside a content string", "<style>.x{content:'{'} .h{display:none}</style>", "<span class=h>9</span>"],
    ["a comment opener inside a string", '<style>.x{content:"/*"} .h{display:none} /* */</style>', "<span class=h>9</span>"],
    ["a complex selector inside :not()", "<style>.h:not(.v .h){display:none}</style>", "<span class=h>9</span>"],
    ["a compound inside :not() (not both)", "<style>.h:not(.v.h){display:none}</style>", "<span class=h>9</span>"],
    ["a state that holds in a static page on an ancestor", "<style>form:valid .h{display:none}</style>", "<span class=h>9</span>"],
  ])("%s: the card a browser shows is found", (_title, sheet, inner) => {
    expect(all(`${sheet}${card(inner)}`)).toContain("credit_card");
  });

  it.each([
    ["a bare element nested in a rule", "<style>.c{ i{display:none} }</style>"],
    ["a bare element nested on &", "<style>.c{ & i{display:none} }</style>"],
    ["a bare element under an ancestor", "<style>.c i{display:none}</style>"],
    ["a child combinator", "<style>.c > i{display:none}</style>"],
    ["an element under an element", "<style>p i{display:none}</style>"],
  ])("%s, the ancestor in the text: the card a browser shows is found", (_title, sheet) => {
    expect(all(`${sheet}<p class=c>${card("<i>9</i>")}</p>`)).toContain("credit_card");
  });

  it.each([
    // A nested rule under a selector list was built by text substitution (".a, .b .x"): .a itself read as hidden.
    ["a nested rule under a selector list", "<style>.a,.b{ .x{display:none} }</style>"],
    ["a nested rule on & under a selector list", "<style>.a,.b{ & .x{display:none} }</style>"],
    ["a nested list under a selector list", "<style>.a,.b{ .x,.y{display:none} }</style>"],
  ])("control, %s: no card is shown, nothing is found", (_title, sheet) => {
    expect(all(`${sheet}<p>Code 4111 1111 1111 11<span class=a>9</span>11</p>`)).toEqual([]);
  });
});

describe("attack: the style-sheet mends read at a cost, or missing elements a browser makes (red team 31b)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const xs = Array.from({ length: 64 }, (_, i) => `.x${i}`).join(",");

  it.each([
    ["an ancestor a browser makes (body)", "<style>body i{display:none}</style><p>Card 4111 1111 1111 11<i>9</i>11</p>"],
    ["an ancestor a browser makes (tbody)", "<style>tbody i{display:none}</style><table><tr><td>Card 4111 1111 1111 11<i>9</i>11</td></tr></table>"],
    ["an ancestor's class written with references", '<style>.zq i{display:none}</style><p class="&#122;&#113;">Card 4111 1111 1111 11<i>9</i>11</p>'],
    ["the 65th argument of :is()", `<style>:is(${xs},.h){display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11`],
    [
      "the 65th selector of a nested list",
      `<style>.p{ ${xs},.h{display:none} }</style><div class=p>Card 4111 1111 1111 11<span class=h>9</span>11</div>`,
    ],
    ["a complex argument of :is()", "<style>:is(.a .h){display:none}</style><div class=a>Card 4111 1111 1111 11<span class=h>9</span>11</div>"],
    ["a brace inside an unquoted url()", "<style>.z:hover{background:url({)} .h{display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11"],
    ["a namespaced attribute selector", "<style>[*|data-h]{display:none}</style>Card 4111 1111 1111 11<span data-h>9</span>11"],
    ["an ancestor element named style-…", "<style>.zq i{display:none}</style><style-box class=zq>Card 4111 1111 1111 11<i>9</i>11</style-box>"],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it("control: an ancestor's class is a class of the text's tags, not any letters of it", () => {
    expect(all("<style>.c i{display:none}</style><p>Card 4111 1111 1111 11<i>9</i>11</p>")).toEqual([]);
  });

  it.each([
    ["40,000 nested blocks", `<style>${".a{".repeat(40000)}</style>x`],
    ["20,000 nested blocks that hide", `<style>${".a{".repeat(20000)}display:none${"}".repeat(20000)}</style>x`],
    ["a list of 25,000 under a list of 25,000", `<style>${".a,".repeat(25000)}.a{${".b,".repeat(25000)}.b{display:none}}</style>x`],
    ["'&' eight times a level, twelve levels", `<style>.a{${"&&&&&&&&{".repeat(12)}display:none}</style>x`],
    ["40,000 unclosed :is(", `<style>${":is(".repeat(40000)}{display:none}</style>x`],
    ["25,000 nested :is(.a", `<style>${":is(.a ".repeat(25000)}${")".repeat(25000)}{display:none}</style>x`],
  ])("%s: read within the test's timeout, nothing found (24 s, over 30 s, 18 s before)", (_title, text) => {
    expect(all(text)).toEqual([]);
  });
});

describe("attack: where a sheet starts and ends, names with a no-break space, rules of thousands of parts (red team 31c)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const card = "Card 4111 1111 1111 11<span class=h>9</span>11";
  // Shown as "Ref 4111 1111 1111 11911": seventeen digits, no card.
  const ref = "Ref 4111 1111 1111 11<span class=h>9</span>11";

  it.each([
    ["a quoted '>' in the style tag", `<style media=">">.h{display:none}</style>${card}`],
    ["'</stylex>' inside the sheet", `<style></stylex>{} .h{display:none}</style>${card}`],
    ["an HTML comment mark CSS skips", `<style><!--.h{display:none}--></style>${card}`],
    ["a no-break space inside a class name", '<style>.x\u00a0y{display:none}</style>Card 4111 1111 1111 11<span class="x\u00a0y">9</span>11'],
    ["a second class attribute a browser ignores", "<style>.h:not(.x){display:none}</style>Card 4111 1111 1111 11<span class=h class=x>9</span>11"],
    [
      "a no-break space reference inside a class",
      '<style>[data-k]:not(.x){display:none}</style>Card 4111 1111 1111 11<span data-k class="q&nbsp;x">9</span>11',
    ],
    [
      "a class in other case under :not() (case counts without quirks)",
      '<!doctype html><style>.h:not(.x){display:none}</style>Card 4111 1111 1111 11<span class="h X">9</span>11',
    ],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it.each([
    ["a style element inside a comment", `<!-- <style>.h{display:none}</style> -->${ref}`],
    ["a style element inside a script string", `<script>var s="<style>.h{display:none}</style>"</script>${ref}`],
    ["a style element inside a textarea", `<textarea><style>.h{display:none}</style></textarea>${ref}`],
    ["a style element inside a template", `<template><style>.h{display:none}</style></template>${ref}`],
    ["an element named style-box", `<style-box>.h{display:none}</style-box>${ref}`],
    ["a no-break space joining two classes into one", '<style>.h{display:none}</style>Ref 4111 1111 1111 11<span class="h&nbsp;x">9</span>11'],
  ])("control, %s: no sheet hides the digit, nothing is found", (_title, text) => {
    expect(all(text)).toEqual([]);
  });

  it.each([
    ["33,000 attribute requirements, 18,000 tags", `<style>${"[a]".repeat(33000)}{display:none}</style>${"<b a>".repeat(18000)}`],
    ["50,000 class requirements, 9,000 tags", `<style>${".a".repeat(50000)}{display:none}</style>${"<b class=a>".repeat(9000)}`],
    ["45,000 id requirements, an id list of 45,000", `<style>${"#a".repeat(45000)}{display:none}</style><b id="${"x ".repeat(45000)}a">y</b>`],
    ["a :not() list of 40,000, 9,000 tags", `<style>.a:not(${".b,".repeat(40000)}.b){display:none}</style>${"<b class=a>".repeat(9000)}`],
  ])("%s: read within the test's timeout (15 s, 6 s, 6 s, 5 s before)", (_title, text) => {
    expect(all(text)).toEqual([]);
  });
});

describe("attack: sheets found by a tokeniser's reading, many rules under one name (red team 31d)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const sheet = "<style>.h{display:none}</style>";
  const card = "Card 4111 1111 1111 11<span class=h>9</span>11";
  const ref = "Ref 4111 1111 1111 11<span class=h>9</span>11";

  it.each([
    ["a letter that lower-cases to two ('İ') before the sheet", `İİİİ${sheet}${card}`],
    ["a comment opener inside an attribute value", `<p title="<!--">x</p>${sheet}${card}<p title="-->">y</p>`],
    ["a script tag inside an attribute value", `<p title="<script>">x</p>${sheet}${card}`],
    ["the short comments '<!-->' and '<!--->'", `<!--><!--->${sheet}${card}`],
    ["a comment closed by '--!>'", `<!-- x --!>${sheet}${card}`],
    ["a no-break space after '</style'", `<style></style\u00a0>{}.h{display:none}</style>${card}`],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it.each([
    ["a sheet inside noembed", `<noembed>${sheet}</noembed>${ref}`],
    ["a sheet inside noframes", `<noframes>${sheet}</noframes>${ref}`],
    ["a sheet inside an iframe's fallback", `<iframe>${sheet}</iframe>${ref}`],
    ["a sheet after plaintext", `<plaintext></plaintext>${sheet}${ref}`],
    ["a sheet inside a bogus comment", `<?x${sheet}${ref}`],
    ["a no-break space after '<style'", `<style\u00a0>.h{display:none}</style>${ref}`],
    ["a sheet inside nested templates", `<template><template></template>${sheet}</template>${ref}`],
  ])("control, %s: no sheet hides the digit, nothing is found", (_title, text) => {
    expect(all(text)).toEqual([]);
  });

  it("4,000 rules under one element name against 20,000 tags are read within the test's timeout (6.8 s before)", () => {
    expect(all(`<style>${Array.from({ length: 4000 }, (_, i) => `i[z${i}]{display:none}`).join("")}</style>${"<i>".repeat(20000)}`)).toEqual([]);
  });
});

describe("attack: the ancestor's names read by a reader of their own, not the tokeniser's (review, round 32)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const card = "Card 4111 1111 1111 11<i>9</i>11</p>";

  // The names a rule's ancestor needs were read by a pattern that ended a tag at its first ">":
  // a quoted ">" before the class hid the ancestor, and the digit it hides stayed in the card.
  it.each([
    ["a double-quoted '>' before the ancestor's class", `<style>.zq i{display:none}</style><p title=">" class=zq>${card}`],
    ["a single-quoted '>' before the ancestor's class", `<style>.zq i{display:none}</style><p data-x='a>b' class=zq>${card}`],
    ["the ancestor's class after a '/'", `<style>.zq i{display:none}</style><p/class=zq>${card}`],
    ["the ancestor's attribute in capitals", `<style>[data-q] i{display:none}</style><p DATA-Q>${card}`],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  // Names are read loosely too (in comments, raw text and quoted values): a tag the tokeniser's reading leaves out
  // must still name its ancestor (red team 32), so a class named only in a comment hides as if it stood in a tag.
});

describe("attack: tags the one-pass reader left out, raw text it read too far, a tag's cost (red team 32)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const S = "<style>.c i{display:none}</style>";
  const card = "Card 4111 1111 1111 11<i>9</i>11";

  it.each([
    ["a quote that never closes in the ancestor's tag", `${S}<p class=c x">${card}</p>`],
    ["an apostrophe in a bare value before the class", `${S}<p title=don't class=c>${card}</p>`],
    ["an apostrophe in an attribute's name after an id", `<style>#k i{display:none}</style><p id=k x'>${card}</p>`],
    [
      "a quoted value longer than 4,096 characters",
      `${S}<div class=c style="background:url(data:image/png;base64,${"A".repeat(5000)})">${card}</div>`,
    ],
    ["a quote in an attribute's name paired with a later tag's", `${S}<b x"y></b><p class=c>${card}</p><u x">.</u>`],
    ["'<script>' in an end tag's attribute", `${S}</x a="<script>"><p class=c>${card}</p>`],
    [
      "'<!--' in an end tag's attribute, before the sheet",
      `</x a="<!--"><style>.h{display:none}</style>Card 4111 1111 1111 11<span class=h>9</span>11`,
    ],
    ["a self-closed textarea in SVG", `${S}<svg><textarea/></svg><p class=c>${card}</p>`],
    ["a self-closed template in SVG", `${S}<svg><template/></svg><p class=c>${card}</p>`],
    ["a row a browser makes around a cell", `<style>tr i{display:none}</style><table><td>${card}</td></table>`],
    ["a self-closed title in SVG before a hidden span", "<svg><title/></svg>Card 4111 1111 1111 11<span hidden>9</span>11"],
    ["a self-closed title in SVG before the ancestor", `${S}<svg><title/></svg><p class=c>${card}</p>`],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it.each([
    ["an e-mail", `${S}<p class=c x'>Mail alice@exa<i> zz </i>mple.com</p>`, "email"],
    ["a phone", `${S}<p class=c x'>Call +1 415 555<i> 9 </i>0123</p>`, "phone"],
    ["an IBAN", `${S}<p class=c x'>IBAN DE89 3704 0044 05<i>9</i>32 0130 00</p>`, "iban"],
  ])("%s beside an apostrophe in the ancestor's tag is found", (_title, text, category) => {
    expect(all(text)).toContain(category);
  });

  it.each([
    ["'<a' × 3,200 after a sheet (68 s before)", `${S}${"<a".repeat(3200)}`],
    ["'<a\"' × 1,600 after a sheet (34 s before)", `${S}${'<a"'.repeat(1600)}`],
    ["'<style' then '<a' × 1,600", `<style${"<a".repeat(1600)}`],
  ])("%s: read within the test's timeout, nothing found", (_title, text) => {
    expect(all(text)).toEqual([]);
  });
});

describe("attack: the mends of red team 32 read a '/' as closing what it does not, rescanned unclosed raw text, took any blank for HTML's (red team 32b)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const card = "Card 4111 1111 1111 11<i>9</i>11";

  it.each([
    ["'<style/>' in HTML (the '/' is ignored there)", `<style/>i{display:none}</style>${card}`],
    ["an unquoted value ending in '/' in an SVG style tag", `<svg><style a=b/>i{display:none}</style></svg>${card}`],
    ["a self-closed script whose raw text holds '<!--' before a real sheet", `<script/><!--</script><style>i{display:none}</style>-->${card}`],
    ["a self-closed title whose raw text holds a quote before a real sheet", `<title/><a b="</title><style>i{display:none}</style>">${card}`],
    ["a no-break space after '=' before a quote (an unquoted value to a browser)", 'Card 4111 1111 1111 11<x a=\u00a0">11'],
    ["a no-break space after '=' before a hidden attribute", 'Card 4111 1111 1111 11<span a=\u00a0"x hidden b="y">9</span>11'],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it.each([
    ["'<template>' × 20,000 after a sheet (12.8 s before)", `<style>.c i{display:none}</style>${"<template>".repeat(20000)}`],
    ["'<textarea></textareax>' × 20,000 after a sheet (10 s before)", `<style>.c i{display:none}</style>${"<textarea></textareax>".repeat(20000)}`],
    ["'<textarea/>' × 20,000 after a sheet", `<style>.c i{display:none}</style>${"<textarea/>".repeat(20000)}`],
    ["'style ' then '<a ' × 12,000 and one '>' (40 s before)", `style ${"<a ".repeat(12000)}>`],
    ["'hidden ' then '<a x=y ' × 20,000 and one '>' (89 s before)", `hidden ${"<a x=y ".repeat(20000)}>`],
  ])("%s: read within the test's timeout, nothing found", (_title, text) => {
    expect(all(text)).toEqual([]);
  });
});

describe("attack: the 32b mends stopped the pass where a browser reads on, or skipped a real tag (red team 32c)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const S = "<style>.x{display:none}</style>";
  const C = "Card 4111 1111 1111 11<span class=x>9</span>11";

  it.each([
    [
      "a '<' before a blank in a textarea, a quote swallowing a hidden span",
      `<textarea>if a < b then x = "</textarea>Card 4111 1111 1111 11<span hidden>9</span>11<b title="">.</b>`,
    ],
    ["a '<' before a blank in prose before a hidden span", "if a < b: Card 4111 1111 1111 11<span hidden>9</span>11"],
    ["a script never closed inside SVG before the sheet", `<svg><script>var a</svg>${S}<p>${C}`],
    ["a textarea never closed inside SVG before the sheet", `<svg><textarea>x</svg>${S}<p>${C}`],
    ["a template never closed inside SVG before the sheet", `<svg><template></svg>${S}<p>${C}`],
    ["a script closed by '/' after an attribute's name inside SVG", `<svg><script async/></svg>${S}<p>${C}`],
    ["a self-closed SVG script, a real script after the card", `<svg><script/></svg>${S}<p>${C}<script>init()</script>`],
    ["a self-closed MathML title, a real title after the card", `<math><title/></math>${S}<p>${C}<title>x</title>`],
    ["a self-closed SVG style whose next text opens a CSS comment", `<svg><style/>/*</svg>${S}<p>${C}`],
    ["a self-closed SVG style before a quote", `<svg><style/><desc>"</desc></svg>${S}<p>${C}`],
    ["'<template>' in a comment inside a template", `<template><!--<template>--></template>${S}<p>${C}`],
    ["'<template>' in a value inside a template", `<template><b title="<template>"></b></template>${S}<p>${C}`],
    ["a sheet inside an SVG title (HTML there)", "<svg><title><style>i{display:none}</style></title></svg>Card 4111 1111 1111 11<i>9</i>11"],
  ])("%s: the card a browser shows is found", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });
});

describe("attack: the 32c pass left foreign content later than a browser, kept templates open, re-read nested sheets (red team 32d)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const S = "<style>.x{display:none}</style>";
  const SS = "<style/>.x{display:none}</style>";
  const C = "Card 4111 1111 1111 11<span class=x>9</span>11";
  const IBAN = "IBAN DE89 3704 0044 05<span class=x>9</span>32 0130 00";

  it.each([
    ["an HTML ancestor's end tag leaves SVG, a '<style/>' sheet after it", `<div><svg></div>${SS}<p>${C}`],
    ["an icon whose '</svg>' is missing", `<div class="icon"><svg viewBox="0 0 8 8"><path d="M0 0h8v8z"></div>${SS}<p>${C}`],
    ["'</span>' leaves SVG", `<span><svg></span>${SS}<p>${C}`],
    ["'</td>' leaves SVG", `<table><tr><td><svg></td></tr></table>${SS}<p>${C}`],
    ["'</svg>' closes a MathML root inside it", `<svg><math></svg>${SS}<p>${C}`],
    ["an SVG start tag a select ignores", `<select><svg></select>${SS}<p>${C}`],
    ["an HTML annotation in MathML", `<math><annotation-xml encoding="text/html">${SS}</annotation-xml></math><p>${C}`],
    ["an IBAN after an HTML ancestor's end tag left SVG", `<div><svg></div>${SS}<p>${IBAN}`],
    ["'</template>' inside SVG closes the template", `<template><svg></template>${S}<p>${C}`],
    ["'</template>' inside MathML closes the template", `<template><math></template>${S}<p>${C}`],
    ["'</template>' after an HTML ancestor inside SVG", `<template><div><svg></div></template>${S}<p>${C}`],
    ["an IBAN after a template closed inside SVG", `<template><svg></template>${S}<p>${IBAN}`],
  ])("%s: the value a browser shows is found", (_title, text) => {
    expect(all(text).some((c) => c === "credit_card" || c === "iban")).toBe(true);
  });

  it.each([
    ["a 4-4-8 card, '<b>' in a value of the tag inside it", `Card 4111 1111 11<span style="color:#333" data-tip="<b>Visa</b>">11</span>1111`],
    ["a 4-4-8 card, '<i hidden' in a title inside it", `Card 4111 1111 11<b title="<i hidden">11</b>1111`],
    ["a 2-14 card, a tag's start in a title inside it", `Card 41 1111111<b title="<i hidden">1111111</b>`],
    ["an Amex 4-11 card, '<b>' in a title inside it", `Amex 3782 8224<span style="color:red" title="<b>x</b>">63</span>10005`],
  ])("%s: a card shown whole is found (a tag's start in a value is no hidden element)", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });

  it.each([
    ["nested HTML style elements never closed", ".h{display:none}<style>".repeat(2000)],
    ["style elements inside SVG, one closing tag", `<svg>${"<style>.h{display:none}".repeat(1500)}</style>`],
    ["style elements never closed", "<style>a{}".repeat(6000)],
    ["style start tags then rules", `${"<style>".repeat(8000)}${"a{}".repeat(2000)}`],
  ])("%s, then a card: the card is found, each style element read once as a browser builds it (no range per start tag)", (_title, prefix) => {
    expect(all(`${prefix}<p>Card 4111 1111 1111 1111`)).toContain("credit_card");
  });
});

describe("attack: the 32d mends cut real sheets, over-hid and kept HTML end tags in SVG (red team 32e)", () => {
  const all = (text: string) => detectPii(text, { categories: ["email", "credit_card", "phone", "iban", "tax_id"] }).map((f) => f.category);
  const C = "Card 4111 1111 1111 11<span class=x>9</span>11";
  const C448 = "Card 4111 1111 11<b class=x>11</b>1111";

  it.each([
    [
      "a real sheet holding '<style>' in a comment, after a broken sheet that overlaps it",
      `<div><svg><style>@font-face{</div><style>.x{display:none;/*<style>*/}</style>${C}`,
    ],
    ["the same in SVG alone, a self-closed style before it", `<svg><style/>url(<style>.x{display:none;/*<style/>*/}</style></svg>${C}`],
    [
      "a phone after a broken sheet overlapping the real one",
      `<span><svg><style>@font-face{</span><style>.x{display:none;/*<style/>*/}</style>Call +1 415 555 <span class=x>9</span>0123 now`,
    ],
    [
      "'</mark>' leaves SVG (no MathML element)",
      `<mark>x<svg></mark><textarea><!--</textarea><style>.x{display:none}</style><textarea>--></textarea>${C}`,
    ],
    [
      "'</a>' leaves SVG where an HTML link is open",
      `<a href=#>x<svg></a><textarea><!--</textarea><style>.x{display:none}</style><textarea>--></textarea>${C}`,
    ],
  ])("%s: the value a browser shows is found", (_title, text) => {
    expect(all(text).some((c) => c === "credit_card" || c === "phone")).toBe(true);
  });

  it.each([
    ["a self-closed SVG style, CSS shown as text after it", `<svg><style/></svg><p>Hide with <code>.x{display:none}</code></p>${C448}`],
    ["a self-closed SVG style, CSS as SVG text after it", `<svg><style/>.x{display:none}</svg>${C448}`],
    [
      "'</template>' closing an SVG template inside an HTML one",
      `<template><svg><template></template><style>.x{display:none}</style></svg></template>${C448}`,
    ],
  ])("%s: no rule is read where a browser reads none (a 4-4-8 card shown whole is found)", (_title, text) => {
    expect(all(text)).toContain("credit_card");
  });
});

describe("attack: sheets too nested to read whole, sent through the egress proxy (red team 32e)", () => {
  it("a request whose style elements nest 2,000 deep before a card is refused, never forwarded", async () => {
    const agent = await egressPiiAgent("pii-sheets-nested");
    const r = await sendEgress(agent, "/e", {
      headers: { "content-type": "text/html" },
      rawBody: ascii(`${".h{display:none}<style>".repeat(2000)}<p>Card 4111 1111 1111 1111`),
    });
    expect({ forwarded: r.targetSawIt, refused: r.status >= 400 && r.status < 600 }).toEqual({ forwarded: false, refused: true });
  });
});
