// Red team s21b: the phone-label change (phone words of 30-odd languages, the label nearest a number
// names it, '+' and a country code make a phone of Luhn-valid digits, address fields end at phone
// words). Every test asserts the SAFE outcome: a failing test is a finding. Tests under "held" pass
// both before (4c4378c) and after the change.
import { describe, expect, it } from "vitest";
import { COST_GUARD_MS } from "./cost-guard.js";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { Masker } from "../../../workers/pii/masker.js";
import { PiiPolicySchema } from "../../../workers/pii/types.js";

const all = new PiiDetector({ categories: ["phone", "credit_card", "tax_id", "address", "email", "date_of_birth", "iban"] });
// The Masker builds its detector from the categories a policy does not `allow`: under
// `credit_card: block, phone: allow` the phone detector does not run at all.
const cardsOnly = new PiiDetector({ categories: ["credit_card"] });
const idsAndPhones = new PiiDetector({ categories: ["tax_id", "phone"] });
const phones = new PiiDetector({ categories: ["phone"] });
const addresses = new PiiDetector({ categories: ["address", "phone"] });

const of = (d: PiiDetector, text: string, category: string) =>
  d
    .detect(text)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("red21b bypass: a '+' before a 12-15 digit card (Diners, Maestro, UnionPay, any 13-15 digit 2-6 card)", () => {
  // 30569309025904 is Diners Club's published test number; the others are Luhn-valid numbers
  // isCard() takes (found by brute force: +CC + national part of a possible length).
  const plusCards = [
    "Card: +3056 930902 5904",
    "Card: +30569309025904",
    "Diners +3056-930902-5904 exp 12/27",
    "card=+30569309025904",
    "Maestro +5628 9414 47313",
    "UnionPay +6261 7046 9506 77",
    "+624755382637366",
  ];

  it.each(plusCards)("credit_card block, phone allow: the card is still found: %s", (text) => {
    // Before: credit_card[…]. Now: nothing (detectCards skips the run; the phone detector is off).
    expect(of(cardsOnly, text, "credit_card").length).toBeGreaterThan(0);
  });

  it.each(plusCards)("credit_card block, phone mask: the card is not relabelled as a phone: %s", (text) => {
    // Before: credit_card[…] (a block). Now: phone[+…] (only masked; the card reaches the provider as a placeholder, the request is not refused).
    expect(of(all, text, "credit_card").length).toBeGreaterThan(0);
  });

  it.each(["Card+30569309025904", "x+3056 930902 5904", "ref+5628941447313"])(
    "a letter glued before the '+': the card is found by no detector at all (not even masked): %s",
    (text) => {
      // The card detector skips a run after '+'; the phone pattern opens on no '+' after a letter.
      expect(all.detect(text).length).toBeGreaterThan(0);
    },
  );

  it("through the Masker: credit_card block + phone allow refuses '+3056 930902 5904'", () => {
    const masker = new Masker(PiiPolicySchema.parse({ credit_card: "block", phone: "allow" }));
    const out = masker.maskText("Please charge +3056 930902 5904 for the order.");
    expect(out).not.toContain("930902");
    expect(masker.result().blockedCategories).toContain("credit_card");
  });
});

describe("red21b bypass: a national id relabelled as a phone after a phone word (tax_id block, phone mask)", () => {
  // Each id is found as tax_id before the change; now the nearest label before it is a phone word
  // ("contact", "contato", "Kontakt", "HP", "tel."), the number reads as a possible phone after a
  // phone word, and the id finding is replaced by a phone: a `tax_id: block` policy only masks it.
  it.each([
    ["pt-BR, CPF of the contact person", "CPF do contato: 111.444.777-35"],
    ["nl, BSN of the contact", "BSN van contact: 111222333"],
    ["en-GB, NHS number of an HP patient", "NHS number for the HP patient 943 476 5919"],
    ["en-CA, SIN of a contact", "SIN of contact 046 454 286"],
    ["en-IN, Aadhaar of a contact", "Aadhaar of contact: 2345 6789 0124"],
    ["de, Steuer-ID of a contact", "Steuer-ID des Kontakt: 65929970489"],
    ["sv, personnummer of a contact", "personnummer kontakt 811228-9874"],
    ["attacker: 'tel.' written between the BSN label and the id", "BSN tel. 111222333"],
    ["attacker: 'Tel.' between the label and the id", "Steuer-ID Tel. 65929970489"],
  ])("%s: %s", (_what, text) => {
    expect(of(idsAndPhones, text, "tax_id").length).toBeGreaterThan(0);
  });
});

