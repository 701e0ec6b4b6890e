// The rules that complete the tagger's people (detectors/names.ts) and the checks that keep
// greetings, German nouns and lower-case words out, through the public detectPii entry.
import { describe, expect, it } from "vitest";
import { detectPii, type PiiCategory } from "../../../workers/pii/index.js";

const entities = { categories: ["person", "organization", "location", "address"] as PiiCategory[] };
const people = (text: string) =>
  detectPii(text, entities)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));
const anything = (text: string) => detectPii(text, entities).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("the rest of a name the tagger started", () => {
  it.each([
    ["Analyst Meenakshi Raghavendran of Carroway Securities said the deal was priced well.", "Meenakshi Raghavendran"],
    ["The motion was seconded by Ferdinand de Valcourt, a councillor since 2019.", "Ferdinand de Valcourt"],
    ["The claim was filed by Marcus Whitcombe Jr., a roofer from Dayton.", "Marcus Whitcombe Jr."],
    ["Карта Мир 2200 7014 8823 6156, держатель OLEG BARANOV", "OLEG BARANOV"],
    // a word the tagger read as a person beside a kept person, even an everyday word alone
    ["Quick sync with Aidan Hollowell (Finance) about the renewal.", "Aidan Hollowell"],
    // a preposition before a given name is not part of the name
    ["Nous avons reçu la lettre de Mathilde Vergnaud hier soir.", "Mathilde Vergnaud"],
    ["A carta de Rodrigo Albuquerque chegou ontem.", "Rodrigo Albuquerque"],
  ])("%s", (text, name) => {
    expect(people(text).join(" | ")).toContain(name);
  });

  it("keeps a name that opens a shipping line apart from the street after it", () => {
    const text = "SHIP TO: BRENDA KOWALSKI, 1208 W 35TH ST, AUSTIN TX 78701";
    expect(people(text)).toEqual(["BRENDA KOWALSKI"]);
    expect(anything(text).some((f) => f.startsWith("address:") && f.includes("35TH ST"))).toBe(true);
  });
});

