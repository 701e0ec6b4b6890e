// Red team 37: attacks on the PII detector change of session 37 (function words of the sentence's
// language are no names; titled names; "Lily planted"; "x and y" only before a verb; order labels
// in more languages). Each test asserts the secure behaviour:
//  - regressions: a name or phone number the parent commit (deb80d0) masked must still be masked;
//  - clean text: text with no personal data must not gain a person.
// Every case here passed on deb80d0 and fails on the change.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../workers/pii/index.js";

/** Whether some finding of the given categories covers `name` (its first occurrence) in `text`. */
function covers(text: string, name: string, categories: NonNullable<Parameters<typeof detectPii>[1]>["categories"]): boolean {
  const at = text.indexOf(name);
  if (at < 0) throw new Error(`${name} not in ${text}`);
  return detectPii(text, { categories }).some((f) => f.start <= at && at + name.length <= f.end);
}
const NAMES = ["person", "organization", "location"] as const;
const nameMasked = (text: string, name: string) => covers(text, name, [...NAMES]);
const phoneMasked = (text: string, phone: string) => covers(text, phone, ["phone"]);
/** The people found in `text`, as written. */
const people = (text: string) => detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end));

describe("red team 37: a surname that is a top-150 word of its sentence's language is dropped (regression)", () => {
  it.each([
    // Chinese surname Li ("li" = Italian "them/there") in Italian prose; a self-introduction too.
    ["Italian self-introduction: 'Mi chiamo Li'", "Mi chiamo Li e ho bisogno di aiuto con questa cosa.", "Li"],
    ["Italian 'Ciao, sono Li'", "Ciao, sono Li e ti scrivo per sapere se è tutto a posto.", "Li"],
    ["Italian 'il signor Li'", "Ho parlato ieri con il signor Li e mi ha detto che non è vero.", "Li"],
    ["Italian 'la signora Li'", "Ho incontrato la signora Li, che mi ha detto di non fare niente.", "Li"],
    // A title of the change's own TITLED_NAME list does not save it.
    ["Italian title 'Dott. Li' (a listed title)", "Ho scritto alla Dott. Li per sapere se è tutto a posto.", "Li"],
    // Chinese/Singaporean surname Tan ("tan" = Spanish "so").
    ["Spanish self-introduction: 'me llamo Tan'", "Hola, me llamo Tan y necesito ayuda con mi cuenta.", "Tan"],
    ["Spanish title 'Estimada Sra. Tan' (a listed title)", "Estimada Sra. Tan, le escribo para informarle que todo está bien.", "Tan"],
    ["Spanish 'la señora Tan'", "Hablé con la señora Tan y me dijo que no está bien.", "Tan"],
    // Vietnamese surname Le ("le" = French article).
    ["French self-introduction: 'Je m'appelle Le'", "Je m'appelle Le et j'ai besoin d'aide avec mon compte.", "Le"],
    ["French title 'Mme Le' (a listed title)", "Je n'ai pas vu Mme Le depuis, mais elle va bien.", "Le"],
    // Hungary's most common surnames Nagy ("big") and Kis ("small").
    ["Hungarian 'Nagy úrral' (Mr Nagy)", "Tegnap beszéltem Nagy úrral, és azt mondta, hogy nem tudja.", "Nagy"],
    ["Hungarian 'Szerintem Nagy nem jön'", "Szerintem Nagy nem jön ma, de még nem tudom biztosan.", "Nagy"],
    ["Hungarian 'hogy Kis mit akar'", "Nem tudom, hogy Kis mit akar, de majd megkérdezem.", "Kis"],
    // Chinese surname Fan ("fan" = Swedish swear word).
    ["Swedish 'pratat med Fan'", "Jag har pratat med Fan och hon sa att det är klart nu.", "Fan"],
    // German surname Mann, after the listed title "Frau" and alone.
    ["German title 'Frau Mann' (a listed title)", "Können Sie bitte Frau Mann sagen, dass ich heute nicht komme?", "Mann"],
    ["German 'dass Mann recht hat'", "Ich glaube, dass Mann recht hat, aber wir werden sehen.", "Mann"],
    // Korean surname Pak ("pak" = Czech "then"): masked as an organisation before, now not at all.
    ["Czech 'mluvil s Pak'", "Včera jsem mluvil s Pak a řekl mi, že to není pravda.", "Pak"],
    // Spanish surname Bueno: masked as a location before, now not at all.
    ["Spanish 'Hablé con Bueno'", "Hablé con Bueno ayer y me dijo que no es verdad.", "Bueno"],
  ])("%s", (_attack, text, name) => {
    expect(nameMasked(text, name)).toBe(true);
  });
});

