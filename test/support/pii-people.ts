// The person spans a detector with the entity categories finds in a text, as the strings they cover:
// what the PII rule tests compare.
import { PiiDetector } from "../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });

export function peopleIn(text: string): string[] {
  return detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));
}
