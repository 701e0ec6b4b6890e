// Red team 15b: one capitalised word mid-sentence (midProse / frequentOnly) on PII-free product text.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });
const found = (text: string) => detector.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("red15b midProse: product names and UI labels mid-sentence are no person, place or organisation", () => {
  it.each([
    "To get started, install Netlify and run the setup script.",
    "if you prefer Zapier just change the config",
    "This release adds support for Supabase and fixes a crash.",
    "we moved from Logstash last year",
    "The agent now talks to Airtable directly.",
    "if you prefer Calendly just change the config",
    "To get started, install Fluentd and run the setup script.",
  ])("product name after a verb or preposition: %s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each(["Then click Unfollow to keep your changes.", "Fixed a bug where tapping Unmute did nothing."])("UI label after a verb: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});
