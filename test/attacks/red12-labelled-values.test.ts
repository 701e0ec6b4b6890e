// Attack classes of this round's labelled-value rules, through the LLM proxy under a policy that
// blocks secrets, phone numbers, IP addresses and ids:
// - false refusals of ordinary text: a word after a password label that is a setting, a unit, a
//   product or a timestamp; a software version or section number touching Han, kana or Thai text
//   read as an IPv4 address; phone words matched as the start of longer words ("CEP" is also
//   Brazil's postcode, "Ceph", "cepat", "телеметрия") or as part of Han words about phones that are
//   no phone number (a phone bill's number, a stock count);
// - values that still pass: a password after a label glued to an identifier (DB_PASSWORD=,
//   dbPassword:), after a longer phrase, in backticks, or shaped like word+year; a French phone
//   written with dots after "tél.", or a phone word's number on the next line; a passport's
//   "серия и номер паспорта" label order.
import { beforeAll, describe, expect, it } from "vitest";
import { eachCase } from "./support/known-gaps.js";
import { attachPolicy, chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";

let token: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("red12-labelled");
  const agent = await createAgent(org, { name: "labelled" });
  await attachPolicy(
    org,
    {
      name: "blocks labelled values",
      pii: {
        secret: "block",
        phone: "block",
        ip_address: "block",
        tax_id: "block",
        person: "allow",
        organization: "allow",
        location: "allow",
        address: "allow",
      },
    },
    { scope: "agent", id: agent.id },
  );
  token = agent.token;
});

const status = async (text: string) => (await chat(token, "gpt-test", text)).status;

describe("ordinary text is not refused", () => {
  it("control: a plain sentence passes, a labelled password is refused", async () => {
    expect(await status("Please summarise the meeting notes.")).toBe(200);
    expect(await status("Temporary password: Zq5L@QOntS97")).toBe(422);
  });

  it.each([
    "password_hash = bcrypt(password, rounds=12)",
    "The password field uses argon2id with t=3 m=65536 p=4",
    "api key rotation happens every 90days",
    "Die Passwort-Richtlinie verlangt 12Zeichen",
    "Password strength: 3/4 (zxcvbn score3)",
    "Passwort: siehe Tresor Eintrag KeePass2",
    "密码管理器 1Password8 推荐",
    "The password was rotated at 2024-01-01T10:00:00Z",
  ])("password wording: %s", async (text) => {
    expect(await status(text)).toBe(200);
  });

  it.each(["版本号1.2.3.4已发布", "固件版本2.1.0.7更新说明", "バージョン1.2.3.4をリリース", "เวอร์ชัน1.0.0.1", "升级到3.10.12.1版", "第1.2.3.4节"])(
    "version or section number in CJK/Thai text: %s",
    async (text) => {
      expect(await status(text)).toBe(200);
    },
  );

  it.each([
    "CEP 01310-100, São Paulo",
    "Ceph cluster has 1234567890 bytes free",
    "cepat 10 menit, ukuran 1234567",
    "телеметрия 1234567 событий",
    "电话费账单编号20231234567",
    "手机型号iPhone15，库存12345678台",
    "手机壳 12345678 件",
    "전화번호부 버전 20240101",
  ])("phone word inside another word: %s", async (text) => {
    expect(await status(text)).toBe(200);
  });
});

describe("labelled values are refused", () => {
  it.each([
    "DB_PASSWORD=Zq5L@QOntS97",
    "POSTGRES_PASSWORD: Zq5L@QOntS97",
    "dbPassword: Zq5L@QOntS97",
    "adminPassword=Zq5L@QOntS97",
    "Password: `Zq5L@QOntS97`",
    "Password:\nZq5L@QOntS97",
    "The new password for the account jane.roe is Zq5L@QOntS97",
    "Le nouveau mot de passe de votre compte client est Zq5L@QOntS97",
    "Password: Summer_2024",
    "Password: Welcome-2024",
    "contraseña: Madrid_2024",
    "hasło: Warszawa.2024",
  ])("password: %s", async (text) => {
    expect(await status(text)).toBe(422);
  });

  // Left open after round 12: a phone word's number on the next line, the label order "серия и номер паспорта".
  const gaps = new Set(["phone or id: серия и номер паспорта: 4510 123456", "phone or id: 电话：\n15565677776", "phone or id: tél.\n07 17 56 60 19"]);
  eachCase(
    [
      ["tél. 06.12.34.56.78"],
      ["Tel.0612345678"],
      ["серия и номер паспорта: 4510 123456"],
      ["电话：\n15565677776"],
      ["tél.\n07 17 56 60 19"],
    ] as const,
    gaps,
    "phone or id: %s",
    async (text) => {
      expect(await status(text)).toBe(422);
    },
  );
});
