// Places the tagger left outside: a capitalised word the lists know only as a place, inflected
// place names read back to their listed form, and Turkish "İ" read as a capital. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { tokenize, Shape } from "../../../workers/pii/tagger/tokens.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["location", "person", "organization"] });
const masked = (text: string) =>
  detector
    .detect(text)
    .map((f) => text.slice(f.start, f.end))
    .join(" | ");

describe("a word the lists know only as a place", () => {
  it.each([
    ["fr", "Faits divers : à Liège, un homme a retrouvé son chat.", "Liège"],
    ["hu", "Szeged polgármestere átadta az új hidat.", "Szeged"],
    ["en", "He played for a club in Argentina before moving to Europe.", "Europe"],
    ["pt", "O ciclista venceu a etapa de Viseu ontem.", "Viseu"],
  ])("%s: %s", (_lang, text, place) => {
    expect(masked(text)).toContain(place);
  });
});

describe("a place name with a case ending", () => {
  it.each([
    ["fi", "Yhtiö kertoi irtisanovansa 300 työntekijää Espoossa.", "Espoossa"],
    ["fi", "Tampereen pormestari avasi uuden sillan.", "Tampereen"],
    ["sr", "Utakmica je odigrana u Beogradu pred punim stadionom.", "Beogradu"],
    ["hr", "Sastanak je u petak u Zagrebu.", "Zagrebu"],
  ])("%s: %s", (_lang, text, place) => {
    expect(masked(text)).toContain(place);
  });
});

describe("Turkish capital İ", () => {
  it("tokenises as a capital and reads the listed name", () => {
    const t = tokenize("İzmir İSTANBUL");
    expect([t.shape[0], t.shape[1]]).toEqual([Shape.Capitalised, Shape.AllCaps]);
    expect(masked("İzmir'in belediye başkanı yeni metro hattını açtı.")).toContain("İzmir");
  });
});

describe("what stays a word", () => {
  it.each([
    ["pt", "Junte 2 xícaras de farinha. Asse por 40 minutos."],
    ["it", "Riscaldare il forno a 200 °C. Stendere la pasta su una teglia."],
    ["es", "Empate 1-1 en un partido muy disputado."],
    ["es", "Índice: Introducción, Antecedentes, Metodología, Resultados."],
    ["en", "Siberian huskies need a lot of exercise."],
    ["en", "Bavarian cream filling for donuts."],
  ])("%s: %s", (_lang, text) => {
    expect(valuesIn(detector, text, "location")).toEqual([]);
  });
});
