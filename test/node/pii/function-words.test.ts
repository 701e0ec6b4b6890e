// The nineteenth round's classes in scripts without case: a name holds no function word
// (postposition, preposition, conjunction, pronoun, auxiliary, verb of speech), so a span the
// tagger ran across one is cut there and keeps only its parts ("أحمد على الرقم" is Ahmed, then
// "on the number"); a Korean name ends at its particle and never on a verb's ending.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a span is cut at a function word; the name before it stays", () => {
  it.each([
    ["اتصل أحمد على الرقم", "أحمد", "على"],
    ["عمران نے کہا کہ وہ کل لاہور جا رہا ہے۔", "عمران", "نے"],
    ["कल राहुल शर्मा का फोन आया था।", "राहुल शर्मा", "का"],
    ["مریم گفت فردا به شیراز می‌رود.", "مریم", "گفت"],
  ])("%s", (text, name, word) => {
    const spans = found(text);
    expect(spans).toContain(name);
    expect(spans.some((s) => s.split(/\s+/).includes(word))).toBe(false);
  });
});

describe("Korean: a particle closes a name, a verb's ending is no name", () => {
  it.each([
    ["레시피: 김치를 썰어 넣고 10분간 끓입니다."],
    ["안내: 교환은 수령 후 7일 이내에 가능합니다."],
    ["주의: 제품을 직사광선이 닿지 않는 곳에 보관하십시오."],
  ])("%s is left as it is", (text) => {
    expect(found(text)).toEqual([]);
  });

  it("a name with its title after it stays", () => {
    expect(found("담당자 박민수 과장에게 연락하세요.")).toContain("박민수");
  });
});
