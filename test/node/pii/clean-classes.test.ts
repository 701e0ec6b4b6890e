// Classes of clean text the entity tagger and the phone pattern read as PII (codes, settings,
// amounts, clauses of scripts without spaces, rooms, document numbers), and the names and
// addresses beside them that must stay found. Examples written for these tests.
import { describe, expect, it } from "vitest";
import { detectPii, type PiiCategory } from "../../../workers/pii/index.js";

const everything = (text: string) => detectPii(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);
const entities = { categories: ["person", "organization", "location", "address"] as PiiCategory[] };
const found = (text: string, category: PiiCategory) =>
  detectPii(text, entities)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("clean text classes: codes, settings, amounts, clauses", () => {
  // Each of these alters the text without the class's rule.
  it.each([
    // decimal fractions after a weekday are no postcode
    "latency_p99 by weekday — Tue 0.0381, Wed 0.0127, Thu 0.0442",
    "Churn by month — Jan 0.0412, Feb 0.0375, Mar 0.0298",
    // a word glued to a number by a hyphen is a code's prefix, and a number before a lower-case word a quantity
    "Requisition RQ-88213 signed off. Goods to the loading bay, attention Stores.",
    // locale tags
    "Translations ship for es-MX, pt-PT, sv-SE, da-DK and zh-TW.",
    // a product or model code alone
    "The ZX-410 router supports WPA3 and two bands.",
    // an amount with its currency
    "Rachunek na kwotę 2 350 zł jest płatny do końca miesiąca.",
    // a magnitude after a number ("Mio" is a given name too)
    "Bilanzsumme 84,3 Mio. €, Umsatzerlöse 112,6 Mio. €, Jahresüberschuss 4,1 Mio. €.",
    "Выручка составила 5 млн рублей, прибыль 2 млн.",
    // three or more items are a list, not "Surname, Given"
    "Svelte, Elixir, Haskell, Scala and Dart all have a place on the team.",
    // a room's name after the word room
    "The sync is in Room Andromeda on the third floor.",
    // upper-case keys beside snake-case keys
    "Set HOST (default 0.0.0.0), MAX_CONN (default 64) and TIMEOUT_MS before starting.",
    // a lower-case Vietnamese word
    "Cuộc họp sẽ bắt đầu lúc 9 giờ sáng thứ hai.",
    // CJK and Arabic clauses across sentence punctuation or a particle
    "系统升级完成，数据已迁移，请重新登录。",
    "設定画面でパスワードを変更してください。",
    "تم تحديث النظام، وستتوفر الميزات الجديدة في الإصدار التالي.",
    // Hindi: a clause opening on a function word, a time of day
    "कृपया अपनी रिपोर्ट आज जमा करें।",
    "शाम को बैठक होगी।",
  ])("%s", (text) => {
    expect(everything(text)).toEqual([]);
  });

  it("keeps the names, places and addresses beside those classes", () => {
    expect(found("Ask Marta Kowalczyk, Jonas Weber and Amaru Quispe about it.", "person")).toEqual([
      "Marta Kowalczyk",
      "Jonas Weber",
      "Amaru Quispe",
    ]);
    expect(found("Kowalczyk, Marta signed the lease.", "person")).toEqual(["Kowalczyk, Marta"]);
    expect(found("Send it to Lindenstraße 14, 50674 Köln by Friday.", "address").join(" ")).toContain("50674 Köln");
    expect(found("Kerkstraat 9, 2060 Antwerpen", "address").join(" ")).toContain("2060 Antwerpen");
  });
});

describe("a number shaped like a document number labelled before it", () => {
  it("is that document's number, not a phone", () => {
    expect(everything("Part number 5310-4471-02 supersedes 5310-4471-01 from May.")).toEqual([]);
    expect(everything("Serial no. 8821 4470 193 was replaced by 8821 4470 194.")).toEqual([]);
  });
  it("keeps a phone of another shape in the same sentence", () => {
    expect(everything("Invoice 2024-0318: questions to 020 7946 0958.")).toEqual(["phone:020 7946 0958"]);
  });
});

describe("a birth word after the date, in languages that put it there", () => {
  it.each([
    ["Aylin Demirkaya, 14 Mart 1977 doğumlu, İzmir", "14 Mart 1977"],
    ["Kovács Péter 1979. május 8-án született.", "1979. május 8"],
    ["Liisa Mäkelä, 2.11.1984 syntynyt, asuu Tampereella.", "2.11.1984"],
  ])("%s", (text, date) => {
    expect(everything(text)).toContain(`date_of_birth:${date}`);
  });
  it("leaves a date before an unrelated word alone", () => {
    expect(everything("Release 3.4.2021 was born from the old branch.").filter((f) => f.startsWith("date_of_birth"))).toEqual([]);
  });
});

describe("organisations without a legal suffix", () => {
  it.each([
    // the kind of institution first, in the languages that put it there
    ["Il Tribunale di Lecce ha respinto il ricorso.", "Tribunale di Lecce"],
    ["Dottorato all'Università di Trento nel 2019.", "Università di Trento"],
    ["Directrice de l'Hôpital Saint-Roch à Nice.", "Hôpital Saint-Roch"],
    ["Ich arbeite seit Mai bei der Kanzlei Oberhauser & Lind in Graz.", "Kanzlei Oberhauser & Lind"],
    ["She now heads the Institute for Glacial Studies at Tromsø.", "Institute for Glacial Studies"],
    ["Escuela Primaria Benito Juárez convoca a padres.", "Escuela Primaria Benito Juárez"],
    // a business word last, after a name or a word no list knows
    ["Payment went to Tulloch Marine Services on Friday.", "Tulloch Marine Services"],
    ["She signed with Fjordlight Records last year.", "Fjordlight Records"],
  ])("%s", (text, organisation) => {
    expect(found(text, "organization")).toContain(organisation);
  });

  it("leaves everyday Title Case alone", () => {
    expect(everything("Please contact Customer Services or the Design Systems team.")).toEqual([]);
    expect(everything("Happy Bank Holiday! Office Hours resume on Tuesday.")).toEqual([]);
  });
});

