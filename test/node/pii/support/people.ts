// The people the detector finds in a text (entities on), as the texts they cover: the shared
// reading of the person-rule tests.
import { PiiDetector } from "../../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location"] });

export const people = (text: string): string[] =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));
