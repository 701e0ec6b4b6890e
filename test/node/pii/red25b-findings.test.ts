// Red team 25b: the Arabic-script (arabic-names.ts) and Devanagari (indic-names.ts) name rules.
// Every `it` outside "controls" is a finding that failed on the first version of those rules; all
// pass now. Three findings are not tests (docs/pii.md, twenty-fifth round): landmarks named after a
// person (مطار الملك خالد) are masked, a listed given name's unlisted family name is not
// (रोहित जाधव), and 1 MB of one repeated speaker costs about what English's equivalent does.
// FP = clean text the new rules now alter (the parent commit left each of these words alone).
// LEAK = a person the new rules should reach by their own approach and do not, wholly or in part.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({});
const spans = (text: string) => detector.detect(text).map((f) => [f.start, f.end] as const);
/** No finding touches `word` (its first occurrence) in `text`. */
function untouched(text: string, word: string): boolean {
  const at = text.indexOf(word);
  if (at < 0) throw new Error(`${word} not in ${text}`);
  return !spans(text).some(([s, e]) => s < at + word.length && at < e);
}
/** Every character of `name` (its first occurrence) in `text` is inside a finding. */
function covered(text: string, name: string): boolean {
  const at = text.indexOf(name);
  if (at < 0) throw new Error(`${name} not in ${text}`);
  const found = spans(text);
  for (let i = at; i < at + name.length; i++) {
    if (/\s/u.test(text[i] ?? "")) continue;
    if (!found.some(([s, e]) => s <= i && i < e)) return false;
  }
  return true;
}

describe("red25b false positives: Arabic script", () => {
  it("FP: feminine adjective لطيفة (pleasant/nice) is read as the name Latifa (weather, everyday speech)", () => {
    expect(untouched("تتوقع الأرصاد أجواء لطيفة خلال عطلة نهاية الأسبوع مع نسمات باردة ليلاً.", "لطيفة")).toBe(true);
    expect(untouched("هذه فكرة لطيفة، سأجربها في المرة القادمة.", "لطيفة")).toBe(true);
  });

  it("FP: folding ى→ي turns nisba adjectives and verbs into names: حل سلمي (peaceful), حظر تجول ليلي (nightly), يحيي (performs)", () => {
    expect(untouched("دعت الأمم المتحدة إلى حل سلمي للأزمة في أقرب وقت.", "سلمي")).toBe(true);
    expect(untouched("فرضت السلطات حظر تجول ليلي في المدينة بسبب الاضطرابات.", "ليلي")).toBe(true);
    expect(untouched("يحيي الفنان حفلاً غنائياً على مسرح الأوبرا مساء الجمعة.", "يحيي الفنان")).toBe(true);
  });

  it("FP: the verb يزيد (exceeds) in a weather report is read as the name Yazid", () => {
    expect(untouched("ارتفعت درجات الحرارة في الكويت إلى ما يزيد عن 50 درجة مئوية أمس.", "يزيد")).toBe(true);
  });

  it("FP: the interjection هيا (come on) in a UI string is read as the name Haya", () => {
    expect(untouched("هيا نبدأ! اضغط على الزر أدناه لإنشاء حسابك.", "هيا")).toBe(true);
  });

  it("FP: cue words إلى/مع/قال before a noun: مالك الحساب (account owner), أمين الصندوق (cashier), حياة أفضل (better life), إلى فرح (into joy)", () => {
    expect(untouched("أرسل طلب الوصول إلى مالك الحساب للموافقة عليه.", "مالك")).toBe(true);
    expect(untouched("تواصل مع مالك العقار قبل توقيع عقد الإيجار.", "مالك")).toBe(true);
    expect(untouched("قال مالك المطعم إن الأسعار سترتفع الشهر المقبل.", "مالك")).toBe(true);
    expect(untouched("سلّم الإيصال إلى أمين الصندوق بعد الدفع.", "أمين")).toBe(true);
    expect(untouched("نتطلع جميعاً إلى حياة أفضل لأطفالنا.", "حياة")).toBe(true);
    expect(untouched("تحول حزن الأهالي إلى فرح بعد عودة الصيادين سالمين.", "فرح")).toBe(true);
  });

  it("FP: the place Mina on the Hajj (إلى منى) is read as the name Muna", () => {
    expect(untouched("توجه الحجاج إلى منى صباح اليوم الثامن من ذي الحجة.", "منى")).toBe(true);
  });

  it("FP: recipe: مع كريم الشانتيه (with Chantilly cream) is masked as a full name", () => {
    expect(untouched("اخفقي البيض ثم امزجيه مع كريم الشانتيه حتى يتجانس الخليط.", "كريم")).toBe(true);
  });

  it("FP: أم (or) is taken as the joiner 'mother of': صالح أم منتهي الصلاحية (valid or expired) masked as one name", () => {
    expect(untouched("هل هذا المنتج صالح أم منتهي الصلاحية؟", "صالح")).toBe(true);
  });

  it("FP: a clean one-word exclamation opening the message (جميلة، أليس كذلك؟ 'Beautiful, isn't it?') is read as an addressed name", () => {
    expect(untouched("جميلة، أليس كذلك؟", "جميلة")).toBe(true);
  });

  it("FP: religious phrases: نهى النبي (the Prophet forbade), وبالإسلام دينا (as a religion), فحمد الله (he praised God)", () => {
    expect(untouched("نهى النبي صلى الله عليه وسلم عن الإسراف في الماء.", "نهى")).toBe(true);
    expect(untouched("رضيت بالله رباً وبالإسلام دينا.", "دينا")).toBe(true);
    expect(untouched("فحمد الله وأثنى عليه ثم قال.", "فحمد")).toBe(true);
  });

  it("FP: Persian اقیانوس هند (Indian Ocean) and Urdu عمر (age), حمد (praise) are masked", () => {
    expect(untouched("اقیانوس هند سومین اقیانوس بزرگ جهان است.", "هند")).toBe(true);
    expect(untouched("آپ کی عمر کیا ہے؟", "عمر")).toBe(true);
    expect(untouched("حمد و ثنا اللہ ہی کے لیے ہے۔", "حمد")).toBe(true);
  });
});

