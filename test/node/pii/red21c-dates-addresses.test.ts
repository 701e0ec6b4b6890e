// Red team 21c: birth words read as whole words, weak ids that look like dates, address labels of
// more languages, kind-first institutions with German and Spanish small words. Each test asserts
// the SAFE outcome: a failing test is a finding (see the report), a passing one is what held.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { PiiPolicySchema, createMasker } from "../../../workers/pii/index.js";
import { COST_GUARD_MS } from "./cost-guard.js";

const detector = new PiiDetector({ categories: ["date_of_birth", "tax_id", "address", "phone"] });
const found = (text: string) => detector.detect(text).map((f) => [f.category, text.slice(f.start, f.end)] as const);
const of = (category: string, text: string) =>
  found(text)
    .filter(([c]) => c === category)
    .map(([, v]) => v);
const births = (text: string) => of("date_of_birth", text);
const addresses = (text: string) => of("address", text);
const orgDetector = new PiiDetector({ categories: ["person", "organization", "location"] });
const orgs = (text: string) =>
  orgDetector
    .detect(text)
    .filter((f) => f.category === "organization")
    .map((f) => text.slice(f.start, f.end));

// ---------------------------------------------------------------------------------------------
// (a) Leaks: dates of birth masked before the change, missed after it.
// ---------------------------------------------------------------------------------------------

describe("LEAK: a birth word glued to a Latin letter (camelCase keys, XML tags) is no longer read", () => {
  it.each([
    ['{"patient": {"dateOfBirth": "1985-03-12", "ward": "B"}}', "1985-03-12"],
    ['{"DateOfBirth":"1985-03-12"}', "1985-03-12"],
    ["<DateOfBirth>1985-03-12</DateOfBirth>", "1985-03-12"],
    ['{"patientDob": "12/03/1985"}', "12/03/1985"],
    ["dobDate: 12/03/1985", "12/03/1985"],
    ["customerBirthDate: 12/03/1985", "12/03/1985"],
  ])("%s", (text, date) => {
    expect(births(text)).toEqual([date]);
  });
});

describe("LEAK: an inflected or compound birth word is no longer a birth word", () => {
  it.each([
    ["id dilahirkan", "Ia dilahirkan pada 12 Maret 1985 di Bandung.", "12 Maret 1985"],
    ["id kelahirannya", "Tanggal kelahirannya 12 Maret 1985.", "12 Maret 1985"],
    ["id lahirnya", "Tanggal lahirnya 12 Maret 1985.", "12 Maret 1985"],
    ["tr doğumluyum", "Ben 12 Mart 1985 doğumluyum.", "12 Mart 1985"],
    ["fi syntymäaikani", "Syntymäaikani on 12.3.1985.", "12.3.1985"],
    ["da fødselsdatoen", "Fødselsdatoen er 12.03.1985.", "12.03.1985"],
    ["sv födelsedatumet", "Födelsedatumet är 1985-03-12.", "1985-03-12"],
    ["cs narozeného", "pana Jana Nováka, narozeného 12. 3. 1985", "12. 3. 1985"],
    ["cs narozené", "paní Jany Novákové, narozené 12. 3. 1985", "12. 3. 1985"],
    ["hr rođenog", "za Ivana Horvata, rođenog 12.03.1985. u Splitu", "12.03.1985"],
    ["hr rođendan", "Rođendan: 12.03.1985.", "12.03.1985"],
    ["de compound", "Patientengeburtsdatum: 12.03.1985", "12.03.1985"],
    ["de genitive", "Am Tag seines Geburtstages, dem 12.03.1985", "12.03.1985"],
    ["en plural", "Birthdays: 12/03/1985", "12/03/1985"],
  ])("%s: %s", (_case, text, date) => {
    expect(births(text).map((d) => d.replace(/\.$/, ""))).toEqual([date]);
  });
});

