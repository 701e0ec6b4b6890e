// Dates of birth named by the words around them in more languages, birth words read as whole words
// (no "nato" inside "Sanatorio"), each birth word reading its own window (a surname "Nascimento"
// before "data de nascimento"), and a weak id scheme no longer reading a calendar date. Rows written here.
import { describe, expect, it } from "vitest";
import { PiiDetector } from "../../../workers/pii/detect.js";

const detector = new PiiDetector({ categories: ["date_of_birth", "tax_id", "address", "phone"] });
const found = (text: string) => detector.detect(text).map((f) => [f.category, text.slice(f.start, f.end)] as const);
const births = (text: string) =>
  found(text)
    .filter(([c]) => c === "date_of_birth")
    .map(([, v]) => v);

describe("a birth word of more languages before or after a date", () => {
  it.each([
    ["uk", "Пацієнтка: Олена Мельник, дата народження 14.03.1979, тел. 067 123 4567.", "14.03.1979"],
    ["bg", "Пациент: Иван Петров, роден на 22.11.1964 в Пловдив.", "22.11.1964"],
    ["lt", "Pacientė: Rūta Jankauskienė, gimusi 1983-06-19.", "1983-06-19"],
    ["lv", "Iesniedzējs: Andris Bērziņš, dzim. 09.12.1971.", "09.12.1971"],
    ["sk", "Pacientka: Mária Kováčová, nar. 03. 08. 1990", "03. 08. 1990"],
    ["sw", "Jina: Amina Mwangi\nTarehe ya kuzaliwa: 12/09/1988", "12/09/1988"],
    ["tl", "Pangalan: Maria Santos\nKaarawan: 05/21/1993", "05/21/1993"],
    ["tl", "Si Rosa ay ipinanganak noong Marso 3, 1970 sa Cebu.", "Marso 3, 1970"],
    ["th", "ชื่อ: สมศรี ใจดี วันเกิด: 14 กุมภาพันธ์ 2520", "14 กุมภาพันธ์ 2520"],
    ["zh", "员工档案：姓名王小明，出生日期1990-05-12，部门：财务", "1990-05-12"],
    ["hr", "Pacijentica Ana Horvat, rođena 21.07.1979., upućena je na pregled.", "21.07.1979."],
    ["hr", "Ime i prezime: Ivo Perić\nDatum rođenja: 02. 02. 1961", "02. 02. 1961"],
    ["en", "Patient: John Carter, 12 Elm Close, Leeds, LS6 2AB, date of birth 07/03/1958", "07/03/1958"],
  ])("%s: %s", (_lang, text, date) => {
    expect(births(text)).toEqual([date]);
  });
});

describe("each birth word reads its own window", () => {
  it("a surname that is a birth word earlier in the line does not hide the date after the real one", () => {
    expect(births("Cadastro: Ana Nascimento, CPF 111.444.777-35, data de nascimento 14/02/1991, celular 21 99999-0000")).toEqual(["14/02/1991"]);
  });
  it("a birth word inside another word opens no window that hides the next one", () => {
    expect(births("Registro en Sanatorio San José: Pedro Gil, nacimiento 30/01/1966")).toEqual(["30/01/1966"]);
  });
});

describe("words that only hold a birth word are no birth word", () => {
  it.each([
    "Za connaissance du dossier le 12/03/2020 a été confirmée.",
    "Spotkanie było zaplanowane, natomiast 12.03.2020 je odwołano.",
    "The rebirth campaign starts on 01/02/2025.",
  ])("%s", (text) => {
    expect(births(text)).toEqual([]);
  });
});

describe("a weak id scheme does not read a calendar date", () => {
  it.each([
    ["Naam: Eva Bos; BSN: 111222333; geboren: 08-04-1952", "08-04-1952"],
    ["Pan/Pani Jan Nowak, ur. 05.02.2000, tel. 601 000 111", "05.02.2000"],
  ])("%s", (text, date) => {
    expect(found(text)).toContainEqual(["date_of_birth", date]);
    expect(found(text)).not.toContainEqual(["tax_id", date]);
  });
});