describe("red25b false positives: Devanagari", () => {
  it("FP: विकास (development) is an unconditional given name: Hindi, Marathi and Nepali economic news masked", () => {
    expect(untouched("इस तिमाही में देश की आर्थिक विकास दर सात प्रतिशत रही।", "विकास")).toBe(true);
    expect(untouched("सरकार ने ग्रामीण विकास के लिए नई योजना की घोषणा की।", "विकास")).toBe(true);
    expect(untouched("ग्रामीण विकास मंत्रालयाने नवीन योजना जाहीर केली.", "विकास")).toBe(true);
    expect(untouched("नेपालको आर्थिक विकास दर यस वर्ष बढ्ने अनुमान छ।", "विकास")).toBe(true);
  });

  it("FP: सीमा (border / limit) is an unconditional given name: deadline, age limit, customs, border news masked", () => {
    expect(untouched("आवेदन जमा करने की अंतिम समय सीमा 31 मार्च है।", "सीमा")).toBe(true);
    expect(untouched("इस नौकरी के लिए आयु सीमा 18 से 35 वर्ष है।", "सीमा")).toBe(true);
    expect(untouched("सरकार ने सोने पर सीमा शुल्क घटा दिया है।", "सीमा")).toBe(true);
    expect(untouched("भारत-चीन सीमा पर तनाव कम करने के लिए बातचीत जारी है।", "सीमा")).toBe(true);
    expect(untouched("आवेदन दिने अन्तिम समय सीमा भोलि हो।", "सीमा")).toBe(true);
  });

  it("FP: everyday nouns listed as unambiguous names: गौरव (pride), रुचि (interest), हर्ष (joy), अमन (peace), ऋतु (season), अक्षय (renewable), अंकुर (sprout), रश्मि (ray)", () => {
    const cases: [string, string][] = [
      ["हमारे लिए यह गौरव की बात है कि टीम फाइनल में पहुँची।", "गौरव"],
      ["बच्चों की पढ़ाई में रुचि बढ़ाना ज़रूरी है।", "रुचि"],
      ["आपकी सफलता पर हमें बहुत हर्ष हुआ।", "हर्ष"],
      ["शहर में अमन और शांति बनाए रखने की अपील की गई।", "अमन"],
      ["वर्षा ऋतु में सड़कों पर पानी भर जाता है।", "ऋतु"],
      ["अक्षय ऊर्जा के क्षेत्र में भारत तेज़ी से आगे बढ़ रहा है।", "अक्षय"],
      ["इस पौधे में नया अंकुर निकल आया है।", "अंकुर"],
      ["सुबह की पहली रश्मि ने पूरे गाँव को जगमगा दिया।", "रश्मि"],
    ];
    expect(cases.filter(([t, w]) => !untouched(t, w)).map(([, w]) => w)).toEqual([]);
  });

  it("FP: product description: काजल (kohl) is masked as a person", () => {
    expect(untouched("यह काजल पूरे दिन टिकता है और आँखों में जलन नहीं करता।", "काजल")).toBe(true);
  });

  it("FP: colour लाल (red) read as a family name: आकाश लाल हो गया (the sky turned red), a 'लाल: 5' tally", () => {
    expect(untouched("शाम होते ही आकाश लाल हो गया।", "आकाश लाल")).toBe(true);
    expect(untouched("रंगों की गिनती — लाल: 5, नीला: 3, हरा: 2", "लाल")).toBe(true);
  });

  it("FP: the agent mark ने after an abstract noun or animal: ममता ने, प्रेम ने, सिंह ने (the lion)", () => {
    expect(untouched("माँ की ममता ने उसे हर मुश्किल से बचा लिया।", "ममता")).toBe(true);
    expect(untouched("सच्चे प्रेम ने दोनों परिवारों को फिर से जोड़ दिया।", "प्रेम")).toBe(true);
    expect(untouched("जंगल में सिंह ने खरगोश को पकड़ लिया।", "सिंह")).toBe(true);
  });

  it("FP: a word-meaning exercise (कमल: पंकज, आकाश: गगन) — the colon cue masks the dictionary headwords", () => {
    const t = "समानार्थी शब्द लिखिए — कमल: पंकज, आकाश: गगन, सूरज: सूर्य";
    expect(untouched(t, "कमल")).toBe(true);
    expect(untouched(t, "आकाश")).toBe(true);
  });

  it("FP: festival, deity and poet names in clean text: गणेश उत्सव (Marathi), कैलाश पर्वत, कबीर के दोहे", () => {
    expect(untouched("गणेश उत्सवात मुंबईत मोठी गर्दी असते.", "गणेश")).toBe(true);
    expect(untouched("कैलाश पर्वत की यात्रा जून में शुरू होगी।", "कैलाश")).toBe(true);
    expect(untouched("कबीर के दोहे आज भी प्रासंगिक हैं।", "कबीर")).toBe(true);
  });
});

