// Splits text into the pieces the tagger reads one at a time (and the entity cache keys on):
// sentences and lines, each at most PIECE_MAX characters.

export const PIECE_MAX = 2000;

const BREAK = /[.!?]+(?=\s|$)|\n/g;
/** Words whose final dot ends no sentence ("Dr. Smith", "P.O. Box", "Acme Inc. said", Hindi "डॉ." doctor, Russian "ул." street). */
const ABBREVIATIONS = new Set(
  "mr mrs ms dr dra dña prof sr jr st mt ft no nr vs etc inc ltd co corp dept gen col lt sgt capt rev hon fr sen rep gov pres jan feb mar apr jun jul aug sep sept oct nov dec str ave blvd rd sq apt bros mme mlle m sig sra srta dott ing avv mag dipl dhr mevr ph bsc msc mba डॉ प्रो श्री ул пр пер просп наб пл вул".split(
    " ",
  ),
);

function endsWithAbbreviation(text: string, dot: number): boolean {
  let i = dot;
  while (i > 0 && /[\p{L}\p{M}]/u.test(text[i - 1] ?? "")) i--;
  const word = text.slice(i, dot);
  if (word.length === 1) return true; // an initial, "J. Smith", "P.O."
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** [start, end) of each piece of `text`. */
export function* pieces(text: string): Generator<[number, number]> {
  let start = 0;
  BREAK.lastIndex = 0;
  for (let m = BREAK.exec(text); m; m = BREAK.exec(text)) {
    if (m[0] === "." && endsWithAbbreviation(text, m.index)) continue;
    const end = m.index + m[0].length;
    yield* bounded(text, start, end);
    start = end;
  }
  if (start < text.length) yield* bounded(text, start, text.length);
}

function* bounded(text: string, start: number, end: number): Generator<[number, number]> {
  while (end - start > PIECE_MAX) {
    // A single overlong sentence: cut at the last space before the limit.
    const cut = text.lastIndexOf(" ", start + PIECE_MAX);
    const at = cut > start ? cut : start + PIECE_MAX;
    yield [start, at];
    start = at;
  }
  if (end > start) yield [start, end];
}
