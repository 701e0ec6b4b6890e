// Red team 37b: round 37's person detector changes (chat-line speakers, "Dra."/"Lic."/"Mgr."/"Avv."
// titles, new name-field labels, people in comma- or semicolon-separated values).
// (a) PII-free text the changes now alter (the parent commit 8b0f385 left each of these alone);
// (b) people in exactly these formats that are still not masked (left, skipped by name below).
import { describe, expect, it } from "vitest";
import { found, masked } from "./support/people.js";

describe("(a) clean text now altered", () => {
  it.each([
    ["csv of countries under a bare name column", "name,capital\nChad,N'Djamena\nJordan,Amman"],
    ["csv of cities under a bare name column", "name,country\nVictoria,Canada\nRegina,Canada"],
    ["csv of pets", "name,breed,age\nBella,Labrador,3\nMax,Beagle,5\nLuna,Poodle,2"],
    ["csv of scheduled jobs (settings)", "name,enabled,retries\nNightly Backup,true,3\nAurora,false,1"],
    ["csv of release codenames", "name,date\nJessie,2015-04-26\nStretch,2017-06-17\nBuster,2019-07-06"],
    ["csv of colours", "name,hex\nAmber,#ffbf00\nRuby,#e0115f\nJade,#00a86b\nHazel,#8e7618"],
    ["csv of menu items", "name,calories\nDiavola,900\nCapricciosa,950"],
    ["two prose lines with commas read as a csv header and row", "Fields: id, name, email\nSettings: Aurora, Luna, Nova"],
    ["country heading read as a chat speaker", "Jordan: visa on arrival for most travellers"],
    ["country heading read as a chat speaker (2)", "Chad: travel advisory raised to level 4"],
    ["programming language heading read as a chat speaker", "Julia: multiple dispatch explained"],
    ["passenger fare type", "Passenger: Adult"],
    ["passenger fare type (infant)", "Passenger: Infant"],
    ["passenger fare type (child)", "Passenger: Child"],
    ["passenger fare type (senior)", "Passenger: Senior"],
    ["passenger cabin class", "Passenger: Economy"],
    ["passenger service flag", "Passenger: Unaccompanied"],
    ["guest name placeholder", "Guest name: Anonymous"],
    ["guest name walk-in", "Guest name: Walk-in"],
    ["customer name walk-in", "Customer name: Walk-in"],
    ["customer name guest", "Customer name: Guest"],
    ["German customer name placeholder", "Kundenname: Unbekannt"],
    ["Chinese guest field: adult", "住客: 大人"],
    ["FN config line", "FN: Main"],
    ["fn config line in lower case", "fn: Handler"],
    ["abbreviation Lic. before a sentence opening on a word", "Please bring your driving Lic. Will you be there at noon?"],
    ["abbreviation Mgr. before a sentence opening on a word", "Ask the Mgr. Grant applications close on Friday."],
    ["abbreviation Mgr. before a sentence opening on a season", "Contact: Sales Mgr. Summer hours apply from June."],
  ])("%s", (_name, text) => {
    expect(found(text)).toEqual([]);
  });
});

