// People named by the form around them: salutations with a slash for either sex, user names after
// their label or in a forum byline, and a match report's scorers; settings, variables and ordinary
// sentences with the same words name no one.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const people = (text: string) =>
  new PiiDetector({ categories: ["person"] })
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("a salutation for either sex, written with a slash", () => {
  it.each([
    ["Pan/Pani Tomasz Wróblewski, prosimy o kontakt.", ["Tomasz Wróblewski"]],
    ["Geachte heer/mevrouw Verhoeven, uw bestelling is verzonden.", ["Verhoeven"]],
    ["Yth. Bapak/Ibu Dewi Lestari, tagihan Anda sudah terbit.", ["Dewi Lestari"]],
    ["Dear Mr/Ms Abernathy, your refund has been issued.", ["Abernathy"]],
    ["السيد/ة خالد الزعبي، نود إعلامكم بأن طلبكم جاهز.", ["خالد الزعبي"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });
});

describe("a user name after its label or in a byline", () => {
  it.each([
    ["Zugang für das Portal: Benutzername kbrandt, Passwort folgt separat.", ["kbrandt"]],
    ["Credenziali: utente lferraro, scadenza tra 30 giorni.", ["lferraro"]],
    ["Blocked sign-in for user j.okafor from a new device.", ["j.okafor"]],
    ["Forum post by lena_vogt88: does anyone know a good dentist?", ["lena_vogt88"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each([
    "Click the login button and enter your user name.",
    "The user is logged out after 15 minutes.",
    "config.username = default_account",
    "Login: required for every request",
    "user: test.user",
  ])("no person in: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a match report's scorers", () => {
  it.each([
    ["Torschützen: Wendland (8.), Okonkwo (61.), Fässler (77.)", ["Wendland", "Okonkwo", "Fässler"]],
    ["Scorers: Tremblay 2, Van der Berg; Ashworth", ["Tremblay", "Van der Berg", "Ashworth"]],
    ["Marcatori: 14' Quagliarella, 70' Mbappé-Diallo", ["Quagliarella", "Mbappé-Diallo"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it("no person in a count of goals", () => {
    expect(people("Goals: 3 per match on average, up from 2.4 last season.")).toEqual([]);
  });
});
