// Japanese people by what is written around them: a katakana name before an honorific or a title
// ("マイケルさん", "リサ・チェンさん"), a family name before a title after "the late" or "former"
// ("故中島美代子様", "佐々木被告"), a family and given name before a particle ("鈴木健太が"). Rows written here.
import { describe, expect, it } from "vitest";
import { people } from "./support/people.js";

describe("Japanese names by honorifics, titles and particles", () => {
  it.each([
    ["来月からジョージさんが名古屋支店に着任します。", "ジョージ"],
    ["シカゴ出身のエマ・ブラウンさんが浅草で着物店を開いた。", "エマ・ブラウン"],
    ["故山本和子様のお別れ会を下記の通り執り行います。", "山本和子"],
    ["佐々木被告は起訴内容を認めた。", "佐々木"],
    ["田中健一が決勝ゴールを決め、チームは首位に立った。", "田中健一"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each(["ママさんバレーの練習は毎週土曜です。", "スタッフさんに聞いてください。", "中村区の公園で祭りが開かれた。", "田中商店が閉店した。"])(
    "control, %s: no person",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});
