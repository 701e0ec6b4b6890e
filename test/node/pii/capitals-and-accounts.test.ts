// The fifteenth round's classes: pieces written in capitals only (news headlines, forms in block
// letters), user names after an account word in many languages, Korean names before more titles,
// Chinese names before verbs of a life or a verdict, greetings of the Baltic languages — and texts
// of the same shapes that name no one.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { recasedCapitals } from "../../../workers/pii/detectors/entities.js";

const detector = new PiiDetector({ categories: ["person", "address", "location", "organization"] });
const found = (text: string, category?: string) =>
  detector
    .detect(text)
    .filter((f) => category === undefined || f.category === category)
    .map((f) => text.slice(f.start, f.end));
const people = (text: string) => found(text, "person");

describe("a piece in capitals only is read as prose", () => {
  it.each([
    ["SPRINT: WANJIRU TAKES GOLD IN OSLO, MEKONNEN THIRD", "Sprint: Wanjiru takes gold in Oslo, Mekonnen third"],
    ["NAME: ELENA MARCHETTI", "Name: Elena Marchetti"],
    ["REGISTRO: N'DIAYE — PRÉNOM: AYA", "Registro: N'Diaye — prénom: Aya"],
  ])("%s", (text, recased) => {
    expect(recasedCapitals(text)).toBe(recased);
  });

  it("keeps every offset: the recased piece is as long as the piece", () => {
    for (const text of ["İSTANBUL'DA YAĞMUR BEKLENİYOR", "STRASSE UND GRÖSSE SIND GLEICH", "ΟΙ ΤΙΜΕΣ ΑΝΕΒΗΚΑΝ ΞΑΝΑ"]) {
      const recased = recasedCapitals(text);
      expect(recased).not.toBeNull();
      expect(recased?.length).toBe(text.length);
    }
  });

  it("leaves pieces with a small letter, or fewer than three words, as they are", () => {
    expect(recasedCapitals("Shares of ACME ROSE TODAY")).toBeNull();
    expect(recasedCapitals("OK GO")).toBeNull();
  });

  it.each([
    ["SPRINT: WANJIRU TAKES GOLD IN OSLO, MEKONNEN THIRD", ["Wanjiru", "Mekonnen"]],
    ["FORMER SENATOR MARGIT HALVORSEN DIES AT 88", ["Margit Halvorsen"]],
  ])("finds the people of a headline: %s", (text, expected) => {
    for (const name of expected) expect(people(text).join(" | ").toLowerCase()).toContain(name.toLowerCase());
  });

  it.each([
    "BOND YIELDS CLIMB AS TRADERS PARE RATE-CUT BETS",
    "STRONG WINDS EXPECTED ACROSS THE REGION THIS WEEKEND",
    "WHEAT FUTURES EDGE LOWER AFTER A VOLATILE SESSION",
    "LA PRODUCCIÓN INDUSTRIAL SE ESTANCA EN MARZO",
  ])("alters no headline that names no one: %s", (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe("a user name after an account word", () => {
  it.each([
    ["Nieuwe aanmelding op account vdberg_anouk vanaf een onbekend apparaat.", "vdberg_anouk"],
    ["Tài khoản ngocmai.tran92 vừa đổi mật khẩu.", "ngocmai.tran92"],
    ["用户liwei_88于昨天登录。", "liwei_88"],
    ["Security alert for dkowalski77: password changed.", "dkowalski77"],
    ["Účet uživatele pnemec204 byl zablokován.", "pnemec204"],
    ["Ο λογαριασμός nikos.pap81 κλειδώθηκε.", "nikos.pap81"],
  ])("%s", (text, handle) => {
    expect(people(text)).toContain(handle);
  });

  it.each([
    "Open account settings_v2 to change the plan.",
    "The account node_modules folder is stale.",
    "Your account balance is 42.10 EUR.",
    "用户设置已保存。",
  ])("needs a handle's marks and no everyday words: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("Korean, Chinese and Baltic cues", () => {
  it.each([
    ["故 박정란 여사는 평생 도자기를 빚었다.", "박정란"],
    ["담당: 구청 복지과 이서연 주무관", "이서연"],
    ["王海燕出生于杭州，后来当选为代表。", "王海燕"],
    ["法院判处刘建国入狱三年。", "刘建国"],
    ["Sveiki, Rūta, jūsų užsakymas išsiųstas.", "Rūta"],
    ["Labdien, Ilze! Jūsu rēķins ir gatavs.", "Ilze"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
});

describe("a news-wire dateline", () => {
  const kinds = (text: string) => detector.detect(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);
  it.each([
    ["LISBOA, 7 fev (Lusa) - O governo aprovou o orçamento.", ["location:LISBOA", "organization:Lusa"]],
    ["KAMPALA (Reuters) - Uganda's parliament passed the bill on Tuesday.", ["location:KAMPALA", "organization:Reuters"]],
    ["WARSZAWA, 2 marca (PAP) - Sejm przyjął ustawę.", ["location:WARSZAWA", "organization:PAP"]],
  ])("names its city and agency: %s", (text, expected) => {
    for (const e of expected) expect(kinds(text)).toContain(e);
  });

  it.each(["NOTE (optional) - add a second line.", "STEP 2 (required) — restart the service.", "TODO (later) - remove the flag."])(
    "a label and a remark in brackets name nothing: %s",
    (text) => {
      expect(found(text)).toEqual([]);
    },
  );
});

describe("a surname alone inside a sentence of news", () => {
  it.each([
    ["Witnesses said Okafor had left before midnight.", "Okafor"],
    ["The board expects Lindqvist to step down in May.", "Lindqvist"],
    ["Analysts believe Tanaka will lead the merger talks.", "Tanaka"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "Cuộc họp được dời sang thứ Năm tuần sau.",
    "Haga clic en Atención al Cliente para más ayuda.",
    "Clique em Esqueci minha senha para redefinir.",
  ])("an article or a preposition before a capital is no name's cue: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("a greeting in a script without capitals", () => {
  it.each([
    ["வணக்கம் கார்த்திகா, உங்கள் ஆர்டர் தயார்.", "கார்த்திகா"],
    ["ሰላም ሄኖክ፣ ክፍያዎ ደርሷል።", "ሄኖክ"],
    ["नमस्ते अंजलि, आपका टिकट बुक हो गया है।", "अंजलि"],
    ["يا مريم، الطلب جاهز.", "مريم"],
    ["שלום נועה, החבילה בדרך.", "נועה"],
    ["เรียนคุณวิภาวรรณ ใบแจ้งหนี้ของท่านพร้อมแล้ว", "วิภาวรรณ"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "مرحبا بكم! يسعدنا تواصلكم.",
    "يا جماعة، الاجتماع بعد ساعة.",
    "प्रिय ग्राहक, आपका ऑर्डर भेज दिया गया है।",
    "שלום לכולם, הפגישה נדחתה.",
    "عزيزي العميل، شكرا لتواصلك معنا.",
  ])("a group, a customer or thanks greeted names no one: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});
