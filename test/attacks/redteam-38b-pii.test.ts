// Red team 38b on round 38's two person rules:
//  - passengerNames (form-names.ts): SURNAME/GIVEN TITLE as an airline record writes it ("ZUNIGA/EMILIANO MR");
//  - addAddressedAfterLabel: a label opening the piece, then one listed given name, a comma and the message going
//    on, in scripts other than Latin ("Υπενθύμιση: Σοφία, το ραντεβού σας", "תזכורת: דוד, נקבע לך").
// Block (a): text with no person in it that the parent commit 1ef3451 left alone and the first versions masked as a
// person. Mended: the passenger rule now needs the title as a word of its own, only MR, MRS, MS, MISS, MSTR, CHD
// and INF, and a travel record around the name (a booking's, ticket's or manifest's words, or a record's element
// number); the label rule is withdrawn (docs/pii.md, thirty-eighth round). Block (b), skipped: people in exactly
// these formats still missed (the parent missed them too; none a regression).
import { describe, expect, it } from "vitest";
import { found, masked } from "./support/people.js";

describe("(a) passengerNames: a capital pair with a slash and a title-like word is no passenger", () => {
  describe("the title is the end of a longer word (no boundary before MS): plurals of words in -m", () => {
    it.each([
      ["museums", "TOP 10 LONDON/PARIS MUSEUMS"],
      ["museums in a sentence", "Guide: LONDON/PARIS MUSEUMS open on Mondays"],
      ["stadiums", "UK VENUES: WEMBLEY/ANFIELD STADIUMS"],
      ["F1 teams (WILLIAMS read as WILLIA + MS)", "F1 TEAM NEWS: FERRARI/WILLIAMS"],
      ["F1 teams, bare", "MERCEDES/WILLIAMS"],
      ["brewery teams", "MILLER/COORS TEAMS"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("MS = Mississippi: towns that are also given names or surnames (the route test needs every word a place no name list holds)", () => {
    it.each([
      ["service area", "SERVICE AREA: JACKSON/CLINTON MS"],
      ["stores", "Stores in PEARL/BRANDON MS are open Sunday"],
      ["towns", "MADISON/BRANDON MS"],
      ["branches", "Branches: LAUREL/COLUMBUS MS and OXFORD MS"],
      ["coast", "JACKSON/BILOXI MS"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  it("MS = EgyptAir's airline code after a route between cities (ALEXANDRIA is a given name)", () => {
    expect(found("ROUTE: ALEXANDRIA/CAIRO MS 0710")).toEqual([]);
  });

  describe("DR = Drive: a street corner of streets named after people or places", () => {
    it.each([
      ["dispatch location", "LOC: LINCOLN/KENNEDY DR"],
      ["bus stop", "Bus stop: MADISON/HARRISON DR"],
      ["road closure", "Closed: WASHINGTON/JEFFERSON DR"],
      ["campus", "CAMPUS: FRANKLIN/MARSHALL DR"],
      ["cities as streets", "DENVER/PHOENIX DR"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("MS = middle school: schools named after presidents", () => {
    it.each([
      ["game schedule", "SCHEDULE: BOYS BB vs LINCOLN/ROOSEVELT MS, 4:30 PM"],
      ["feeder schools", "Feeder schools: JEFFERSON/MADISON MS"],
      ["game", "Game at WILSON/KENNEDY MS on Tuesday"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("MS = mass spectrometry: ion source / analyser pairs", () => {
    it.each([
      ["instrument", "Instrument: ESI/QTOF MS"],
      ["methods sentence", "Peptides were analysed by ESI/QTOF MS in positive mode."],
      ["orbitrap", "Instrument: ESI/ORBITRAP MS (Thermo)"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });
});

describe("(a) addAddressedAfterLabel: a label, a word that is also a given name, a comma: no one is addressed", () => {
  describe("Hebrew: everyday nouns that are also given names (ADDRESSED_NOT only knows English words)", () => {
    it.each([
      ["colour rose/pink (ורד)", "צבע: ורד, מט"],
      ["product oak (אלון)", "מוצר: אלון, עץ מלא"],
      ["tree oak (אלון)", "עץ: אלון, קשה ועמיד"],
      ["tree cedar (ארז)", "עץ: ארז, ריח נעים"],
      ["tree pine (אורן)", "עץ: אורן, מחטני"],
      ["word peace (שלום)", "מילה: שלום, ברכה נפוצה"],
      ["word light (אור)", "מילה: אור, שם עצם"],
      ["lighting warm light (אור)", "תאורה: אור, חם"],
      ["word courage (עוז)", "מילה: עוז, אומץ"],
      ["word sea (ים)", "מילה: ים, מים מלוחים"],
      ["place sea (ים)", "מקום: ים, חוף"],
      ["military operation Dawn (שחר)", "מבצע: שחר, הסתיים"],
      ["plant myrtle (הדס)", "צמח: הדס, ריחני"],
      ["flower violet (סיגלית)", "פרח: סיגלית, סגול"],
      ["flower rose (שושנה)", "פרח: שושנה, אדומה"],
      ["colour sky blue (תכלת)", "צבע: תכלת, בהיר"],
      ["animal lion (אריה)", "חיה: אריה, טורף"],
      ["bird sparrow (דרור)", "ציפור: דרור, קטנה"],
      ["season autumn (סתיו)", "עונה: סתיו, גשום"],
      ["mood joy (שמחה)", "מצב רוח: שמחה, אופטימי"],
      ["value kindness (חסד)", "ערך: חסד, נדיבות"],
      ["value grace (חן)", "ערך: חן, יופי"],
      ["type wave (גל)", "סוג: גל, גל קצר"],
      ["option age (גיל)", "אפשרות: גיל, מעל 18"],
      ["month Adar (אדר)", "חודש: אדר, פורים"],
      ["bus operator Dan (דן)", "מפעיל: דן, קו 126"],
      ["bus company Dan (דן)", "חברה: דן, קו 5 לתחנה המרכזית"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
    // The parent already read the label itself as a person here; the word after it is what the rule adds.
    it.each([
      ["fruit pomegranate (רימון)", "פרי: רימון, עונתי", "רימון"],
      ["gem sapphire (ספיר)", "אבן חן: ספיר, כחולה", "ספיר"],
      ["gem amber (ענבר)", "אבן חן: ענבר, צהוב", "ענבר"],
      ["stone diamond (יהלום)", "אבן: יהלום, יקרה", "יהלום"],
    ])("%s: %s", (_attack, text, word) => {
      expect(masked(text, word)).toBe(false);
    });
  });

  describe("Greek: a weekday, a city, a church, a noun, a ship or a taverna that bears a given name", () => {
    it.each([
      ["weekday Friday (Παρασκευή), delivery", "Παράδοση: Παρασκευή, μεταξύ 9 και 12"],
      ["weekday Friday (Παρασκευή), deadline", "Προθεσμία: Παρασκευή, στις 17:00"],
      ["city Sofia, flight", "Προορισμός: Σοφία, πτήση A3 982"],
      ["city Sofia, departure", "Προορισμός: Σοφία, αναχώρηση 08:40 από Αθήνα"],
      ["church Anastasia", "Εκκλησία: Αναστασία, βυζαντινός ναός"],
      ["temple Sophia", "Ναός: Σοφία, βυζαντινή αρχιτεκτονική"],
      ["values: wisdom", "Αξίες: Σοφία, θάρρος, δικαιοσύνη"],
      ["dictionary word wisdom", "Λέξη: Σοφία, ουσιαστικό θηλυκού γένους"],
      ["book title", "Βιβλίο: Σοφία, φιλοσοφικό δοκίμιο"],
      ["ship name", "Πλοίο: Ελένη, ρυμουλκό"],
      ["taverna name", "Ταβέρνα: Μαρία, ψαρικά"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("Japanese, Korean, Thai: さくら (cherry blossom, a Shinkansen), 사랑 (love), มะลิ (jasmine)", () => {
    it.each([
      ["Shinkansen Sakura", "列車: さくら, 鹿児島中央行き"],
      ["colour sakura", "色: さくら, つや消し"],
      ["scent sakura", "香り: さくら, 春限定"],
      ["variety sakura", "品種: さくら, 早生"],
      ["tea sakura", "茶: さくら, 春限定"],
      ["season sakura", "季節: さくら, 満開"],
      ["Korean word love", "단어: 사랑, 명사"],
      ["Korean theme love", "주제: 사랑, 가족과 우정"],
      ["Korean song title love", "노래 제목: 사랑, 발라드"],
      ["Korean scent love", "향: 사랑, 달콤함"],
      ["Thai jasmine tea", "ชา: มะลิ, หอมกลิ่นดอกไม้"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });
});

// Left: people in the two formats still missed by the change (the parent commit missed them too).
describe.skip("left: passengers in SURNAME/GIVEN TITLE the rule still misses", () => {
  it.each([
    ["mixed case", "Passenger: Zuniga/Emiliano Mr", "Zuniga"],
    ["mixed case, title in capitals", "Passenger: Zuniga/Emiliano MR", "Zuniga"],
    ["lower case", "Passenger: zuniga/emiliano mr", "zuniga"],
    ["lower-case names, title in capitals", "Passenger: zuniga/emiliano MR", "zuniga"],
    ["given name mixed case", "Passenger: ZUNIGA/Emiliano MR", "ZUNIGA"],
    ["surname mixed case", "Passenger: Zuniga/EMILIANO MR", "EMILIANO"],
    ["three-word surname with particles", "Passenger: DE LA CRUZ/MARIA JOSE MRS", "DE LA CRUZ"],
    ["three-word surname VAN DER BERG (VAN left out)", "Passenger: VAN DER BERG/ANNA MARIA MS", "VAN DER BERG"],
    ["three given names", "Passenger: SMITH/JOHN DAVID PETER MR", "SMITH"],
    ["given initial", "Passenger: SMITH/J MR", "SMITH"],
    ["two-letter surname LI", "Passenger: LI/WEI MR", "WEI"],
    ["two-letter surname NG", "Passenger: NG/KAREN MS", "KAREN"],
    ["two-letter surname WU", "Passenger: WU/YAN MS", "WU"],
    ["two-letter given LI", "Passenger: WANG/LI MS", "WANG"],
    ["two-letter given XI", "Passenger: CHEN/XI MS", "CHEN"],
    ["two-letter surname XU", "Passenger: XU/MING MR", "MING"],
    ["two-letter surname OH", "Passenger: OH/JISOO MS", "JISOO"],
    ["two-letter surname LE", "Passenger: LE/THI MAI MS", "THI MAI"],
    ["Korean given name in two parts", "Passenger: KIM/MIN JUN MR", "KIM"],
    ["surname that is a word (PARK)", "Passenger: PARK/JIHOON MR", "JIHOON"],
    ["surname and given that are words (PAGE/HOPE)", "Passenger: PAGE/HOPE MS", "PAGE"],
    ["given name that is a month (JUNE)", "Passenger: BAKER/JUNE MRS", "BAKER"],
    ["LONG/MAY", "Passenger: LONG/MAY MS", "LONG"],
    ["DAY/AMY", "Passenger: DAY/AMY MS", "AMY"],
    ["three-letter surname no list holds (RAO)", "Passenger: RAO/ANIL MR", "ANIL"],
    ["given with a particle AL", "Passenger: ABDULLAH/MOHAMMED AL MR", "ABDULLAH"],
    ["surname with a separate particle AL", "Passenger: AL SAYED/OMAR MR", "SAYED"],
    ["surname with BIN", "Passenger: BIN LADEN/SALEM MR", "SALEM"],
    ["JR before the title", "Passenger: ZUNIGA/EMILIANO JR MR", "ZUNIGA"],
    ["title in brackets", "Passenger: ZUNIGA/EMILIANO (MR)", "ZUNIGA"],
    ["title after a hyphen", "Passenger: ZUNIGA/EMILIANO-MR", "ZUNIGA"],
    ["title after a comma", "Passenger: ZUNIGA/EMILIANO, MR", "ZUNIGA"],
    ["spaces around the slash (given name left)", "Passenger: ZUNIGA / EMILIANO MR", "EMILIANO"],
    ["German title HERR", "Passagier: ZUNIGA/EMILIANO HERR", "ZUNIGA"],
    ["Spanish title SR", "Pasajero: ZÚÑIGA/EMILIANO SR", "ZÚÑIGA"],
    ["French title M.", "Passager: ZUNIGA/EMILIANO M.", "ZUNIGA"],
    ["title MISTER", "Passenger: ZUNIGA/EMILIANO MISTER", "ZUNIGA"],
    ["title SIR", "Passenger: SMITH/JOHN SIR", "SMITH"],
    ["title REV", "Passenger: SMITH/JOHN REV", "SMITH"],
    ["title CAPT", "Passenger: SMITH/JOHN CAPT", "SMITH"],
    ["title MX", "Passenger: SMITH/JOHN MX", "SMITH"],
    ["passenger type ADT instead of a title", "Passenger: SMITH/JOHN ADT", "SMITH"],
    ["no title after a passenger label", "Passenger: SMITH/JOHN", "SMITH"],
    ["SSR DOCS line", "SSR DOCS YY HK1/P/GBR/123456789/GBR/12MAR80/M/12MAR30/SMITH/JOHN", "SMITH"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name)).toBe(true);
  });
});

describe.skip("left: the one a message's label addresses, still missed", () => {
  it.each([
    ["Greek, dash instead of a colon", "Υπενθύμιση - Σοφία, το ραντεβού σας είναι αύριο.", "Σοφία"],
    ["Greek, exclamation instead of a comma", "Υπενθύμιση: Σοφία! Το ραντεβού σας είναι αύριο.", "Σοφία"],
    ["Greek, capital after the comma", "Υπενθύμιση: Σοφία, Το ραντεβού σας είναι αύριο.", "Σοφία"],
    ["Greek, honorific κα before the name", "Υπενθύμιση: κα Σοφία, το ραντεβού σας είναι αύριο.", "Σοφία"],
    ["Greek name not listed (Φωτεινή)", "Υπενθύμιση: Φωτεινή, το ραντεβού σας είναι αύριο.", "Φωτεινή"],
    ["Greek name not listed (Ευτυχία)", "Υπενθύμιση: Ευτυχία, το ραντεβού σας είναι αύριο.", "Ευτυχία"],
    ["Greek name not listed (Ειρήνη)", "Υπενθύμιση: Ειρήνη, το ραντεβού σας είναι αύριο.", "Ειρήνη"],
    ["Greek name not listed (Ζωή)", "Υπενθύμιση: Ζωή, το ραντεβού σας είναι αύριο.", "Ζωή"],
    ["Greek vocative Νίκο", "Υπενθύμιση: Νίκο, το ραντεβού σας είναι αύριο.", "Νίκο"],
    ["Greek vocative Κώστα", "Υπενθύμιση: Κώστα, το ραντεβού σας είναι αύριο.", "Κώστα"],
    ["Hebrew, dash instead of a colon", "תזכורת - דוד, נקבע לך תור.", "דוד"],
    ["Arabic comma, name not listed (سارة)", "تذكير: سارة، موعدك غدا.", "سارة"],
    ["Arabic, ASCII comma (سارة)", "تذكير: سارة, موعدك غدا.", "سارة"],
    ["Arabic comma (منى)", "تذكير: منى، موعدك غدا.", "منى"],
    ["Arabic comma (هدى)", "تذكير: هدى، موعدك غدا.", "هدى"],
    ["Arabic name with a surname after it", "تذكير: سارة الأحمد، موعدك غدا.", "سارة الأحمد"],
    ["Persian, Arabic comma (باران)", "یادآوری: باران، نوبت شما فردا است.", "باران"],
    ["Hindi (आशा)", "अनुस्मारक: आशा, आपकी अपॉइंटमेंट कल है।", "आशा"],
    ["Hindi (उषा)", "अनुस्मारक: उषा, आपकी अपॉइंटमेंट कल है।", "उषा"],
    ["Japanese (ゆき)", "リマインダー: ゆき, 明日の予約です。", "ゆき"],
    ["Japanese full-width colon and ideographic comma", "リマインダー：さくら、明日の予約です。", "さくら"],
    ["Chinese full-width colon and comma", "提醒：美玲，您的预约在明天。", "美玲"],
    ["Chinese ASCII colon and comma", "提醒: 美玲, 您的预约在明天。", "美玲"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name)).toBe(true);
  });
});
