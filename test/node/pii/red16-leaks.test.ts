// Red team 16, class LEAKS: a real person's given name (or a surname alone) opening a sentence,
// where the name is also a frequent word of the sentence's language (or of a neighbouring one),
// followed by a verb in lower case. A sentence-language rule read the name as the word (reverted
// in 701eded9); these guard against it.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person"] });
const people = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("red16 leaks: names that are function words of the sentence's language", () => {
  it.each([
    // Turkish: Emin is one of the commonest Turkish male names ("emin" = sure).
    ["Turkish Emin + verb (emin = sure)", "Emin dün işe gelmedi ve telefonu da açmadı.", "Emin"],
    ["Turkish Emin texted me (Emin bana mesaj attı)", "Emin bana dün mesaj attı.", "Emin"],
    ["Turkish Emin with a comitative (Emin ile görüşeceğim)", "Emin ile yarın görüşeceğim.", "Emin"],
    // Indonesian: Cinta, Hari are common given names ("cinta" = love, "hari" = day).
    ["Indonesian Cinta went to the office", "Cinta pergi ke kantor kemarin dan belum kembali.", "Cinta"],
    ["Indonesian Cinta sent the report", "Cinta sudah mengirim laporan itu kepada saya.", "Cinta"],
    ["Indonesian Hari went to the office", "Hari pergi ke kantor kemarin dan belum kembali.", "Hari"],
    ["Indonesian Hari sent the report", "Hari sudah mengirim laporan itu kepada saya.", "Hari"],
    // Scandinavian: Liv (Norway's commonest names), Inga ("liv" = life, "inga" = none).
    ["Norwegian Liv did not come to work", "Liv kom ikke på jobb i dag, hun er syk.", "Liv"],
    ["Swedish Inga did not come to work", "Inga kom inte till jobbet i dag.", "Inga"],
    // Spanish / Portuguese: Mira, Uma, Vida; the surname Guerra read through the Catalan list.
    ["Spanish Mira has not answered (mira = look)", "Mira no ha contestado el correo todavía.", "Mira"],
    ["Spanish Mira wrote to me", "Mira me escribió ayer por la noche.", "Mira"],
    ["Portuguese Uma did not come (uma = a)", "Uma não veio trabalhar hoje por causa da chuva.", "Uma"],
    ["Portuguese Uma called me", "Uma me ligou ontem à noite.", "Uma"],
    ["Spanish Vida has not answered (vida = life)", "Vida no ha contestado el correo todavía.", "Vida"],
    ["cross-language: Spanish sentence, surname Guerra judged by the Catalan list", "Guerra no ha contestado el correo todavía.", "Guerra"],
    ["cross-language: Spanish Guerra did not come to the meeting", "Guerra no vino a la reunión de hoy.", "Guerra"],
    // German: surname alone at the opening ("lange" = long).
    ["German surname Lange did not come to work", "Lange ist heute nicht zur Arbeit gekommen.", "Lange"],
    // Finnish / Slovak.
    ["Finnish Aina called me (aina = always)", "Aina soitti minulle eilen illalla.", "Aina"],
    ["Slovak Len was not at work (len = only)", "Len nebol v práci celý týždeň.", "Len"],
  ])("%s", (_title, text, name) => {
    expect(people(text)).toContain(name);
  });
});
