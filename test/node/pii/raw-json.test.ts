// rawJsonStrings: every string, key and number of a JSON text read from its raw bytes, so the
// scan sees what any upstream parser might keep (a duplicate key's first value, numbers).
import { describe, expect, it } from "vitest";
import { rawJsonStrings } from "../../../workers/pii/raw-json.js";

describe("rawJsonStrings", () => {
  it("keeps every value of a duplicate key, numbers, and tells keys from values", () => {
    expect(rawJsonStrings('{"to":"a@b.org","to":"x","n":4111111111111111,"f":-1.5e3,"ok":true,"z":null}')).toEqual({
      values: ["a@b.org", "x", "4111111111111111", "-1.5e3", "1500"],
      identifiers: ["to", "to", "n", "f", "ok", "z"],
      ordered: ["to", "a@b.org", "to", "x", "n", "4111111111111111", "f", "1500", "ok", "z"],
    });
  });

  it("reads the text a base64 value carries, bare or as a data: URL, but not media or binary", () => {
    const text = btoa("call +44 20 7946 0958");
    expect(rawJsonStrings(JSON.stringify({ d: text }))?.values).toEqual([text, "call +44 20 7946 0958"]);
    const url = `data:text/plain;base64,${text}`;
    expect(rawJsonStrings(JSON.stringify({ u: url }))?.values).toEqual([url, "call +44 20 7946 0958"]);
    const png = btoa(String.fromCharCode(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x61, 0x62));
    expect(rawJsonStrings(JSON.stringify({ p: png }))?.values).toEqual([png]);
    expect(rawJsonStrings(JSON.stringify({ w: "Password", b: btoa("\u0000\u0001\u00ff\u00fe") }))?.values).toHaveLength(2);
  });

  it("decodes escapes, and reads JSON carried inside a string", () => {
    const found = rawJsonStrings('[ "a\\u0040b.org", {"args" : "{\\"k\\":\\"v\\\\u0040w\\"}"} ]');
    expect(found?.values).toEqual(["a@b.org", '{"k":"v\\u0040w"}', "v@w"]);
    expect(found?.identifiers).toEqual(["args", "k"]);
  });

  it("reads a JSON string at the top level, escapes decoded", () => {
    expect(rawJsonStrings(' "a\\u0040b.org" ')?.values).toEqual(["a@b.org"]);
    expect(rawJsonStrings('"Hello" she said')).toBeNull();
  });

  it("is null for text that is not JSON at the lexical level", () => {
    for (const text of ["", "hello", "{ card 4111 }", '{"open', '{"a":1}x', "{'a':1}"]) expect(rawJsonStrings(text)).toBeNull();
  });
});
