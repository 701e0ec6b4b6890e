// The gates of detectors/clean-gates.ts: kinds of PII-free text the tagger read as names (lower-case
// words in capitalised prose, scripts without case, CJK clauses,
// Title Case headlines, weekdays and months, codes and units, software names), with the names
// beside them that must still be found. Texts invented here.
import { describe, expect, it } from "vitest";
import { detectPii, type PiiCategory } from "../../../workers/pii/index.js";

const entities = { categories: ["person", "organization", "location", "address"] as PiiCategory[] };
const found = (text: string) => detectPii(text, entities).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("PII-free text the tagger misread", () => {
  it.each([
    // a lower-case word in prose whose writer capitalises sentences
    ["Il fatturato è salito del 3% nel secondo semestre."],
    ["Il dolce va conservato lontano da fonti di calore."],
    ["Versez la pâte dans un moule beurré et enfournez pour vingt minutes."],
    // ... even a word the given-name lists also hold, alone (maxime, alta, pierre, rija are names too)
    ["Mâine cer senin, cu temperaturi maxime de 19 grade în vest."],
    ["O índice fechou em alta pelo terceiro dia seguido."],
    ["Ils ont bâti le muret pierre par pierre pendant l'été."],
    ["Contém vestígios de casca rija e de amendoim."],
    ["A massa leva farinha, ovos e açúcar; depois serve-se fria e doce."],
    // scripts without case: no known name, no title
    // CJK clauses without the head word of an organisation or place
    ["确定要关闭这个窗口吗？此操作无法撤销。"],
    // a headline in Title Case
    ["Markets Fall as Oil Prices Jump on Supply Fears"],
    ["New Limits for Electric Scooters Take Effect in Spring"],
    // codes and quantities
    ["2025-10-02,B-220,11,879.45"],
    ["Battery: 4000 mAh, charger 25 W, weight 180 g."],
    // a script without case whose only "name" is a frequent word or a piece of a word
    ["לאחר שלוש שנות בנייה, הבריכה החדשה תיפתח בספטמבר."],
    ["बैठक गुरुवार तक के लिए टाल दी गई है।"],
    // weekdays of languages no list here holds (Intl knows them)
    ["Mtihani utafanyika Ijumaa asubuhi."],
    // two or three capitals alone
    ["It is published as ES modules and supports TypeScript out of the box."],
    // software names
    ["Results are cached in Redis, Node then serves them from memory."],
    ["It ships JSON Schema TypeScript types for every endpoint."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

it("drops a span that opens on a lower-case word that is no name particle", () => {
  expect(found("Asante sana kwa msaada wako.")).not.toContain("location:kwa msaada wako");
});

it.each([
  ["Mkutano umeahirishwa hadi Alhamisi.", "Alhamisi"],
  ["Cuireadh an cruinniú siar go dtí Déardaoin.", "Déardaoin"],
])("a weekday is no place: %s", (text, weekday) => {
  expect(found(text).filter((f) => f.endsWith(`:${weekday}`))).toEqual([]);
});

it("keeps a person of two or three words in a script without case, without a cue", () => {
  expect(found("अमित कुमार दिल्ली गए।").some((f) => f.startsWith("person:अमित कुमार"))).toBe(true);
});

it("keeps a country's code among two or three capitals", () => {
  expect(found("Shipping to the UK takes three days.").some((f) => f.endsWith(":UK"))).toBe(true);
});

describe("names beside those gates", () => {
  it.each([
    ["Ieri Giulia Ferrante ha presentato il bilancio nel consiglio.", "person:Giulia Ferrante"],
    ["hey ottavio, still on for lunch?", "person:ottavio"],
    ["Thanks Dorota, the fix works.", "person:Dorota"],
    ["Mayor Elspeth Carrow opened the harbour bridge on Monday.", "person:Elspeth Carrow"],
    ["Er wohnt jetzt in Regensburg.", "location:Regensburg"],
    ["He is now studying in lyon.", "location:lyon"],
    ["She joined Brightwater Analytics Ltd in 2019.", "organization:Brightwater Analytics Ltd"],
    ["总经理陈志明表示，公司将扩大生产。", "person:陈志明"],
    ["Gareth said the build is green.", "person:Gareth"],
    ["The bug was found by oskar during the check.", "person:oskar"],
    // a given name in lower case where its form shows a person: a user name, a list of names, a family name after it
    ["Thanks @maria.k for the slides from Thursday.", "person:maria.k"],
    ["Ping @anna_b once the fix is merged.", "person:anna_b"],
    ["Shoutout to the night shift: tariq, ines, bruno. Great work!", "person:tariq, ines"],
    ["Had lunch with petra novakova before the review.", "person:petra novakova"],
    ["Pergunta ao rui se já enviou.", "person:rui"],
    ["jean dupont called again about the parcel.", "person:jean dupont"],
    // a name in a script without case stands out in text of a cased script
    ["Lord निरौला asked whether the shipment could leave on Friday.", "person:निरौला"],
    // an organisation word ending the span in a line of capitals
    ["Referred by Dr Saarinen of Labour Party.", "organization:Labour Party"],
    ["اتصل محمد الدوسري من الرقم بخصوص الفاتورة.", "person:محمد الدوسري"],
  ])("%s", (text, want) => {
    expect(found(text)).toContain(want);
  });
});
