// Secrets: provider key shapes, PEM private keys, JWTs and generic high-entropy tokens.
import type { RawFinding } from "../types.js";

/**
 * [detector, hint, shape]: the hint is a literal every match of the shape contains. Scanning for
 * it is a fast substring search; the shapes (look-behinds, long classes) run only where it occurs.
 */
const SHAPES: ReadonlyArray<readonly [string, RegExp, RegExp]> = [
  [
    "pem_private_key",
    /PRIVATE KEY/,
    /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]*)/g,
  ],
  // Key ids are base32 (A-Z, 2-7); generators and documentation write any capital or digit.
  [
    "aws_access_key",
    /A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)/,
    /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  ],
  // The value is capture group 1; the key name before it stays visible.
  ["aws_secret_key", /aws_?secret/i, /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi],
  ["github_token", /gh[pousr]_|github_pat_/, /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g],
  ["gitlab_token", /gl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent)-/, /(?<![A-Za-z0-9_])gl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,}/g],
  [
    "slack_token",
    /xox[abeoprs]-|hooks\.slack\.com/,
    /(?<![A-Za-z0-9_])xox[abeoprs]-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/g,
  ],
  ["stripe_key", /_(?:live|test)_|whsec_/, /(?<![A-Za-z0-9_])(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|(?<![A-Za-z0-9_])whsec_[A-Za-z0-9]{24,}/g],
  ["anthropic_key", /sk-ant-/, /(?<![A-Za-z0-9_])sk-ant-[a-z0-9]{2,12}-[A-Za-z0-9_-]{40,}/g],
  ["openai_key", /sk-/, /(?<![A-Za-z0-9_-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}/g],
  ["google_api_key", /AIza|GOCSPX-|ya29\./, /(?<![A-Za-z0-9_])(?:AIza[0-9A-Za-z_-]{35}|GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[0-9A-Za-z_-]{20,})/g],
  // Palisade's own bearer tokens (workers/identity/tokens.ts): 43 base64url characters after the prefix.
  ["palisade_token", /pal_(?:agent|admin|host|hostkey)_/, /(?<![A-Za-z0-9_])pal_(?:agent|admin|host|hostkey)_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g],
  ["jwt", /eyJ/, /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g],
];

// Any hint at all (case-insensitive, so a superset): most texts hold none, and one search
// answers for every shape.
const ANY_HINT = new RegExp(SHAPES.map(([, hint]) => hint.source).join("|"), "i");

/** Whether `text` holds the hint of a key's shape (a superset: case-insensitive). */
export function holdsKeyHint(text: string): boolean {
  return ANY_HINT.test(text);
}

// Whole runs of token characters (A-Z a-z 0-9 + / = _ -), 20 or more: found by a plain loop over
// the character codes, two to four times faster than the equivalent regex
// (/(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{20,}/g, whose matches are exactly these runs).
const TOKEN_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-") TOKEN_CHAR[ch.charCodeAt(0)] = 1;
const TOKEN_MIN = 20;
const TOKEN_MAX = 1024;

/** [start, end) of every maximal run of token characters of TOKEN_MIN or more, in order. */
export function tokenRuns(text: string): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TOKEN_CHAR[c] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    for (; j < n; j++) {
      const d = text.charCodeAt(j);
      if (d >= 128 || TOKEN_CHAR[d] === 0) break;
    }
    if (j - i >= TOKEN_MIN) runs.push([i, j]);
    i = j + 1;
  }
  return runs;
}

export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function charClass(code: number): number {
  if (code >= 97 && code <= 122) return 0;
  if (code >= 65 && code <= 90) return 1;
  if (code >= 48 && code <= 57) return 2;
  return 3;
}

/**
 * Random-looking: upper, lower and digits all present, class changes on at least a third of
 * positions (identifiers like getUserAccountSettings2 change rarely), high Shannon entropy.
 */
export function looksRandom(token: string, threshold: number): boolean {
  const t = token.replace(/=+$/, "");
  if (t.length < 20) return false;
  const seen = [0, 0, 0, 0];
  let changes = 0;
  let prev = -1;
  for (let i = 0; i < t.length; i++) {
    const c = charClass(t.charCodeAt(i));
    seen[c] = 1;
    if (prev !== -1 && c !== prev) changes++;
    prev = c;
  }
  if (!seen[0] || !seen[1] || !seen[2]) return false;
  if (changes / (t.length - 1) < 0.33) return false;
  // Short strings cannot reach high per-character entropy; scale the bar with length.
  const bar = Math.min(threshold, Math.log2(t.length) - 0.6);
  return shannonEntropy(t) >= bar;
}

export interface SecretOptions {
  /** Shannon entropy (bits per char) a generic token must reach; 4.0 by default. */
  entropyThreshold: number;
}