describe("a given name at a cue", () => {
  it.each([
    ["hey gemma, are we still on for lunch?", "gemma"],
    ["The parcel is at the back door. Message Ollie.", "Ollie"],
    ["Hey Ben — the electrician said he can come on Friday.", "Ben"],
    ["still waiting on marta's review before we merge", "marta"],
    ["lol kevin posted the photos already", "kevin"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("an everyday word before a colon and an article is a glossary entry, not a speaker", () => {
    expect(anything("Glossary. Mark: a visible impression. Grant: a sum of money given for a purpose.")).toEqual([]);
    expect(people("Mark: can you check the invoice?")).toEqual(["Mark"]);
  });

  it("a field label before a colon is not a speaker", () => {
    for (const text of ["Kontoinhaber: siehe unten", "Henkilötunnus: ei tiedossa", "Számlaszám: nincs megadva"]) expect(people(text)).toEqual([]);
  });
});

describe("names in Chinese, Japanese and Korean text", () => {
  it.each([
    ["深圳市星海科技有限公司总经理陈志明表示，公司将扩大生产。", ["陈志明"]],
    ["请通知李娜和张强，明天开会。", ["李娜", "张强"]],
    ["代表取締役の高橋 健一氏が記者会見で説明した。", ["高橋 健一"]],
    ["お届け先：森本 拓也様", ["森本 拓也"]],
    ["한빛전자 이상훈 대표는 새 공장을 짓겠다고 밝혔다.", ["이상훈"]],
    // a weekday or "将" after a name cued by a role word before it; role words of news and minutes
    ["星河科技有限公司董事长王志刚周三宣布，公司将在武汉设立工厂。", ["王志刚"]],
    ["据报道，杭州市民郑国华将自家老宅改造成书店。", ["郑国华"]],
    ["会议纪要：参会人员赵明、孙晓燕。", ["赵明"]],
    // thanks or a spokesperson before the name, a deputy's or a spokesperson's title after a Korean name
    ["特别感谢刘建华教授的指导。", ["刘建华"]],
    ["公司发言人周丽表示，订单已恢复。", ["周丽"]],
    ["한빛전자의 정우성 부사장은 투자 계획을 밝혔다.", ["정우성"]],
    ["시청 대변인 한지민 대변인은 일정을 공개했다.", ["한지민"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(expect.arrayContaining(names));
  });

  it.each([
    "感谢大家的支持。",
    "谢谢您的耐心等待。",
    "感谢参与本次调查的所有用户。",
    "高质量，低价格。",
    "方法，安全，高效。",
    "安全设置和隐私",
    "月曜日から金曜日まで営業しています。",
    "고객님, 주문이 접수되었습니다.",
    "请输入您的密码。",
    "本周五发布新版本。",
    "王国的历史很长，将来也会继续。",
  ])("leaves text without a name alone: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("clean text that looks like names", () => {
  it.each([
    "Merry Christmas and a Happy New Year from all of us.",
    "Feliz Navidad y próspero Año Nuevo.",
    "Buona Pasqua a tutti voi.",
    "Neue Funktion: Dunkelmodus für die Einstellungen und die Suche.",
    "Rührei mit Schnittlauch, dazu Bauernbrot und Butter.",
    "Ruby red, emerald green and sapphire blue are the accent colours.",
  ])("%s", (text) => {
    expect(anything(text)).toEqual([]);
  });

  it.each([
    // compounds of everyday words
    "Das Marketing-Team präsentiert die Zahlen am Montag.",
    "Our Cloud-Based Backup plan covers every laptop.",
    // contractions
    "We'll send the invoice tomorrow; they're ready to pay.",
    // a word and one capital letter
    "Please use Entrance D and go to Hall C after lunch.",
    // weekdays and months the time words miss
    "営業時間は月曜日から土曜日までです。",
    "A reunião foi movida para terça-feira à tarde.",
    // a season before everyday words
    "Summer Collection launches next week with twelve new styles.",
    // a unit after a number
    "The laptop ships with 32 GB RAM and a 1 TB SSD.",
    // hiragana opening a span, Korean and Arabic sentences
    "ご迷惑をおかけして申し訳ございません。",
    "파일 크기는 10MB 이하여야 합니다.",
    "سيتم تحديث التطبيق خلال يومين.",
    // a list of nouns, and everyday words around a town that is an everyday word
    "Tagesordnung: Haushaltsplanung, Personalbedarf und Ziele.",
    "Accept Cookies / Manage Preferences",
    // German nouns of abstract shape, an article before a common noun, colours, placeholder text, Vietnamese words
    "Bitte lesen Sie die Datenschutzerklärung und die Nutzungsbedingungen.",
    "Der Kunde wünscht eine Gutschrift über 20 Euro und bittet um Rückruf.",
    "Available in Ocean blue and Slate grey.",
    "Lorem ipsum dolor sit amet, sed do eiusmod tempor.",
    "Thời tiết hôm nay đẹp.",
  ])("%s", (text) => {
    expect(anything(text)).toEqual([]);
  });

  it("keeps the names beside those classes", () => {
    expect(people("Malcolm X spoke in Harlem.")).toEqual(["Malcolm X"]);
    expect(people("환자 김민준 님이 내원했습니다.")).toEqual(["김민준"]);
    expect(people("Wir haben mit Schneider gesprochen, er ist einverstanden.")).toEqual(["Schneider"]);
    expect(people("The lease was signed by Anne-Marie Duval-Ferrand on Tuesday.")).toEqual(["Anne-Marie Duval-Ferrand"]);
    // Romanised Korean given names are no compound of words ("jun", "woo" are words).
    expect(anything("Min-jun and Ji-woo opened a bakery.")).toHaveLength(2);
  });

  it("German text still gives a known name", () => {
    expect(people("Die Bürgermeisterin Annelie Brückner kündigte am Dienstag einen neuen Radweg an.")).toEqual(["Annelie Brückner"]);
  });
});

describe("CJK names in forms and in Latin-script text", () => {
  it.each([
    ["客户：王晓明，出生日期：1986年11月2日", "王晓明"],
    ["Contact 李静 at 仁爱社区医院", "李静"],
    ["Patient: 王晓明 出生日期：1986年11月2日", "王晓明"],
    ["배송지: 테헤란로 152, 수령인 최동욱, 연락처 031-712-4400", "최동욱"],
    ["KYC check: 박성민, 생년월일 1988년", "박성민"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });
  it.each(["营业时间：周一至周五 9:00–18:00", "Use 한국어 for Korean.", "状态：正常，备注：无"])("not a name: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("clean text classes: function words, numbers, codes, teams, town words", () => {
  // Each of these alters the text without the class's rule.
  it.each([
    // kanji words read as a person in Japanese text
    "リリースノート：検索の高速化とバグ修正を含みます。",
    // Hindi function words alone
    "सूचना: बैठक 3 बजे होगी। कृपया समय पर आएं।",
    // an English ordinal, a heading level, an agenda abbreviation with "&"
    "Payroll: cut-off on the 20th, payment on the last working day.",
    "Heading styles: H1 Page Title, H2 Section, H3 Subsection.",
    "Agenda: product updates, hiring, Q&A.",
    // an internal team named with everyday words
    "Could the Mobile team take a look at the crash reports?",
    "Could the Design Systems team take a look at the lint warnings?",
    // a town's name that is an everyday English word, used as the word
    'Plans: Starter at $10/month, Team at $25/month and Enterprise as "Contact us".',
    // place words in lower case outside a preposition of place
    "Note di rilascio 2.0: nuova dashboard, correzioni varie.",
    "Notas de la versión 4.2: nueva vista de informes y mejoras.",
    // a team's queue, a plan name after a comma in a price list
    "Ticket #4412: login fails on Safari. Assigned to the Design Systems queue.",
    "Price list: Basic 5.00, Pro 29.00, Enterprise on request.",
    // a katakana loanword with a particle
    "お知らせ：データベースへの接続が切れました。",
    "リマインダー：会議は金曜日です。チケットの更新をお願いします。",
    // job titles of everyday words
    "Open roles: Regional Sales Director, Staff Software Engineer, Clinical Nurse Specialist and Payroll Administrator.",
    // a German article before a frequent word that is also a surname
    "Ticket geschlossen: Der Kunde hatte das Passwort vergessen.",
  ])("%s", (text) => {
    expect(anything(text)).toEqual([]);
  });

  it("keeps the names and places beside those classes", () => {
    expect(anything("She moved to Reading last year.")).toEqual(["location:Reading"]);
    expect(anything("Born 1945, Cork.")).toEqual(["location:Cork"]);
    expect(anything("He is now studying in lyon.")).toEqual(["location:lyon"]);
    expect(people("Lo Bianco promette autobus ogni mezz'ora.")).toEqual(["Lo Bianco"]);
    expect(people("お客様：高橋 さくら 様からのお問い合わせ。")).toEqual(["高橋 さくら"]);
    expect(people("佐藤様から連絡がありました。")).toEqual(["佐藤"]);
    expect(people("Priya Raman and the Data Platform team met on Monday.")).toEqual(["Priya Raman"]);
    expect(people("मरीज़: सुनीता देवी, जन्म तिथि 05/08/1968").join(" ")).toContain("सुनीता देवी");
  });
});

describe("a phone number glued to its label", () => {
  it.each([
    ["電話：090-1234-5678", "090-1234-5678"],
    ["Tel:0412 345 678", "0412 345 678"],
  ])("%s", (text, number) => {
    expect(detectPii(text, { categories: ["phone"] }).map((f) => text.slice(f.start, f.end))).toEqual([number]);
  });

  it.each(["localhost:8080", "port:5432 is open", "build:20261203"])("not a port or a build number: %s", (text) => {
    expect(detectPii(text, { categories: ["phone"] })).toEqual([]);
  });
});

describe("other mentions of a person found in the same text", () => {
  it.each([
    [
      "Councillor Ngozi Adebayo-Whitfield opened the session. Later, Adebayo-Whitfield said the budget would pass.",
      ["Ngozi Adebayo-Whitfield", "Adebayo-Whitfield"],
    ],
    ["Inspector Radomir Kowalczyk led the raid. Kowalczyk told reporters it went well.", ["Radomir Kowalczyk", "Kowalczyk"]],
    ["Signed by Dr. Lena Okafor. OKAFOR's notes are attached; Lena will call.", ["Lena Okafor", "OKAFOR", "Lena"]],
  ])("%s", (text, names) => {
    expect(people(text)).toEqual(names);
  });

  it("a surname found as an organisation is the person again", () => {
    const text = "Dr. Lena Okafor joined. Okafor's team agreed.";
    expect(people(text)).toEqual(["Lena Okafor", "Okafor"]);
  });

  it("does not match inside other words, addresses or identifiers", () => {
    const text = "Mara Lindqvist wrote the report. See lindqvist@example.org and /srv/Lindqvist-archive.";
    expect(people(text)).toEqual(["Mara Lindqvist"]);
  });
});

describe("people named alone in natural text of many languages", () => {
  it.each([
    // a given name after a greeting and before a comma, even one no list holds
    ["Finnish chat, given name alone", "Moi Kerttu, ehditkö katsoa laskun?", ["Kerttu"]],
    ["Italian greeting, a name no list holds", "Ciao Tancredi, hai letto la mail?", ["Tancredi"]],
    ["Korean given name in Latin script", "Thanks Ji-woo, the numbers look right.", ["Ji-woo"]],
    // lower-case chat speakers after a label, ALL-CAPS speakers after a transcript's timestamp
    ["lower-case Finnish chat speakers", "slack: oskari: kuka ottaa tämän? aino: minä otan", ["oskari", "aino"]],
    ["ALL-CAPS transcript speakers", "Call log 00:03:11 BRIGITTE: are the slides ready? 00:03:15 OSWALD: almost.", ["BRIGITTE", "OSWALD"]],
    ["lower-case name after thanks", "kiitos hilma, toimii taas", ["hilma"]],
    // surname alone on its second mention
    [
      "Turkish news, surname-only second mention",
      "Ekonomist Levent Karagöz dün bir açıklama yaptı. Karagöz, faizlerin düşeceğini söyledi.",
      ["Karagöz"],
    ],
    ["Finnish news, inflected name then surname", "Tapasin Kerttu Lehtisen eilen. Lehtinen lupasi lähettää tarjouksen.", ["Lehtinen"]],
    ["Polish given name and surname alone", "Zdzisław powiedział, że Wróblewski przyjedzie jutro.", ["Zdzisław", "Wróblewski"]],
    // Nigerian given names alone in English text
    ["Nigerian given names alone", "Emeka said Olabode will bring the samples.", ["Emeka", "Olabode"]],
    ["action item on a given name", "Action: Tobenna to send the revised budget.", ["Tobenna"]],
    // Chinese familiar forms and court news, Korean given name before 씨 and family name before a title
    ["Chinese familiar form of a family name before a verb", "老孙说明天把报价发过来。", ["老孙"]],
    ["Chinese familiar form of a family name addressed", "老孙说明天把报价发过来。小赵，麻烦把文件发给我。", ["老孙", "小赵"]],
    ["Chinese court news", "法院判处郑国华有期徒刑三年。", ["郑国华"]],
    ["Korean given name before 씨", "수아 씨, 회의 자료 보내 주셨어요?", ["수아"]],
    ["Korean family name alone before a title", "강 팀장님이 승인했습니다.", ["강"]],
  ])("%s", (_class, text, names) => {
    const found = people(text).join(" | ");
    for (const name of names) expect(found).toContain(name);
  });

  it("a group greeted is no person, and log levels and field labels are no speakers", () => {
    for (const text of [
      "Hallo Zusammen, das Meeting fällt aus.",
      "Hola Equipo, mañana no hay reunión.",
      "Hi Everyone, lunch is here.",
      "ERROR: disk full. WARN: retrying",
      "IBAN: DE21 4420 9458 7898 4677 89",
      "我等了三个小时，老师说没问题。",
      "小心，地滑。",
      "我等了三个小时。小时候我住在农村。",
      "이 대표 상품은 인기가 많다.",
      "전 대표가 사임했다.",
    ])
      expect(anything(text)).toEqual([]);
  });
});

describe("the value of a name key in a record or log line", () => {
  it.each([
    ["key after another label", 'ticket: name: Mere Tawhirangi dob: "1971-03-02"', "Mere Tawhirangi"],
    ["key in a sentence, an everyday first word", "Vertrag geändert von name: Ute Hartkamp (Tarif Pro)", "Ute Hartkamp"],
    ["JSON first and last keys, known names", '{"first": "Anneli", "last": "Okafor", "plan": "pro"}', "Okafor"],
    ["owner key, hyphenated capitals", "ALERT owner=JI-WOONG BAEK team=ledger", "JI-WOONG BAEK"],
    ["holder key with SURNAME, GIVEN", 'declined card_last4=4242 holder="MACNEIL, TORCUIL"', "MACNEIL, TORCUIL"],
    ["name key with SURNAME/GIVEN", "exp=0927 name=QUINTERO/ALBA", "QUINTERO/ALBA"],
    ["cardholder before capitals", "Payment details: cardholder NAALU QIJUK, card ending 1881", "NAALU QIJUK"],
  ])("%s", (_class, text, name) => {
    expect(people(text).join(" | ")).toContain(name);
  });

  it("a product, a job step or a team under a name key is no person", () => {
    for (const text of [
      '{"name": "Standing Desk Frame", "qty": 2}',
      "owner=Platform team, priority=high",
      '{"name": "Release Notes", "type": "doc"}',
      "export const norway = { name: 'Norway', codes: ['NO'] };",
      "components:\n  - name: Kubelet\n    owner=Zorblax",
      "interface ViewConfig<TName> {\n  name: TName;\n}",
    ])
      expect(people(text)).toEqual([]);
  });
});

describe("names after a title, a role or a greeting in Japanese, Chinese, Korean, Arabic and Hindi", () => {
  it.each([
    [
      "Japanese name before 被告 and 弁護士",
      "地裁は、岡部隆被告に判決を言い渡した。弁護人の三浦葉弁護士は控訴を検討している。",
      ["岡部隆", "三浦葉"],
    ],
    ["Japanese name before 教授 and 准教授", "京都の大学の山口剛教授と松本由香准教授が発表した。", ["山口剛", "松本由香"]],
    ["Japanese family name before 部長", "山田部長、資料を共有します。", ["山田"]],
    ["Japanese names in hiragana before さん", "いのうえさんとまつださん、会議は三時からです。", ["いのうえ", "まつだ"]],
    ["Chinese name after 的 before a title", "第三医院的何丽君主任介绍，新楼下月启用。", ["何丽君"]],
    ["Chinese names after 会长 and 志愿者, joined by 、", "协会会长苏海明与志愿者罗子豪、孔晴在江边清理垃圾。", ["苏海明", "罗子豪", "孔晴"]],
    ["Korean name after a player role, with a particle", "구단은 공격수 한도윤과 재계약했다.", ["한도윤"]],
    ["Korean names before 연구원 and 교수", "대학교 임서준 교수와 배하늘 연구원은 갯벌을 분석했다.", ["임서준", "배하늘"]],
    ["Korean family name alone before 씨", "민 씨의 변호인은 항소하겠다고 밝혔다.", ["민"]],
    ["Arabic name after a title, up to a preposition", "يرجى التواصل مع الأستاذ كريم الزعبي بخصوص العقد", ["كريم الزعبي"]],
    ["Arabic name with binder words after a form role", "العميل: خالد عبد الله المنصوري، هاتف", ["خالد عبد الله المنصوري"]],
    ["Arabic name after a player role", "تعاقد النادي مع اللاعب سامر الدوسري لمدة موسمين.", ["سامر الدوسري"]],
    ["Hindi name after डॉ. (no sentence break there)", "अस्पताल की डॉ. कविता श्रीवास्तव ने कहा कि वार्ड खुला है।", ["कविता श्रीवास्तव"]],
    ["Hindi surname before जी", "कृपया त्रिवेदी जी को याद दिलाएँ।", ["त्रिवेदी"]],
  ])("%s", (_class, text, names) => {
    const found = people(text);
    for (const name of names) expect(found).toContain(name);
  });

  it("a role noun, a thanks or a department is no person", () => {
    for (const text of [
      "شكراً لكم على الاهتمام",
      "السيد الرئيس قال إن الاجتماع تأجل",
      "营业部长会议在周一。",
      "みなさん、おはようございます。",
      "ちょっとさんぽに行きます。",
      "おかあさんによろしく。",
    ])
      expect(people(text)).toEqual([]);
  });
});

describe("lower-case chat speakers", () => {
  it.each([
    ["a name no list knows, then one after a question", "chat: vojta: kdo má klíče od skladu? bětka: Kubíček", ["vojta", "bětka"]],
    ["a given name that is also a dictionary word", "chat: tuomo: kuka korjaa testit? emma: Salonen lupasi", ["emma"]],
  ])("%s", (_class, text, names) => {
    const found = people(text);
    for (const name of names) expect(found).toContain(name);
  });

  it("services, hosts and keys before a colon are no speakers", () => {
    for (const text of [
      "webhook-dispatcher: deployed build 6.1.2 to staging",
      "server: prod-1 user: deploy",
      "floor: ik doe het morgen",
      "status: done; owner: platform",
    ])
      expect(people(text)).toEqual([]);
  });
});

describe("mentions, name lists, a given name before an unknown surname, lower-case chat", () => {
  it.each([
    ["a chat mention", "Code review: @anneli this looks fine, can you add a test?", ["anneli"]],
    [
      "surnames in a capitalised list",
      "Selection panel: O'Callaghan, Lindqvist, Baptiste. Shortlist due Friday.",
      ["O'Callaghan", "Lindqvist", "Baptiste"],
    ],
    ["a known given name before a surname no list knows", "Carmen Ozollaga y Adolfo Urquiza presentaron su renuncia.", ["Carmen Ozollaga"]],
    ["a given name in a chat line written all in lower case", "grazie bruna, domani sento matteo per il deploy", ["matteo"]],
    ["a name-shaped word after a thanks", "köszi zsófi, megoldódott", ["zsófi"]],
    ["a given name no list knows before a surname found", "aos cuidados de Sra. Rosângela Teixeira", ["Rosângela Teixeira"]],
    ["a name signing a message after a dash", "Thanks for the quick fix on the invoice — Ciarán Ó Fearghail", ["Ciarán Ó Fearghail"]],
    ["a Chinese name signing a line after a dash", "发票已经收到，谢谢 — 窦明轩", ["窦明轩"]],
    ["a capitalised given name before a verb of report", "Exit interview notes: Rosalind cited the commute as the main reason.", ["Rosalind"]],
    [
      "a Russian surname before a given name and patronymic",
      "ФИО: Белозерцева Дарья Игоревна, дата рождения 02.03.1990",
      ["Белозерцева Дарья Игоревна"],
    ],
    [
      "a given name no list knows and particles before a surname found",
      "Gerlinde van Oosterzee-Bakker, wethouder in Deventer, wil meer",
      ["Gerlinde van Oosterzee-Bakker"],
    ],
  ])("%s", (_class, text, names) => {
    const found = people(text).join(" | ");
    for (const name of names) expect(found).toContain(name);
  });

  it("doc tags, package scopes, colour lists and lower-case tool names are no people", () => {
    for (const text of [
      "npm i @types/node @here",
      "Colours on offer: Crimson, Teal, Ochre.",
      "run npm install then restart nginx and jest",
      "thanks again for the help",
    ])
      expect(people(text)).toEqual([]);
    // An everyday word of another language before a surname is not a given name.
    for (const text of ["Laut Müller ist das gut."]) expect(people(text)).toEqual(["Müller"]);
  });

  it("keeps clean prose clean", () => {
    for (const text of [
      "The mobile apps are built with Flutter and the desktop client uses Electron.",
      "Paris is lovely in spring.",
      "Step 1 - Install Node",
      "Read more — Release Notes",
    ])
      expect(people(text)).toEqual([]);
  });
});

describe("self-introductions in forms and messages", () => {
  it.each([
    ["Merhaba, ben Deniz Yıldırım, sipariş numaram 4471.", "Deniz Yıldırım"],
    ["Buongiorno, sono Marta Ferrante e scrivo per il rimborso.", "Marta Ferrante"],
    ["السلام عليكم، أنا نورة الحربي، أرجو تحديث عنواني.", "نورة الحربي"],
    ["नमस्ते, मेरा नाम विकास चौहान है।", "विकास चौहान"],
    ["お世話になっております。中村翔太と申します。", "中村翔太"],
    ["안녕하세요, 윤서준입니다.", "윤서준"],
  ])("%s", (text, name) => {
    expect(people(text).join(" ")).toContain(name);
  });

  it.each(["मेरा नाम क्या है?", "أنا في المكتب اليوم."])("not a name: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("user names of a given and a family name", () => {
  it.each([
    ["@sara_lindqvist you coming tonight or nah", "sara_lindqvist"],
    ["posted by marco.bellini at 09:14", "marco.bellini"],
    ["Forumsbeitrag von klaus_meier: Ich fahre seit 2015 mit dem Rad.", "klaus_meier"],
  ])("%s", (text, name) => {
    expect(people(text)).toEqual([name]);
  });

  it.each([
    "set grace_period and max_length, then read user.name",
    "call anna.kern() and open anna.kern.json",
    "mail jane.roe@example.org about the invoice",
  ])("not a user name: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("Japanese family names before an honorific or introducing themselves", () => {
  it.each([
    ["件名：打ち合わせ\n山口様\nお世話になっております。", "山口"],
    ["お世話になっております。ソニーの橋本です。", "橋本"],
    ["議事録：森さんがトヨタと調整する。", "森"],
    ["明日は宮市様がいらっしゃいます。", "宮市"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("leaves everyone, customers, members and trades before an honorific alone", () => {
    expect(people("皆様、お客様、会員様、店員さん、八百屋さんにお礼を申し上げます。")).toEqual([]);
  });
});

describe("Chinese names after a role, kin or report word", () => {
  it.each([
    ["作家余秋月在苏州举办新书签售会。", "余秋月"],
    ["网友“李大伟”在论坛上说，他偶遇了老同学陈静。", "李大伟 陈静"],
    ["主教练郑凯赛后称赞了门将马天宇的表现。", "郑凯 马天宇"],
    ["哈尔滨市民赵桂兰老人于本月逝世。", "赵桂兰"],
    ["上海海港队凭借吴志远的两粒进球获胜。", "吴志远"],
  ])("%s", (text, names) => {
    expect(people(text).join(" ")).toBe(names);
  });

  it("reads five Han or more in Chinese text as a clause, not a name", () => {
    expect(people("学生们在周一至周五上课。老师张贴了通知，作者马上回复。")).toEqual([]);
  });
});

describe("cities and regions a list holds inside Han text", () => {
  const places = (text: string) =>
    detectPii(text, entities)
      .filter((f) => f.category === "location")
      .map((f) => text.slice(f.start, f.end));

  it.each([
    ["下周我去深圳出差。", "深圳"],
    ["他住在南京。", "南京"],
  ])("%s", (text, place) => {
    expect(places(text)).toEqual([place]);
  });

  it("leaves Han text without a listed place alone", () => {
    expect(anything("请在周一至周五上午九点到十二点之间联系我们。")).toEqual([]);
  });
});

describe("Hindi names before a common family name", () => {
  it.each([
    ["राहुल शर्मा ने कल बिल के बारे में फोन किया।", "राहुल शर्मा"],
    ["टाटा मोटर्स के प्रवक्ता राजेश कुमार ने कहा।", "राजेश कुमार"],
    ["सुनीता देवी का वाराणसी में निधन हो गया।", "सुनीता देवी"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it("a title before the family name is not the given name", () => {
    expect(people("कृपया श्री शर्मा से संपर्क करें।").join(" ")).not.toContain("श्री");
  });
});

describe("Thai names after a title, and fragments of Indic words", () => {
  it.each([
    ["นางสาวสุดา แก้วมณี ยื่นคำร้อง", "สุดา แก้วมณี"],
    ["ขอขอบคุณ รศ.ดร.สมศักดิ์ รัตนวงศ์ และสำนักงาน", "สมศักดิ์ รัตนวงศ์"],
  ])("%s", (text, name) => {
    expect(people(text)).toContain(name);
  });

  it.each([
    "ขอบคุณที่ติดต่อเรา เราจะตอบกลับภายใน 2 วันทำการ",
    "รีวิว: คุณภาพดี จัดส่งเร็ว แนะนำเลย",
    "आज आसमान साफ रहेगा, अधिकतम तापमान 38 डिग्री।",
    "क्या आप परिवर्तन सहेजना चाहते हैं?",
  ])("no name: %s", (text) => {
    expect(anything(text)).toEqual([]);
  });
});

describe("clean text this round's gates keep clean", () => {
  it.each([
    "Zutaten: 250 g Mehl, 3 Eier, 500 ml Milch, eine Prise Salz.",
    "Precalentar el horno a 190 °C. Batir los huevos con el azúcar.",
    "Pesanan Anda nomor 881203 sudah dikirim.",
    "Apakah Anda yakin ingin menghapus file ini?",
    // Round 35: Czech letters capitalise the addressee's "you".
    "Děkujeme za Vaši zprávu. Ozveme se Vám do dvou pracovních dnů.",
    "شكراً لتواصلك معنا. سيتم الرد على استفسارك في أقرب وقت.",
    "תקייה: מחר מעונן חלקית, טמפרטורה מרבית 28 מעלות.",
  ])("%s", (text) => {
    expect(anything(text).filter((f) => !f.startsWith("location:"))).toEqual([]);
  });

  it("keeps names after an amount and in Arabic with a listed name", () => {
    expect(people("Paid 30 EUR to Anna Schmidt.")).toEqual(["Anna Schmidt"]);
    expect(people("وصل محمد الشمري إلى المكتب.").join(" ")).toContain("محمد");
  });
});

describe("German nouns after an article are no people", () => {
  it("reads one word after a determiner as a noun, a name after a preposition as a name", () => {
    expect(people("Schritt 3: Kontakte mit einem trockenen Tuch reinigen.")).toEqual([]);
    expect(people("Ich habe mit Schneider gesprochen.")).toEqual(["Schneider"]);
  });
});
