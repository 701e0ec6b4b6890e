// National ids after labels of more languages and forms: Hebrew ת"ז with a plain quote and מספר
// זהות, Bengali and Hindi labels with their words for "number" (নং, नंबर), Icelandic kennitala,
// Serbian ЈМБГ, Malaysian "No. KP", Philippine SSS, Tanzanian NIDA, Amharic ፋይዳ ቁጥር with its
// colon, Dutch btw-nummer, "my ID no.". Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["tax_id", "phone"] });
const ids = (text: string) => valuesIn(detector, text, "tax_id");

describe("an id after its label", () => {
  it.each([
    ["he", 'שלום, שמי רון לוי, ת"ז 203948571', "203948571"],
    ["he", "שם מלא: רון לוי\nמספר זהות: 310492876", "310492876"],
    ["bn", "নাম: তানিয়া; জাতীয় পরিচয়পত্র নং: 5820193746", "5820193746"],
    ["hi", "मेरा आधार नंबर 7315 2048 6691 है।", "7315 2048 6691"],
    ["is", "Kennitala: 120384-2759", "120384-2759"],
    ["sr", "ЈМБГ: 0101990710006", "0101990710006"],
    ["ms", "Saya Aina binti Omar, No. KP 900512-10-5566", "900512-10-5566"],
    ["tl", "SSS: 34-5678912-3", "34-5678912-3"],
    ["sw", "Namba ya NIDA 19900101-12345-00001-21", "19900101-12345-00001-21"],
    ["am", "ስም፦ ሰላም ታደሰ፤ ፋይዳ ቁጥር፦ 3391 2047 5586", "3391 2047 5586"],
    ["nl", "Factuur t.a.v. mw. A. de Wit, btw-nummer NL123456789B02", "NL123456789B02"],
    ["en", "I sent money to the wrong number. My ID no. 27718834", "27718834"],
  ])("%s: %s", (_lang, text, id) => {
    expect(ids(text)).toContain(id);
  });

  it.each(["Order ID number 48213 has shipped.", "Ticket ID no. 5512 was closed."])("a document's id stays no personal id: %s", (text) => {
    expect(ids(text)).toEqual([]);
  });
});
