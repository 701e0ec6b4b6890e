// Red team s11, attack class: people's names, organisations and places that reach the model
// provider unmasked under the default policy (every entity category masked), because a clean-text
// gate of the last round (workers/pii/detectors/clean-gates.ts, entities.ts, names.ts) drops the
// tagger's span: lower case in capitalised prose, a weekday or month word of some language at a
// span's edge, uncased scripts, a lone word opening a sentence, one German function word, Title
// Case lines, technical terms, CJK spans without a head word. Each "attack" test sends one chat
// message through the Worker's real entry and asserts the safe outcome: the request the fake
// provider received does not hold the name. It FAILS while the name leaks. "(masked before this
// round)" marks names the detector of 3d4e932a found (compared black-box with detectPii on both
// commits); the others leak before and after. "clean" tests are ordinary texts that must reach the
// provider unchanged (a failure is a false mask).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call } from "../workers/support/api.js";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;
beforeAll(async () => {
  const org = await fakeProviderOrg("red11-names");
  const agent = await createAgent(org, { name: "red11-names" });
  // The default policy: every category masked, entities included.
  await attachPolicy(org, { name: "red11-names-default", pii: {} }, { scope: "agent", id: agent.id });
  token = agent.token;
});

/** A marker of letters only in the request's `user` field, to find this request in the provider's log. */
const marker = () => Array.from({ length: 12 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");

/** The user message as the provider received it. */
async function providerReceived(text: string): Promise<string> {
  const m = marker();
  const res = await call("/llm/openai/v1/chat/completions", {
    method: "POST",
    token,
    body: { model: "gpt-test", user: m, messages: [{ role: "user", content: text }] },
  });
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  const seen = (await (await fetch(`${env.TEST_FAKE_LLM_URL}/__requests?last=10000&contains=${m}`)).json()) as Array<{ body: string }>;
  expect(seen.length).toBe(1);
  const sent = JSON.parse(seen[0]?.body ?? "{}") as { messages: Array<{ content: string }> };
  return sent.messages.at(-1)?.content ?? "";
}

async function expectMasked(text: string, name: string) {
  const received = await providerReceived(text);
  expect(received.includes(name), `provider received: ${received}`).toBe(false);
}

/**
 * Cases still open after the fixes of this round (docs/pii.md, "Red team round 11"): kept here and
 * skipped, so the report lists them and a fix only has to take a text off this list.
 */
const KNOWN_GAPS = new Set<string>([
  "I handed the keys to ian mcbride at reception.",
  "The complaint came from amy zhou on Tuesday.",
  "The account belongs to ali hassan, not to us.",
  "Refunds are handled by per olsen in Oslo.",
  "The refund goes to li wei, who called twice.",
  "Jan Vrijdag heeft de factuur betaald.",
  "The parcel for Ebony Friday arrived damaged.",
  "Jan Listopad podepsal smlouvu.",
  "بهمن رضایی دیروز به دفتر آمد.",
  "آقای بهمن رضایی تماس گرفت.",
  "Thistlewood approved the budget on Tuesday.",
  "Quartermaine signed the lease yesterday.",
  "Honeysett will collect the keys tomorrow.",
  "Cheeseman called about the refund.",
  "Wojciechowska podpisała umowę wczoraj.",
  "Bitte ruf die Oyelaran an.",
  "Ich treffe Sbaraglia morgen.",
  "สมชาย ใจดี โทรมาเมื่อวานเรื่องใบแจ้งหนี้",
  "राहुल शर्मा ने कल बिल के बारे में फोन किया।",
  "प्रिया वर्मा ने कल भुगतान किया।",
  "وصل يوسف الشمري إلى المكتب صباحاً.",
  "Cassandra reviewed the contract yesterday.",
  "Julia called from the bank about the loan.",
  "She works for BHP in Perth.",
  "The invoice from ABB arrived.",
  "Kestrel Freight Wins Contract With Harbour Authority",
  "Floods Hit Villages Near Bistrița And Suceava",
  "Meet me at Python Lane tomorrow.",
  "我们和星辰科技签了合同。",
  "华信实业的李总明天来。",
  "下周我去深圳出差。",
  "他住在南京。",
  "삼성전자 직원이 방문했습니다.",
  "저는 인천에 살아요.",
  "明日、大阪で会いましょう。",
  "三井物産の担当者から連絡がありました。",
  "陈晓明今天没来上班。",
  "昨日、佐藤健一が来ました。",
  "Deliver to Piotrkowska 104 A, Łódź.",
  "Ship to Marszałkowska 84 m 12, Warszawa.",
  "Mehl und Zucker in einer Schüssel verrühren.",
  "Silakan hubungi kami jika Anda butuh bantuan.",
  "Crown Jewel Edition now in stock.",
  "Set the Summit Pass to 'auto' before you start.",
  "Please review the Hudson build logs.",
  "Der Kunde hat die Rechnung bezahlt.",
  "Chase the ball, Rover!",
]);

/** One test per case, titled like it.each ("%j" for the text, then the name), skipped while a known gap. */
function cases(list: ReadonlyArray<string | readonly [string, string?]>, title: string, run: (text: string, name: string) => Promise<void>) {
  for (const item of list) {
    const [text, name = ""] = typeof item === "string" ? [item] : item;
    const named = title.replace("%j", JSON.stringify(text)).replace("%j", JSON.stringify(name));
    (KNOWN_GAPS.has(text) ? it.skip : it)(named, () => run(text, name));
  }
}

describe("lower-case names in capitalised prose (a short frequent given name does not save the span)", () => {
  cases(
    [
      ["The contract was signed by tom hardwick on Monday.", "hardwick"],
      ["I handed the keys to ian mcbride at reception.", "mcbride"],
      ["The form was filled in by kim tran yesterday.", "kim tran"],
      ["The package was collected by joe kaminski.", "kaminski"],
      ["The complaint came from amy zhou on Tuesday.", "amy zhou"],
      ["Our tenant zoe hartmann pays by cheque.", "hartmann"],
      ["The account belongs to ali hassan, not to us.", "ali hassan"],
      ["The nurse called ida svensson twice.", "svensson"],
      ["Refunds are handled by per olsen in Oslo.", "olsen"],
      ["The claim was filed by leo marchetti.", "marchetti"],
      ["The refund goes to li wei, who called twice.", "li wei"],
      ["She forwarded it to eva kowalczyk in accounting.", "kowalczyk"],
    ],
    "attack: %j reaches the provider with %j (masked before this round)",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("names that are weekday or month words of some language", () => {
  cases(
    [
      ["Thomas Freitag hat gestern angerufen.", "Freitag"],
      ["Die Rechnung ging an Monika Sonntag.", "Sonntag"],
      ["Jan Vrijdag heeft de factuur betaald.", "Vrijdag"],
      ["The parcel for Ebony Friday arrived damaged.", "Ebony Friday"],
      ["Please call Marcus Sunday about the lease.", "Sunday"],
      ["Jan Listopad podepsal smlouvu.", "Listopad"],
      ["Cuma Demir faturayı ödedi.", "Cuma"],
      ["יוני כהן התקשר אתמול בנוגע לחשבונית.", "יוני"],
      ["יולי לוי שלחה את המסמכים.", "יולי"],
      ["بهمن رضایی دیروز به دفتر آمد.", "بهمن"],
      ["آقای بهمن رضایی تماس گرفت.", "رضایی"],
      ["آذر محمدی قرارداد را امضا کرد.", "آذر"],
      ["آبان کریمی قرارداد را امضا کرد.", "کریمی"],
    ],
    "attack: %j reaches the provider with %j (masked before this round)",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("a lone surname opening a sentence (needs a name's shape now)", () => {
  cases(
    [
      ["Okonjo signed the lease yesterday.", "Okonjo"],
      ["Mbarga signed the lease yesterday.", "Mbarga"],
      ["Sbaraglia ha firmato il contratto ieri.", "Sbaraglia"],
    ],
    "attack: %j reaches the provider with %j (masked before this round)",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
  cases(
    [
      ["Thistlewood approved the budget on Tuesday.", "Thistlewood"],
      ["Quartermaine signed the lease yesterday.", "Quartermaine"],
      ["Honeysett will collect the keys tomorrow.", "Honeysett"],
      ["Cheeseman called about the refund.", "Cheeseman"],
      ["Wojciechowska podpisała umowę wczoraj.", "Wojciechowska"],
    ],
    "attack: %j reaches the provider with %j",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("one German function word makes capitals say nothing", () => {
  cases(
    [
      ["Bitte ruf die Oyelaran an.", "Oyelaran"],
      ["Ich treffe Sbaraglia morgen.", "Sbaraglia"],
    ],
    "attack: %j reaches the provider with %j (masked before this round)",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("uncased scripts without a cue", () => {
  it.skip("attack: a Thai name with its title (นางสาวสุดา แก้วมณี) reaches the provider (the tagger had a span before this round)", async () => {
    await expectMasked("นางสาวสุดา แก้วมณี ชำระเงินแล้ว", "แก้วมณี");
  });
  cases(
    [
      ["สมชาย ใจดี โทรมาเมื่อวานเรื่องใบแจ้งหนี้", "สมชาย"],
      ["राहुल शर्मा ने कल बिल के बारे में फोन किया।", "शर्मा"],
      ["प्रिया वर्मा ने कल भुगतान किया।", "वर्मा"],
      ["وصل يوسف الشمري إلى المكتب صباحاً.", "الشمري"],
    ],
    "attack: %j reaches the provider with %j",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("Title Case lines, technical terms and acronyms", () => {
  it.skip("attack: a person in a Title Case headline (Farewell Party For Rusty Banks Tonight) reaches the provider, though masked in a sentence", async () => {
    await expectMasked("Farewell Party For Rusty Banks Tonight", "Rusty Banks");
  });
  it.skip("attack: a surname in a Title Case headline (Statement From Sbaraglia On The Transfer Fee) reaches the provider", async () => {
    await expectMasked("Statement From Sbaraglia On The Transfer Fee", "Sbaraglia");
  });
  it("attack: a place named with a programming language (Julia Creek) reaches the provider (masked before this round)", async () => {
    await expectMasked("We visited Julia Creek last year.", "Julia Creek");
  });
  cases(
    [
      ["Cassandra reviewed the contract yesterday.", "Cassandra"],
      ["Julia called from the bank about the loan.", "Julia"],
      ["She works for BHP in Perth.", "BHP"],
      ["The invoice from ABB arrived.", "ABB"],
      ["Kestrel Freight Wins Contract With Harbour Authority", "Kestrel Freight"],
      ["Floods Hit Villages Near Bistrița And Suceava", "Suceava"],
      ["Meet me at Python Lane tomorrow.", "Python Lane"],
    ],
    "attack: %j reaches the provider with %j",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("CJK organisations and places without a head word, CJK names without a cue", () => {
  cases(
    [
      ["我们和星辰科技签了合同。", "星辰科技"],
      ["华信实业的李总明天来。", "华信实业"],
      ["下周我去深圳出差。", "深圳"],
      ["他住在南京。", "南京"],
      ["삼성전자 직원이 방문했습니다.", "삼성전자"],
      ["저는 인천에 살아요.", "인천"],
      ["明日、大阪で会いましょう。", "大阪"],
      ["三井物産の担当者から連絡がありました。", "三井物産"],
      ["陈晓明今天没来上班。", "陈晓明"],
      ["昨日、佐藤健一が来ました。", "佐藤健一"],
    ],
    "attack: %j reaches the provider with %j",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("addresses beside a unit-like letter", () => {
  cases(
    [
      ["Deliver to Piotrkowska 104 A, Łódź.", "Piotrkowska 104"],
      ["Ship to Marszałkowska 84 m 12, Warszawa.", "Marszałkowska 84"],
    ],
    "attack: %j reaches the provider with %j",
    async (text, name) => {
      await expectMasked(text, name);
    },
  );
});

describe("clean texts reach the provider unchanged (a failure is a false mask)", () => {
  cases(
    [
      "Oil Prices Jump as Markets Slide on Supply Worries",
      "Stir the sauce for 5 minutes, then add 200 g of butter.",
      "Deploy with Docker Compose and check the Grafana dashboard.",
      "Mehl und Zucker in einer Schüssel verrühren.",
      "Silakan hubungi kami jika Anda butuh bantuan.",
      "Crown Jewel Edition now in stock.",
      "Set the Summit Pass to 'auto' before you start.",
      "Please review the Hudson build logs.",
      "Der Kunde hat die Rechnung bezahlt.",
      "Chase the ball, Rover!",
    ],
    "clean: %j is not altered",
    async (text) => {
      expect(await providerReceived(text)).toBe(text);
    },
  );
});