describe("LEAK: an Australian TFN written like a calendar date is no longer an id (tax_id: block)", () => {
  it.each(["TFN: 08-04-1952", "My TFN is 08.04.1952 please file."])("%s", (text) => {
    expect(of("tax_id", text)).toEqual([text.match(/08.04.1952/)?.[0]]);
  });
});

describe("LEAK: a kind-first institution with 'an'/'el' swallows the person after it (organization: allow)", () => {
  it.each([
    ["Schreiben der Kanzlei an Herrn Peter Schmidt vom 3. Mai.", "Peter Schmidt"],
    ["Die Rechnung der Praxis an Herrn Thomas Becker liegt bei.", "Thomas Becker"],
    ["Die Überweisung der Bank an Frau Anna Weber ist erfolgt.", "Anna Weber"],
    ["Brief der Hochschule an Professor Klaus Wagner.", "Klaus Wagner"],
    ["Informe del Centro de Salud y el Dr. Juan Pérez sobre el caso.", "Juan Pérez"],
  ])("person: mask — %s", (text, name) => {
    const m = createMasker(PiiPolicySchema.parse({ person: "mask", organization: "allow" }));
    expect(m.maskText(text)).not.toContain(name);
  });
  it("person: block — the letter is still blocked", () => {
    const m = createMasker(PiiPolicySchema.parse({ person: "block", organization: "allow" }));
    m.maskText("Schreiben der Kanzlei an Herrn Peter Schmidt vom 3. Mai.");
    expect(m.result().blockedCategories).toContain("person");
  });
});

// ---------------------------------------------------------------------------------------------
// (b) False positives: harmless text now read as a birth date, an address or an organisation.
// ---------------------------------------------------------------------------------------------

describe("FALSE POSITIVE: a new birth word in ordinary text (date_of_birth: block)", () => {
  it.each([
    ["bg роден = native", "Курсът по роден език започва на 15.09.2024 в залата."],
    ["bg роден край", "Роден край: фестивалът е на 12.08.2024 в Пловдив."],
    ["zh 出生人口 + glued date", "全国出生人口数据截至2023年12月31日统计完毕。"],
    ["zh 出生率 + glued date", "出生率统计截至2023年12月31日。"],
    ["es a company 'nació'", "La empresa nació el 3 de mayo de 2015 en Madrid."],
    ["es a project 'nació'", "El proyecto nació el 12/03/2019 como idea."],
    ["uk a company's birthday", "З днем народження компанії! Заснована 12.03.2004."],
    ["tr the sun rose", "Güneş doğdu, toplantı 12.03.2024 tarihinde."],
  ])("%s: %s", (_case, text) => {
    expect(births(text)).toEqual([]);
  });
});

describe("FALSE POSITIVE: a new address word or label before non-address text (address: block)", () => {
  it.each([
    ["es entregado en + duration", "El pedido será entregado en 3 días hábiles."],
    ["es entregado en + year", "El informe fue entregado en 2023 por la comisión."],
    ["es entregado en + date", "El paquete fue entregado en 15 de marzo de 2024 sin problemas."],
    ["pl adresu (genitive) + count", "W przypadku zmiany adresu 14 dni na zgłoszenie przysługuje."],
    ["yaml address: host on its own line", "server:\n  port: 8443\n  address: api-01.internal:8443"],
    ["yaml address: host name", "listen:\n  port: 9000\n  address: db-01.cluster.local"],
    ["ar عنوان = title, mid-line", "مرحبا عنوان الدرس: الدرس 5 في الرياضيات"],
    ["ar عنوان = title, own line", "مقدمة\nعنوان الكتاب: الجزء 2 من السلسلة"],
    ["he כתובת האתר = web site address", "כתובת האתר שלנו עודכנה ב-2024 לגרסה 3"],
    ["fa آدرس سایت = web site address", "آدرس سایت جدید ما از 1 فروردین فعال است"],
    ["ru по адресу г. (not a city)", "Ответ на вопрос по адресу г. ожидается 5 дней"],
  ])("%s", (_case, text) => {
    expect(addresses(text)).toEqual([]);
  });
});

