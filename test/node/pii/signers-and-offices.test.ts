// People the fourteenth round's classes name — a letter's signer after its closing, chat and forum
// writers, people greeted in more languages, a surname before a verb of a person, CJK name fields
// — and texts with the same shapes that name no one: offices without a holder, German nouns after
// "im", a group signing for itself, log lines with a time.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("a letter's signer after its closing", () => {
  it.each([
    ["Your order has shipped.\nThanks,\nJasmine", ["Jasmine"]],
    ["Din tid er bekræftet.\nMvh Line", ["Line"]],
    ["Isikukood on kontrollitud. Aitäh, Tiina", ["Tiina"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it("is not swallowed by an address on the line before", () => {
    const text = "Adresse: Bredgade 74, 8038 København.\nMvh Frederik";
    expect(people(text)).toEqual(["Frederik"]);
  });

  it.each(["Your ticket was closed.\nThanks,\nTeam", "We received your request.\nRegards,\nSupport"])("a group signing names no one: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("chat and forum writers", () => {
  it.each([
    ["[09:15] kwame_o: she did, last night.", ["kwame_o"]],
    ["Posted by grumpyoldtom: Has anyone here dealt with this?", ["grumpyoldtom"]],
    ["Sur le forum, velo_toulousain raconte sa traversée.", ["velo_toulousain"]],
    ["Im Forum schrieb gartenfee_karin: Meine Tomaten sind krank.", ["gartenfee_karin"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each([
    "[09:15] INFO: cache warmed in 120 ms",
    "[12:01:07] ERROR: connection refused",
    "[12:00:01] sshd: session opened for user root",
    "[09:30] kubelet: pod started",
    "[09:30] worker-3: job done",
  ])("a log line's level or process is no speaker: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("people greeted, and people before a verb of a person", () => {
  it.each([
    ["hallå moa! ska du med till fjällen?", ["moa"]],
    ["heisann ingrid! kommer du i kveld?", ["ingrid"]],
    ["Okonjo opened the scoring in the 12th minute.", ["Okonjo"]],
    ["Lemarchal a sauvé les siens en fin de match.", ["Lemarchal"]],
    ["The referee was fine. Silva scored twice.", ["Silva"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });
});

describe("CJK names by their field or title", () => {
  it.each([
    ["お名前：加藤千尋\n生年月日：1991年7月8日", ["加藤千尋"]],
    ["林淑芬 先生您好，您的退款已處理。", ["林淑芬"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });
});

describe("offices without their holder, and nouns after a joined article", () => {
  it.each([
    "El Presidente de la comisión levantó la sesión a las once.",
    "De Voorzitter opent de vergadering om 19.30 uur.",
    "A Tesoureira apresentou o saldo de 3.250,00 reais.",
    "Il Giudice ha rinviato l'udienza al mese prossimo.",
    "Die Regierung will die Arbeitszeit im Sommer flexibel gestalten.",
    "Fahrräder sind im Keller abzustellen.",
  ])("%s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it("English 'am' is no German 'am' (an dem): the name after it stays", () => {
    expect(people("Hello, I am Omondi Kiprono, and I sent the form.")).toEqual(["Omondi Kiprono"]);
  });

  it("an office before its holder still leaves the holder", () => {
    expect(people("Treasurer Janet Okoye presented the budget.")).toEqual(["Janet Okoye"]);
  });
});

describe("a scorer by the minute of the goal", () => {
  it.each([
    ["Goals: JONES (18'), O'NEILL (54')", ["JONES", "O'NEILL"]],
    ["Okafor 54', Silva 78'", ["Okafor", "Silva"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each(["It's 5' tall.", "The rope is 6' long.", "He's 6' 2\" and fast."])("a length in feet is no minute: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