describe("red21b false positives: amounts and counts after a phone word of the new list (phone: block refuses them)", () => {
  it.each([
    ["de erreichen", "Wir erreichen inzwischen 1 234 567 Leser."],
    ["de erreichen", "Mit der Kampagne erreichen wir 2 500 000 Haushalte."],
    ["de rufen", "Rufen Sie die API mit Limit 1 000 000 auf"],
    ["de erreichbar + date", "Bitte erreichbar sein ab 2025 06 01 14 30"],
    ["de Kontakt", "Kontakt: Umsatz 2 345 678 EUR"],
    ["no kontakt", "Kontakt oss om ordre 4 500 000 kr"],
    ["fr rappeler (remind)", "Il faut rappeler que 1 250 000 personnes sont concernées."],
    ["vi gọi món (order food)", "Gọi món trị giá 1.250.000 đồng"],
    ["vi liên hệ để biết giá (contact for the price)", "Liên hệ để biết giá: 12.500.000 VND"],
    ["id hubungi", "Hubungi kami, total tagihan Rp 1.250.000"],
    ["pt ligar (switch on)", "Ligar o servidor com 1 048 576 blocos"],
    ["es cel", "Cel: 1.234.567 unidades"],
    ["es fono", "fono: 12.345.678 ventas"],
    ["ar تواصل (order number)", "تواصل معنا بخصوص الطلب 2024 000 123"],
    ["hi संपर्क (amount in lakh)", "संपर्क करें: कुल राशि 1,25,00,000 रुपये"],
    ["ru позвоните (sum)", "позвоните, сумма 1 234 567 рублей"],
    ["ru звоните (invoice)", "звоните: счёт 2024 000 123"],
  ])("%s: %s", (_what, text) => {
    expect(of(phones, text, "phone")).toEqual([]);
  });
});

describe("red21b address: a field cut at a new phone word or ', et'", () => {
  // Arabic addresses name building, street and flat numbers with رقم ("number"), which now ends the
  // field: the address is dropped or cut, its tail left unmasked (address: block lets it through).
  it.each([
    "العنوان: شارع الملك فهد، مبنى رقم 12، الرياض 12345",
    "العنوان: 15 شارع التحرير، عمارة رقم 4، شقة رقم 7، القاهرة",
    "العنوان: الرياض، حي العليا، شارع رقم 20، مبنى 8",
    "عنوان التسليم: دبي، شارع الشيخ زايد، برج رقم 3، شقة 1204",
    "العنوان: عمان، جبل عمان، شارع رقم 5، عمارة 12",
    "Adresse : 5 rue de la Paix, et 75002 Paris",
  ])("the whole address is masked: %s", (text) => {
    const value = text.slice(text.indexOf(":") + 1).trim();
    const found = of(addresses, text, "address");
    // Every digit of the address lies inside an address finding.
    const lastDigits = /\d+(?!.*\d)/u.exec(value)?.[0] as string;
    expect(found.some((f) => f.includes(lastDigits))).toBe(true);
  });
});