describe("FALSE POSITIVE: kind + am/im/zur/el + an everyday capitalised noun is an organisation (organization: block)", () => {
  it.each([
    ["Die Praxis am Montag geschlossen, bitte anrufen.", "Montag"],
    ["Unsere Apotheke am Sonntag geöffnet.", "Sonntag"],
    ["Die Klinik zur Zeit voll belegt.", "Zeit"],
    ["Die Bank am Wochenende nicht erreichbar.", "Wochenende"],
    ["El Banco el Lunes no abre.", "Lunes"],
  ])("%s", (text, word) => {
    expect(orgs(text).filter((o) => o.includes(word))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// (c) Cost.
// ---------------------------------------------------------------------------------------------

describe("COST: many address words", () => {
  // Every address word that opens a value is checked against every value start so far
  // (`starts.includes`): the square of the words. "address 1 " did so before; the new words
  // ("adresu", "entregado en", "адресу"…) reach it with text that opened nothing before.
  it("'adresu 1 ' over 2 MiB stays under the guard", () => {
    const text = "adresu 1 ".repeat(233_000);
    const d = new PiiDetector({ categories: ["address"], timeBudgetMs: 1e9, maxEntityChars: 8 << 20 });
    const t0 = performance.now();
    try {
      d.detect(text);
    } catch {
      /* a budget error is fine: the time spent is what counts */
    }
    expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// What held.
// ---------------------------------------------------------------------------------------------

describe("HELD: birth words as whole words", () => {
  it.each([
    ["Date of birth: 12/03/1985", "12/03/1985"],
    ["DOB:12/03/1985", "12/03/1985"],
    ['{"date_of_birth": "1985-03-12"}', "1985-03-12"],
    ['{"birthDate": "1985-03-12"}', "1985-03-12"],
    ["Doğum tarihi: 12.03.1985", "12.03.1985"],
    ["Jan Kowalski, urodzony 12.03.1985", "12.03.1985"],
    ["Geburtsdatum: 12.03.1985", "12.03.1985"],
  ])("%s", (text, date) => {
    expect(births(text)).toEqual([date]);
  });
  it.each([
    "Za connaissance du dossier le 12/03/2020 a été confirmée.",
    "Registro en Sanatorio San José el 12/03/2020.",
    "The rebirth campaign starts on 01/02/2025.",
  ])("no birth word inside a word: %s", (text) => {
    expect(births(text)).toEqual([]);
  });
  it("a TFN in its usual grouping is still an id", () => {
    expect(of("tax_id", "TFN: 123 456 782")).toEqual(["123 456 782"]);
  });
});

describe("HELD: address labels", () => {
  it("an IP address label opens no postal address", () => {
    expect(addresses("Adresse IP : 10.0.0.1 sur le réseau 42 interne")).toEqual([]);
  });
  it("a Hebrew label on its own line opens its field", () => {
    expect(addresses("Name: Dana\nכתובת: רחוב הרצל 5, תל אביב")).toEqual(["רחוב הרצל 5, תל אביב"]);
  });
  it("an English label on its own line", () => {
    expect(addresses("Name: John\nAddress: 12 Main Street, Springfield")).toEqual(["12 Main Street, Springfield"]);
  });
});

describe("HELD: cost of birth words that fail the whole-word check", () => {
  it.each([
    ["Sanatorio 1 ", 200_000],
    ["connaissance 12/03/2020 ", 80_000],
    ["b. 12.03.1985 ", 70_000],
    ["born 1 May 1990 ", 60_000],
  ])(
    "%s × %i",
    (unit, n) => {
      const text = unit.repeat(n);
      const d = new PiiDetector({ categories: ["date_of_birth", "tax_id"], timeBudgetMs: 1e9, maxEntityChars: 8 << 20 });
      const t0 = performance.now();
      d.detect(text);
      expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
    },
    120_000,
  );
});
