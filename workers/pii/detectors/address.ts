// Postal addresses a pattern can see: post-office boxes in several languages, and addresses in
// Chinese, Japanese and Korean script (a postcode mark or an administrative unit, then a number
// with its unit word). Street addresses in other scripts come from the entity tagger
// (detectors/entities.ts).
import type { RawFinding } from "../types.js";

const PO_BOX =
  /(?<![\p{L}\p{N}])(?:p\.?\s?o\.?\s?box|post(?:al)?\s+office\s+box|postfach|postbus|postboks|boîte\s+postale|case\s+postale|b\.?p\.|apartado(?:\s+de\s+correos)?|casella\s+postale|caixa\s+postal|skrytka\s+pocztowa|skr\.\s?poczt\.|private\s+bag|antwoordnummer)\s*(?:no\.?\s*)?\d{1,6}(?![\p{L}\p{N}])/giu;

const CJK = "\\p{Script=Han}\\p{Script=Katakana}\\p{Script=Hiragana}ー";
/**
 * Chinese and Japanese: an optional 〒 postcode, a place ending in a unit of administration
 * (都 道 府 県 省 市 区 區 县 縣), then letters and digits up to a number with its unit word
 * (号 號 番地 丁目 巷 弄 樓 楼 階 室 座) and what follows it without a space ("A座902").
 */
const CJK_ADDRESS = new RegExp(
  `(?:〒\\s?\\d{3}-?\\d{4}\\s?)?[${CJK}]{1,12}?(?:都|道|府|県|省|市|区|區|县|縣)[${CJK}\\dA-Za-z\\-－−]{0,60}?\\d+(?:号|號|番地|番|丁目|巷|弄|樓|楼|階|室|座)[${CJK}\\dA-Za-z\\-－−]{0,24}|〒\\s?\\d{3}-\\d{4}(?:\\s?[^\\s、。，]{2,60})?`,
  "gu",
);
/** Korean: a city or province (시 도), districts, a road (로 길) or quarter (동) with its number, floor and unit. */
const KOREAN_ADDRESS =
  /[\p{Script=Hangul}]{2,8}(?:시|도)(?:\s[\p{Script=Hangul}\d]{1,10}(?:시|군|구|읍|면|동|로|길|가))*\s?[\p{Script=Hangul}\d]{0,10}(?:로|길|동)(?:\s?\d+(?:-\d+)?(?:번지|번길)?)(?:,?\s?\d+층)?(?:\s?\d+호)?(?:\s?\([\p{Script=Hangul}]+\))?/gu;

export function detectPoBoxes(text: string, out: RawFinding[]): void {
  PO_BOX.lastIndex = 0;
  for (let m = PO_BOX.exec(text); m; m = PO_BOX.exec(text)) {
    out.push({ category: "address", start: m.index, end: m.index + m[0].length, detector: "po_box", key: m[0].toLowerCase().replace(/\s+/g, " ") });
  }
  if (!UNCASED_HINT.test(text)) return;
  for (const re of [CJK_ADDRESS, KOREAN_ADDRESS]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text))
      out.push({ category: "address", start: m.index, end: m.index + m[0].length, detector: "cjk_address", key: m[0] });
  }
}

const UNCASED_HINT = /[\p{Script=Han}\p{Script=Hangul}〒]/u;
