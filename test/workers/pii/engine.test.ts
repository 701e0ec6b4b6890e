// The PII engine, the entity tagger and its weights included, loads and runs inside workerd.
import { describe, expect, it } from "vitest";
import { createMasker, createRestorer, detectPii, maskJsonStrings, type JsonValue } from "../../../workers/pii/index.js";

describe("PII engine in workerd", () => {
  it("detects every structured category and named entities", () => {
    const text =
      "John Smith of Globex Corporation in Chicago: jane@example.com, +1 415 555 2671, 4111 1111 1111 1111, " +
      "SSN 536-22-1234, DE89 3704 0044 0532 0130 00, AKIAIOSFODNN7EXAMPLE.";
    const categories = new Set(detectPii(text).map((f) => f.category));
    expect([...categories].sort()).toEqual(
      ["credit_card", "email", "iban", "location", "organization", "person", "phone", "secret", "tax_id"].sort(),
    );
  });

  it("finds the categories added for issue 19 and reads encoded and Unicode-digit values", () => {
    const text =
      "Born 12/03/1985, Zsófia Kovács lives at Hauptstraße 12, 10115 Berlin; server 192.168.10.24; " +
      "mail zsofia%40example.com; card ٤١١١ ١١١١ ١١١١ ١١١١.";
    const categories = new Set(detectPii(text).map((f) => f.category));
    for (const c of ["date_of_birth", "person", "address", "ip_address", "email", "credit_card"]) expect(categories).toContain(c);
  });

  it("masks a request body and restores a streamed answer", () => {
    const masker = createMasker({});
    const body: JsonValue = {
      model: "gpt-4o",
      messages: [{ role: "user", content: "Send 4111 1111 1111 1111 to jane@example.com with AKIAIOSFODNN7EXAMPLE" }],
    };
    const out = JSON.stringify(maskJsonStrings(body, masker));
    expect(out).toContain("Send <CARD_1> to <EMAIL_1> with <SECRET_1>");
    const r = createRestorer(masker.result().mapping);
    const answer = ["Sent <CA", "RD_1> to <EM", "AIL_1>."].map((c) => r.push(c)).join("") + r.flush();
    expect(answer).toBe("Sent 4111 1111 1111 1111 to jane@example.com.");
  });
});
