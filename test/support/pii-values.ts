// The values a detector finds in a text, as the strings they cover, for one category: what the
// PII rule tests compare (one detector per test file, built with the categories it reads).
import type { PiiDetector } from "../../workers/pii/detect.js";
import type { PiiCategory } from "../../schema/pii.js";

export function valuesIn(detector: PiiDetector, text: string, category: PiiCategory): string[] {
  return detector
    .detect(text)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));
}