describe("red team 37: a lower-case given name before 'and/et/und/y/e' + a given name, not followed by a verb (regression)", () => {
  it.each([
    ["German 'sarah und tom'", "Ich habe sarah und tom am Bahnhof gesehen.", "sarah"],
    ["German 'jessica und kevin'", "Ich habe jessica und kevin am Bahnhof gesehen.", "jessica"],
    ["French 'marie et pierre'", "Hier, j'ai vu marie et pierre au marché.", "marie"],
    ["French 'olivia et noah'", "J'ai vu olivia et noah à la gare.", "olivia"],
    ["Spanish 'jessica y kevin'", "Vi jessica y kevin en la estación.", "jessica"],
    ["Italian 'jessica e kevin'", "Ho visto jessica e kevin alla stazione.", "jessica"],
    ["Portuguese 'sarah e tom'", "Eu vi sarah e tom na estação.", "sarah"],
  ])("%s", (_attack, text, name) => {
    expect(nameMasked(text, name)).toBe(true);
  });
});

describe("red team 37: a phone number after a phone word and a new 'order' label (regression)", () => {
  it.each([
    // "donneur d'ordre" (the ordering party) ends in "ordre": the label has no word boundary.
    ["French 'Tél. du donneur d'ordre'", "Tél. du donneur d'ordre : 0612345678", "0612345678"],
    ["Norwegian 'Kontakt ordre' (8-digit mobile)", "Kontakt ordre: 912 34 567", "912 34 567"],
    ["Norwegian 'Tlf. ordre' (order line)", "Tlf. ordre: 22 33 44 55", "22 33 44 55"],
    ["Danish 'Kontakt vedr. ordre'", "Kontakt vedr. ordre: 20 12 34 56", "20 12 34 56"],
    ["Greek 'Τηλέφωνο παραγγελίας' (order phone)", "Τηλέφωνο παραγγελίας: 210 123 4567", "210 123 4567"],
    ["Romanian 'Telefon comanda'", "Telefon comanda: 0722123456", "0722123456"],
    ["Finnish 'Puh. tilaus'", "Puh. tilaus: 0401234567", "0401234567"],
    ["Hungarian 'Tel. rendelés'", "Tel. rendelés: 06301234567", "06301234567"],
    ["Hindi 'फ़ोन ऑर्डर'", "फ़ोन ऑर्डर: 9876543210", "9876543210"],
  ])("%s", (_attack, text, phone) => {
    expect(phoneMasked(text, phone)).toBe(true);
  });
});

describe("red team 37: clean text newly altered", () => {
  it.each([
    // "Lily planted": a personified virtue, season, time of day or plant before a 'human deed' becomes a person.
    ["personified dawn: 'Dawn painted the sky'", "Dawn painted the sky pink and gold.", "Dawn"],
    ["personified season: 'Summer smiled upon the valley'", "Summer smiled upon the valley.", "Summer"],
    ["personified virtue: 'Hope smiled on the brave'", "Hope smiled on the brave that day.", "Hope"],
    ["personified feeling: 'Joy danced in her eyes'", "Joy danced in her eyes when she heard the news.", "Joy"],
    ["personified virtue: 'Faith danced in the hearts'", "Faith danced in the hearts of the faithful.", "Faith"],
    ["a tree: 'Willow waved gently over the pond'", "Willow waved gently over the pond.", "Willow"],
    // Titled names: a role after a title of address is read as a person.
    ["Dutch role after a title: 'Geachte Dhr. Voorzitter'", "Geachte Dhr. Voorzitter, hierbij het verslag.", "Voorzitter"],
    ["Dutch role after a title: 'Geachte Dhr. Burgemeester'", "Geachte Dhr. Burgemeester, hierbij het verslag.", "Burgemeester"],
    ["Dutch role after a title: 'Geachte Dhr. Wethouder'", "Geachte Dhr. Wethouder, hierbij het verslag.", "Wethouder"],
    ["Italian role after a title: 'Gentile Dott. Responsabile'", "Gentile Dott. Responsabile, le invio i documenti.", "Responsabile"],
  ])("%s", (_attack, text, word) => {
    expect(people(text).join(" | ")).not.toContain(word);
  });
});
