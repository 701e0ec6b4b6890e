// Organisations known by name are found as written, in any script, whatever the tagger reads.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const orgs = (text: string) =>
  new PiiDetector({ categories: ["organization"] })
    .detect(text)
    .filter((f) => f.category === "organization")
    .map((f) => text.slice(f.start, f.end));

describe("known organisations", () => {
  it.each([
    ["The parcel left the DHL hub at noon.", ["DHL"]],
    ["She moved from BNP Paribas to Deutsche Bank last year.", ["BNP Paribas", "Deutsche Bank"]],
    ["请帮我总结：华为的经理下周三来开会。", ["华为"]],
    ["会議：ソニーの担当者と打ち合わせ。", ["ソニー"]],
  ])("%s", (text, expected) => {
    expect(orgs(text)).toEqual(expected);
  });

  it.each(["Write to ops@dhl-partner.example for the manifest.", "Play the DHLX tape again.", "dhl tracking is slow today"])("not in: %s", (text) => {
    expect(orgs(text)).toEqual([]);
  });
});
