// A code of capitals after its label (a booking reference, a PNR, a voucher) is a reference, not an
// organisation or a person; a name in capitals elsewhere in the line is still read.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a labelled code of capitals is no name", () => {
  it.each([
    ["Your booking reference is QPRZWT. Check-in opens 24 hours before departure."],
    ["Your PNR is XKQPLM, please keep it for the return flight."],
    ["Ihr Buchungscode: HVNRTZ"],
    ["Su localizador es KLMQRT."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("a name in capitals is still read", () => {
  it.each([["Booking reference QPRZWT, passenger OKONKWO ADAEZE MRS", "OKONKWO ADAEZE"]])("%s", (text, name) => {
    expect(found(text).join(" | ")).toContain(name);
  });
});
