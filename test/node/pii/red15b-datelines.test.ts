// Red team 15b: the news-wire dateline rule ("CITY, date (Agency) -") on CLI help, glossaries and docs.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const found = (text: string) => detector.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("red15b datelines: 'ACRONYM (Word) - description' lines are no place and agency", () => {
  it.each([
    "SSO (SAML) - single sign-on for enterprise",
    "MFA (TOTP) - second factor via authenticator app",
    "AWS (S3) - object storage backend",
    "SDK (Python) - pip install palisade",
    "CLI (Beta) - command-line client",
    "ESC (Keyboard) - close the dialog",
    "RAM (GiB) - memory limit",
    "REDIS (Cache) - in-memory store",
    "CSV, UTF-8 (Excel) - spreadsheet export",
  ])("glossary / CLI help line: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("red15b datelines cost: a line of dash-joined capitals", () => {
  it("'A-A-A-…' (800 chars) and a bracket elsewhere is read in well under 2 s", () => {
    const text = "A-".repeat(400) + "\n(x)";
    const t0 = performance.now();
    detector.detect(text);
    expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
  }, 120_000);
});
