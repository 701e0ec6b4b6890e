// Red team 14: ordinary PII-free text that the fourteenth round's new rules read as a person.
// Under a `block` policy on `person` each of these refuses a legitimate request.
// A test PASSES when the system holds (no person found) and FAILS when the attack succeeds.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization", "secret"] });
const people = (text: string) =>
  detector
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("red14 chat-speaker rule: log lines with a time are read as chat", () => {
  it.each([
    "[09:15] jenkins: build #42 passed",
    "[09:15] kafka: partition rebalance done",
    "[09:15] travis: build passed",
    "[09:00] hudson: job started",
    "[10:00] PostgreSQL: checkpoint complete",
    "[10:00] WebSocket: connected to wss://api.example.com",
    "[09:00] iOS: build uploaded",
    "[09:00] macOS: update available",
    "[09:00] GitHub: push to main",
    "[09:00] eBay: order shipped",
  ])("log process/product after [hh:mm] is no speaker: %s", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each(["[09:15] Price: 4.99 EUR", "[14:00] Mark: done", "[10:00] Rose: 12 stems"])(
    "a field label that is also a name, after a time, is no speaker: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("red14 forum-writer rule: a verb of writing before a file name", () => {
  it.each([
    "The script wrote kubeconfig.yaml to disk.",
    "npm wrote package-lock.json",
    "Der Prozess schrieb fehler_log.txt nach /tmp.",
    "O script escreveu backup_diario.tar.gz",
    "foro: configuracion_avanzada",
  ])("a file or setting after wrote/schrieb/escreveu/foro is no writer: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("red14 closing-signer rule: a closing word before a UI string or a product", () => {
  it.each([
    "Thanks!\nDismiss",
    "Kiitos\nPeruuta",
    "Dziękuję\nAnuluj",
    "Děkuji\nZavřít",
    "Спасибо\nОтмена",
    "Teşekkürler\nKapat",
    "Terima kasih\nTutup",
    "Aitäh\nSulge",
  ])("a thank-you line then a button label is no signer: %j", (text) => {
    expect(people(text)).toEqual([]);
  });

  it.each(["Recipe: the best Lasagne", "Thanks for reading the best Tiramisu", "Our best Sellers"])(
    "'best' before a capitalised noun at a line's end is no closing: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );

  it.each(["Payment received. Thanks,\nStripe", "Regards,\nNetflix", "Best regards,\nAcme Corporation"])(
    "a company signing is no person (it was an organization before): %j",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});
