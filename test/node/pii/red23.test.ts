// Red team 23 (SPEC, README and the round's diff): names the round's rules lost, and PII-free text
// they altered. Each row is a class the red team showed with several variants.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "organization", "location", "address"] });
const found = (text: string, category?: string) =>
  detector
    .detect(text)
    .filter((f) => category === undefined || f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("red23 leaks: names the round's rules dropped are found", () => {
  it.each([
    // a given name that is also a word, as a verb's object or before an adverb in -s (not a plural noun's modifier)
    ["I think Grace sometimes can be late.", "Grace"],
    ["Can you remind Grace forms are due Friday?", "Grace"],
    ["Honestly Carter always had the keys.", "Carter"],
    ["I reminded Mason forms are due Friday.", "Mason"],
    // a full name written small after a thank-you and "for"
    ["gracias por maría fernández y su equipo", "maría fernández"],
    ["merci pour marie dubois et son équipe", "marie dubois"],
    ["thanks for maria garcia and her team", "maria garcia"],
    // one unlisted name that looks like one, inside a headline
    ["Intervju Med Þórsdóttir Om Ekonomin Nästa Vecka", "Þórsdóttir"],
    ["Wawancara Dengan Kvarnström Tentang Ekonomi Nasional", "Kvarnström"],
  ])("%s", (text, name) => {
    expect(found(text).some((f) => f.includes(name))).toBe(true);
  });

  it.each([
    // a Turkish institution in capitals whose ending holds İ (one letter, as the stems count it)
    ["Eserler SAKIP SABANCI MÜZESİNDE sergilendi.", "MÜZESİNDE"],
    ["Dava KADIKÖY ASLİYE HUKUK MAHKEMESİNDE görüldü.", "HUKUK MAHKEMESİNDE"],
    ["Hasta ACIBADEM MASLAK HASTANESİNE kaldırıldı.", "HASTANESİNE"],
  ])("%s", (text, name) => {
    expect(found(text).some((f) => f.includes(name))).toBe(true);
  });
});

describe("red23 false alterations: PII-free text stays as written", () => {
  it.each([
    // what a clinician notes in a patient's field
    "Patient: Denies Chest Pain",
    "Patient: Discharged Home",
    "PATIENT: NPO AFTER MIDNIGHT",
    "Paciente: Refiere Dolor Abdominal",
    "Patientin: Keine Beschwerden",
    // short capitals the lists hold as a country that are words or units there
    "The patient was seen in the ED at 3am",
    "Snapshots are stored in the SAN",
    "We moved the ticket to the DER queue.",
    // a Swahili possessive after its noun: what one is thanked for
    "Asante sana kwa zawadi yako",
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ["PATIENT: APRIL MAY", "APRIL MAY"],
    ["Patient: Maria Schneider", "Maria Schneider"],
  ])("a patient's name stays one: %s", (text, name) => {
    expect(found(text, "person")).toContain(name);
  });

  it("a country's code after a preposition is still found", () => {
    expect(found("She moved to the UK last year.")).toContain("UK");
  });
});

// A word that labels a message's kind, where a line opens, before a colon: no chat speaker.
describe("a message's kind before a colon is no speaker", () => {
  it.each([
    "Feil: kunne ikke lagre filen.",
    "Galat: koneksi terputus. Silakan coba lagi.",
    "Uwaga: system będzie niedostępny w nocy.",
    "Hata: dosya bulunamadı.",
    "Virhe: tiedostoa ei löytynyt.",
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });

  it.each([
    ["Anna: i can do the morning shift", "Anna"],
    // a listed given name stays a speaker even when it is also such a word somewhere (Hungarian "hiba", error)
    ["Hiba: i'll bring the cake tomorrow", "Hiba"],
  ])("a speaker stays one: %s", (text, name) => {
    expect(found(text, "person")).toContain(name);
  });
});
