// Writes corpus.jsonl: labelled positives (structured values generated with valid checksums)
// and hard negatives. Deterministic: `npx tsx test/pii/corpus/generate.ts` rewrites the same file.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HAND_WRITTEN, type CorpusLine, type Span } from "./hand-written.js";

let seed = 0x5eed1234;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
const digits = (n: number) => Array.from({ length: n }, () => String(int(0, 9))).join("");
const fromAlphabet = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[int(0, alphabet.length - 1)]).join("");
const B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Fills `{}` in a template with the value and records its span. */
function line(template: string, value: string, category: Span["category"]): CorpusLine {
  const at = template.indexOf("{}");
  return { text: template.replace("{}", value), spans: [{ start: at, end: at + value.length, category }] };
}

function luhnComplete(partial: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = partial + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = Number(s[s.length - 1 - i]);
      if (i % 2 === 1) {
        x *= 2;
        if (x > 9) x -= 9;
      }
      sum += x;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error("unreachable");
}

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

function iban(country: string, bban: string): string {
  const check = 98 - mod97(`${bban}${country}00`);
  return `${country}${String(check).padStart(2, "0")}${bban}`;
}

function deVat(): string {
  const body = String(int(1, 9)) + digits(7);
  let product = 10;
  for (const ch of body) {
    let sum = (Number(ch) + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  const check = (11 - product) % 10;
  return `DE${body}${check}`;
}

function itVat(): string {
  return `IT${luhnComplete(digits(7) + String(int(1, 100)).padStart(3, "0"))}`;
}

function frVat(): string {
  const siren = luhnComplete(String(int(1, 9)) + digits(7));
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, "0")}${siren}`;
}

function beVat(): string {
  const base = `0${String(int(2, 9))}${digits(6)}`;
  return `BE${base}${String(97 - (Number(base) % 97)).padStart(2, "0")}`;
}

const FIRST = ["jane", "omar", "li", "maria", "kofi", "anna", "raj", "sven", "fatima", "diego", "yuki", "noah"];
const LAST = ["doe", "haddad", "wei", "garcia", "mensah", "kowalski", "patel", "berg", "khan", "lopez", "sato", "fischer"];
const DOMAINS = ["example.com", "mail.example.org", "corp.example.co.uk", "acme.io", "uni-example.edu", "post.example.de"];

const uuid = () => [8, 4, 4, 4, 12].map((n) => fromAlphabet("0123456789abcdef", n)).join("-");

const gen: Array<() => CorpusLine> = [];
const emailT = ["Please email {} about the invoice.", "From: {}", "cc {}, thanks", "<{}>", "contact={}&ref=2", "Reach me at {}."];
gen.push(() => {
  const local = pick([`${pick(FIRST)}.${pick(LAST)}`, `${pick(FIRST)}${int(1, 99)}`, `${pick(FIRST)}+news`, `${pick(FIRST)}_${pick(LAST)}`]);
  return line(pick(emailT), `${local}@${pick(DOMAINS)}`, "email");
});
const phoneT = ["Call me on {} tomorrow.", "Phone: {}", "mobile {} (after 6pm)", "You can reach the desk at {}."];
gen.push(() => {
  const area = pick(["212", "415", "617", "312", "206", "303", "512"]);
  const ex = String(int(201, 989));
  const sub = digits(4);
  const v = pick([
    `(${area}) ${ex}-${sub}`,
    `${area}-${ex}-${sub}`,
    `+1 ${area} ${ex} ${sub}`,
    `+1-${area}-${ex}-${sub}`,
    `${area}.${ex}.${sub}`,
    `+44 20 7946 0${digits(3)}`,
    `020 7946 0${digits(3)}`,
    `+44 7${pick(["911", "700", "400", "557"])} ${int(100000, 999999)}`,
    `+49 30 ${int(2, 9)}${digits(7)}`,
    `+33 1 ${int(40, 49)} ${int(10, 99)} ${int(10, 99)} ${int(10, 99)}`,
    `06 ${int(10, 99)} ${int(10, 99)} ${int(10, 99)} ${int(10, 99)}`,
    `02 ${int(200, 799)} ${int(10, 99)} ${int(10, 99)}`,
    `(11) 9${int(1000, 9999)}-${digits(4)}`,
    `(02) 9${digits(3)} ${digits(4)}`,
    `04${int(10, 99)} ${digits(3)} ${digits(3)}`,
    `030 ${int(2, 9)}${digits(7)}`,
    `+49 (0)30 ${int(2, 9)}${digits(6)}`,
  ]);
  return line(pick(phoneT), v, "phone");
});
const cardT = ["Card number {} exp 11/28", "pay with {}", "cc: {} cvv 123", "My card is {}."];
gen.push(() => {
  const kind = pick(["visa", "mc", "mc2", "amex", "disc", "jcb"]);
  let n: string;
  if (kind === "visa") n = luhnComplete(`4${digits(14)}`);
  else if (kind === "mc") n = luhnComplete(`5${int(1, 5)}${digits(13)}`);
  else if (kind === "mc2") n = luhnComplete(`${int(2221, 2720)}${digits(11)}`);
  else if (kind === "amex") n = luhnComplete(`3${pick(["4", "7"])}${digits(12)}`);
  else if (kind === "disc") n = luhnComplete(`6011${digits(11)}`);
  else n = luhnComplete(`35${int(28, 89)}${digits(11)}`);
  const fmt =
    n.length === 15 && rand() < 0.7
      ? `${n.slice(0, 4)} ${n.slice(4, 10)} ${n.slice(10)}`
      : pick([n, n.replace(/(\d{4})(?=\d)/g, "$1 "), n.replace(/(\d{4})(?=\d)/g, "$1-")]);
  return line(pick(cardT), fmt, "credit_card");
});
const taxT = ["SSN: {}", "Her social security number is {}.", "TIN {} on file", "tax id {}"];
gen.push(() => {
  let area = int(1, 899);
  if (area === 666) area = 667;
  return line(
    pick(taxT),
    `${String(area).padStart(3, "0")}-${String(int(1, 99)).padStart(2, "0")}-${String(int(1, 9999)).padStart(4, "0")}`,
    "tax_id",
  );
});
gen.push(() =>
  line(
    "ITIN {} for the contractor",
    `9${digits(2)}-${pick(["70", "78", "88", "90", "94", "99", "50", "65"])}-${String(int(1, 9999)).padStart(4, "0")}`,
    "tax_id",
  ),
);
gen.push(() => line("Employer EIN {}.", `${pick(["12", "27", "45", "94", "81", "36"])}-${digits(7)}`, "tax_id"));
gen.push(() => {
  const p = pick(["AB", "CE", "JG", "PR", "WX", "ST"]);
  const n = `${p} ${digits(2)} ${digits(2)} ${digits(2)} ${pick(["A", "B", "C", "D"])}`;
  return line("National Insurance: {}", rand() < 0.5 ? n : n.replace(/ /g, ""), "tax_id");
});
gen.push(() => line(pick(["VAT number {}", "USt-IdNr. {}", "Partita IVA {}", "TVA intracom {}"]), pick([deVat, itVat, frVat, beVat])(), "tax_id"));
gen.push(() => {
  const country = pick(["DE", "GB", "AT", "CH"]);
  const bban =
    country === "DE"
      ? digits(18)
      : country === "GB"
        ? `${pick(["NWBK", "BARC", "HBUK", "LOYD"])}${digits(14)}`
        : country === "AT"
          ? digits(16)
          : digits(17);
  const raw = iban(country, bban);
  const v = rand() < 0.5 ? raw : raw.replace(/(.{4})(?=.)/g, "$1 ");
  return line(pick(["IBAN: {}", "transfer to {} by Friday", "Bank account {}."]), v, "iban");
});
const secretT = ["export KEY={}", "token: {}", "Authorization: Bearer {}", "here is the key {} don't share", '"apiKey": "{}"'];
gen.push(() => {
  const kind = int(0, 10);
  const v = [
    () => `AKIA${fromAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
    () => `ghp_${fromAlphabet(B62, 36)}`,
    () => `glpat-${fromAlphabet(B62, 20)}`,
    () => `xoxb-${digits(11)}-${digits(12)}-${fromAlphabet(B62, 24)}`,
    () => `sk_live_${fromAlphabet(B62, 24)}`,
    () => `sk-proj-${fromAlphabet(`${B62}_-`, 48)}`,
    () => `sk-ant-api03-${fromAlphabet(`${B62}_-`, 93)}AA`,
    () => `AIza${fromAlphabet(`${B62}_-`, 35)}`,
    () => {
      const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
      return `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: digits(6), name: pick(FIRST), iat: 1700000000 + int(0, 1e6) })}.${fromAlphabet(`${B62}_-`, 43)}`;
    },
    () => fromAlphabet(B62, int(24, 48)),
    () => {
      const type = pick(["RSA ", "EC ", "OPENSSH ", ""]);
      return `-----BEGIN ${type}PRIVATE KEY-----\n${fromAlphabet(`${B62}+/`, 64)}\n${fromAlphabet(`${B62}+/`, 40)}=\n-----END ${type}PRIVATE KEY-----`;
    },
  ][kind];
  const value = v ? v() : "";
  if (kind === 10) return line("key file:\n{}\n", value, "secret");
  return line(pick(secretT), value, "secret");
});

