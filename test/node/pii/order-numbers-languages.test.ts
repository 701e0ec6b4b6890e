// An order, invoice or parcel number after its label is a document's number, not a phone, in the
// languages the labels are written in ("ऑर्डर नंबर 7393209165" is a valid Indian mobile's shape);
// the same digits after a word that asks to call stay a phone.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const phones = (text: string) => detectPii(text, { categories: ["phone"] }).map((f) => text.slice(f.start, f.end));

describe("a document's number is no phone", () => {
  it.each([
    ["ऑर्डर नंबर 7393209165 – कुल राशि ₹4488"],
    ["आपका ऑर्डर 9876501234 भेज दिया गया है"],
    ["Nomor pesanan 0812345678 sudah dikirim"],
    ["Mã đơn hàng 0912345678 đã được giao"],
  ])("%s", (text) => {
    expect(phones(text)).toEqual([]);
  });
});

describe("the same digits to call stay a phone", () => {
  it.each([
    ["मेरा नंबर 9876543210 है", "9876543210"],
    ["Hubungi saya di 0812345678", "0812345678"],
  ])("%s", (text, phone) => {
    expect(phones(text)).toContain(phone);
  });
});
