// Tax and national ids: US SSN/ITIN/EIN, UK National Insurance numbers, EU VAT numbers (jsvat).
import { checkVAT, countries } from "jsvat";
import type { RawFinding } from "../types.js";

// 3-2-4 digits, the same separator twice: none, a space or dash, or one tab, newline or other whitespace.
const US_ID = /(?<![\p{L}\p{N}_\-./])(\d{3})([ -]?|[\t\n\r\f\v\u00a0]|\r\n)(\d{2})\2(\d{4})(?![\p{L}\p{N}_]|[-./]\d)/gu;
const EIN = /(?<![\p{L}\p{N}_\-./])(\d{2})-(\d{7})(?![\p{L}\p{N}_]|[-./]\d)/gu;
const US_CONTEXT = /(?:ssn|social security|itin|taxpayer|tax id|tin|ein|employer id)[^\n]{0,24}$/i;
const EIN_PREFIXES = new Set(
  "01 02 03 04 05 06 10 11 12 13 14 15 16 20 21 22 23 24 25 26 27 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 71 72 73 74 75 76 77 80 81 82 83 84 85 86 87 88 90 91 92 93 94 95 98 99".split(
    " ",
  ),
);

// Numbers the SSA published or that circulated in advertising; never issued to anyone real. The
// sequence 123-45-6789 is not among them: it is what people type as a stand-in for their own.
const SSN_NEVER = new Set(["078051120", "219099999"]);

function itinGroup(g: number): boolean {
  return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99);
}

export function detectUsIds(text: string, out: RawFinding[]): void {
  US_ID.lastIndex = 0;
  for (let m = US_ID.exec(text); m; m = US_ID.exec(text)) {
    const area = Number(m[1]);
    const group = Number(m[3]);
    const serial = Number(m[4]);
    const digits = `${m[1]}${m[3]}${m[4]}`;
    // Nine bare digits are usually some other id; they count only after a word such as "SSN".
    if (m[2] === "" && !US_CONTEXT.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
    if (group === 0 || serial === 0 || SSN_NEVER.has(digits)) continue;
    let detector: string;
    if (area >= 900) {
      if (!itinGroup(group)) continue;
      detector = "itin";
    } else {
      if (area === 0 || area === 666) continue;
      detector = "ssn";
    }
    out.push({ category: "tax_id", start: m.index, end: m.index + m[0].length, detector, key: digits });
  }
  EIN.lastIndex = 0;
  for (let m = EIN.exec(text); m; m = EIN.exec(text)) {
    if (!EIN_PREFIXES.has(m[1] ?? "")) continue;
    out.push({ category: "tax_id", start: m.index, end: m.index + m[0].length, detector: "ein", key: `${m[1]}${m[2]}` });
  }
}

const NINO = /(?<![\p{L}\p{N}_])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\p{L}\p{N}_])/gu;
const NINO_BAD_PREFIX = new Set(["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"]);

export function detectNino(text: string, out: RawFinding[]): void {
  NINO.lastIndex = 0;
  for (let m = NINO.exec(text); m; m = NINO.exec(text)) {
    if (NINO_BAD_PREFIX.has(m[1] ?? "")) continue;
    const key = `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}`;
    out.push({ category: "tax_id", start: m.index, end: m.index + m[0].length, detector: "nino", key });
  }
}

// EU member-state prefixes (EL is Greece's VAT prefix); the body is checked by jsvat.
const VAT =
  /(?<![\p{L}\p{N}_])(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK) ?([0-9A-Z]{8,13}|\d{3}[ .]\d{3}[ .]\d{3}(?:[ .]\d{2,3})?|U\d{8})(?![\p{L}\p{N}_])/gu;
const VAT_COUNTRIES = countries.filter((c) => c.name !== "Brazil" && c.name !== "Russian Federation");

export function detectVat(text: string, out: RawFinding[]): void {
  VAT.lastIndex = 0;
  for (let m = VAT.exec(text); m; m = VAT.exec(text)) {
    const body = (m[2] ?? "").replace(/[ .-]/g, "");
    const key = `${m[1]}${body}`;
    const res = checkVAT(key, VAT_COUNTRIES);
    if (!res.isValid) continue;
    out.push({ category: "tax_id", start: m.index, end: m.index + m[0].length, detector: "eu_vat", key });
  }
}
