// People named in Devanagari, Bengali and Tamil (indic-names.ts): common given and family names as whole words;
// a given name that is also a word only with a family name, a title, an honorific or the agent's mark.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("Devanagari names", () => {
  it.each([
    ["कल सुबह शालिनी से बात हुई थी।", "शालिनी"],
    ["रिपोर्ट हर्ष मल्होत्रा को भेज दो।", "हर्ष मल्होत्रा"],
    ["कृपया योगेश को फ़ोन करें।", "योगेश"],
    ["आकाश शर्मा ने परीक्षा में पहला स्थान पाया।", "आकाश शर्मा"],
    ["कल प्रियाला फोन केला.", "प्रियाला"],
    ["श्री पाठक कल दफ़्तर नहीं आएँगे।", "पाठक"],
    ["कविता दीदी ने खाना बनाया।", "कविता"],
    ["बैठक में निखिल देशमुख भी थे।", "निखिल देशमुख"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "आज आकाश साफ़ है और धूप खिली है।",
    "हमारी टीम को इस मैच में विजय मिली।",
    "शाम को मंदिर में आरती होगी।",
    "बच्चों ने एक सुंदर कविता सुनाई।",
    "कल रात बहुत वर्षा हुई।",
    "इस तिमाही में देश की आर्थिक विकास दर सात प्रतिशत रही।",
    "आवेदन की अंतिम समय सीमा 31 मार्च है।",
  ])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("Bengali and Tamil names", () => {
  it.each([
    ["সাবরিনা চৌধুরী আজ অফিসে আসবেন না।", "সাবরিনা চৌধুরী"],
    ["জনাব তালুকদার মিটিংয়ে আসবেন।", "তালুকদার"],
    ["হাবিব ভাই, কাল দেখা হবে।", "হাবিব"],
    ["விக்னேஷ் நாளை சென்னை வருகிறார்.", "விக்னேஷ்"],
    ["திருமதி பவித்ரா கிருஷ்ணன் கூட்டத்தில் பேசினார்.", "பவித்ரா கிருஷ்ணன்"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["আজ আকাশ পরিষ্কার, বৃষ্টি হবে না।", "সাগর পাড়ে অনেক মানুষ ছিল।"])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
