// Names that CJK and Thai messages mark by an honorific, a greeting or a form's label rather than by
// capitals: a Korean given name before 님, a Chinese given name opening a message before 您好 or
// "，您", a role word with a blank before a Chinese name, a Korean name before 고객님 or after a
// payer's label, a CJK name field's label followed by a blank, คุณ and one word opening a Thai
// message, Thai delivery and card-holder labels. Texts invented here.
import { expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) =>
  detectPii(text, { categories: ["person"] })
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

it.each([
  ["예린님, 요청하신 서류가 준비되었습니다.", "예린"],
  ["도현님 안녕하세요. 예약이 확정되었습니다.", "도현"],
  ["정하은 고객님, 배송이 시작되었습니다.", "정하은"],
  ["환불 완료: 주문자 윤서준. 감사합니다.", "윤서준"],
  ["子涵您好，您的订单已发货。", "子涵"],
  ["浩然，您的验证码是 482913。", "浩然"],
  ["退货申请：客户 郭子轩，订单号 88231", "郭子轩"],
  ["登记信息：姓名 邓雨桐，电话 139 1234 5678", "邓雨桐"],
  ["会員情報：氏名 森田大輝、電話 090-1111-2222", "森田大輝"],
  ["이름 한지우, 연락처 010-2222-3333", "한지우"],
  ["คุณวรรณา ยืนยันการสั่งซื้อเรียบร้อยแล้ว", "วรรณา"],
  ["พัสดุถูกส่งถึงกิตติพงษ์ ศรีวงศ์ เรียบร้อย", "กิตติพงษ์ ศรีวงศ์"],
  ["ผู้ถือบัตร ธนากร บุญมา หมดอายุ 08/29", "ธนากร บุญมา"],
])("%s", (text, name) => {
  // Masked whole: a person span covers the name (it may take a word more).
  expect(people(text).some((p) => p.includes(name))).toBe(true);
});

it.each([
  ["고객님, 선생님, 어머님께 감사드립니다."],
  ["하느님 맙소사, 오늘도 비가 온다."],
  ["大家好，欢迎来到我们的直播间。"],
  ["老师您好，我想请一天假。"],
  ["คุณสามารถเปลี่ยนรหัสผ่านได้ที่หน้าตั้งค่า"],
  ["คุณภาพของสินค้าดีมาก"],
])("no one in a greeting to a group, a role or a word that opens so: %s", (text) => {
  expect(people(text)).toEqual([]);
});

// Red team 27: a Thai family name longer than twelve letters, a title or a colon after the label, a
// mark after the name; Korean particles after 님 and a blank before it; a Korean family name of two
// syllables; a katakana name with a blank between its parts.
it.each([
  ["ชื่อ สมชาย เจริญรุ่งเรืองกิจ", "สมชาย เจริญรุ่งเรืองกิจ"],
  ["ชื่อ นาย สมชาย เจริญสุข", "สมชาย เจริญสุข"],
  ["ผู้ถือบัตร: สมชาย เจริญสุข;", "สมชาย เจริญสุข"],
  ["ส่งถึง สมหญิง ใจดี (บ้าน)", "สมหญิง ใจดี"],
  ["수빈님에게 연락드렸습니다.", "수빈"],
  ["수빈 님, 안녕하세요", "수빈"],
  ["주문자 남궁민수", "남궁민수"],
  ["名前 ヤマモト ヒナ", "ヤマモト ヒナ"],
])("red team 27: %s", (text, person) => {
  expect(people(text)).toContain(person);
});

it.each(["고객님께 안내드립니다.", "선생님에게 연락드렸습니다."])("no person in a role before 님: %s", (text) => {
  expect(people(text)).toEqual([]);
});
