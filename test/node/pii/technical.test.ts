// PII-free technical text (code, configuration, logs, CLI output, tables) stays untouched, while
// the names, places and values it does hold are still found.
import { describe, expect, it } from "vitest";
import { detectPii } from "../../../workers/pii/index.js";
import { technicalLine } from "../../../workers/pii/detectors/technical.js";

const found = (text: string): string[] => detectPii(text).map((f) => `${f.category}:${text.slice(f.start, f.end)}`);

describe("identifiers are never entities", () => {
  it.each([
    ['"bugs": { "url": "https://github.com/colinhacks/zod/issues" }, "@cloudflare/unenv-preset": "^2.0.0"'],
    ['if test -r "$GIT_DIR"/logs/HEAD; then export XDG_RUNTIME_DIR=/run/user/1000; fi'],
    ["module.exports = _isNativeFunction, module.exports.__esModule = true; var o = RegExp(e, t);"],
    ["export type Update = MySqlUpdateBase<TTable, TQueryResult, TPreparedQueryHKT>;"],
    ["Build with `-Dsysvinit-path=` and `-Dsysvrcnd-path=`; `Accept-Ranges` and `Cache-Control` are sent."],
    ["from boto.ec2.elb.attributes import LbAttributes\nfrom cachetools import TTLCache"],
    ["see src/Users/Jordan/Config.ts and ~/Projects/Madison/app.py"],
    ["4785-b760-b3be1003287b stream me"],
    ["c1e118d Spend: OrgSpend DO, pricing, client helpers\nb84d426 Audit: AuditLog Durable Object per org\nd25059e Gateway hot path"],
  ])("%s", (text) => expect(found(text)).toEqual([]));
});

describe("code, configuration, logs, CLI output and tables hold no entity without evidence", () => {
  it.each([
    [
      "name: CI\non:\n  push:\njobs:\n  test:\n    steps:\n      - name: Set up Python\n      - name: Install dependencies\n      - name: Test with pytest",
    ],
    [
      "NAME                      READY   STATUS             RESTARTS   AGE\nkafka-0                   1/1     Running            1          12d\nsentry-relay-6f4d7b9c8    1/1     Running            0          6h",
    ],
    [
      "[2026-11-30 10:02:17,544] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n[2026-11-30 10:02:21,877] WARN [ReplicaFetcher replicaId=1, leaderId=2] Error in response",
    ],
    ["eval (Mul a b) = eval a * eval b\nsimplify (Mul (Lit 1) e) = simplify e"],
    ['Get-Service -Name "W3SVC","WAS" | Select-Object Name, Status, StartType | Format-Table -AutoSize'],
    ["First Contentful Paint      1.8 s\nLargest Contentful Paint    3.9 s\nTotal Blocking Time         410 ms"],
    ["## Max per-connection header size\nrequestHeaderSize=8192"],
  ])("%s", (text) => expect(found(text)).toEqual([]));
});

describe("names in technical text with evidence are kept", () => {
  it.each([
    ["2023-11-30 22:01:13,442 DEBUG [checkout] card declined for Ruth Abiodun (order 1881)", "person:Ruth Abiodun"],
    ['user_seed = {"name": "Bernadette O\'Reilly", "plan": "pro"}', "person:Bernadette O'Reilly"],
    ["Author: Sebastián Ortega", "person:Sebastián Ortega"],
    ["// Dmitry's fix for the timezone bug in Vladivostok", "location:Vladivostok"],
  ])("%s", (text, expected) => expect(found(text)).toContain(expected));

  it("keeps a street address in a log line", () => {
    const text = 'ERROR could not geocode "Unit 4, Parkway Business Centre, Deeside CH5 2NS" for customer #77120';
    expect(found(text).some((f) => f.startsWith("address:Unit 4"))).toBe(true);
  });

  it("keeps pattern values in logs and code", () => {
    const text = 'level=warn msg="refund" to=jane.roe@example.org card=4111 1111 1111 1111 key=AKIAZ7QX3PLM4VNB2KDR';
    expect(found(text)).toEqual(
      expect.arrayContaining(["email:jane.roe@example.org", "credit_card:4111 1111 1111 1111", "secret:AKIAZ7QX3PLM4VNB2KDR"]),
    );
  });

  it("leaves prose as it was: a possessive and an ordinal do not make an identifier", () => {
    expect(found("We stayed with Ольга Смирнова's family in Kazan for a week.")).toEqual(expect.arrayContaining(["location:Kazan"]));
    expect(found("We stayed with Ольга Смирнова's family in Kazan for a week.").some((f) => f.startsWith("person:Ольга Смирнова"))).toBe(true);
    expect(found("Morada: Rua Augusta, 145, 2.º Esq., 1100-053 Lisboa").some((f) => f.startsWith("address:Rua Augusta, 145, 2"))).toBe(true);
  });
});

describe("identifier-shaped tokens are not secrets", () => {
  it.each([
    ['"A_bigint_literal_cannot_be_used_as_a_property_name_1539": "…"'],
    ["def test_startElement_calls_TaggedEC2Object_startElement_with_correct_args(self):"],
    ["<RequestId>fd74fa8d-99f3-11e1-a4c3-27EXAMPLE804</RequestId> <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>"],
    ["see https://github.com/microsoft/TypeScript/blob/49ad1a3917a0ea57f5ff248159256e12bb1cb705/src/lib/dom.generated.d.ts#L503"],
  ])("%s", (text) => expect(found(text)).toEqual([]));

  it("a certificate is public material; a private key and a random token stay secrets", () => {
    const line = "MIICXjCCAcegAwIBAgIBADANBgkqhkiG9w0BAQQFADB1MQswCQYDVQQGEwJSVTEPMA0G";
    const body = `${line}\n${line.replace(/A/g, "Q")}\n${line.replace(/B/g, "k")}`;
    expect(found(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`)).toEqual([]);
    expect(found(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`).length).toBeGreaterThan(0);
    expect(found("token=Zq8Xk2Lp9Vw4Rt7Ny3Bm6Hc1Jd5Fg0Sa").join()).toContain("Zq8Xk2Lp9Vw4Rt7Ny3Bm6Hc1Jd5Fg0Sa");
  });
});

describe("technicalLine", () => {
  it.each([
    ["  at com.acme.billing.InvoiceService.settle(InvoiceService.java:142)", true],
    ['    "name": "zod",', true],
    ["max_connections = 200", true],
    ["  --config <path>   Path to the configuration file", true],
    ["Hi Sven,", false],
    ["Name: Evan MacPherson | Born: 22 Jan 1984 | Halifax", false],
    ["Patiente : DUBOIS Marie-Thérèse, née le 12/05/1948.", false],
  ])("%s → %s", (line, expected) => expect(technicalLine(line)).toBe(expected));
});