export function detectSecrets(text: string, out: RawFinding[], options: SecretOptions): void {
  for (const [detector, hint, re] of ANY_HINT.test(text) ? SHAPES : []) {
    if (!hint.test(text)) continue;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const value = (m[1] ?? m[0]).trimEnd();
      const start = m.index + m[0].indexOf(value);
      out.push({ category: "secret", start, end: start + value.length, detector, key: value });
    }
  }
  detectLabelledPasswords(text, out);
  let publicBlocks: Array<[number, number]> | null = null;
  for (const [at, end] of tokenRuns(text)) {
    if (end - at > TOKEN_MAX) continue;
    const token = text.slice(at, end);
    if (!looksRandom(token, options.entropyThreshold) || identifierShaped(token)) continue;
    publicBlocks ??= publicMaterial(text);
    if (publicBlocks.some(([s, e]) => s <= at && at < e)) continue;
    out.push({ category: "secret", start: at, end, detector: "high_entropy", key: token });
  }
}

/**
 * A token that is a name in code or a path, not a key: snake_case words with at most a number
 * ("A_bigint_literal_cannot_be_used_1539", "test_calls_TaggedEC2Object_with_args"), or a path
 * whose segments are words or hex digests ("com/org/repo/commit/3a60b7b…"): no piece of it is
 * random on its own; a UUID.
 */
