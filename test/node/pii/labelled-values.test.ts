// Values a label or a cue word names, in many languages and scripts: passwords after their label,
// ids after their label, phone numbers after a phone word (also glued to Han, Hangul or Thai
// text), and IP addresses inside text of scripts written without spaces.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import type { PiiCategory } from "../../../workers/pii/types.js";

const found = (category: PiiCategory, text: string) =>
  new PiiDetector({ categories: [category] })
    .detect(text)
    .filter((f) => f.category === category)
    .map((f) => text.slice(f.start, f.end));

describe("passwords after their label", () => {
  it.each([
    ["Nuova password temporanea: Blue!1000uwZ", "Blue!1000uwZ"],
    ["Se restableció la clave a e4c607133501322c7a95604a82e30257.", "e4c607133501322c7a95604a82e30257"],
    ["临时密码为Panda$6286v8v。", "Panda$6286v8v"],
    ["Password was reset to temporary Zq5L@QOntS97.", "Zq5L@QOntS97"],
    ["Mein altes Passwort war Sommer2024, bitte ändern.", "Sommer2024"],
    ["Geçici şifre: uSMO#nT8tA2", "uSMO#nT8tA2"],
    ["Kata sandi sementara: api_f99d8d46_YhhRHZhjp1GCz9jawDP443tM", "api_f99d8d46_YhhRHZhjp1GCz9jawDP443tM"],
    ["Ваш новый пароль: kot7Marsik", "kot7Marsik"],
    ["รหัสผ่านชั่วคราว x9fQ2mLp", "x9fQ2mLp"],
  ])("%s", (text, value) => {
    expect(found("secret", text)).toEqual([value]);
  });

  it.each([
    "Passwords must contain 12 characters, including A-Z, a-z and 0-9",
    "The password is stored with PBKDF2-SHA256 and 600000 iterations",
    "password = os.environ['DB_PASSWORD2']",
    "Reset your password in Settings > Security (v2.3.1)",
    "See the password-reset endpoint /api/v1/reset",
    "Kubernetes password my-secret-v2 is mounted",
    "Password expires on 2024-05-01",
    "passwordless login since 2023",
    "Forgot password? Write to help@example.org",
  ])("not in: %s", (text) => {
    expect(found("secret", text)).toEqual([]);
  });
});

describe("AWS key ids as generators and documentation write them", () => {
  it("any capital or digit after the prefix", () => {
    expect(found("secret", "Se restableció la clave a AKIASI033O3WG5OA7TU4.")).toEqual(["AKIASI033O3WG5OA7TU4"]);
  });
});

describe("ids after their label", () => {
  it.each([
    ["né(e) le 18/09/1962, CNI n° C7997822815, domicile", "C7997822815"],
    ["Merci de fournir votre pièce d'identité n° 2486 7977 44573.", "2486 7977 44573"],
    ["Marta Kļaviņa, personas kods 150991-16574, adrese", "150991-16574"],
    ["Ugnė Žukauskaitė, asmens kodas 46104146948, adresas", "46104146948"],
    ["Liis Pärn, isikukood 38901201528, aadress", "38901201528"],
    ["Паспорт серия и номер 64 50 640539, выдан", "64 50 640539"],
    ["KRA PIN: A608923015X; Mobile", "A608923015X"],
    ["العميل: هبة رشاد، الرقم القومي 28811013148579، العنوان", "28811013148579"],
    ["ปิยะ ใจดี เลขประจำตัวประชาชน 5-9817-14479-68-7 วันเกิด", "5-9817-14479-68-7"],
  ])("%s", (text, value) => {
    expect(found("tax_id", text)).toEqual([value]);
  });
});

describe("phone numbers after a phone word", () => {
  it.each([
    ["8 BP 8003, Yamoussoukro, tél. 07 17 56 60 19.", "07 17 56 60 19"],
    ["5558 Odense, tlf. 20 40 82 57", "20 40 82 57"],
    ["кв. 28, м. Харків, 61414, тел. 067 163 37 03", "067 163 37 03"],
    ["收件人张浩然，电话15565677776。", "15565677776"],
    ["الإسكندرية، موبايل 01225537927", "01225537927"],
    ["जन्म तिथि 26-05-1963, मोबाइल 9857333885", "9857333885"],
  ])("%s", (text, value) => {
    expect(found("phone", text)).toEqual([value]);
  });

  it("a bare number glued to Han text without a phone word stays a number", () => {
    expect(found("phone", "本季度共计15565677776元")).toEqual([]);
  });
});

describe("IP addresses in text of scripts written without spaces, and before a full stop", () => {
  it.each([
    ["您的账号于81.23.109.209登录", "81.23.109.209"],
    ["계정이 172.24.200.241에서 로그인되었습니다", "172.24.200.241"],
    ["您的账号于2001:db8:c304:69a7:2752::b104登录", "2001:db8:c304:69a7:2752::b104"],
    ["Sign-in from 2001:db8:e897:1ff9::8f9c.", "2001:db8:e897:1ff9::8f9c"],
  ])("%s", (text, value) => {
    expect(found("ip_address", text)).toEqual([value]);
  });

  it.each(["use A::B and E:: here", "impl Bad::Ace {}", "listen on ::1", "firmware1.2.3.4"])("not in: %s", (text) => {
    expect(found("ip_address", text)).toEqual([]);
  });
});

describe("addresses after their label, with or without a colon", () => {
  it.each([
    ["CUIT 20-12446801-4, domicilio fiscal Av. Santa Fe 169, piso 1, (85009) Córdoba.", "Av. Santa Fe 169, piso 1, (85009) Córdoba"],
    ["Marta Kļaviņa, adrese Brīvības iela 175-21, Liepāja, LV-3490, tālrunis +371 6721 2775", "Brīvības iela 175-21, Liepāja, LV-3490"],
    ["Адрес регистрации: 420685, г. Казань, ул. Ленина, д. 11, кв. 24", "420685, г. Казань, ул. Ленина, д. 11, кв. 24"],
    ["P.IVA 61226163576, sede Viale dei Mille 118, 00108 Roma, IBAN", "Viale dei Mille 118, 00108 Roma"],
    ["Dirección de despacho: Calle Condell 144, Concepción.", "Calle Condell 144, Concepción"],
  ])("%s", (text, value) => {
    expect(found("address", text)).toEqual([value]);
  });

  it.each([
    'echo "wrong socks address or port requested" >&2',
    "heap-use-after-free on address 0x602000000050 at pc 0x55d5c1e2a4b1",
    "Returns the address as an array of 16 bytes in network byte order.",
    "The server's IP address 10.0.0.12 is reserved.",
  ])("not in: %s", (text) => {
    expect(found("address", text)).toEqual([]);
  });
});
