// Hex identifiers (UUIDs, digests, record and trace ids) are no cards, IBANs, phones or national
// ids: their digits read as one about once in 500 ids, and agent traffic is full of them. A value
// written on its own, or laid out along a UUID's whole groups, is still read.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { COST_GUARD_MS } from "./cost-guard.js";

const numbers = new PiiDetector({ categories: ["credit_card", "phone", "iban", "tax_id"] });
const found = (text: string) => numbers.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

/** Deterministic hex: the same ids on every run, so the count below is exact, not a chance. */
const hex = (seed: string, length: number) => createHash("sha512").update(seed).digest("hex").slice(0, length);
const uuid = (seed: string) => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[Number.parseInt(h[16] ?? "0", 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

describe("hex identifiers are not read as values", () => {
  it.each([
    ["a UUID whose digits pass Luhn mid-group", "id 9985e577-6002-4516-9800-87adcdd4955e failed"],
    ["a UUID whose last groups read as a Belgian IBAN", "id 0241e58a-f43c-4299-be05-ff031b1224a9 failed"],
    ["an upper-case UUID whose first group reads as a national id", "id 7946686C-AC4D-4EF6-A704-D90C73D24E58 failed"],
    ["an upper-case UUID read as an IBAN along whole groups", "id DFED8EEC-6AFF-4499-BE54-DF5AB1E1D744 failed"],
    ["a UUID glued after a word and a dash", "please relay x-f2752803-9198-4628-9cc4-6863fc13c53a to the team"],
    ["a SHA-1", "commit c3c68de55c737f634846507560fd51f9bdc1cd35 merged"],
    ["a SHA-256 in a path", "/v1/blobs/1242c168039598985147f6829647013649d13d68f4ac82772e70f3c85d547d7a/raw"],
    ["an ObjectId", '{"_id":"c32429127845330b329f7558","n":2}'],
    ["a prefixed record id", "id req_569335418202e653a49be888 failed"],
    ["a traceparent", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
  ])("%s", (_title, text) => {
    expect(found(text)).toEqual([]);
  });

  it("thousands of ids hold no value but the rare whole-group reading a built value would share", () => {
    const hits: string[] = [];
    for (let i = 0; i < 4000; i++) {
      for (const id of [uuid(`u${i}`), uuid(`U${i}`).toUpperCase(), hex(`s${i}`, 40), hex(`o${i}`, 24), hex(`m${i}`, 32)]) {
        const text = `record ${id} updated`;
        hits.push(...found(text).map((f) => `${id} ${f}`));
      }
    }
    // The readings left, 3 of 8,000 UUIDs: the first three groups all digits and passing Luhn, the
    // layout a card built into a UUID takes. Every other id of the 20,000 holds nothing.
    expect(hits).toEqual([
      "52922731-5709-4409-899c-fc5273b65865 credit_card:52922731-5709-4409",
      "42187111-3280-4578-bc25-beb49b0561ca credit_card:42187111-3280-4578",
      "64665397-5085-4037-812A-84B45E0B3CF5 credit_card:64665397-5085-4037",
    ]);
  });
});

describe("an abbreviated password label glued to digits is an id", () => {
  const secrets = new PiiDetector({ categories: ["secret"] });
  it.each(["please relay mdp84i2md3b5 to the team", "job pwd7x9k2m4q1 done"])("%s", (text) => {
    expect(secrets.detect(text)).toEqual([]);
  });
  it.each([
    ["mdp: 84i2md3b5", "84i2md3b5"],
    ["pwd 7x9k2m4q1z", "7x9k2m4q1z"],
  ])("the label with a gap still reads: %s", (text, value) => {
    expect(secrets.detect(text).map((f) => text.slice(f.start, f.end))).toEqual([value]);
  });
});

describe("values in the shape of an identifier are still read", () => {
  it.each([
    ["a card along a UUID's first three groups", "41111111-1111-1111-abcd-ef0123456789", "credit_card:41111111-1111-1111"],
    ["a card glued inside a hex word of no identifier's width", "card deadbeef4111111111111111cafe", "credit_card:4111111111111111"],
    ["a Belgian IBAN written alone (all of it hex)", "compte BE68539007547034.", "iban:BE68539007547034"],
    ["an Andorran IBAN written alone (24 hex characters)", "IBAN AD1200012030200359100100", "iban:AD1200012030200359100100"],
    ["a card next to a UUID", "9985e577-6002-4516-9800-87adcdd4955e 4111 1111 1111 1111", "credit_card:4111 1111 1111 1111"],
  ])("%s", (_title, text, expected) => {
    expect(found(text)).toContain(expected);
  });
});

describe("an IBAN follows its country's registered layout", () => {
  it("a Belgian IBAN with letters in its national part is none, though its check digits hold", () => {
    expect(found("rekening BE23 74AD D2B9 F284")).toEqual([]);
  });
  it("countries outside the IBAN registry keep every layout (Senegal with one letter or two)", () => {
    expect(found("IBAN SN23I66747964647127697499125")).toContain("iban:SN23I66747964647127697499125");
  });
});

describe("cost", () => {
  it("16,000 readings running out of ids (960 KB) are read again in one pass", () => {
    const costly = new PiiDetector({ categories: ["credit_card", "phone", "iban", "tax_id"], timeBudgetMs: 60_000 });
    const text = "id 9985e577-6002-4516-9800-87adcdd49003 4111 1111 1111 1111\n".repeat(16_000);
    const t0 = performance.now();
    const cards = costly.detect(text).filter((f) => text.slice(f.start, f.end) === "4111 1111 1111 1111");
    expect(performance.now() - t0).toBeLessThan(COST_GUARD_MS);
    expect(cards).toHaveLength(16_000);
  });
});