describe("red25b leaks", () => {
  it("LEAK: Marathi and Nepali case endings glued to a listed name (प्रियाला, राहुलने, प्रियालाई) — whole name reaches the provider", () => {
    expect(covered("कल प्रियाला फोन केला होता, ती उद्या येईल.", "प्रियाला")).toBe(true);
    expect(covered("राहुलने प्रोजेक्टचा अहवाल पाठवला.", "राहुलने")).toBe(true);
    expect(covered("प्रियालाई यो फाइल पठाउनुहोस्।", "प्रियालाई")).toBe(true);
  });

  it("LEAK: a listed family name after a common variant spelling of a listed given name: फातिमा शेख (no nukta)", () => {
    expect(covered("कृपया यह पार्सल फातिमा शेख को दे दें।", "फातिमा शेख")).toBe(true);
  });

  it("LEAK: Devanagari spelling variants of listed names: जितेन्द्र (न्द vs ंद), अंजली, सुनिता, इरफान, प्रकाश पाटील (Marathi पाटील)", () => {
    const cases: [string, string][] = [
      ["कृपया जितेन्द्र से पूछो कि रिपोर्ट कहाँ है।", "जितेन्द्र"],
      ["कृपया अंजली से पूछो कि रिपोर्ट कहाँ है।", "अंजली"],
      ["कृपया सुनिता से पूछो कि रिपोर्ट कहाँ है।", "सुनिता"],
      ["कृपया इरफान से पूछो कि रिपोर्ट कहाँ है।", "इरफान"],
      ["प्रकाश पाटील यांनी बैठक बोलावली.", "प्रकाश पाटील"],
    ];
    expect(cases.filter(([t, n]) => !covered(t, n)).map(([, n]) => n)).toEqual([]);
  });

  it("LEAK: an ambiguous listed given name before a family name without al- (سارة حداد) — nothing masked", () => {
    expect(covered("سارة حداد ستحضر الاجتماع غداً.", "سارة حداد")).toBe(true);
  });

  it("LEAK (partial): Levantine/Egyptian family names without al- stay in clear: أحمد حداد, منى زكي", () => {
    expect(covered("تم شحن الطلب إلى أحمد حداد في عمّان.", "أحمد حداد")).toBe(true);
    expect(covered("وصلت الشحنة إلى منى زكي في القاهرة.", "منى زكي")).toBe(true);
  });

  it("LEAK (partial): the Gulf family joiner آل is not a joiner: حمدان بن محمد آل مكتوم sends آل مكتوم", () => {
    expect(covered("حضر الحفل الشيخ حمدان بن محمد آل مكتوم.", "حمدان بن محمد آل مكتوم")).toBe(true);
  });

  it("LEAK: tatweel-stretched name مـحـمـد العتيبي (social-media style) — nothing masked", () => {
    expect(covered("أرسلت الفاتورة إلى مـحـمـد العتيبي.", "مـحـمـد العتيبي")).toBe(true);
  });

  it("LEAK: two glued particles (وبخالد 'and with Khalid') and accusative tanwin (خالدًا)", () => {
    expect(covered("اتصلت بمريم وبخالد أمس.", "خالد")).toBe(true);
    expect(covered("هنأ المدير خالدًا على ترقيته.", "خالدًا")).toBe(true);
  });

  it("LEAK (partial): two spaces between given and family name cut the name: محمد  العتيبي, रमेश  शर्मा", () => {
    expect(covered("أرسلت الفاتورة إلى محمد  العتيبي.", "محمد  العتيبي")).toBe(true);
    expect(covered("रमेश  शर्मा से बात करो।", "रमेश  शर्मा")).toBe(true);
  });
});

