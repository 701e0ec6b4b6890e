// People named in Hebrew (hebrew-names.ts) and in Persian and Urdu (arabic-names.ts reads their
// letters and family-name endings): common names as whole words, after glued prepositions, with the
// family name after them; names that are also words only with a cue.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("Hebrew names", () => {
  it.each([
    ["תשלחו את החשבונית לנורית שטרן עד יום חמישי.", "נורית שטרן"],
    ["גדעון ביקש לדחות את הפגישה.", "גדעון"],
    ["ההזמנה נשלחה ליהודית אזולאי.", "יהודית אזולאי"],
    ["פרופ' רוזנברג יציג את המחקר.", "רוזנברג"],
    ["תודה טל על העזרה!", "טל"],
    ["ולאליעזר יש מפתח לחדר.", "אליעזר"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["נחזור אליך תוך שני ימי עסקים.", "הגל היה גבוה היום בחוף.", "קראתי שירה על הים.", "אבי עבד כל חייו בחקלאות."])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("Persian and Urdu names", () => {
  it.each([
    ["سفارش برای پریسا احمدی‌نژاد ارسال شد.", "پریسا"],
    ["مدیر پروژه، بهزاد کاظمی‌پور، جلسه را لغو کرد.", "بهزاد کاظمی‌پور"],
    ["فرم ثبت‌نام: نام نرگس رحیمی، کد ملی 1234567890", "نرگس رحیمی"],
    ["شکریہ عائشہ، کھانا بہت مزیدار تھا!", "عائشہ"],
  ])("%s", (text, name) => {
    expect(people(text).some((p) => p.includes(name))).toBe(true);
  });

  it.each(["فردا هوا ابری با احتمال بارش است.", "امید هیچ‌وقت از بین نمی‌رود."])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
