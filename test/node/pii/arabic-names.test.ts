// People named in Arabic script (arabic-names.ts): common given names no installed list holds, the
// family name after them, a family name speaking after a verb of speech; names that are everyday
// words only with a family name only a person has, or a title or cue before them.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { foldArabic } from "../../../workers/pii/detectors/arabic-names.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("Arabic names", () => {
  it.each([
    ["سلّم الطرد إلى نادية الرشيدي عند البوابة.", "نادية الرشيدي"],
    ["اتصلت بي مريم أمس وقالت إنها ستتأخر.", "مريم"],
    ["المستلم: حمدان بن راشد الفلاسي، دبي", "حمدان بن راشد الفلاسي"],
    ["اسأل لطيفة المنصوري عن موعد التسليم.", "لطيفة المنصوري"],
    ["اسأل مريم عن موعد التسليم.", "مريم"],
    ["وقال المهندس طلال أبو غزالة إن المشروع تأخر.", "طلال أبو غزالة"],
    ["وأضاف الدوسري أن الأسعار ستنخفض الشهر المقبل.", "الدوسري"],
    ["تهانينا لـعبير وفراس بمناسبة تخرجهما!", "فراس"],
    ["يرجى التواصل مع السيدة منى الحسيني قبل الخميس.", "منى الحسيني"],
    ["سجل الهدف الثاني كريم عبد الرزاق في الدقيقة 70.", "كريم عبد الرزاق"],
    ["نورة، هل أرسلتِ الفاتورة؟", "نورة"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "أخبار سارة للجميع: تم تمديد العرض.",
    "سلطان الطرب يغني الليلة في المسرح.",
    "بدر التمام يضيء السماء هذه الليلة.",
    "هذا المنتج صالح للاستخدام حتى نهاية العام.",
    "أسماء المستخدمين محفوظة في قاعدة البيانات.",
    "الإيمان والأمل يصنعان المستقبل.",
    "وأضاف الوزير أن الخطة جاهزة.",
    "قال الرئيس الأمريكي إن المحادثات مستمرة.",
  ])("no person: %s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it("folds spellings so variants match", () => {
    expect(foldArabic("فاطمة")).toBe(foldArabic("فاطمه"));
    expect(foldArabic("إبراهيم")).toBe(foldArabic("ابراهيم"));
    expect(foldArabic("مُحَمَّد")).toBe("محمد");
  });
});
