// A value base64-encoded inside running text (a message, a tool result) is read through its
// encoding: masked whole (and restored) under mask, refused under block; clean tokens stay.
import { describe, expect, it } from "vitest";
import { Masker } from "../../../workers/pii/index.js";

const b64 = (s: string) => btoa(s);
const urlSafe = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("base64 tokens in running text", () => {
  it.each([
    ["a card", `please charge ${b64("4111 1111 1111 1111")} today`, "credit_card"],
    ["a bare card, URL-safe, unpadded", `token=${urlSafe("card:4111111111111111")}`, "credit_card"],
    ["an e-mail", `reply to ${b64("maria.kowalska@example.org")}.`, "email"],
    ["an IBAN", `(${b64("DE89 3704 0044 0532 0130 00")})`, "iban"],
  ])("refuses %s under block", (_, text, category) => {
    const m = new Masker({ credit_card: "block", email: "block", iban: "block" });
    m.maskTexts([text]);
    expect(m.result().blockedCategories).toContain(category);
  });

  it("masks the whole token under mask and maps it back", () => {
    const token = b64("call me: maria.kowalska@example.org");
    const m = new Masker({ email: "mask" });
    const [masked] = m.maskTexts([`the note is ${token} ok`]);
    expect(masked).not.toContain(token);
    expect(Object.values(m.result().mapping)).toContain(token);
  });

  it.each([
    ["a JWT header", `Bearer ${urlSafe('{"alg":"HS256","typ":"JWT"}')}.${urlSafe('{"sub":"build-42"}')}`],
    ["random bytes", `blob ${btoa(String.fromCharCode(...Array.from({ length: 48 }, (_, i) => (i * 97 + 13) % 256)))}`],
    ["long words and identifiers", "internationalization and getElementsByClassName and ABCDEFGHIJKLMNOP"],
    ["base64 of clean prose", `see ${b64("the build passed on the second try")}`],
  ])("leaves %s alone", (_, text) => {
    // Secrets allowed here: the high-entropy rule masks random tokens as secrets, which is not this test's subject.
    const m = new Masker({ credit_card: "block", email: "block", iban: "block", phone: "block", secret: "allow" });
    const [out] = m.maskTexts([text]);
    expect(m.result().blockedCategories).toEqual([]);
    expect(out).toBe(text);
  });
});
