// Postal addresses named by a label of more languages and forms: inflected Slavic labels ("на
// адресу", "за адресою") before a street written small ("вул.", "ул."), Hebrew, Persian, Bengali,
// Yoruba and Amharic labels (Amharic's own colon "፦"), "endereço para"; a label on a line of its
// own in a script without case. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["address", "tax_id", "phone", "date_of_birth"] });
const addresses = (text: string) => valuesIn(detector, text, "address");

describe("an address after its label", () => {
  it.each([
    ["uk", "Посилка 55 прямує на адресу вул. Шевченка, 12, кв. 3, м. Полтава, 36000", "вул. Шевченка, 12, кв. 3, м. Полтава, 36000"],
    ["uk", "Я мешкаю за адресою м. Вінниця, вул. Соборна, 40", "м. Вінниця, вул. Соборна, 40"],
    ["ru", "Я проживаю по адресу ул. Ленина, д. 7, кв. 12, г. Казань", "ул. Ленина, д. 7, кв. 12, г. Казань"],
    ["he", "אישור הזמנה: דנה לוי, כתובת למשלוח רחוב הרצל 14, חיפה", "רחוב הרצל 14, חיפה"],
    ["he", "שם: דנה לוי\nכתובת: רחוב ביאליק 3, רמת גן 5252113", "רחוב ביאליק 3, רמת גן 5252113"],
    ["fa", "نام: سارا احمدی؛ نشانی: تهران، خیابان ولیعصر، پلاک 12", "تهران، خیابان ولیعصر، پلاک 12"],
    ["pt", "Quero mudar o endereço para Rua das Flores 88, Curitiba/PR, 80010-000", "Rua das Flores 88, Curitiba/PR, 80010-000"],
    ["am", "ስም፦ አበበ በቀለ፤ አድራሻ፦ ፖ.ሳ.ቁ. 12፣ አዲስ አበባ", "ፖ.ሳ.ቁ. 12፣ አዲስ አበባ"],
  ])("%s: %s", (_lang, text, address) => {
    expect(addresses(text)).toContain(address);
  });
});

describe("what stays no address", () => {
  it.each([
    "Send it to the address we discussed: 3 copies, not 4.",
    "за адресою в листі — 2 примірники",
    "Adresse IP : 10.0.0.7, passerelle 10.0.0.1",
  ])("%s", (text) => {
    expect(addresses(text)).toEqual([]);
  });
});