describe("red25b controls (pass)", () => {
  it.each([
    ["سلّم الطرد إلى نادية الرشيدي عند البوابة.", "نادية الرشيدي"],
    ["وأضاف الدوسري أن الأسعار ستنخفض الشهر المقبل.", "الدوسري"],
    ["يسكن يوسف القحطاني في جدة.", "يوسف القحطاني"],
    ["أرسلت الفاتورة إلى ﻣﺤﻤﺪ العتيبي.", "ﻣﺤﻤﺪ العتيبي"],
    ["أرسل الملف إلى عبدالله بن سعيد.", "عبدالله بن سعيد"],
    ["با مریم کریمی تماس بگیرید.", "مریم کریمی"],
    ["फ़ातिमा से पूछो कि रिपोर्ट कहाँ है।", "फ़ातिमा"],
    ["अमित शर्मा, अनिल यादव और सुनील जोशी बैठक में थे।", "अनिल यादव"],
    ["विजय कुमार सिंह को बधाई।", "विजय कुमार सिंह"],
    ["मैंने कल रमेश से बात की।", "रमेश"],
  ])("person masked: %s", (text, name) => {
    expect(covered(text, name)).toBe(true);
  });

  it.each([
    ["حصل الفريق على الجائزة الأولى.", "على"],
    ["قال الصحفي إن المؤتمر تأجل إلى الأسبوع المقبل.", "الصحفي"],
    ["أكد القاضي أن الحكم نهائي وغير قابل للطعن.", "القاضي"],
    ["استمتع بجمال الوادي وهدوء الطبيعة في رحلتك القادمة.", "بجمال"],
    ["عزة النفس أهم من المال.", "عزة"],
    ["आशा है आप स्वस्थ होंगे।", "आशा"],
    ["बच्चों ने चंदा मामा की कविता सुनाई।", "चंदा"],
    ["नदी के किनारे कमल के फूल खिले हैं।", "कमल"],
  ])("clean word left alone: %s", (text, word) => {
    expect(untouched(text, word)).toBe(true);
  });
});
