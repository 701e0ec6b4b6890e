// Organisations written as an acronym no list knows, in brackets right after a person: an
// affiliation ("Tóth Eszter (ELTE)", "Thomas Brenninkmeyer (CDU)", "Д. В. Морозов (МГУ)").
// An acronym alone says nothing (a unit, an error code, an id's label, a term: "TL", "ENOENT",
// "CPF", "Backup (RPO)"); an article before one does not either ("die DSGVO", "le CDI", "no MFA").
import { Gaz } from "../tagger/features.js";
import type { Tagger } from "../tagger/tagger.js";
import { lowerLikeTokens, wordHash } from "../tagger/tokens.js";
import { ID_WORDS } from "./national-ids.js";

/** Two to six capitals in brackets. */
const BRACKETED_ACRONYM = /\((\p{Lu}[\p{Lu}\p{M}]{1,5})\)/gu;
/** Acronyms of things no list spells out: networks, codes and account ids. */
const NOT_AN_ORGANISATION = new Set("WLAN LAN WIFI DSL LTE NFC QR PIN TAN PUK SIM USB CBU CVU IBAN BIC".split(" "));

/**
 * Organisation spans (piece offsets) of acronyms in brackets right after a person span
 * (`personEndsAt(offset)`: a person read in this piece ends there).
 */
export function affiliationAcronyms(piece: string, model: Tagger, personEndsAt: (offset: number) => boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (!piece.includes("(")) return out;
  // exec, not matchAll: matchAll copies the pattern on every call (code puts a bracket in most lines).
  BRACKETED_ACRONYM.lastIndex = 0;
  for (let m = BRACKETED_ACRONYM.exec(piece); m; m = BRACKETED_ACRONYM.exec(piece)) {
    const open = m.index;
    const personEnd = piece[open - 1] === " " ? open - 1 : open;
    if (!personEndsAt(personEnd)) continue;
    const acronym = m[1] ?? "";
    // A listed word in capitals ("SMS", "GPS") or an id's name ("CPF", "NIF") is no organisation.
    const flags = model.gazetteer.flags(wordHash(lowerLikeTokens(acronym)));
    if (flags & ~Gaz.orgName || ID_WORDS.test(acronym.toLowerCase()) || NOT_AN_ORGANISATION.has(acronym)) continue;
    out.push([open + 1, open + 1 + acronym.length]);
  }
  return out;
}
