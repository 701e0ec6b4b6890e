// Everyday words of the sentence's own language: "Kan ni uppdatera…" (Swedish "can"), "Como faço…",
// "Esta semana…" open sentences with a capital and are also surnames in the name lists. A word is
// read as its language's word when the words around it are that language's too.
import { FREQUENT_BY_LANGUAGE } from "./function-words-data.js";

/** A word this high in its language's list is a function word there ("kan", "como", "esta", "vi"). */
const FUNCTION_RANK = 150;
/** Words around a span that must be among its language's most frequent for the language to be known. */
const LANGUAGE_EVIDENCE = 2;
/** Languages whose given names are everyday syllables ("Thành", "Công"): their names are never read as words here. */
const NAMES_ARE_WORDS = new Set(["vietnamese"]);
const WORD = /[\p{L}\p{M}]+/gu;
const MAX_WORDS = 40;

let ranks: Map<string, Array<[language: number, rank: number]>> | undefined;
let languages: string[] = [];

function rankTable(): Map<string, Array<[number, number]>> {
  if (ranks) return ranks;
  const table = new Map<string, Array<[number, number]>>();
  languages = Object.keys(FREQUENT_BY_LANGUAGE);
  languages.forEach((language, index) => {
    (FREQUENT_BY_LANGUAGE[language] ?? "").split(" ").forEach((word, rank) => {
      const entry = table.get(word);
      if (entry) entry.push([index, rank + 1]);
      else table.set(word, [[index, rank + 1]]);
    });
  });
  ranks = table;
  return table;
}

/** Per language, how many of the piece's words outside [start, end) are among its most frequent. */
function languageScores(piece: string, start: number, end: number, table: Map<string, Array<[number, number]>>): Int16Array {
  const scores = new Int16Array(languages.length);
  let seen = 0;
  for (const m of piece.matchAll(WORD)) {
    if (m.index >= start && m.index < end) continue;
    if (++seen > MAX_WORDS) break;
    for (const [language] of table.get(m[0].toLowerCase()) ?? []) scores[language] = (scores[language] ?? 0) + 1;
  }
  return scores;
}

/**
 * Whether every word of piece[start, end) is one of the most frequent words of the language the
 * rest of the piece is written in (the language most of its other words belong to, by at least
 * two of them): then the span is that language's sentence, not a name.
 */
export function everydayWordsOfTheirLanguage(piece: string, start: number, end: number, givenName: (word: string) => boolean): boolean {
  const table = rankTable();
  const words = piece.slice(start, end).toLowerCase().match(WORD);
  if (!words) return false;
  // The table first: most spans hold a word of no list here, and a given name's flags cost a tokenisation.
  const entries = words.map((w) => table.get(w));
  if (entries.some((e) => !e?.some(([, rank]) => rank <= FUNCTION_RANK))) return false;
  // A listed given name stays a name even where it is a function word: "Uma não veio" is Uma, "Will's phone" is Will's.
  if (words.some(givenName)) return false;
  const scores = languageScores(piece, start, end, table);
  const best = Math.max(...scores);
  if (best < LANGUAGE_EVIDENCE) return false;
  return scores.some(
    (score, language) =>
      score === best &&
      !NAMES_ARE_WORDS.has(languages[language] ?? "") &&
      entries.every((e) => e?.some(([l, rank]) => l === language && rank <= FUNCTION_RANK)),
  );
}

/**
 * Words that join a noun to what follows it ("and", "for") in the languages of the lists. After a
 * given name that is also a noun, such a word and a bare word written small make a noun phrase
 * ("Speranza e fortuna", "Soledad y silencio", "Imani na neema"). Locative words ("in", "en", "w")
 * are left out ("Anna w domu?" asks where Anna is), and so are "with" words ("Emin ile görüşeceğim"
 * is meeting Emin).
 */
const NOUN_JOINERS = new Set(
  "and for y e et para per pour och og för for voor dla i oraz и для і та ve için és și pentru dan untuk và cho na kwa at".split(" "),
);
/** "of" words: after them a person's team or town is as likely ("Yolanda de recursos humanos"), so the name must be a word too. */
const OF_JOINERS = new Set("of de del do da dos das di della dello du des van av af za".split(" "));
/**
 * After the joiner, a pronoun, a possessive, an article or kin says a person is joined ("Rosa y yo",
 * "Rosa y su madre", "Randi og barna"): the rule takes only another bare word written small.
 */
const PERSON_AFTER_JOINER = new Set(
  (
    "i me you he she we they his her their my our your him them it its the a an " +
    "yo tú él ella nosotros ellos ellas su sus mi mis tu tus el la los las lo un una unos unas " +
    "eu ele ela nós eles elas seu sua seus suas meu minha o os as um uma " +
    "io lui lei noi loro suo suoi mio mia il gli le uno " +
    "je moi toi elle nous eux son sa ses mon ma mes ton ta tes leur leurs un une " +
    "ik hij zij wij haar zijn mijn jouw de het een " +
    "jag du han hon vi de hans hennes min mitt mina din ditt sin sitt jeg hun meg deg den det en ett et ei " +
    "ja ty on ona my wy oni jego jej mój moja moje twój twoja swoim swoją " +
    "я ты он она мы вы они его её ее мой моя мои твой твоя свой своей своим " +
    "ben sen o biz siz onlar onun benim senin én te ő mi ti ők a az egy " +
    "tu el ea noi voi ei sa său mea meu " +
    "saya aku kamu dia kami kita mereka nya tôi anh chị em ông bà cô mimi wewe yeye sisi ninyi wao wake yangu yako ako ikaw siya sila ang si sina " +
    // kin and company
    "children kids family wife husband friends son daughter mum mom dad parents team " +
    "hijos hijas niños familia esposa esposo marido mujer amigos amigas mamá papá padres " +
    "filhos filhas crianças família esposa marido mulher amigos mãe pai pais " +
    "figli figlie bambini famiglia moglie marito amici mamma papà genitori " +
    "enfants famille femme mari amis maman papa parents " +
    "kinderen familie vrouw man vrienden " +
    "barna barn børnene børn ungene familien familj kona mannen frun venner vänner " +
    "dzieci rodzina żona mąż przyjaciele дети семья жена муж друзья діти родина дружина чоловік " +
    "çocukları ailesi eşi copiii copii familia soția soțul anak keluarga istri suami watoto familia mke mume"
  ).split(" "),
);
const JOINER_THEN_WORD = /^[ \t]+([\p{Ll}\p{Lo}][\p{L}\p{M}]*)[ \t]+([\p{L}\p{M}]+)/u;

/**
 * Whether the text right after a word opens a noun phrase: a joining word ("and", "e", "na") and a
 * bare word written small ("… e fortuna"); after an "of" word ("de", "di") only when the word before
 * is an everyday word too (`wordBefore`: "Dolores de cabeza", not "Yolanda de recursos humanos").
 */
export function nounPhraseFollows(rest: string, wordBefore = false): boolean {
  const m = JOINER_THEN_WORD.exec(rest);
  if (!m) return false;
  const joiner = m[1] ?? "";
  const next = m[2] ?? "";
  if (!(NOUN_JOINERS.has(joiner) || (wordBefore && OF_JOINERS.has(joiner))) || !/^\p{Ll}/u.test(next)) return false;
  return !PERSON_AFTER_JOINER.has(next);
}
