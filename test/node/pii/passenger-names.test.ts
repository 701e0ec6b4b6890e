// People a passenger record names as SURNAME/GIVEN TITLE (IATA style), when one side is a listed name
// or both look like names. Without the title, routes, airport codes, technical pairs and words of the
// language are no one.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("passengers in a booking or a manifest are people", () => {
  it.each([
    ["PASSENGER MANIFEST  FLT WT2143 1. ZUNIGA/EMILIANO MR  PASSPORT GE1556549", ["ZUNIGA/EMILIANO"]],
    ["BOOKING REF E86MFC PASSENGER 1: REDDY/ARJUN MR DOCS: PASSPORT N1305164", ["REDDY/ARJUN"]],
    ["PASSENGER 1: RODRIGUEZ-VEGA/JOSÉ MR DOCS: PASSPORT 393078406", ["RODRIGUEZ-VEGA/JOSÉ"]],
    ["Passenger: TZOMPANTZI/XOCHITL MRS", ["TZOMPANTZI/XOCHITL"]],
    ["PNR: 1.1SMITH/JOHN MR 2.1SMITH/JANE MRS", ["SMITH/JOHN", "SMITH/JANE"]],
    ["1. BABIC/PETRA MS  2. BABIC/ZVONIMIR MR", ["BABIC/PETRA", "BABIC/ZVONIMIR"]],
    ["Name on ticket: SMITH/JOHN MR", ["SMITH/JOHN"]],
  ])("%s", (text, names) => {
    for (const name of names) expect(found(text)).toContain(name);
  });
});

describe("pairs with a slash that name no one", () => {
  it.each([
    ["Supports TCP/IP MR and UDP/IP"],
    ["INPUT/OUTPUT DR"],
    ["Use the AND/OR gate"],
    ["LHR/CDG MR"],
    ["Airport: JFK/LGA"],
    ["Ratio AB/CD MR"],
    ["ACME/BETA"],
    ["MAY/JUNE"],
    ["ROSE/LILY"],
    ["MARKS/SPENCER"],
    ["Switch: ON/OFF"],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