describe("red21b cost: the nearest-label scan runs out.filter (and out.splice) over every finding per covered number", () => {
  const timed = (categories: string[], text: string) => {
    const d = new PiiDetector({ categories: categories as never, timeBudgetMs: 600_000 });
    d.detect("warm 4111 1111 1111 1111 tel. 111222333");
    const t0 = performance.now();
    d.detect(text);
    return performance.now() - t0;
  };
  // Before: 0.3-0.5 s each. Now: 9-30 s on 0.9-1 MB, growing with the square of the size.
  it.each([
    ["1 MB of cards (credit_card + phone)", ["credit_card", "phone"], "4111 1111 1111 1111\n".repeat(50_000)],
    ["900 kB of IPv4 addresses (ip_address + phone)", ["ip_address", "phone"], "10.0.0.1 ".repeat(100_000)],
    ["950 kB of 'BSN tel. 111222333' (tax_id + phone)", ["tax_id", "phone"], "BSN tel. 111222333\n".repeat(50_000)],
  ])(
    "%s",
    (_title, categories, text) => {
      expect(timed(categories as string[], text as string)).toBeLessThan(COST_GUARD_MS);
    },
    300_000,
  );
});

describe("red21b held", () => {
  it.each(["Card: +4111 1111 1111 1111", "Card: +49 4111 1111 1111 1111", "Amex +3782 822463 10005", "+371449635398431", "call 4111 1111 1111 1111"])(
    "a card of 16+ digits or of no possible phone length stays a card: %s",
    (text) => {
      expect(of(cardsOnly, text, "credit_card").length).toBeGreaterThan(0);
      expect(of(all, text, "credit_card").length).toBeGreaterThan(0);
    },
  );

  it("an IBAN after a phone word stays an IBAN", () => {
    expect(of(all, "Tel. DE89 3704 0044 0532 0130 00", "iban")).toEqual(["DE89 3704 0044 0532 0130 00"]);
  });

  it.each(["BSN van de contactpersoon 111222333", "Codice fiscale contatto: RSSMRA85T10A562S", "Tel: 030 2291847, Steuer-ID 65929970489"])(
    "an id stays an id when its own label is nearest (or the phone word is glued into a longer word): %s",
    (text) => {
      expect(of(idsAndPhones, text, "tax_id").length).toBeGreaterThan(0);
    },
  );

  it.each([
    "Merci de joindre la facture 2024 000 123 au dossier.",
    "Bel ons over factuur 2024 0012 3456",
    "Llame para consultar el saldo de 1.234.567 pesos",
    "Soita, jos lasku 1 234 567 euroa ei täsmää",
    "Giá gọi vốn 2.500.000.000 đồng",
    "tel: 2024-06-01",
    "Call at 2025-06-01 14:30 with ticket 4402 1187 3321",
    "Rappelez-vous que le budget est de 3 400 000 euros.",
    "Contato sobre o valor de R$ 1.234.567,00",
  ])("no phone in: %s", (text) => {
    expect(of(phones, text, "phone")).toEqual([]);
  });

  it.each([
    "Address: 1 Handy Lane, Springfield, IL 62704",
    "Address: 14 Mobil Road, Coventry CV1 2AB",
    "Adresse: Handystraße 5, 10115 Berlin",
    "Address: 3 Fono Street, Wellington 6011",
    "Address: Sími Road 4, Reykjavik",
    "地址：北京市朝阳区电话局路12号",
  ])("a street named like a phone word is not cut: %s", (text) => {
    const value = text.slice(text.search(/[:：]/u) + 1).trim();
    expect(of(addresses, text, "address")).toEqual([value]);
  });

  it.each([
    ["call call … 1234567", "call ".repeat(200_000) + "1234567"],
    ["8 ( runs", "8 (1".repeat(250_000)],
    ["1 (12) runs", "1 (12) ".repeat(140_000)],
    ["' / ' groups", "12 / ".repeat(200_000)],
    ["Hebrew ל- prefixes", "ל-052-".repeat(170_000)],
    ["tel. before numbers", "tel. 0152 83946617 ".repeat(50_000)],
  ])(
    "the new phone patterns stay linear: %s",
    (_t, text) => {
      const d = new PiiDetector({ categories: ["phone"], timeBudgetMs: 600_000 });
      const t0 = performance.now();
      d.detect(text);
      expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
    },
    120_000,
  );
});