const ipT = ["server at {} is down", "login from {} blocked", "ssh admin@host then ping {}", "client_ip={}"];
gen.push(() =>
  line(
    pick(ipT),
    rand() < 0.7
      ? `${int(11, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
      : `2001:db8:${fromAlphabet("0123456789abcdef", 4)}::${fromAlphabet("0123456789abcdef", 3)}`,
    "ip_address",
  ),
);
const dobT = ["Date of birth: {}", "born on {} in a small town", "DOB {}", "geboren am {}", "né le {}", "patient (DOB {}) was seen"];
gen.push(() => {
  const y = int(1930, 2010);
  const v = pick([
    `${int(1, 28)}/${int(1, 12)}/${y}`,
    `${y}-0${int(1, 9)}-${int(10, 28)}`,
    `${int(1, 28)} ${pick(["March", "June", "October", "mars", "Juni"])} ${y}`,
    `${int(1, 28)}.${int(1, 12)}.${y}`,
  ]);
  return line(pick(dobT), v, "date_of_birth");
});
gen.push(() =>
  line(
    pick(["Send it to {}.", "Mail: {}", "our postal address is {}"]),
    `${pick(["P.O. Box", "PO Box", "Postfach", "Apartado"])} ${int(1, 9999)}`,
    "address",
  ),
);

const lines: CorpusLine[] = [];
for (let i = 0; i < 40; i++) for (const g of gen) lines.push(g());
// Generated hard negatives: values that fail their checksum or range rules.
for (let i = 0; i < 30; i++) {
  const card = luhnComplete(`4${digits(14)}`);
  const bad = card.slice(0, 15) + String((Number(card[15]) + 1) % 10);
  lines.push({ text: `Reference ${bad.replace(/(\d{4})(?=\d)/g, "$1 ")} is not a card`, spans: [] });
  const ib = iban("DE", digits(18));
  lines.push({ text: `Bad IBAN ${ib.slice(0, 2)}${String((Number(ib.slice(2, 4)) + 1) % 100).padStart(2, "0")}${ib.slice(4)} rejected`, spans: [] });
  lines.push({ text: `ticket ${pick(["000", "666", "912"])}-${pick(["00", "12", "45"])}-${digits(4)} closed`, spans: [] });
  lines.push({
    text: `build ${digits(1)}.${digits(2)}.${digits(1)} on ${2000 + int(0, 30)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}`,
    spans: [],
  });
  lines.push({ text: `commit ${fromAlphabet("0123456789abcdef", 40)} and request ${uuid()}`, spans: [] });
}
lines.push(...HAND_WRITTEN);

const out = fileURLToPath(new URL("./corpus.jsonl", import.meta.url));
writeFileSync(out, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
console.log(`wrote ${lines.length} lines to ${out}`);
