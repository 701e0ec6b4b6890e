// Red team 38c on round 38's name-field change (entities.ts):
//  1. NAME_LABEL also counted a label after a comma that ends an earlier field's value ("Name: Richter, Vorname: Jürgen");
//  2. notAPersonThere kept an office word right after a name label ("Nachname: Richter");
//  3. titleSpans kept a person right after a name label as written on a title-case line.
// Block (a): text with no person in it that the parent (1ef3451) left alone and the change masked as a person.
// Block (b): people the parent masked whole and the change lost: a "Surname, Given" value after a label that follows
// an earlier field's comma was cut at its own comma, and the cut span replaced the parent's wider one.
// The change is withdrawn (docs/pii.md, thirty-eighth round): both blocks pass and keep it from coming back.
// Block (c), skipped: people in these formats still missed (by the parent too). Two cases of block (a) were left out:
// the parent already reads "Job" in "Job: nightly, Name: Build" and "Arial" in "Font: Arial, Name: Heading" as people.
import { describe, expect, it } from "vitest";
import { found, masked } from "./support/people.js";

describe("(a) a label after an earlier field's comma takes a thing's name as a person", () => {
  describe("code, config, logs and UI strings: 'key: value, name: Value'", () => {
    it.each([
      ["sort order", "Sort by: date, name: Ascending"],
      ["schema column", "columns: id, name: String"],
      ["fields list", "fields: type, name: Primary"],
      ["settings", "Theme: dark, Name: Default"],
      ["Kubernetes object", "kind: Deployment, name: Frontend"],
      ["Kubernetes service", "kind: Service, name: Gateway"],
      ["pod manifest", "apiVersion: v1, kind: Pod, name: Nginx"],
      ["RBAC role", "Kind: Role, Name: Approver"],
      ["error message", "Error: invalid value, name: Undefined"],
      ["structured log", "level: info, msg: started, name: Worker"],
      ["warning", "Warning: duplicate key, name: Primary"],
      ["UI component", "Component: Button, Name: Submit"],
      ["variable", "Variable: x, Name: Counter"],
      ["spreadsheet", "Sheet: 1, Name: Summary"],
      ["bucket", "Bucket: s3, Name: Archive"],
      ["git tag", "Tag: v2, Name: Release"],
      ["git branch", "Branch: main, Name: Production"],
      ["environment", "Env: prod, Name: Staging"],
      ["version code name", "Version: 2.1, Name: Jellyfish"],
      ["cloud region", "Region: eu-west, Name: Frankfurt"],
      ["layer", "Layer: 3, Name: Background"],
      ["channel", "Channel: general, Name: Announcements"],
      ["text style", "Style: bold, Name: Title"],
      ["font family", "Font: sans, Name: Helvetica"],
      ["font display", "Font: display, Name: Impact"],
      ["Wi-Fi network", "Wi-Fi: on, Name: Starlink"],
      ["router", "Network: 5GHz, Name: Linksys"],
      ["device model", "Model: X200, Name: Falcon"],
      ["user group", "Group: 3, Name: Marketing"],
      ["team", "Team: red, Name: Avengers"],
      ["user role", "Role: admin, Name: Editor"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("product listings: 'Colour: …, Name: …' (colours, flavours, models)", () => {
    it.each([
      ["colour name", "Colour: navy, Name: Midnight"],
      ["colour slate", "Colour: grey, Name: Slate"],
      ["colour blush", "Colour: pink, Name: Blush"],
      ["colour mocha", "Colour: brown, Name: Mocha"],
      ["colour champagne", "Colour: gold, Name: Champagne"],
      ["option crimson", "Options: red, Name: Crimson"],
      ["paint ivory", "Paint: white, Name: Ivory"],
      ["rose variety", "Rose: hybrid tea, Name: Peace"],
      ["plant", "Plant: rose, Name: Peace"],
      ["grape", "Grape: red, Name: Merlot"],
      ["hop", "Hop: bitter, Name: Magnum"],
      ["bike", "Bike: road, Name: Tarmac"],
      ["car", "Car: SUV, Name: Explorer"],
      ["guitar", "Guitar: electric, Name: Stratocaster"],
      ["cocktail", "Cocktail: rum, Name: Mojito"],
      ["racehorse", "Horse: bay, Name: Seabiscuit"],
      ["planet", "Planet: 4, Name: Mars"],
      ["star", "Star: G-type, Name: Sun"],
      ["tarot card", "Card: tarot, Name: The Hanged Man"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("other languages: Nombre, Nom, Nome, Name, Namn, Имя, Ім'я, Jméno, Imię, Όνομα", () => {
    it.each([
      ["Spanish shirt", "Tipo: camiseta, Nombre: Clásica"],
      ["Spanish drink", "Categoría: bebidas, Nombre: Horchata"],
      ["Spanish dish", "Dish: soup, Nombre: Gazpacho"],
      ["French colour", "Couleur : rouge, Nom : Élégance"],
      ["French cheese", "Catégorie : fromages, Nom : Comté"],
      ["Italian wine", "Categoria: vini, Nome: Barolo"],
      ["Portuguese sweet", "Categoria: doces, Nome: Brigadeiro"],
      ["German colour", "Farbe: rot, Name: Sonnenschein"],
      ["German wine", "Kategorie: Wein, Name: Riesling"],
      ["Swedish cheese", "Kategori: ost, Namn: Västerbotten"],
      ["Russian doll", "Цвет: красный, Имя: Матрёшка"],
      ["Russian cake", "Категория: торты, Имя: Наполеон"],
      ["Ukrainian cake", "Категорія: торти, Ім'я: Київський"],
      ["Czech cheese", "Kategorie: sýry, Jméno: Hermelín"],
      ["Polish cheese", "Kategoria: sery, Imię: Oscypek"],
      ["Greek cheese", "Κατηγορία: τυριά, Όνομα: Φέτα"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("the other labels after a comma: Holder, Recipient, Chair, Reporter, Assignee, Reviewer, Presenter, Empfänger, Titular", () => {
    it.each([
      ["joint account", "Account: savings, Holder: Joint"],
      ["business card", "Card: Visa, Holder: Business"],
      ["holder slot", "Mode: auto, Holder: Default"],
      ["primary holder", "Type: savings, Holder: Primary"],
      ["broadcast packet", "Packet: TCP, Recipient: Broadcast"],
      ["webhook", "Format: JSON, Recipient: Webhook"],
      ["chair type", "Ticket: 42, Chair: Ergonomic"],
      ["chair material", "Seats: 4, Chair: Leather"],
      ["chair style", "Seating: 4, Chair: Windsor"],
      ["chair model", "Item: furniture, Chair: Eames Lounge"],
      ["CI reporter", "Type: Bug, Reporter: Jenkins"],
      ["error tracker", "Project: Apollo, Reporter: Sentry"],
      ["bot", "Build: passed, Reporter: Dependabot"],
      ["triage queue", "Tool: Jira, Assignee: Triage"],
      ["automated review", "Status: done, Reviewer: Automated"],
      ["keynote slot", "Event: meetup, Presenter: Keynote"],
      ["tax office", "Transfer: SEPA, Empfänger: Finanzamt"],
      ["treasury", "Transfer: SEPA, Beneficiary: Treasury"],
      ["company account", "Transfer: SEPA, Titular: Empresa"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });

  describe("an office or rank word as a role's, piece's or card's name (no longer dropped after a name label)", () => {
    it.each([
      ["role editor", "Name: Editor\nPermissions: edit, publish"],
      ["open position", "Name: Director\nDepartment: Sales\nOpen positions: 2"],
      ["role judge", "Name: Judge\nType: role\nPermissions: approve"],
      ["Spanish role", "Nombre: Juez\nDescripción: rol con permiso de aprobar"],
      ["French role", "Nom : Juge\nDescription : rôle qui approuve"],
      ["German role", "Name: Richter\nBeschreibung: Rolle mit Freigaberecht"],
      ["German office", "Name: Bürgermeister\nTyp: Amt"],
      ["job title", "Title: Director, Name: Manager"],
      ["position", "Position: Senior, Name: Director"],
      ["job", "Position: lead, Name: Chairman"],
      ["rank", "Level: 3, Name: Captain"],
      ["game role", "Role: player, Name: Sheriff"],
      ["chess piece", "Game: chess, Name: Bishop"],
      ["chess king", "Chess piece: 3, Name: King"],
      ["tarot emperor", "Tarot card: 4, Name: Emperor"],
      ["label judge", "Label: draft, Name: Judge"],
    ])("%s: %s", (_attack, text) => {
      expect(found(text)).toEqual([]);
    });
  });
});

describe("(b) regressions: 'Surname, Given' after a label that follows an earlier field's comma loses the given name", () => {
  it.each([
    ["Spanish record", "Fecha: 12/03/2024, Nombre: García López, Ana", ["García López", "Ana"]],
    ["Spanish, one surname", "Fecha: 12/03/2024, Nombre: García, Ana", ["García", "Ana"]],
    ["Spanish, two given names", "Fecha: 12/03/2024, Nombre: Pérez Gómez, José Luis", ["Gómez", "José Luis"]],
    ["Apellidos label", "Fecha: 12/03/2024, Apellidos: García López, Ana", ["García López", "Ana"]],
    ["case file", "Expediente: 4521, Nombre: Martínez Ruiz, Carmen", ["Martínez Ruiz", "Carmen"]],
    ["English double surname", "Date: 2024-03-12, Name: Smith Jones, Mary", ["Smith Jones", "Mary"]],
    ["particle surname", "Date: 2024-03-12, Name: De La Cruz, Maria", ["De La Cruz", "Maria"]],
    ["unaccented", "Date: 2024-03-12, Name: Garcia Lopez, Ana", ["Garcia Lopez", "Ana"]],
    ["accented", "Date: 2024-03-12, Name: García López, Ana", ["García López", "Ana"]],
    ["patient", "Date: 2024-03-12, Patient: Smith, John", ["Smith", "John"]],
    ["ward patient", "Room: 12, Patient: Gonzalez, Maria", ["Gonzalez", "Maria"]],
    ["medical record", "MRN: 448812, Patient: Gonzalez Ruiz, Maria", ["Gonzalez Ruiz", "Maria"]],
    ["French file", "Dossier : 4521, Nom : Martin, Sophie", ["Martin", "Sophie"]],
    ["Nom et prénom", "Dossier : 4521, Nom et prénom : Martin, Sophie", ["Martin", "Sophie"]],
    ["Italian", "Data: 12/03/2024, Nome: Rossi, Giulia", ["Rossi", "Giulia"]],
    ["Dutch", "Datum: 12.03.2024, Naam: Jansen, Pieter", ["Jansen", "Pieter"]],
    ["Dutch particle", "Datum: 12.03.2024, Naam: De Vries, Pieter", ["De Vries", "Pieter"]],
    ["recipient", "Order: 551, Recipient: Schmidt, Hans", ["Schmidt", "Hans"]],
    ["payee", "Ref: 551, Payee: Wong, Mei Ling", ["Wong", "Mei Ling"]],
    ["beneficiary", "Ref: 551, Beneficiary: Okafor, Chinedu", ["Okafor", "Chinedu"]],
    ["Empfänger", "Ref: 551, Empfänger: Yılmaz, Mehmet", ["Yılmaz", "Mehmet"]],
  ])("%s: %s", (_attack, text, names) => {
    for (const name of names) expect(masked(text, name), name).toBe(true);
  });
});

describe.skip("left: people in these formats still missed (the parent missed them too)", () => {
  it.each([
    ["'Nom, Prénom' one label, 'Surname, Given' value", "Nom, Prénom : Dupont, Marie", ["Dupont", "Marie"]],
    ["'Nazwisko, Imię' given name", "Nazwisko, Imię: Kowalski, Jan", ["Jan"]],
    ["given name after a comma-label's surname with particles", "Date: 2024-03-12, Name: Van Der Berg, Mary Ann", ["Mary Ann"]],
    ["given name after two surnames (a comma-label)", "Ref: 551, Beneficiario: Fernández Díaz, Lucía", ["Lucía"]],
    ["Titular 'Surname, Given'", "Ref: 551, Titular: Fernández Díaz, Lucía", ["Lucía"]],
    ["first of two surnames", "Fecha: 12/03/2024, Nombre: Pérez Gómez, José Luis", ["Pérez"]],
    ["label after an address with commas", "Anschrift: Hauptstraße 5, 50667 Köln, Name: Richter, Vorname: Jürgen", ["Richter"]],
    ["French label after an address", "Adresse : 5 rue de la Paix, Paris, Nom : Lévêque, Prénom : Jean", ["Lévêque"]],
    ["Spanish label after an address", "Dirección: Calle Mayor 5, Madrid, Apellido: Obispo, Nombre: Ana", ["Obispo"]],
    ["label after a comma with no colon before", "Geb. 19.06.1972, Name: Richter", ["Richter"]],
    ["Nachname after a comma with no colon before", "geboren 1972, Nachname: Richter", ["Richter"]],
    ["Chinese surname and given name fields", "姓：王, 名：丽华", ["王", "丽华"]],
    ["title-case card with particles", "Guest Name: Mary Ann Van Der Berg Room: 12 Check In: Monday", ["Mary Ann Van Der Berg"]],
    ["title and suffix", "Name: Mr John Smith Jr Company: Acme Inc", ["John Smith"]],
    ["compound given name with Del", "Patient Name: Maria Del Carmen Ruiz Diagnosis: Flu", ["Maria Del Carmen Ruiz"]],
  ])("%s: %s", (_attack, text, names) => {
    for (const name of names) expect(masked(text, name), name).toBe(true);
  });
});
