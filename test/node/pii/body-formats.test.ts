// The readers of body formats the exits' PII scan undoes: multipart, transfer encodings, Unicode
// encodings, compressed-file signatures, JSON comments, markup text, base64 in free text and the
// text runs of binary data.
import { describe, expect, it } from "vitest";
import {
  base64Texts,
  binaryReadings,
  compressedFormatOf,
  joinedRuns,
  markupTexts,
  mediaTypeOf,
  multipartParts,
  quotedPrintableDecoded,
  unicodeTexts,
  withoutControls,
  withoutJsonComments,
} from "../../../workers/pii/body-formats.js";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("body formats", () => {
  it("parses media types with quoted parameters", () => {
    const m = mediaTypeOf('Multipart/Form-Data; boundary="a b\\"c"; charset=UTF-8');
    expect(m.type).toBe("multipart/form-data");
    expect(m.params.get("boundary")).toBe('a b"c');
    expect(m.params.get("charset")).toBe("UTF-8");
  });

  it("splits multipart bodies (CRLF or LF, folded headers, preamble and epilogue kept)", () => {
    const body = 'intro\r\n--b\r\nContent-Disposition: form-data;\r\n name="x"\r\n\r\none\r\ntwo\r\n--b\r\n\r\nbare\r\n--b--\r\ntrailer';
    const parts = multipartParts(bytes(body), "b");
    expect(parts?.map((p) => [p.headers, text(p.body)])).toEqual([
      [[], "intro"],
      [[["content-disposition", 'form-data; name="x"']], "one\r\ntwo"],
      [[], "bare"],
      [[], "\r\ntrailer"],
    ]);
    expect(multipartParts(bytes("--b\nx: 1\n\nv\n--b--\n"), "b")?.map((p) => text(p.body))).toEqual(["v"]);
    expect(multipartParts(bytes("no delimiter here"), "b")).toBeNull();
  });

  it("decodes quoted-printable (soft breaks, =XX bytes as UTF-8)", () => {
    expect(text(quotedPrintableDecoded(bytes("jane.roe=40example.org caf=C3=A9 =\r\nend")))).toBe("jane.roe@example.org café end");
  });

  it("reads UTF-16/UTF-32 by byte-order mark or charset; UTF-8 and unknown charsets are left to UTF-8", () => {
    const le32 = new Uint8Array([0x41, 0, 0, 0, 0x42, 0, 0, 0]);
    expect(unicodeTexts(le32, "utf-32le")).toEqual(["AB"]);
    expect(unicodeTexts(new Uint8Array([0xff, 0xfe, 0, 0, ...le32]), undefined)).toEqual(["AB"]);
    expect(unicodeTexts(new Uint8Array([0xfe, 0xff, 0, 0x41]), undefined)).toEqual(["A"]);
    expect(unicodeTexts(new Uint8Array([0x41, 0]), "UTF-16")).toEqual(["A", "\u4100"]);
    expect(unicodeTexts(bytes("plain"), "utf-8")).toBeNull();
    expect(unicodeTexts(bytes("plain"), undefined)).toBeNull();
    expect(unicodeTexts(bytes("plain"), "x-no-such-charset")).toBeNull();
  });

  it("recognises compressed files by their leading bytes, not text that starts alike", () => {
    expect(compressedFormatOf(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(compressedFormatOf(new Uint8Array([0x78, 0x9c, 1]))).toBe("zlib");
    expect(compressedFormatOf(bytes("PK\x03\x04rest"))).toBe("archive");
    expect(compressedFormatOf(bytes("BZh91AY"))).toBe("archive");
    for (const clean of ["x = 1", "x^2", "BZh is a word", "PK-1234", "LZIP"]) expect(compressedFormatOf(bytes(clean))).toBeNull();
  });

  it("removes JSON comments outside strings only", () => {
    expect(withoutJsonComments('{"a":"http://x/*y*/", // c\n"b":1 /* d */}')).toBe('{"a":"http://x/*y*/",  \n"b":1  }');
    expect(withoutJsonComments('{"a":"no comment // here"}')).toBeNull();
  });

  it("reads the text of markup in order: text nodes, CDATA, attribute values", () => {
    expect(markupTexts("<a x=\"1\"><b>one</b><![CDATA[two]]><!-- c --><i y='3'/> four </a>")).toEqual(["1", "one", "two", "3", "four"]);
    expect(markupTexts("a < b and c > d")).toBeNull();
  });

  it("reads base64 tokens of 12+ characters in free text, nested, but not words or media", () => {
    expect(base64Texts(`see ${btoa("hello there friend")} now`)).toEqual(["hello there friend"]);
    expect(base64Texts(btoa(btoa("nested text")))).toEqual([btoa("nested text"), "nested text"]);
    expect(base64Texts("InternationalisationGuidelines getUserAccountsByOrganisation")).toEqual([]);
    expect(base64Texts(btoa("\x89PNG\r\n\x1a\nxxxxxxxx"))).toEqual([]);
  });

  it("removes control characters and terminal escapes", () => {
    expect(withoutControls("\u001b[1m4111\u001b[0m 1111\u0000")).toBe("4111 1111");
    expect(withoutControls("\u001b]0;title\u0007x")).toBe("x");
    expect(withoutControls("plain text")).toBeNull();
  });

  it("joins text runs a few control bytes apart, keeps groups of 8+ characters, one a line", () => {
    expect(joinedRuns("4111\u00011111\u0001\u0002\u00031111\u00011111")).toBe("4111 1111 1111 1111");
    expect(joinedRuns("ab\u0001cd\u0001\u0001\u0001\u0001ef")).toBe("");
    expect(joinedRuns("longer run\u0000\u0000\u0000\u0000another run")).toBe("longer run\nanother run");
    expect(joinedRuns("jane\u0001.roe\u0001@example.org", "", 1)).toBe("jane.roe@example.org");
    // One- and two-character runs join only across one control character, not undecodable bytes:
    // random bytes are made of them.
    expect(joinedRuns("4\u00011\u00011\u00011\u00011\u00011\u00011\u00011", "", 1)).toBe("41111111");
    // …and short runs of what values are made of across one byte of any kind ("4\xff1\xff1…"),
    // but not the punctuation of random bytes.
    expect(joinedRuns("ab\ufffdcd\ufffdef\ufffdgh\ufffdij")).toBe("ab cd ef gh ij");
    expect(joinedRuns("a;\ufffd{d\ufffde]\ufffd^h\ufffdi)")).toBe("");
    expect(joinedRuns("abc\ufffddef\ufffd\ufffdghi")).toBe("abc def ghi");
  });

  it("reads binary data as UTF-8, single bytes, UTF-16 and UTF-32 in both orders", () => {
    const utf32be = new Uint8Array([..."card 4111"].flatMap((c) => [0, 0, 0, c.charCodeAt(0)]));
    expect([...binaryReadings(utf32be, text(utf32be))]).toContain("card 4111");
    const fullwidth = new Uint8Array([1, 1, 1, ...bytes("\uff14\uff11\uff11\uff11\uff20mail")]);
    expect([...binaryReadings(fullwidth, text(fullwidth))][0]).toBe("\uff14\uff11\uff11\uff11\uff20mail");
  });
});
