// Korean names before a kin or role word that follows people ("할머니", "선배", "매니저"),
// and after a form's member or card-owner label ("회원 정보:", "카드 소유자"). Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a Korean name by the word after or before it", () => {
  it.each([
    ["어제 박말순 할머니께서 김치를 보내 주셨다.", "박말순"],
    ["이 자료를 정하늘 선배한테 전달해 주세요.", "정하늘"],
    ["회원 정보: 윤재민, 가입일 2023년 3월 2일", "윤재민"],
    ["환불 계좌 (카드 소유자 한지호, 국민은행)", "한지호"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "오늘은 금요일 고객 감사 행사가 있습니다.",
    "이번주 선배들과 회식이 있습니다.",
    "정기적 고객 관리가 중요합니다.",
    "가정용 고객 요금이 오릅니다.",
  ])("control: %s names no one", (text) => {
    expect(people(text)).toEqual([]);
  });
});
