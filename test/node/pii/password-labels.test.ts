// Passwords and keys after labels of more languages and forms: Hungarian and Turkish inflect the
// label ("jelszavad", "şifreniz"), German compounds end in it ("Einmalpasswort"), tokens and
// access keys in several languages ("token", "erişim anahtarı", "kata laluan", "令牌", "APIキー").
// Ordinary mentions without a password-shaped value stay clean. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["secret"] });
const secrets = (text: string) => valuesIn(detector, text, "secret");

describe("a password after its label", () => {
  it.each([
    ["hu", "Szia Réka! Az új jelszavad: Tulip#4410harbor", "Tulip#4410harbor"],
    ["tr", "Merhaba Can, geçici şifreniz: Pelican&5521dune", "Pelican&5521dune"],
    ["tr", "Sunucu erişim anahtarı: Quartz!774m", "Quartz!774m"],
    ["de", "Benutzername jbauer, Einmalpasswort Kiwi7731gate", "Kiwi7731gate"],
    ["nl", "Het token voor de koppeling is Otter?41Kb", "Otter?41Kb"],
    ["ms", "Kata laluan sementara anda ialah Raven@3390pine", "Raven@3390pine"],
    ["zh", "您的临时访问令牌为Xk93Lm2Pq7", "Xk93Lm2Pq7"],
    ["ja", "APIキー：Heron&812Q", "Heron&812Q"],
    ["sv", "Engångskod: Lynx%5582x", "Lynx%5582x"],
  ])("%s: %s", (_lang, text, value) => {
    expect(secrets(text)).toEqual([value]);
  });
});

describe("mentions without a password", () => {
  it.each([
    "The token expires after 30 minutes; request a new one from the login page.",
    "Die Einmalpasswort-Funktion ist ab Version 2.4 verfügbar.",
    "OTP codes are six digits long.",
    "Şifreniz en az 8 karakter olmalıdır.",
  ])("%s", (text) => {
    expect(secrets(text)).toEqual([]);
  });
});
