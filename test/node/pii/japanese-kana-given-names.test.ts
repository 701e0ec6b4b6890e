// Japanese names as forms and letters write them: a family name of Han and a given name of kana
// before an honorific ("山田はるか様"), and a name standing alone in a field or as the whole text
// ("氏名：木村あおい／", "佐々木蓮"). Only the family name was masked, or nothing. Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("a Japanese name with its given name in kana, or alone in a field", () => {
  it.each([
    ["山田はるか様、お問い合わせありがとうございます。", "山田はるか"],
    ["ご予約の件で、中村さくらさんにお電話しました。", "中村さくら"],
    ["担当：木村あおい／内線 204", "木村あおい"],
    ["氏名：斎藤大翔／生年月日：2001年5月2日", "斎藤大翔"],
    ["佐々木蓮", "佐々木蓮"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    // Everyone, the customers: words before an honorific that name no one; words of a list between commas.
    "皆さま、本日はご来店ありがとうございます。",
    "東方航空，高兴，黄金周。",
    "お客様各位：システムメンテナンスのお知らせ",
  ])("control: %s names no one", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each([
    // A title, a particle or a greeting after the name is no part of it.
    ["鈴木部長から、来週の予定が届きました。", "鈴木"],
    ["欧阳志强您好，您的订单已发货。", "欧阳志强"],
  ])("control: %s names only %s", (text, name) => {
    expect(people(text)).toEqual([name]);
  });
});
