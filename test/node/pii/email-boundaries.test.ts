// E-mail addresses where the text around them is of a script without spaces ("不審なログイン：a@b.comに…",
// "您的账号ylei@163.com于…": the address ends at its ASCII top-level domain and does not start inside
// the Han before it) and under country domains that are also file extensions (Serbia's .rs,
// Moldova's .md). Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";
import { valuesIn } from "../../support/pii-values.js";

const detector = new PiiDetector({ categories: ["email"] });
const emails = (text: string) => valuesIn(detector, text, "email");

describe("e-mail addresses", () => {
  it.each([
    ["不審なログイン：hana.ito@gmail.comに203.0.113.9からアクセスがありました。", "hana.ito@gmail.com"],
    ["安全提醒：您的账号wlei@163.com于昨天登录。", "wlei@163.com"],
    ["계정 minji@naver.com으로 로그인했습니다.", "minji@naver.com"],
    ["Пошиљка за Јована, е-пошта jovan.p@eunet.rs", "jovan.p@eunet.rs"],
    ["contact: ion.popa@mail.md", "ion.popa@mail.md"],
    ["user@пример.рф wrote", "user@пример.рф"],
  ])("%s", (text, email) => {
    expect(emails(text)).toEqual([email]);
  });
  it.each(["see icon@2x.png and crate@1.0.rs", "import x from 'pkg@scope.js'"])("no address: %s", (text) => {
    expect(emails(text)).toEqual([]);
  });
});