describe("an address in its field or after 'resident at'", () => {
  it.each([
    ["Name: Tomasz Wrona Address: Flat 2, 18 Quarry Lane, Bradford BD7 1QX Phone: 07700 900123", "Flat 2, 18 Quarry Lane, Bradford BD7 1QX"],
    ["Adres: ul. Ogrodowa 7/12 m. 3, 90-001 Łódź Telefon: 601 000 111", "ul. Ogrodowa 7/12 m. 3, 90-001 Łódź"],
    ["Adresse : Bât. B, 12 rue des Tilleuls, 69003 Lyon Tél. : 04 78 00 00 00", "Bât. B, 12 rue des Tilleuls, 69003 Lyon"],
    ["Cím: 9021 Győr, Baross Gábor út 14. II. em. 5. Telefon: 06 96 000 000", "9021 Győr, Baross Gábor út 14. II. em. 5"],
    [
      "Endereço: Rua do Carmo, 55, apto 12, Centro, Curitiba - PR, 80020-000 | Tel: (41) 3000-0000",
      "Rua do Carmo, 55, apto 12, Centro, Curitiba - PR, 80020-000",
    ],
    ["주소: 광주광역시 북구 첨단과기로 123, 7동 301호 / 전화: 062-000-0000", "광주광역시 북구 첨단과기로 123, 7동 301호"],
    ["The tenant, resident at 3 chemin des Vignes, 21000 Dijon.", "3 chemin des Vignes, 21000 Dijon"],
  ])("%s", (text, address) => {
    expect(everything(text)).toContain(`address:${address}`);
  });

  it("leaves network, email, key and wallet addresses and fields without a number alone", () => {
    expect(everything("IP address: 10.0.0.1, MAC address: 00:1A:2B:3C:4D:5E").filter((f) => f.startsWith("address"))).toEqual([]);
    expect(everything("Wallet Address: 0x71C7656EC7ab88b098defB751B7401B5f6d8976F").filter((f) => f.startsWith("address"))).toEqual([]);
    expect(everything("Address: see the form below.")).toEqual([]);
    expect(everything("Set the return address: 0x7ffe in the register.")).toEqual([]);
  });
});

describe("the end of an address field", () => {
  it("keeps a one-letter district and stops at the next label of two words", () => {
    expect(everything("Navn: Ida Holm Adresse: Nørrebrogade 12, 2200 København N Telefon: 31 00 00 00")).toContain(
      "address:Nørrebrogade 12, 2200 København N",
    );
    expect(everything("Address: 9 Kelvin Road, Glasgow G12 8QQ Date of birth: 4 June 1979")).toContain("address:9 Kelvin Road, Glasgow G12 8QQ");
  });
});

describe("abbreviations and short number labels inside an address field", () => {
  it.each([
    ["Adres: Moda Cad. No: 41 D: 3, 34710 Kadıköy/İstanbul Telefon: 0216 000 00 00", "Moda Cad. No: 41 D: 3, 34710 Kadıköy/İstanbul"],
    ["Alamat: Jl. Melati No. 9, RT 04/RW 02, Bandung 40115, HP 0812-0000-0000", "Jl. Melati No. 9, RT 04/RW 02, Bandung 40115"],
    ["Endereço: Av. Sete Lagoas, 210, Centro, Belo Horizonte - MG. Please send the card.", "Av. Sete Lagoas, 210, Centro, Belo Horizonte - MG"],
  ])("%s", (text, address) => {
    expect(everything(text)).toContain(`address:${address}`);
  });
});

describe("a participle opening a sentence", () => {
  it.each(["Zablokowany rachunek wymaga kontaktu.", "Muokattu raportti lähetetty.", "Korjattiin virhe."])("%s", (text) => {
    expect(everything(text)).toEqual([]);
  });
  it("keeps a given name opening a sentence", () => {
    expect(found("Markus lähti kotiin.", "person")).toEqual(["Markus"]);
    expect(found("Gerhard kommt morgen.", "person")).toEqual(["Gerhard"]);
  });
});

describe("greetings, thanks and salutations opening a message", () => {
  it.each([
    "Buonasera, la sua richiesta è stata registrata.",
    "Asante kwa oda yako! Tutaituma leo.",
    "Salamat sa paghihintay! Handa na ang iyong order.",
    "Sehr geehrte Damen und Herren, anbei die Unterlagen.",
    "Η εταιρεία ανακοίνωσε ότι οι πωλήσεις αυξήθηκαν τον Νοέμβριο.",
  ])("nothing in: %s", (text) => {
    expect(everything(text)).toEqual([]);
  });

  it.each([
    ["Merhaba Selin, siparişiniz yolda.", "Selin"],
    ["Kwame Asante said the figures were final.", "Kwame Asante"],
  ])("the person stays without the greeting: %s", (text, name) => {
    expect(found(text, "person")).toEqual([name]);
  });
});