const ULID = /(?:^|^[a-z][a-z_]*[=:])[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const IMAGE_BASE64 = /^(?:iVBORw0KGgo|\/9j\/|R0lGOD|UklGR)/;

function identifierShaped(token: string): boolean {
  // A UUID (random or a documentation placeholder such as "…-6e8eEXAMPLE") names a record; it opens nothing.
  if (/^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-z]{8,14}$/i.test(token)) return true;
  // A ULID (48-bit time, then Crockford base32; "request_id=01JDQ3W4ZK…") names a record the same way.
  if (ULID.test(token)) return true;
  // Base64 of an image (PNG, JPEG, GIF, WebP headers) inlined in a page: a picture, not a key.
  if (IMAGE_BASE64.test(token)) return true;
  const words = token.split("_");
  if (words.length >= 3 && words.every((w) => /^[A-Za-z][a-z]*(?:[A-Z0-9][a-z0-9]*)*$|^\d+$/.test(w))) return true;
  const segments = token.split(/[/.]/);
  return segments.length >= 3 && segments.every((seg) => seg.length < 20 || /^[\da-f]+$/.test(seg) || !looksRandom(seg, 0));
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;
// A block of base64 lines of full width opening with a DER sequence ("MII…"): a certificate or public key written without its header.
const DER_BLOCK = /(?:^|\n)[\t "']*MII[A-Za-z0-9+/]{57,}[\t "']*(?:\n[\t "']*[A-Za-z0-9+/]{60,}={0,2}[\t "'\\]*){2,}/g;

/**
 * Where certificates and public keys stand (PEM blocks that are not private keys, headerless DER
 * blocks outside one): public material, not a secret.
 */
function publicMaterial(text: string): Array<[number, number]> {
  if (!text.includes("-----BEGIN") && !text.includes("MII")) return [];
  const blocks: Array<[number, number]> = [];
  const privateBlocks: Array<[number, number]> = [];
  PEM_BLOCK.lastIndex = 0;
  for (let m = PEM_BLOCK.exec(text); m; m = PEM_BLOCK.exec(text)) {
    (/PRIVATE|SECRET/.test(m[1] ?? "") ? privateBlocks : blocks).push([m.index, m.index + m[0].length]);
  }
  DER_BLOCK.lastIndex = 0;
  for (let m = DER_BLOCK.exec(text); m; m = DER_BLOCK.exec(text)) {
    const at = m.index;
    if (!privateBlocks.some(([s, e]) => s <= at && at < e)) blocks.push([m.index, m.index + m[0].length]);
  }
  return blocks;
}

/**
 * Password labels of many languages. Spaced words are matched whole (after "_" too: DB_PASSWORD);
 * words of scripts written without spaces ("临时密码为…", "รหัสผ่าน…") wherever they stand. The
 * three-letter ones are no label when digits and then letters are glued on ("mdp84i2md3b5" is an
 * id, not "mdp 84i2…"); a numbered label stays one ("pwd1: …").
 */
const PASSWORD_WORD =
  /(?<![\p{L}\p{N}])(?:passwor[dt]s?|passwd|pwd(?!\d+\p{L})|passphrase|pass ?code|kennwort|wachtwoord|mot de passe|mdp(?!\d+\p{L})|contrase[ñn]a|clave|senha|parola(?: d'ordine)?|has[łl]o|heslo|jelsz(?:[óo]|av\p{L}*|ót)|salasana|l[öo]senord|passord|adgangskode|kodeord|[şs]ifre(?:n|niz|si|m)?|anahtar(?:ı|i)?|пароль|κωδικ[όο]ς|סיסמה|كلمة (?:المرور|السر)|पासवर्ड|m[ậa]t kh[ẩa]u|kata sandi|sandi|geslo|lozinka|parool|slapta[žz]odis|api[ _-]?key|\p{L}{2,8}passwor[dt]|token|access token|clé d'api|chave de acesso|chave da api|kata laluan|engångskod|engangskode|otp|api ?キー)(?![\p{Lu}\p{Ll}])|令牌|密码|密碼|パスワード|비밀번호|암호|รหัสผ่าน/giu;
/** A password key in camelCase ("dbPassword:", "adminPassword="): a lower-case letter before it, checked apart (a leading lookbehind makes the scan 18× slower). */
const CAMEL_PASSWORD = /Pass(?:word|wd|phrase)(?![a-z])/g;
/** Cheap hint before the labels' pattern: most texts hold none of these letters. */
const PASSWORD_HINT =
  /pass|pwd|wort|woord|mdp|contras|clave|senha|parol|has[łl]o|heslo|jelsz|salasana|senord|passord|kode|ifre|пароль|κωδικ|סיסמה|كلمة|पासवर्ड|kh[ẩa]u|sandi|geslo|lozinka|slapta|api.?key|密|パスワード|비밀번호|암호|รหัสผ่าน|token|anahtar|clé d|chave d|laluan|engångskod|engangskode|otp|キー|令牌/i;
/** How far after the label the value may stand (words such as "temporary", "was reset to" between). */
const PASSWORD_WINDOW = 64;
/** Tokens read after the label ("for the account jane.roe is …"). */
const PASSWORD_TOKENS = 7;
/** Runs of printable ASCII (passwords are typed on any keyboard in ASCII). */
const ASCII_RUN = /[!-~]+/g;
const ASCII_CHARACTER = /[!-~]/g;
const VERSION_OR_DATE = /^v?\d+(?:[.:/-]\d+)+[a-z]?$/i;
/** An IPv6 address ("2001:db8::e327"): the address, not a password, whatever label came before. */
const IPV6_SHAPE = /^[\da-f]{0,4}(?::[\da-f]{0,4}){2,7}$/i;
const EMAIL_OR_URL = /:\/\/|^[^@]+@[^@]+\.[a-z]{2,}$|^[/~.]/i;
/** Brackets and quotes inside a token: code ("os.environ['DB_PASSWORD2']", "getpass()"). */
const CODE_PUNCTUATION = /[()[\]{}'"`=]/;
/**
 * What follows a password label in prose and commands about passwords: an image or host and its
 * tag or port ("postgres:16"), a number and its unit ("90days",
 * "12Zeichen"), a word with one digit ("score3", "KeePass2"), a timestamp, a hashing scheme.
 */
const PROSE_AFTER_LABEL =
  /^\d+[A-Za-z]+$|^\d?[A-Za-z]+\d$|^\d{4}-\d\d-\d\d[T ]|^(?:argon2(?:id|i|d)?|bcrypt|scrypt|pbkdf2(?:-sha\d+)?|sha-?\d+|md5|aes-?\d+|rsa-?\d+|utf-?8)$/i;
/** A piece of an identifier made of words: lower, capitalised or upper case, a short number after. */
const WORD_PIECE = /^(?:[a-z]+|[A-Z][a-z]+|[A-Z]+)\d{0,4}$|^\d+$/;

/**
 * Whether a token after a password label is the password: 6 to 128 characters with letters and
 * digits, a lower-case letter unless it is long, and none of the shapes that follow such a label
 * in prose and code (a version, a date, a URL or path, an e-mail, an identifier of words like
 * DB_PASSWORD or my-secret-v2).
 */
function passwordShaped(token: string): boolean {
  if (token.length < 6 || token.length > 128 || !/\d/.test(token) || !/[A-Za-z]/.test(token)) return false;
  if (!/[a-z]/.test(token) && token.length < 16) return false;
  if (
    VERSION_OR_DATE.test(token) ||
    IPV6_SHAPE.test(token) ||
    EMAIL_OR_URL.test(token) ||
    CODE_PUNCTUATION.test(token) ||
    PROSE_AFTER_LABEL.test(token)
  )
    return false;
  const pieces = token.split(/[_.-]+/).filter(Boolean);
  // A capitalised word and a year is how people make passwords ("Summer_2024", "Warszawa.2024").
  if (pieces.length === 2 && /^\p{Lu}\p{Ll}+$/u.test(pieces[0] ?? "") && /^(?:19|20)\d\d$/.test(pieces[1] ?? "")) return true;
  return !(pieces.length >= 2 && pieces.every((p) => WORD_PIECE.test(p)));
}

/**
 * A password written after its label ("Temporary password: Zq5L@QOntS97", "Mein altes Passwort
 * war Sommer2024", "临时密码为Panda$6286v8v"): such values are often too short or too plain for
 * the entropy rule. The first of the next few tokens on the line that has a password's shape.
 */
function detectLabelledPasswords(text: string, out: RawFinding[]): void {
  if (!PASSWORD_HINT.test(text)) return;
  readAfterLabels(text, nextPasswordWord, out);
  readAfterLabels(text, nextCamelPassword, out);
}

/** Every label holds one of the hints this far from its start at most ("mot de passe", "adgangskode"). */
const HINT_OFFSET = 8;
const PASSWORD_HINTS = new RegExp(PASSWORD_HINT.source, "gi");
const PASSWORD_WORD_AT = new RegExp(PASSWORD_WORD.source, "iuy");

/**
 * The first password label at or after `from`: the labels' pattern (a Unicode lookbehind before
 * each of forty words, slow to scan with) is tried only just before each hint.
 */
function nextPasswordWord(text: string, from: number): RegExpExecArray | null {
  PASSWORD_HINTS.lastIndex = from;
  for (let h = PASSWORD_HINTS.exec(text); h; h = PASSWORD_HINTS.exec(text)) {
    for (let start = Math.max(from, h.index - HINT_OFFSET); start <= h.index; start++) {
      PASSWORD_WORD_AT.lastIndex = start;
      const m = PASSWORD_WORD_AT.exec(text);
      if (m) return m;
    }
    PASSWORD_HINTS.lastIndex = h.index + 1; // hints may overlap
  }
  return null;
}

function nextCamelPassword(text: string, from: number): RegExpExecArray | null {
  CAMEL_PASSWORD.lastIndex = from;
  for (let m = CAMEL_PASSWORD.exec(text); m; m = CAMEL_PASSWORD.exec(text)) {
    const before = text.charCodeAt(m.index - 1);
    if (before >= 0x61 && before <= 0x7a) return m;
  }
  return null;
}

function readAfterLabels(text: string, next: (text: string, from: number) => RegExpExecArray | null, out: RawFinding[]): void {
  // Where the next printable ASCII character stands, found once for all the labels before it: a
  // text of labels in a script without ASCII ("密码密码…") is not read again after each of them.
  let asciiAt = -1;
  for (let m = next(text, 0), after = 0; m; m = next(text, after)) {
    let from = m.index + m[0].length;
    // Only what follows the label is read (a bounded slice): a text made of labels costs no more than its length.
    let line = firstLine(text.slice(from, from + PASSWORD_WINDOW + 129));
    // "Password:" closing its line: the value is on the next one.
    if (/^[\s:：=]*$/u.test(line) && text[from + line.length] === "\n") {
      from += line.length + 1;
      line = firstLine(text.slice(from, from + PASSWORD_WINDOW + 129));
    }
    if (asciiAt < from) {
      ASCII_CHARACTER.lastIndex = from;
      asciiAt = ASCII_CHARACTER.exec(text)?.index ?? text.length;
    }
    if (asciiAt - from >= PASSWORD_WINDOW) {
      after = Math.max(m.index + m[0].length, from);
      continue;
    }
    ASCII_RUN.lastIndex = 0;
    let tokens = 0;
    let read = 0;
    // A key's value ("PASSWORD=example", "password: …") is the one token after it.
    const most = /^[=:：]/.test(line) ? 1 : PASSWORD_TOKENS;
    for (let r = ASCII_RUN.exec(line); r && r.index < PASSWORD_WINDOW && tokens < most; r = ASCII_RUN.exec(line)) {
      read = r.index + r[0].length;
      const lead = /^[("'`[{:=]*/.exec(r[0])?.[0].length ?? 0;
      const token = r[0].slice(lead).replace(/[.,;:!?)\]}'"`]+$/, "");
      if (token === "") continue;
      tokens++;
      if (!passwordShaped(token)) {
        // A sentence's end closes what the label speaks of ("Your password is ready. Log in from …").
        if (/[.!?]$/.test(r[0]) && /^\s+\p{Lu}/u.test(line.slice(r.index + r[0].length))) break;
        continue;
      }
      const start = from + r.index + lead;
      out.push({ category: "secret", start, end: start + token.length, detector: "labelled_password", key: token });
      break;
    }
    // Labels inside what was just read are not read again ("pwd pwd pwd …").
    after = Math.max(m.index + m[0].length, from + read);
  }
}

const firstLine = (s: string) => {
  const nl = s.indexOf("\n");
  return nl < 0 ? s : s.slice(0, nl);
};
