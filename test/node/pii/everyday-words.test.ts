// Everyday words of the sentence's own language: a word among the 150 most frequent of the
// language the rest of the sentence is written in is that word, though a list of surnames or
// places holds it too ("Kan" is a Turkish surname and a Swedish verb). A listed given name, a word
// that speaks and a word a cue names stay people.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string) => detector.detect(text).map((f) => text.slice(f.start, f.end));

describe("a frequent word of the sentence's language is left as it is", () => {
  it.each([
    ["Kan du skicka fakturan igen?"],
    ["Kan dere sende kvitteringen på nytt?"],
    ["Kan I sende mig en ny adgangskode?"],
    ["Kan jeg få en kopi av kontrakten?"],
    ["Como posso alterar a minha senha?"],
    ["Como puedo cambiar la dirección de envío?"],
    ["Vi har mottagit din beställning."],
    ["Az előfizetés a hónap végén lejár."],
    ["Bu sipariş yarın kargoya verilecek."],
  ])("%s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("names stay names", () => {
  it.each([
    ["Kan Özdemir hat die Rechnung geschickt.", "Kan Özdemir"],
    ["Will said he would send the invoice tomorrow.", "Will"],
    ["Please update Will's phone number in the CRM.", "Will"],
    ["Uma não veio trabalhar hoje por causa da chuva.", "Uma"],
    ["hey sam, u still coming to Brighton on sat?", "sam"],
    ["Minh gửi hóa đơn cho tôi hôm qua.", "Minh"],
  ])("%s", (text, name) => {
    expect(found(text).join(" | ")).toContain(name);
  });
});
