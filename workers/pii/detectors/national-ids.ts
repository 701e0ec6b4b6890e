// National identity, social-security and tax numbers of persons, country by country, each checked
// against its scheme's check digits (and birth date, where the number holds one). No npm library
// covers these schemes for the Worker without pulling in a large validator bundle, so the checks
// are written from the schemes' published specifications, one small function each.
//
// A scheme whose check passes by chance for one number in ten or eleven ("weak") counts only after
// an id word ("Steuer-ID", "BSN", "PESEL", "TFN", "マイナンバー"…) within 48 characters before it;
// a scheme with a distinctive layout or a strong check (a letter key, two check digits, a date and
// a check) counts anywhere.
import type { RawFinding } from "../types.js";
import { BIRTH_WORDS } from "./dates.js";
import { labelledId } from "./id-labels.js";

interface Scheme {
  /** Detector name in findings. */
  name: string;
  /** Fewest letters and digits of a number of the scheme. */
  min: number;
  /** Candidates, global and sticky-free; group 1 (or the match) is the value. */
  re: RegExp;
  /** Whether the value (separators removed, upper case) is a valid number of the scheme. */
  valid: (compact: string) => boolean;
  /** Needs an id word before it (see above). */
  weak: boolean;
  /** The id words this scheme needs, when only its own name will do. */
  words?: RegExp;
}

const digitsOf = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) - 48);

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Sum of digits times weights. */
function weighted(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * (weights[i] ?? 0);
  return sum;
}

/** A real calendar date (two-digit years taken as given). */
function isDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (days[month - 1] ?? 0);
}

/** mod 97 of a decimal string too long for a double. */
function mod97(digits: string): number {
  let r = 0;
  for (const c of digits) r = (r * 10 + c.charCodeAt(0) - 48) % 97;
  return r;
}

// Verhoeff tables (Aadhaar).
const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
function verhoeff(digits: string): boolean {
  let c = 0;
  const ds = digitsOf(digits).reverse();
  for (let i = 0; i < ds.length; i++) c = VERHOEFF_D[c]?.[VERHOEFF_P[i % 8]?.[ds[i] ?? 0] ?? 0] ?? 0;
  return c === 0;
}

/** ISO 7064 MOD 11,10 (German Steuer-ID). */
function mod11_10(digits: string): boolean {
  let p = 10;
  for (let i = 0; i < digits.length - 1; i++) {
    let s = (digits.charCodeAt(i) - 48 + p) % 10;
    if (s === 0) s = 10;
    p = (2 * s) % 11;
  }
  return (11 - p) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}

function steuerId(d: string): boolean {
  if (d[0] === "0" || !mod11_10(d)) return false;
  // In the first ten digits one digit appears twice or three times, and at least one never.
  const counts = new Map<string, number>();
  for (const c of d.slice(0, 10)) counts.set(c, (counts.get(c) ?? 0) + 1);
  const repeated = [...counts.values()].filter((n) => n > 1);
  return repeated.length === 1 && (repeated[0] === 2 || repeated[0] === 3);
}

function frenchNir(v: string): boolean {
  // Corsica: 2A and 2B count as 19 and 18 for the key.
  const body = v.slice(0, 13).replace("2A", "19").replace("2B", "18");
  if (!/^[12378]\d{12}$/.test(body)) return false;
  const month = Number(v.slice(3, 5));
  if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || (month >= 50 && month <= 99))) return false;
  return 97 - mod97(body) === Number(v.slice(13));
}

const CF_ODD: Record<string, number> = {};
"1 0 5 7 9 13 15 17 19 21 2 4 18 20 11 3 6 8 12 14 16 10 22 25 24 23".split(" ").forEach((n, i) => {
  CF_ODD[String.fromCharCode(65 + i)] = Number(n);
  if (i < 10) CF_ODD[String(i)] = Number(n);
});
function codiceFiscale(v: string): boolean {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = v[i] ?? "";
    sum += i % 2 === 0 ? (CF_ODD[c] ?? 0) : /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 65;
  }
  return String.fromCharCode(65 + (sum % 26)) === v[15];
}

const DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";
function spanishId(v: string): boolean {
  const body = v.replace(/^X/, "0").replace(/^Y/, "1").replace(/^Z/, "2");
  return DNI_LETTERS[Number(body.slice(0, 8)) % 23] === v[8];
}

function bsn(d: string): boolean {
  if (d.length !== 9 || d === "000000000") return false;
  return (weighted(d, [9, 8, 7, 6, 5, 4, 3, 2]) - Number(d[8])) % 11 === 0;
}

function belgianNumber(d: string): boolean {
  const check = Number(d.slice(9));
  const body = d.slice(0, 9);
  return 97 - mod97(body) === check || 97 - mod97(`2${body}`) === check;
}

function pesel(d: string): boolean {
  const month = Number(d.slice(2, 4)) % 20;
  if (!isDate(2000, month, Number(d.slice(4, 6)))) return false;
  return (10 - (weighted(d, [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10)) % 10 === Number(d[10]);
}

function swedishNumber(d: string): boolean {
  const ten = d.slice(-10);
  const day = Number(ten.slice(4, 6));
  // Day + 60: a coordination number.
  return isDate(2000, Number(ten.slice(2, 4)), day > 60 ? day - 60 : day) && luhn(ten);
}

const HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY";
function hetu(v: string): boolean {
  if (!isDate(2000, Number(v.slice(2, 4)), Number(v.slice(0, 2)))) return false;
  return HETU_CHECK[Number(v.slice(0, 6) + v.slice(7, 10)) % 31] === v[10];
}

function cpf(d: string): boolean {
  if (/^(\d)\1{10}$/.test(d)) return false;
  const check = (n: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (d.charCodeAt(i) - 48) * (n + 1 - i);
    const r = (sum * 10) % 11;
    return (r === 10 ? 0 : r) === d.charCodeAt(n) - 48;
  };
  return check(9) && check(10);
}

function cnpj(d: string): boolean {
  if (/^(\d)\1{13}$/.test(d)) return false;
  const check = (n: number) => {
    const weights = n === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    const r = weighted(d, weights) % 11;
    return (r < 2 ? 0 : 11 - r) === d.charCodeAt(n) - 48;
  };
  return check(12) && check(13);
}

function australianTfn(d: string): boolean {
  const weights = d.length === 9 ? [1, 4, 3, 7, 5, 8, 6, 9, 10] : [10, 7, 8, 4, 6, 3, 5, 1];
  return weighted(d, weights) % 11 === 0;
}

function myNumber(d: string): boolean {
  let sum = 0;
  for (let n = 1; n <= 11; n++) sum += (d.charCodeAt(11 - n) - 48) * (n <= 6 ? n + 1 : n - 5);
  const r = sum % 11;
  return (r <= 1 ? 0 : 11 - r) === d.charCodeAt(11) - 48;
}

function koreanRrn(d: string): boolean {
  if (!isDate(2000, Number(d.slice(2, 4)), Number(d.slice(4, 6))) || !/[1-8]/.test(d[6] ?? "")) return false;
  // Numbers issued since October 2020 end in a random digit: the date and gender digit decide.
  return true;
}

function chineseId(v: string): boolean {
  const year = Number(v.slice(6, 10));
  if (year < 1900 || year > 2100 || !isDate(year, Number(v.slice(10, 12)), Number(v.slice(12, 14)))) return false;
  const sum = weighted(v, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
  return "10X98765432"[sum % 11] === v[17];
}

const CURP_CHARS = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
function curp(v: string): boolean {
  if (!isDate(2000, Number(v.slice(6, 8)), Number(v.slice(8, 10)))) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CURP_CHARS.indexOf(v[i] ?? "") * (18 - i);
  return (10 - (sum % 10)) % 10 === Number(v[17]);
}

function rfc(v: string): boolean {
  const date = v.slice(v.length - 9, v.length - 3);
  return isDate(2000, Number(date.slice(2, 4)), Number(date.slice(4, 6)));
}

function ahv(d: string): boolean {
  // EAN-13: weights 1 and 3 from the left.
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += (d.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === d.charCodeAt(12) - 48;
}

function austrianSv(d: string): boolean {
  if (!isDate(2000, Number(d.slice(6, 8)), Number(d.slice(4, 6))) && Number(d.slice(6, 8)) <= 12) return false;
  return weighted(d, [3, 7, 9, 0, 5, 8, 4, 2, 1, 6]) % 11 === d.charCodeAt(3) - 48;
}

function norwegianNumber(d: string): boolean {
  const day = Number(d.slice(0, 2));
  if (!isDate(2000, Number(d.slice(2, 4)) % 40, day > 40 ? day - 40 : day)) return false;
  const k1 = 11 - (weighted(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]) % 11);
  const k2 = 11 - (weighted(d, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11);
  return (k1 === 11 ? 0 : k1) === Number(d[9]) && (k2 === 11 ? 0 : k2) === Number(d[10]);
}

function danishCpr(d: string): boolean {
  return isDate(2000, Number(d.slice(2, 4)), Number(d.slice(0, 2)));
}

function turkishId(d: string): boolean {
  if (d[0] === "0") return false;
  const x = digitsOf(d);
  const odd = (x[0] ?? 0) + (x[2] ?? 0) + (x[4] ?? 0) + (x[6] ?? 0) + (x[8] ?? 0);
  const even = (x[1] ?? 0) + (x[3] ?? 0) + (x[5] ?? 0) + (x[7] ?? 0);
  const tenth = (((odd * 7 - even) % 10) + 10) % 10;
  const sum = x.slice(0, 10).reduce((a, b) => a + b, 0);
  return tenth === x[9] && sum % 10 === x[10];
}

function romanianCnp(d: string): boolean {
  if (!/[1-9]/.test(d[0] ?? "") || !isDate(2000, Number(d.slice(3, 5)), Number(d.slice(5, 7)))) return false;
  const r = weighted(d, [2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
  return (r === 10 ? 1 : r) === Number(d[12]);
}

function southAfricanId(d: string): boolean {
  return isDate(2000, Number(d.slice(2, 4)), Number(d.slice(4, 6))) && luhn(d);
}

function chileanRut(v: string): boolean {
  const body = v.slice(0, -1);
  let sum = 0;
  let w = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    sum += (body.charCodeAt(i) - 48) * w;
    w = w === 7 ? 2 : w + 1;
  }
  const r = 11 - (sum % 11);
  return (r === 11 ? "0" : r === 10 ? "K" : String(r)) === v.slice(-1);
}

function argentineCuil(d: string): boolean {
  if (!/^(20|23|24|27|30|33|34)/.test(d)) return false;
  const r = 11 - (weighted(d, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11);
  return (r === 11 ? 0 : r === 10 ? 9 : r) === Number(d[10]);
}

function portugueseNif(d: string): boolean {
  if (!/^[1235689]/.test(d)) return false;
  const r = 11 - (weighted(d, [9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  return (r >= 10 ? 0 : r) === Number(d[8]);
}

function irishPpsn(v: string): boolean {
  let sum = weighted(v, [8, 7, 6, 5, 4, 3, 2]);
  if (v.length === 9 && v[8] !== "W") sum += (v.charCodeAt(8) - 64) * 9;
  const r = sum % 23;
  return (r === 0 ? "W" : String.fromCharCode(64 + r)) === v[7];
}

function nhsNumber(d: string): boolean {
  const r = 11 - (weighted(d, [10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  return r !== 10 && (r === 11 ? 0 : r) === Number(d[9]);
}

function czechBirthNumber(d: string): boolean {
  const month = Number(d.slice(2, 4)) % 50;
  if (!isDate(2000, month > 20 ? month - 20 : month, Number(d.slice(4, 6)))) return false;
  if (d.length === 9) return true;
  const r = Number(d.slice(0, 9)) % 11;
  return (r === 10 ? 0 : r) === Number(d[9]) || Number(d) % 11 === 0;
}

function canadianSin(d: string): boolean {
  return luhn(d);
}

function aadhaar(d: string): boolean {
  return /^[2-9]/.test(d) && verhoeff(d);
}

function greekAmka(d: string): boolean {
  return isDate(2000, Number(d.slice(2, 4)), Number(d.slice(0, 2))) && luhn(d);
}

function greekAfm(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (d.charCodeAt(i) - 48) * 2 ** (8 - i);
  return (sum % 11) % 10 === Number(d[8]);
}

function emiratesId(d: string): boolean {
  return d.startsWith("784") && luhn(d);
}

function israeliId(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let x = (d.charCodeAt(i) - 48) * (i % 2 === 0 ? 1 : 2);
    if (x > 9) x -= 9;
    sum += x;
  }
  return sum % 10 === 0;
}

function saudiId(d: string): boolean {
  return /^[12]/.test(d) && luhn(d);
}

function snils(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * (9 - i);
  const r = sum % 101;
  return (r === 100 ? 0 : r) === Number(d.slice(9));
}

function russianInn(d: string): boolean {
  const check = (weights: number[], at: number) => (weighted(d, weights) % 11) % 10 === d.charCodeAt(at) - 48;
  if (d.length === 10) return check([2, 4, 10, 3, 5, 9, 4, 6, 8], 9);
  return check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10) && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11);
}

function hungarianTaxId(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * (i + 1);
  return d[0] === "8" && sum % 11 === Number(d[9]);
}

function hungarianTaj(d: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += (d.charCodeAt(i) - 48) * (i % 2 === 0 ? 3 : 7);
  return sum % 10 === Number(d[8]);
}

// Not inside a word or number; letters of scripts without case may touch ("身份证号310…").
// Nor a part of a longer group of digits ("3 24 718 093 651 2" is not 12 digits and a 2).
const B = "(?<![\\p{N}_\\p{Lu}\\p{Ll}]|\\d[ .\\-])";
const E = "(?![\\p{N}_\\p{Lu}\\p{Ll}]|[-./ ]\\d)";
/** `n` digits written whole or grouped in any way by single spaces, dots or dashes ("8 4217 093 56"). */
function g(n: number): string {
  return `\\d(?:[ .\\-]?\\d){${n - 1}}`;
}
const re = (body: string) => new RegExp(`${B}(${body})${E}`, "gu");

const SCHEMES: readonly Scheme[] = [
  { name: "de_steuer_id", min: 11, re: re(g(11)), valid: steuerId, weak: true },
  { name: "fr_nir", min: 15, re: re(`[12378] ?\\d{2} ?\\d{2} ?(?:\\d{2}|2[AB]) ?\\d{3} ?\\d{3} ?\\d{2}`), valid: frenchNir, weak: false },
  {
    name: "it_codice_fiscale",
    min: 16,
    re: re("[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"),
    valid: codiceFiscale,
    weak: false,
  },
  {
    name: "es_dni",
    min: 9,
    re: re("[XYZ]-?\\d{7}-?[A-Z]|\\d{1,2}\\.?\\d{3}\\.?\\d{3}-?[A-Z]"),
    valid: (v) => v.length === 9 && spanishId(v),
    weak: false,
  },
  { name: "nl_bsn", min: 9, re: re(g(9)), valid: bsn, weak: true },
  { name: "be_national_number", min: 11, re: re("\\d{2}[.]?\\d{2}[.]?\\d{2}[-. ]?\\d{3}[-. ]?\\d{2}"), valid: belgianNumber, weak: false },
  { name: "pl_pesel", min: 11, re: re(g(11)), valid: pesel, weak: true },
  { name: "se_personnummer", min: 10, re: re("(?:19|20)?\\d{6}[-+]\\d{4}"), valid: swedishNumber, weak: false },
  { name: "fi_hetu", min: 10, re: re("\\d{6}[-+A-FU-Y]\\d{3}[0-9A-Y]"), valid: hetu, weak: false },
  { name: "br_cpf", min: 11, re: re("\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}|\\d{11}"), valid: cpf, weak: false },
  { name: "br_cnpj", min: 14, re: re("\\d{2}\\.\\d{3}\\.\\d{3}/\\d{4}-\\d{2}|\\d{14}"), valid: cnpj, weak: false },
  { name: "in_pan", min: 10, re: re("[A-Z]{3}[ABCFGHJLPT][A-Z]\\d{4}[A-Z]"), valid: () => true, weak: false },
  { name: "in_aadhaar", min: 12, re: re(`${g(12)}`), valid: aadhaar, weak: true },
  { name: "ca_sin", min: 9, re: re(`${g(9)}`), valid: canadianSin, weak: true },
  { name: "au_tfn", min: 8, re: re(`${g(9)}|${g(8)}`), valid: australianTfn, weak: true },
  { name: "jp_my_number", min: 12, re: re(`${g(12)}`), valid: myNumber, weak: true },
  { name: "kr_rrn", min: 13, re: re("\\d{6}-[1-8]\\d{6}"), valid: koreanRrn, weak: false },
  { name: "cn_resident_id", min: 18, re: re("\\d{17}[\\dX]"), valid: chineseId, weak: false },
  { name: "mx_curp", min: 18, re: re("[A-Z][AEIOUX][A-Z]{2}\\d{6}[HMX][A-Z]{2}[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z]\\d"), valid: curp, weak: false },
  { name: "mx_rfc", min: 13, re: re("[A-ZÑ&]{4}\\d{6}[A-Z0-9]{3}"), valid: rfc, weak: true },
  { name: "ch_ahv", min: 13, re: re("756[ .]?\\d{4}[ .]?\\d{4}[ .]?\\d{2}"), valid: ahv, weak: false },
  { name: "at_sv_number", min: 10, re: re(`${g(10)}`), valid: austrianSv, weak: true },
  { name: "no_fodselsnummer", min: 11, re: re(`${g(11)}`), valid: norwegianNumber, weak: false },
  { name: "dk_cpr", min: 10, re: re("\\d{6}-\\d{4}"), valid: danishCpr, weak: true },
  { name: "tr_kimlik", min: 11, re: re(g(11)), valid: turkishId, weak: true },
  { name: "ro_cnp", min: 13, re: re(g(13)), valid: romanianCnp, weak: false },
  { name: "za_id", min: 13, re: re(g(13)), valid: southAfricanId, weak: false },
  // Swiss company id (UID/IDE/IDI): the "CHE" prefix and its dotted groups are layout enough.
  { name: "ch_uid", min: 12, re: re("CHE[-. ]?\\d{3}\\.\\d{3}\\.\\d{3}"), valid: () => true, weak: false },
  { name: "cl_rut", min: 8, re: re("\\d{1,2}\\.\\d{3}\\.\\d{3}-[\\dK]"), valid: chileanRut, weak: false },
  { name: "ar_cuil", min: 11, re: re("\\d{2}-\\d{8}-\\d"), valid: argentineCuil, weak: false },
  { name: "pt_nif", min: 9, re: re(`${g(9)}`), valid: portugueseNif, weak: true },
  { name: "ie_ppsn", min: 8, re: re("\\d{7}[A-W][A-IW]?"), valid: irishPpsn, weak: false },
  { name: "uk_nhs", min: 10, re: re(`${g(10)}`), valid: nhsNumber, weak: true },
  { name: "cz_birth_number", min: 9, re: re("\\d{6}/\\d{3,4}"), valid: czechBirthNumber, weak: false },
  { name: "gr_amka", min: 11, re: re(g(11)), valid: greekAmka, weak: true },
  { name: "gr_afm", min: 9, re: re(g(9)), valid: greekAfm, weak: true },
  { name: "ae_emirates_id", min: 15, re: re("784-?\\d{4}-?\\d{7}-?\\d"), valid: emiratesId, weak: false },
  { name: "il_teudat_zehut", min: 9, re: re(g(9)), valid: israeliId, weak: true },
  { name: "sa_national_id", min: 10, re: re(g(10)), valid: saudiId, weak: true },
  { name: "ru_snils", min: 11, re: re("\\d{3}-\\d{3}-\\d{3}[ -]\\d{2}"), valid: snils, weak: false },
  { name: "ru_inn", min: 10, re: re(`${g(12)}|${g(10)}`), valid: russianInn, weak: true },
  { name: "hu_tax_id", min: 10, re: re(g(10)), valid: hungarianTaxId, weak: true },
  { name: "hu_taj", min: 9, re: re(`${g(9)}`), valid: hungarianTaj, weak: true },
  // No check digit: only right after the document's own name.
  { name: "ar_dni", min: 7, re: re("\\d{1,2}\\.\\d{3}\\.\\d{3}"), valid: () => true, weak: true, words: /\bdni\b|documento/iu },
  { name: "co_cedula", min: 7, re: re("\\d{1,3}(?:\\.\\d{3}){2,3}"), valid: () => true, weak: true, words: /c[ée]dula|\bc\.?c\.?\s*$/iu },
];

// Schemes of the same layout share one regex (nine digits: BSN, SIN, NIF, AFM, Teudat Zehut…):
// a window is matched once per layout, and each scheme checks those matches in turn.
const LAYOUTS: RegExp[] = [];
const LAYOUT_OF: readonly number[] = SCHEMES.map((scheme) => {
  const at = LAYOUTS.findIndex((r) => r.source === scheme.re.source && r.flags === scheme.re.flags);
  if (at >= 0) return at;
  LAYOUTS.push(scheme.re);
  return LAYOUTS.length - 1;
});

/** Detector names of the schemes (they win an overlap with a phone number: see detect.ts). */
export const NATIONAL_ID_DETECTORS: ReadonlySet<string> = new Set([...SCHEMES.map((s) => s.name), "labelled_id"]);
/** The schemes whose check passes by chance for about one number in ten: a word beside the number decides. */
export const WEAK_ID_DETECTORS: ReadonlySet<string> = new Set(SCHEMES.filter((s) => s.weak).map((s) => s.name));

/**
 * Words that announce a personal id, in the languages of the schemes above (lower case; matched
 * anywhere in the 48 characters before a number).
 */
export const ID_WORDS = new RegExp(
  [
    "identi",
    "national",
    "tax",
    "social (?:security|insurance)",
    "steuer",
    "idnr",
    "nir\\b",
    "s[ée]curit[ée] sociale",
    "insee",
    "fiscal",
    "\\bcf\\b",
    "\\bdni\\b",
    "\\bnie\\b",
    "\\bnif\\b",
    "\\bbsn\\b",
    "burgerservice",
    "rijksregister",
    "num[ée]ro national",
    "pesel",
    "personnummer",
    "personnr",
    "henkil[öo]tunnus",
    "hetu",
    "\\bcpf\\b",
    "cnpj",
    "\\bpan\\b",
    "aadhaar",
    "aadhar",
    "\\bsin\\b",
    "\\btfn\\b",
    "tax file",
    "my ?number",
    "マイナンバー",
    "個人番号",
    "주민등록번호",
    "주민번호",
    "身份证",
    "身分證",
    "curp",
    "\\brfc\\b",
    "\\bnhs\\b",
    "ppsn?",
    "sv-n",
    "sozialversicherung",
    "versicherungsnummer",
    "\\bahv\\b",
    "\\bavs\\b",
    "contribuinte",
    "rodn[ée]",
    "ad[óo]azonos[íi]t[óo]",
    "\\btaj\\b",
    "αφμ",
    "αμκα",
    "\\bcnp\\b",
    "f[øo]dselsnummer",
    "personnummer",
    "\\bcpr\\b",
    "kimlik",
    "\\btc\\b",
    "снилс",
    "инн",
    "cuil",
    "cuit",
    "\\brut\\b",
    "c[ée]dula",
    "teudat",
    "ת\\.?ז",
    "תעודת זהות",
    "emirates",
    "هوية",
    "الهوية",
    "sozial",
    "codice",
    "imp[ôo]t",
    "आधार",
    "पैन",
  ].join("|"),
  "iu",
);

/** Day, month and year (or year, month, day) of a real calendar date, in one of the usual separators. */
function calendarDate(value: string): boolean {
  const m = /^(\d{1,2})([-./])(\d{1,2})\2(\d{4})$/.exec(value) ?? /^(\d{4})([-./])(\d{1,2})\2(\d{1,2})$/.exec(value);
  if (!m) return false;
  const [a, b, c] = [Number(m[1]), Number(m[3]), Number(m[4])];
  const [day, month] = (m[1] as string).length === 4 ? [c, b] : [a, b];
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
const isDigit = (c: number) => c >= 48 && c <= 57;
const ISO_DATE = /^(?:19|20)\d\d-[01]\d-[0-3]\d$/;
// Space, "+", "-", ".", "/"; only next to a digit ("X-1234567-L", not "Z INFO").
const isSeparator = (c: number) => c === 32 || c === 43 || c === 45 || c === 46 || c === 47;

/** Appends the national, social-security and tax ids of the schemes above found in `text`. */
export function detectNationalIds(text: string, out: RawFinding[]): void {
  // Every number of the schemes lies in a run of capitals and digits joined by single separators,
  // with four digits or more: each scheme is tried on those short windows only (one plain pass
  // over the text instead of one regex pass per scheme).
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isAlnum(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    let digits = 0;
    let alnum = 0;
    for (;;) {
      const c = text.charCodeAt(j);
      if (isAlnum(c)) {
        if (c <= 57) digits++;
        alnum++;
        j++;
      } else if (isSeparator(c) && isAlnum(text.charCodeAt(j + 1)) && (isDigit(text.charCodeAt(j - 1)) || isDigit(text.charCodeAt(j + 1)))) j++;
      else break;
    }
    // An ISO date or timestamp (log lines) holds no id.
    if (digits >= 4 && alnum >= 6 && !ISO_DATE.test(text.slice(i, i + 10))) {
      if (alnum >= 7) tryWindow(text, i, j, alnum, out);
      if (digits >= 5) {
        const labelled = labelledId(text, i, j);
        if (labelled) {
          const compact = text.slice(labelled.start, labelled.end).replace(/[^0-9A-Z]/g, "");
          out.push({ category: "tax_id", start: labelled.start, end: labelled.end, detector: "labelled_id", key: compact });
        }
      }
    }
    i = j + 1;
  }
}

function tryWindow(text: string, runStart: number, runEnd: number, alnum: number, out: RawFinding[]): void {
  // Two characters either side: the schemes' boundary checks look that far.
  const from = Math.max(0, runStart - 2);
  const window = text.slice(from, Math.min(text.length, runEnd + 2));
  const byLayout: Array<RegExpExecArray[] | undefined> = [];
  for (let k = 0; k < SCHEMES.length; k++) {
    const scheme = SCHEMES[k] as Scheme;
    if (scheme.min > alnum) continue;
    const layout = LAYOUT_OF[k] ?? -1;
    let matches = byLayout[layout];
    if (!matches) {
      matches = [];
      const re = LAYOUTS[layout] ?? scheme.re;
      re.lastIndex = 0;
      for (let m = re.exec(window); m; m = re.exec(window)) matches.push(m);
      byLayout[layout] = matches;
    }
    for (const m of matches) {
      const value = m[1] ?? m[0];
      const start = from + m.index;
      const compact = value.replace(/[ .\-/+]/g, "").toUpperCase();
      // Finnish separators are part of the number's meaning.
      if (!scheme.valid(scheme.name === "fi_hetu" ? value.toUpperCase() : compact)) continue;
      if (scheme.weak && !(scheme.words ?? ID_WORDS).test(text.slice(Math.max(0, start - 48), start))) continue;
      // A weak scheme's digits written as a calendar date after a birth word are the date
      // ("geboren: 08-04-1952" is no TFN; "TFN: 08-04-1952" still is).
      if (scheme.weak && calendarDate(value) && BIRTH_WORDS.test(text.slice(Math.max(0, start - 24), start))) continue;
      out.push({ category: "tax_id", start, end: start + value.length, detector: scheme.name, key: compact });
    }
  }
}
