// Attack class: a request value that names a property every JavaScript object has ("toString",
// "constructor") used as a key into a plain lookup table, which finds Object.prototype's functions
// instead of nothing. Here: a content part typed "toString" in an LLM request must read as an
// ordinary part, not as an unbounded one whose "reason" is a function.
import { expect, it } from "vitest";
import { requestShape } from "../../workers/llm/estimate.js";
import { modelLimitsFor, priceFor } from "../../workers/spend/pricing.js";

it("attack: content parts typed as prototype names are ordinary parts", () => {
  for (const type of ["toString", "constructor", "valueOf", "hasOwnProperty", "__proto__"]) {
    const body = { model: "gpt-4o-mini", messages: [{ role: "user", content: [{ type, text: "hi" }] }] };
    expect(() => requestShape("chat", body), type).not.toThrow();
  }
});

it("attack: a model named after a prototype property has no built-in price or limits (red team 27)", () => {
  for (const model of ["toString", "constructor", "valueOf", "hasOwnProperty", "__proto__", "toString-latest"]) {
    expect(priceFor(model, new Map()), model).toBeNull();
    expect(typeof modelLimitsFor(model), model).toBe("object");
    expect(modelLimitsFor(model), model).toEqual(modelLimitsFor("an-unknown-model"));
  }
});