// Left (none a regression: the parent commit masked no more of them): CSV headers outside the English hint, quoted
// cells holding the delimiter, ragged rows, cells the table-cell name test rejects, vCard FN lines a technical
// document's gate drops, chat speakers after a timestamp, bullet or in capitals. Skipped by name so the next round
// starts from them (docs/pii.md, round 37). Airline SURNAME/GIVEN names are masked since round 38
// (test/node/pii/passenger-names.test.ts).
describe.skip("(b) people in these formats still not masked", () => {
  it.each([
    ["csv header in German (Nachname;Vorname)", "Nachname;Vorname;Telefon\nKOVAČEVIĆ;Ivan;+385 1 3254 939", ["KOVAČEVIĆ"]],
    ["csv header in French (nom;prénom)", "nom;prénom;téléphone\nKOVAČEVIĆ;Ivan;+385 1 3254 939", ["KOVAČEVIĆ"]],
    ["csv header in Japanese (姓,名)", "姓,名,電話\n山本,陽菜,080-6643-9652", ["山本", "陽菜"]],
    ["csv header in Russian (фамилия;имя)", "фамилия;имя;телефон\nКОВАЧЕВИЧ;Иван;+7 495 123 45 67", ["КОВАЧЕВИЧ"]],
    ["csv headers contact_name", "id,contact_name,phone\n1,KOVAČEVIĆ Ivan,+385 1 3254 939", ["KOVAČEVIĆ Ivan"]],
    ["csv header customer", "id,customer,amount\n1,KOVAČEVIĆ Ivan,10", ["KOVAČEVIĆ Ivan"]],
    ["csv header employee", "id,employee,department\n1,KOVAČEVIĆ Ivan,Sales", ["KOVAČEVIĆ Ivan"]],
    ["quoted name with a comma inside", 'id,customer_name,city\n1,"Smith, John",Leeds\n2,KOVAČEVIĆ Ivan,Zagreb', ["Smith", "John", "KOVAČEVIĆ"]],
    ["quoted comma in another cell of the row", 'id,last_name,first_name,note\n1,KOVAČEVIĆ,Ivan,"prefers email, not phone"', ["KOVAČEVIĆ"]],
    [
      "quoted address with a comma",
      'id,last_name,first_name,address\n1,KOVAČEVIĆ,Ivan,"Ilica 10, Zagreb"\n2,TOMLJANOVIĆ,Ana,"Riva 2, Split"',
      ["KOVAČEVIĆ", "TOMLJANOVIĆ", "Ana"],
    ],
    ["escaped quote in a quoted cell", 'id,last_name,first_name\n1,"O""BRIEN",Aoife', ["BRIEN"]],
    [
      "trailing delimiter on data rows only",
      "id;last_name;first_name\n1;KOVAČEVIĆ;Ivan;\n2;TOMLJANOVIĆ;Ana;",
      ["KOVAČEVIĆ", "Ivan", "TOMLJANOVIĆ", "Ana"],
    ],
    ["blank line between rows", "id;last_name;first_name\n1;KOVAČEVIĆ;Ivan\n\n2;TOMLJANOVIĆ;Ana", ["TOMLJANOVIĆ", "Ana"]],
    ["short names in capitals", "id;LAST_NAME;FIRST_NAME\n1;WANG;LI\n2;KIM;JIN", ["WANG", "LI", "KIM", "JIN"]],
    ["first name in capitals under FIRST_NAME", "LAST_NAME;FIRST_NAME;MOBILE\nKOVAČEVIĆ;IVAN;+385 1 3254 939", ["IVAN"]],
    ["names that are everyday words", "id,last_name,first_name\n1,BAKER,Summer\n2,YOUNG,Rose", ["BAKER", "Summer", "YOUNG", "Rose"]],
    ["lower-case surname in the first row", "id,last_name,first_name\n1,kovačević,ivan\n2,tomljanović,ana", ["kovačević"]],
    ["Tamil names", "id,last_name,first_name\n1,முருகன்,செல்வி", ["முருகன்", "செல்வி"]],
    ["Chinese transliterated name with a middle dot", "id,full_name,phone\n1,约翰·史密斯,13800138000", ["约翰·史密斯"]],
    ["vCard FN without a blank (the comment's own example)", "FN:Noor van der Meer-Kuipers", ["Noor van der Meer-Kuipers"]],
    ["vCard FN inside a card", "BEGIN:VCARD\nVERSION:3.0\nFN:Xochitl Tzompantzi\nTEL:+1 555 0100\nEND:VCARD", ["Xochitl Tzompantzi"]],
    ["vCard FN with a parameter", "FN;CHARSET=UTF-8:Xochitl Tzompantzi", ["Xochitl Tzompantzi"]],
    ["Lic. title", "Lic. Tzompantzi", ["Tzompantzi"]],
    ["chat line with a timestamp", "[10:02] Peter: hi there", ["Peter"]],
    ["chat line after a bullet", "- Peter: hi there", ["Peter"]],
    ["chat speaker in capitals", "PETER: hi there", ["PETER"]],
    ["chat speaker with a blank before the colon", "Peter : hi there", ["Peter"]],
    ["chat speaker in bold", "**Peter**: hi there", ["Peter"]],
    ["chat line without a greeting", "Peter: sure, send it", ["Peter"]],
  ])("%s", (_name, text, names) => {
    for (const name of names) expect(masked(text, name), `${name} in ${JSON.stringify(text)}: ${JSON.stringify(found(text))}`).toBe(true);
  });
});
