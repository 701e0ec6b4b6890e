// Red team 14: password labels the hint-based search might miss (any spelling PASSWORD_WORD matched),
// with another hint elsewhere in the text so the whole-text gate passes. PASSES = value still masked.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["secret"] });
const secrets = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "secret")
    .map((f) => text.slice(f.start, f.end));

describe("red14 password hints: case-folding and spacing variants of labels", () => {
  it.each([
    "Login: pwd is fine.\npa\u017F\u017Fword: hunter22", // long s: folds to s under /iu, not under the hint's /i
    "Wachtwoord staat hieronder.\nadgangs\u212Aode: hunter22", // Kelvin sign K
    "κωδικός για το wifi\n\u039a\u2126\u0394\u0399\u039a\u039f\u03a3: hunter22", // Ohm sign Ω
    "the pwd\npa\u017F\u017Fphrase: hunter22",
    "pwd\npa\u017F\u017F code: hunter22",
    "ｐａｓｓｗｏｒｄ: hunter22",
    "MOT DE PASSE: hunter22",
    "MẬT KHẨU: hunter22",
    "compass ready. password: hunter22",
  ])("%j", (text) => {
    expect(secrets(text)).toContain("hunter22");
  });
});
