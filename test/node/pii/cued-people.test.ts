// People a cue names: the speakers of a chat transcript (their handles opening the lines, and
// their handles and lower-case given names inside the messages), and people right after a kin or
// neighbour word, and the name signing a letter; labels, log tags, code keys, traceback classes,
// "Mother Nature" and "Thanks, Team" are not.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const people = (text: string) =>
  new PiiDetector({ categories: ["person"] })
    .detect(text)
    .filter((f) => f.category === "person")
    .map((f) => text.slice(f.start, f.end));

describe("chat transcripts", () => {
  it.each([
    ["[chat] mike_r: anyone seen sarah today?\ndevika: she's WFH, ping her on slack\nmike_r: ok thx", ["mike_r", "sarah", "devika", "mike_r"]],
    ["Chat: tobi: kommst du heute zum Stammtisch?\nlisa_k: ne, muss noch mit Oma nach Hause", ["tobi", "lisa_k"]],
    ["chat: bia: vc viu o caio hj?\nlu_santos: ele foi pra praia", ["bia", "caio", "lu_santos"]],
    ["Discord: xander > honestly emily carried the whole raid lol\nemily > ty ty", ["xander", "emily", "emily"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each([
    "Customer: I want a refund for my order.\nAgent: Sure, I can help with that.",
    "status: open for review\nnote: call back tomorrow morning",
    "ERROR: disk full on volume\nWARN: retrying in 5 s",
    "Q: How do I reset it?\nA: Click Settings then Reset.",
    "worker-1: started job 42\nworker-2: finished job 41",
    'const labels = {\n  datetime: "data e ora ISO",\n  mac: "indirizzo MAC",\n};',
    "Traceback (most recent call last):\nValueError: could not convert string to float\netl.errors.RowError: row 40211: bad amount",
  ])("no person in: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("people named right after a kin or neighbour word", () => {
  it.each([
    ["She is survived by her sons Peter and Alan and six grandchildren.", ["Peter", "Alan"]],
    ["My neighbour Bob has had his for 5 years.", ["Bob"]],
    ["Mein Nachbar Rüdiger war nicht so zufrieden.", ["Rüdiger"]],
    ["Meine Tochter Lena und mein Sohn Paul kommen morgen.", ["Lena", "Paul"]],
    ["no, sono da nonna Lucia stasera", ["Lucia"]],
    ["I met Sinéad and her brother Ciarán Ó Súilleabháin in the pub last spring.", ["Sinéad", "Ciarán Ó Súilleabháin"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each(["Protect Mother Nature and enjoy Father Christmas.", "It is the sister Company of the group."])("no person in: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("the name signing a letter or message", () => {
  it.each([
    ["Der Termin bleibt. Üdv, Zsófi", ["Zsófi"]],
    ["Встречу перенесли на среду.\nС уважением,\nДмитрий", ["Дмитрий"]],
    ['Summarise: "Meeting moved to Thursday, the room is booked. Дима»', ["Дима"]],
    ["The lease ends in May, please confirm.\nCheers,\nMaren", ["Maren"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each(["Thanks, Team", "We will call you back. Goodbye", "Best regards,\nSupport"])("no person in: %s", (text) => {
    expect(people(text)).toEqual([]);
  });
});

describe("the one greeted", () => {
  it.each([
    ["Merhaba Elif, yarın görüşelim.", ["Elif"]],
    ["Buenos días Rocío, ¿cómo estás?", ["Rocío"]],
    ["Xin chào Minh, hẹn gặp lại.", ["Minh"]],
    ["Dzień dobry Kasiu, jutro spotkanie.", ["Kasiu"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it("a group greeted is no one", () => {
    expect(people("Bom dia Equipe, reunião às 10h.")).toEqual([]);
  });
});

describe("Chinese, Japanese and Korean names beside a role, a greeting or a bracket", () => {
  it.each([
    ["林晓峰您好，您的包裹已发出。", ["林晓峰"]],
    ["赵丽，您的验证码已过期，请重新获取。", ["赵丽"]],
    ["杭州市副市长孙建国表示，明年将新建三座公园。", ["孙建国"]],
    ["决赛成绩：周雨萱（中国）第一，郑美玲（新加坡）第二。", ["周雨萱", "郑美玲"]],
    ["名古屋市の田中美和子副市長が記者会見を開いた。", ["田中美和子"]],
    ["인천 부시장 김도윤은 새 계획을 밝혔다.", ["김도윤"]],
  ])("%s", (text, expected) => {
    expect(people(text)).toEqual(expected);
  });

  it.each(["部长周三表示，物价同比上涨0.4%。", "시의회는 새 자전거 도로 건설을 승인했다.", "系统将于周二（维护日）暂停服务。"])(
    "no person in: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});

describe("given names in a chat message that opens in lower case", () => {
  it("a given name in a lower-case message that names a place with a capital", () => {
    expect(people("ok so frederik said he'd bring the boat to Helsingør tomorrow")).toEqual(["frederik"]);
  });
  it.each(["¿vienes a la comida del viernes?\nsí, pero llego un poco tarde", "ok so the build failed again on Windows, retrying now"])(
    "no person in: %s",
    (text) => {
      expect(people(text)).toEqual([]);
    },
  );
});
