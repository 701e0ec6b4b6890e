// People a letter's formal opening names in many languages ("Kedves Anna!", "Drogi Marku,"), no
// one where it addresses a group or a role ("Liebe Kundin"), names on a prose line that
// holds an IPv6 address or a key (the line is judged without the values the pattern detectors
// found), a password label's reach ending with its sentence, kin titles ("Auntie Grace"), a
// colleague from a team ("Grace from accounts"), Chinese names with no role word beside them, Korean
// names called or scoring, the attendees CJK minutes list, a kana speaker before a quote.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";

const people = (text: string) => detectPii(text, { categories: ["person"] }).map((f) => text.slice(f.start, f.end));
const found = (text: string) => detectPii(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("people a formal greeting names", () => {
  it.each([
    ["Kedves Anna! A munkabéred a jövő héten érkezik.", "Anna"],
    ["Drogi Marku, dziękuję za wiadomość.", "Marku"],
    ["Cara Giulia, ti scrivo da Roma.", "Giulia"],
    ["Beste Sanne, bedankt voor je bericht.", "Sanne"],
    ["Vážená Jano, děkujeme za objednávku.", "Jano"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Liebe Kundin, lieber Kunde, wir haben Ihre Anfrage erhalten.",
    "Liebe Kolleginnen und Kollegen, ab Montag gilt der neue Plan.",
    "Caro amico, ti scrivo da Roma.",
    "Dear Customer, thank you for your order.",
    "Estimado cliente, gracias por su compra.",
  ])("no one: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a prose line is judged without the values found in it", () => {
  it.each([
    ["Hola Carmen, tu contraseña es lista. Entra desde 2001:db8:6d1d:4449:82c:df60::e327.", "Carmen"],
    ["Ahoj Martin, prihlásenie z 2a02:f60e:b6e1::e685 bolo zablokované.", "Martin"],
    ["Merhaba Oğuz, sunucu erişim anahtarı: sk_live_T3hiO8PLgzEjy23iQ1xX.", "Oğuz"],
    ["Lähettäjä TAPANI KOSKINEN <tapanikoskinen52@gmail.com>", "TAPANI KOSKINEN"],
  ])("%s", (text, name) => {
    expect(found(text).some((p) => p.startsWith("person:") && p.includes(name))).toBe(true);
  });

  it("code around a value stays code", () => {
    expect(people('const host = "2001:db8::1"; // Carmen')).not.toContain("host");
    expect(people("server_name: 10.0.0.1\nlisten_port: 8080\nowner_id: 77")).toEqual([]);
  });
});

describe("a password label reads to its sentence's end", () => {
  it("an address after the sentence is the address", () => {
    expect(found("Your password is ready. Log in from 2001:db8::e327 today.")).toEqual(["ip_address:2001:db8::e327"]);
  });
  it("the password in the label's sentence is still read", () => {
    expect(found("Your temporary password is Xk29skd8.")).toContain("secret:Xk29skd8");
    expect(found("password: Xk29skd8.")).toContain("secret:Xk29skd8");
  });
});

describe("people named by kin, by their team, or by the CJK forms around them", () => {
  it.each([
    ["Thanks so much, Auntie Grace! The scarf is perfect.", "Grace"],
    ["I can't believe Aunty Pat drove all the way from Aberdeen.", "Pat"],
    ["My godmother Helen sent a card.", "Helen"],
    ["Grace from accounts called — can you call her back?", "Grace"],
    ["xX_dmitri_Xx is just Dmitri from accounts, don't worry.", "Dmitri"],
    ["Takk til Ingvild Sæther og Ola Nordby ved Universitetet i Bergen.", "Ola Nordby"],
    ["In Antwerpen opende Lieve Claes een tweedehandsboekenwinkel.", "Lieve Claes"],
    ["王芳和赵磊将负责下周的展会。", "赵磊"],
    ["林佳蓉從台北搬到高雄已經三年了。", "林佳蓉"],
    ["香港的何嘉欣开了一家只卖菠萝包的小店。", "何嘉欣"],
    ["刘洋在北京马拉松中获得第三名。", "刘洋"],
    ["지민아 오늘 홍대에서 보자!", "지민"],
    ["수빈아, 이 파일 좀 전달해줘.", "수빈"],
    ["전북 현대는 송민규의 결승골로 1-0 승리를 거뒀다.", "송민규"],
    ["결승골은 한지석이 넣었다.", "한지석"],
    ["出席者：岡田、西村美穂、マイケル・ブラウン", "西村美穂"],
    ["議事録：出席者 鈴木美咲、高橋、伊藤。", "伊藤"],
    ["참석자: 남궁민, 선우정아, 제임스 리", "제임스 리"],
    ["LINE：みく「はるとまだ仙台？」そうた「明日戻るって」", "そうた"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Reports from finance are late.",
    "Someone from IT called.",
    "March from accounts was busy.",
    "这个方法很安全，高峰时段人多。",
    "文明城市，高明的办法。",
    "许多人都说黎明时的江河很美。",
    "周末去林芝和黄山旅游。",
    "아니야, 괜찮아.",
    "괜찮아, 다음에 하자.",
    "이사회가 말했다.",
    "위원회의 활약이 컸다.",
    "これは「テスト」です。",
  ])("no one: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
