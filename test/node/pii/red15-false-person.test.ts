// Red team 15: ordinary PII-free text that the fifteenth round's rules now read as a person (a
// false mask, or a false refusal under a `block` person policy). A test PASSES when no person is
// found and FAILS when the attack succeeds. Every text here named no one at 2fc6d205 (before the change)
// unless the title says otherwise.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("red15 false person: headlines in capitals, re-cased", () => {
  it.each([
    // Cyrillic: an everyday word no list knows keeps its capital and reads as a name.
    ["Russian news flash 'СРОЧНО: ЦЕНЫ НА НЕФТЬ РЕЗКО ВЫРОСЛИ' (НЕФТЬ = oil)", "СРОЧНО: ЦЕНЫ НА НЕФТЬ РЕЗКО ВЫРОСЛИ"],
    ["Russian headline 'ПРАВИТЕЛЬСТВО ОБЪЯВИЛО НОВЫЕ МЕРЫ' (ОБЪЯВИЛО = announced)", "ПРАВИТЕЛЬСТВО ОБЪЯВИЛО НОВЫЕ МЕРЫ"],
    // Greek capitals drop the accents, so the lower-cased word is not the dictionary's ("πτωση" vs "πτώση").
    ["Greek headline without accents 'ΣΗΜΑΝΤΙΚΗ ΠΤΩΣΗ ΣΤΟ ΧΡΗΜΑΤΙΣΤΗΡΙΟ'", "ΣΗΜΑΝΤΙΚΗ ΠΤΩΣΗ ΣΤΟ ΧΡΗΜΑΤΙΣΤΗΡΙΟ"],
    ["Greek headline 'ΟΙ ΤΙΜΕΣ ΤΟΥ ΠΕΤΡΕΛΑΙΟΥ ΑΥΞΗΘΗΚΑΝ ΑΠΟΤΟΜΑ' (oil prices rose)", "ΟΙ ΤΙΜΕΣ ΤΟΥ ΠΕΤΡΕΛΑΙΟΥ ΑΥΞΗΘΗΚΑΝ ΑΠΟΤΟΜΑ"],
    // Turkish dotless I: "KURLARI".toLowerCase() is "kurlari", not the word "kurları".
    ["Turkish dotless I 'DÖVİZ KURLARI YENİDEN YÜKSELDİ' (exchange rates rose)", "DÖVİZ KURLARI YENİDEN YÜKSELDİ"],
    ["Turkish dotless I 'ÜNİVERSİTE SINAVLARI ERTELENDİ' (exams postponed)", "ÜNİVERSİTE SINAVLARI ERTELENDİ"],
    [
      "Polish headline 'KURSY WALUT ZNOWU ROSNĄ W POLSCE' (exchange rates rise again; base also found 'ROSNĄ W POLSCE', now 'KURSY WALUT')",
      "KURSY WALUT ZNOWU ROSNĄ W POLSCE",
    ],
  ])("%s names no one", (_, text) => {
    expect(people(text)).toEqual([]);
  });
  // Open: a Turkish word no list knows that is shaped like a name keeps its capital when re-cased
  // ("Fiyatları"), and the piece as written was read as a place before this round too.
  it.skip.each([["Turkish 'BENZİN FİYATLARI ARTTI' (petrol prices rose)", "BENZİN FİYATLARI ARTTI"]])("open: %s names no one", (_, text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("red15 false person: an account / user word before a handle-shaped non-name", () => {
  it.each([
    ["UI string 'Create an account v2.0 to get started.'", "Create an account v2.0 to get started."],
    ["cloud log 'account prod.eu-west1 quota exceeded'", "account prod.eu-west1 quota exceeded"],
    ["log line 'ERROR account svc_payments1 not found' (a service account)", "ERROR account svc_payments1 not found"],
    ["ops note 'account aws_prod_2 has 3 users'", "account aws_prod_2 has 3 users"],
    ["Turkish 'hesap no_2 kapandı' (account no_2 closed)", "hesap no_2 kapandı"],
    ["Chinese '用户id123已删除。' (user id123 deleted)", "用户id123已删除。"],
    ["Chinese release note '用户v2版本已发布。' (user v2 version released)", "用户v2版本已发布。"],
  ])("%s names no one", (_, text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("red15 false person: Korean three-syllable words before the new titles", () => {
  it.each([
    ["'이번달 고객 수가 늘었다.' (this month's customers grew)", "이번달 고객 수가 늘었다."],
    ["'정기적 고객 관리가 중요하다.' (regular customer care matters)", "정기적 고객 관리가 중요하다."],
    ["'서울시 시장 상황이 좋지 않다.' (Seoul's market is weak; 시장 = market / mayor)", "서울시 시장 상황이 좋지 않다."],
    ["'전통적 시장 분석 보고서' (traditional market analysis report)", "전통적 시장 분석 보고서"],
    ["'국내외 시장 동향' (domestic and foreign market trends)", "국내외 시장 동향"],
    ["'주요국 시장 점유율' (market share of major countries)", "주요국 시장 점유율"],
    ["'이번주 차장 회의' (this week's deputy-manager meeting)", "이번주 차장 회의"],
    ["'고급형 수석 디자이너' (premium-line chief designer)", "고급형 수석 디자이너"],
  ])("%s names no one", (_, text) => {
    expect(people(text)).toEqual([]);
  });

  it("'우수한 고객 서비스' (excellent customer service): '우수한' (excellent) is no name (base found only 서비스)", () => {
    expect(people("우수한 고객 서비스")).not.toContain("우수한");
  });
});
