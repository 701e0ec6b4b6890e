// Postal addresses a pattern can see: post-office boxes in several languages. Street addresses
// and postcode-and-city lines come from the entity tagger (detectors/entities.ts).
import type { RawFinding } from "../types.js";

const PO_BOX =
  /(?<![\p{L}\p{N}])(?:p\.?\s?o\.?\s?box|post(?:al)?\s+office\s+box|postfach|postbus|postboks|boîte\s+postale|b\.?p\.|apartado(?:\s+de\s+correos)?|casella\s+postale|caixa\s+postal|skrytka\s+pocztowa)\s*(?:no\.?\s*)?\d{1,6}(?![\p{L}\p{N}])/giu;

export function detectPoBoxes(text: string, out: RawFinding[]): void {
  PO_BOX.lastIndex = 0;
  for (let m = PO_BOX.exec(text); m; m = PO_BOX.exec(text)) {
    out.push({ category: "address", start: m.index, end: m.index + m[0].length, detector: "po_box", key: m[0].toLowerCase().replace(/\s+/g, " ") });
  }
}
