// Korean, Chinese and Thai people by the words around them: a Korean full name before a title or role
// ("한덕수 국무총리는", "이준호 전 대표에게") or after a writer's or artist's trade ("소설가 한유진이"); two
// Hangul syllables no list holds, with nothing a name takes after it, are a word ("영업일 기준 2일");
// a Chinese name before "负责", a familiar name after "问一下", a signature after a double dash; a Thai name after a
// title glued to a greeting or a verb ("สวัสดีค่ะคุณมาลัย", "ติดต่อคุณวิไล"). Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("Korean", () => {
  it.each([
    ["태풍 피해 현장에는 박형준 국무총리가 직접 나왔다.", "박형준"],
    ["법원은 김도현 전 대표에게 징역 2년을 선고했다.", "김도현"],
    ["이번 행사의 사회는 최수빈 아나운서가 맡았다.", "최수빈"],
    ["소설가 윤서아가 대전에서 독자들과 만났다.", "윤서아"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["영업일 기준 3일 이내에 답변드리겠습니다.", "7개 주문했는데 3개만 왔어요."])("control, %s: no person", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("Chinese", () => {
  it.each([
    ["项目例会：何静负责联系供应商。", "何静"],
    ["问一下小张，他知道会议室在哪。", "小张"],
    ["附件是上海分公司的月度报告。——周婷", "周婷"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("control, 请查收 is a verb, not a name", () => {
    expect(people("附件是报价单，请查收。")).toEqual([]);
  });
});

describe("Thai", () => {
  it.each([
    ["สวัสดีค่ะคุณมาลัย โอนเงินเข้าบัญชีเรียบร้อยแล้ว", "มาลัย"],
    ["สอบถามเพิ่มเติมติดต่อคุณวิไล ได้ทุกวัน", "วิไล"],
  ])("%s", (text, name) => {
    expect(people(text).join(" | ")).toContain(name);
  });

  it.each(["คุณสามารถเปลี่ยนรหัสผ่านได้ที่หน้าตั้งค่า", "ขอบคุณสำหรับการสั่งซื้อของคุณ"])("control, %s: no person", (text) => {
    expect(people(text)).toEqual([]);
  });
});
