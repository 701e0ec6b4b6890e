// Red team 38 on round 38's "noun phrase opening a sentence" rule (a given name that opens a sentence, then a
// joining word and a bare word written small, read as a noun: "Speranza e fortuna", "Soledad y silencio").
// Every case below is a real person the parent commit 1ef3451 masked and the rule left to the model provider:
// it applied to any given name (not only names that are nouns), its joiners were not "and" in every sentence
// ("at", "for", Polish "na"), and the words that kept a person after them were a closed list of exact forms (no
// "colleagues", "brother", "partner", "hijo", "figlio", "kone", "мама", "annesi", "us", "usted"…). The rule was
// withdrawn (docs/pii.md, thirty-eighth round); these cases keep it, or one like it, from coming back.
// The skipped blocks at the end are left: people the parent commit also missed, and clean text of the rule's own
// class that is still masked.
import { describe, expect, it } from "vitest";
import { found, masked } from "./support/people.js";

describe('regression: an "and" word (and, y, e, et, og, och, i, oraz, и, та, ve, és, și, dan, và, na, at) + a companion, kin, pronoun or name not in PERSON_AFTER_JOINER', () => {
  it.each([
    ["Rosa and colleagues", "Rosa and colleagues arrived at nine.", "Rosa"],
    ["Ahmed and coworkers", "Ahmed and coworkers will join the call.", "Ahmed"],
    ["Sarah and partner", "Sarah and partner are coming to dinner.", "Sarah"],
    ["David and girlfriend", "Hi all. David and girlfriend booked the room for Friday.", "David"],
    ["Giulia e colleghi", "Giulia e colleghi hanno presentato il progetto.", "Giulia"],
    ["Ingrid og kollegene", "Ingrid og kollegene hennes kom sent.", "Ingrid"],
    ["Sofia och kollegorna", "Sofia och kollegorna kommer imorgon.", "Sofia"],
    ["João e colegas", "João e colegas chegaram cedo.", "João"],
    ["Marta oraz koledzy", "Marta oraz koledzy przyjadą jutro.", "Marta"],
    ["Иван и коллеги", "Иван и коллеги приехали вчера.", "Иван"],
    ["Олена та колеги", "Олена та колеги прийшли вчора.", "Олена"],
    ["Mehmet ve arkadaşları", "Mehmet ve arkadaşları dün geldi.", "Mehmet"],
    ["Ayşe ve ekibi", "Ayşe ve ekibi toplantıya katıldı.", "Ayşe"],
    ["Péter és kollégái", "Péter és kollégái tegnap érkeztek.", "Péter"],
    ["Andrei și colegii", "Andrei și colegii au sosit ieri.", "Andrei"],
    ["Siti dan rakan-rakan", "Siti dan rakan-rakan akan datang esok.", "Siti"],
    ["Lan và đồng", "Lan và đồng nghiệp đã đến hôm qua.", "Lan"],
    ["Jose at mga", "Jose at mga kasama ay dumating kahapon.", "Jose"],
    ["Jordi i companys", "Jordi i companys van arribar ahir.", "Jordi"],
    ["Mette og kollegerne", "Mette og kollegerne kom i går.", "Mette"],
    ["Sarah and brother", "Sarah and brother are coming to dinner.", "Sarah"],
    ["Sarah and sister", "Sarah and sister are coming to dinner.", "Sarah"],
    ["Sarah and boyfriend", "Sarah and boyfriend are coming to dinner.", "Sarah"],
    ["Sarah and fiancé", "Sarah and fiancé are coming to dinner.", "Sarah"],
    ["Sarah and baby", "Sarah and baby are doing well.", "Sarah"],
    ["Sarah and grandma", "Sarah and grandma are coming to dinner.", "Sarah"],
    ["Sarah and co", "Sarah and co are coming to dinner.", "Sarah"],
    ["Sarah and everyone", "Sarah and everyone else are coming to dinner.", "Sarah"],
    ["Sarah and both", "Sarah and both kids are coming to dinner.", "Sarah"],
    ["Sarah and two", "Sarah and two friends are coming to dinner.", "Sarah"],
    ["Sarah and crew", "Sarah and crew are coming to dinner.", "Sarah"],
    ["David and manager", "David and manager approved the budget.", "David"],
    ["Francesca e fratello", "Francesca e fratello arrivano domani.", "Francesca"],
    ["Francesca e sorella", "Francesca e sorella arrivano domani.", "Francesca"],
    ["Beatriz e irmão", "Beatriz e irmão chegaram ontem.", "Beatriz"],
    ["Erik og bror", "Erik og bror kommer på lørdag.", "Erik"],
    ["Astrid och syster", "Astrid och syster kommer på lördag.", "Astrid"],
    ["Kasia i brat", "Kasia i brat przyjadą jutro.", "Kasia"],
    ["Ольга и брат", "Ольга и брат приехали вчера.", "Ольга"],
    ["Elif ve kardeşi", "Elif ve kardeşi yarın gelecek.", "Elif"],
    ["Zsófia és férje", "Zsófia és férje holnap érkeznek.", "Zsófia"],
    ["Ioana și fratele", "Ioana și fratele ei vin mâine.", "Ioana"],
    ["Dewi dan suaminya", "Dewi dan suaminya datang kemarin.", "Dewi"],
    ["Amina na mumewe", "Amina na mumewe walifika jana.", "Amina"],
    ["Maricel at kapatid", "Maricel at kapatid ay dumating.", "Maricel"],
    ["Núria i germà", "Núria i germà van arribar ahir.", "Núria"],
    ["Rosa and maria", "Rosa and maria are coming tonight.", "Rosa"],
    ["Sarah and myself", "Sarah and myself will cover the booth.", "Sarah"],
    ["Sarah and us", "Sarah and us will cover the booth.", "Sarah"],
    ["Rosa y nosotras", "Rosa y nosotras fuimos al cine.", "Rosa"],
    ["Rosa e você", "Rosa e você vão juntos?", "Rosa"],
    ["Rosa y usted", "Rosa y usted tienen cita mañana.", "Rosa"],
    ["Rosa y vosotros", "Rosa y vosotros llegáis tarde.", "Rosa"],
    ["Ольга и мама", "Ольга и мама приехали вчера.", "Ольга"],
    ["Elif ve annesi", "Elif ve annesi yarın gelecek.", "Elif"],
    ["Dewi dan ibu", "Dewi dan ibu datang kemarin.", "Dewi"],
    ["Amina na mama", "Amina na mama walifika jana.", "Amina"],
    ["Rosa and colleagues", "Rosa and colleagues said it was fine.", "Rosa"],
    ["Sarah and partner", "Attendees: Sarah and partner, plus the vendor.", "Sarah"],
    ["Sarah and partner", "Who is coming? Sarah and partner, I think.", "Sarah"],
    ["Priya and colleagues", "Priya and colleagues from the Delhi office visited us.", "Priya"],
    ["Kenji and colleagues", "Kenji and colleagues published a paper on this.", "Kenji"],
    ["Fatima and daughters", "Fatima and daughters arrived safely.", "Fatima"],
    ["Lukas and flatmates", "Lukas and flatmates are moving out.", "Lukas"],
    ["Noor and roommates", "Noor and roommates signed the lease.", "Noor"],
    ["Aisha and classmates", "Aisha and classmates won the contest.", "Aisha"],
    ["Ravi and spouse", "Ravi and spouse are on leave next week.", "Ravi"],
    ["Miguel y señora", "Miguel y señora llegaron ayer.", "Miguel"],
    ["Bence és felesége", "Bence és felesége szabadságon van.", "Bence"],
    ["Henrik og kone", "Henrik og kone er på ferie.", "Henrik"],
    ["Sarah and partner", "Sarah and partner will join the offsite.", "Sarah"],
    ["Hannah and dog", "Hannah and dog went for a walk.", "Hannah"],
    ["Bruno e figlio", "Bruno e figlio sono andati al mare.", "Bruno"],
    ["Sergio y hijo", "Sergio y hijo fueron a la playa.", "Sergio"],
    ["Rafael and colleagues", "Quick update from the Lisbon trip. Rafael and colleagues landed at 9 and went straight to the client.", "Rafael"],
    ["Kenji and coauthors", "Sorry for the delay. Kenji and coauthors will send the revised draft next week.", "Kenji"],
    ["Olivia and colleagues", "The board met on Tuesday. Olivia and colleagues presented the audit findings.", "Olivia"],
    ["Sergio y hijo", "Hola equipo. Sergio y hijo llegan el lunes al hotel, por favor reservad una habitación doble.", "Sergio"],
    ["Henrik og kone", "Hei alle sammen. Henrik og kone kommer på julebordet.", "Henrik"],
    ["Ольга и мама", "Добрый день. Ольга и мама приедут в понедельник.", "Ольга"],
    ["Sarah and partner", "Sarah and partner will join us. Please book a table for four.", "Sarah"],
    ["Angela and colleagues", "Angela and colleagues at the ministry refused to comment.", "Angela"],
    ["Jennifer and staff", "Jennifer and staff worked through the weekend.", "Jennifer"],
    ["Rebecca and coworkers", "Rebecca and coworkers were laid off in March.", "Rebecca"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name), found(text).join(" | ")).toBe(true);
  });
});

describe('regression: English "at" + a workplace or place word ("Maria at reception")', () => {
  it.each([
    ["Maria at reception", "Maria at reception will help you with the badge.", "Maria"],
    ["Linda at billing", "Linda at billing sent the invoice twice.", "Linda"],
    ["Tom at finance", "Tom at finance approved the refund.", "Tom"],
    ["Sarah at home", "Sarah at home today, call her mobile.", "Sarah"],
    ["Jessica at work", "Jessica at work fell and hurt her wrist.", "Jessica"],
    ["Kevin at headquarters", "Kevin at headquarters signed off on it.", "Kevin"],
    ["Daniel at support", "Daniel at support closed the ticket.", "Daniel"],
    ["Priya at legal", "Meeting notes 12 May. Priya at legal will review the NDA by Friday.", "Priya"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name), found(text).join(" | ")).toBe(true);
  });
});

describe('regression: a "for" word (for, per, pour, för, para, voor, dla, için, pentru, untuk, kwa) or Polish "na" + an adverbial ("for example", "per ora", "na razie")', () => {
  it.each([
    ["David for example", "David for example never replies to emails.", "David"],
    ["David for one", "David for one has already signed.", "David"],
    ["Giulia per esempio", "Giulia per esempio non risponde mai.", "Giulia"],
    ["Sophie pour info", "Sophie pour info est absente demain.", "Sophie"],
    ["Beatriz para variar", "Beatriz para variar chegou atrasada.", "Beatriz"],
    ["Astrid för övrigt", "Astrid för övrigt är sjuk idag.", "Astrid"],
    ["Elif için yeni", "Elif için yeni bir laptop sipariş ettim.", "Elif"],
    ["Dewi untuk sementara", "Dewi untuk sementara cuti.", "Dewi"],
    ["Amina kwa sasa", "Amina kwa sasa yuko likizo.", "Amina"],
    ["Marco per favore", "Marco per favore chiamami quando puoi.", "Marco"],
    ["Ahmed for sure", "Ahmed for sure will come tomorrow.", "Ahmed"],
    ["Luca per caso", "Luca per caso hai visto il file?", "Luca"],
    ["Marta na zwolnieniu", "Marta na zwolnieniu lekarskim od poniedziałku.", "Marta"],
    ["Katarzyna na spotkaniu", "Katarzyna na spotkaniu, oddzwoni później.", "Katarzyna"],
    ["Agnieszka na pewno", "Agnieszka na pewno przyjdzie.", "Agnieszka"],
    ["Michał na razie", "Michał na razie nie odpowiada.", "Michał"],
    ["Ewa dla mnie", "Ewa dla mnie to najlepsza szefowa.", "Ewa"],
    ["Amina kwa simu", "Amina kwa simu alisema atachelewa.", "Amina"],
    ["Giovanni per lavoro", "Giovanni per lavoro è a Milano.", "Giovanni"],
    ["Francesca per motivi", "Francesca per motivi personali è assente.", "Francesca"],
    ["Chiara per ora", "Chiara per ora non risponde.", "Chiara"],
    ["Julien pour raisons", "Julien pour raisons personnelles est absent.", "Julien"],
    ["Jonas för tillfället", "Jonas för tillfället sjukskriven.", "Jonas"],
    ["Daan voor altijd", "Daan voor altijd in ons hart.", "Daan"],
    ["Selin için doğum", "Selin için doğum günü pastası aldım.", "Selin"],
    ["Cristina pentru moment", "Cristina pentru moment lipsește.", "Cristina"],
    ["Rina untuk sementara", "Rina untuk sementara tidak bisa dihubungi.", "Rina"],
    ["Neema kwa sasa", "Neema kwa sasa yuko hospitalini.", "Neema"],
    ["Chiara per ora", "Ciao a tutti! Chiara per ora non risponde, quindi rimandiamo la riunione.", "Chiara"],
    ["Julien pour raisons", "Bonjour à tous. Julien pour raisons personnelles sera absent jusqu'à lundi.", "Julien"],
    ["Jonas för tillfället", "Hej! Jonas för tillfället sjukskriven, hör av er till mig istället.", "Jonas"],
    ["Marta na zwolnieniu", "Dzień dobry. Marta na zwolnieniu lekarskim do piątku, proszę pisać do mnie.", "Marta"],
    ["Selin için doğum", "Merhaba. Selin için doğum günü pastası sipariş ettim, cuma teslim.", "Selin"],
    ["Amina kwa simu", "Jambo timu. Amina kwa simu alisema atachelewa kidogo.", "Amina"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name), found(text).join(" | ")).toBe(true);
  });
});

describe('regression: an "of" word (de, del, di, della, do, du) + a department, after a name that is also a word', () => {
  it.each([
    ["Rosa de contabilidad", "Rosa de contabilidad llamó esta mañana.", "Rosa"],
    ["Rosa del equipo", "Rosa del equipo de ventas llamó.", "Rosa"],
    ["Mercedes del departamento", "Mercedes del departamento legal llamó ayer.", "Mercedes"],
    ["Rosa di amministrazione", "Rosa di amministrazione ha chiamato.", "Rosa"],
    ["Rosa della contabilità", "Rosa della contabilità ha chiamato.", "Rosa"],
    ["Gioia del marketing", "Gioia del marketing ha mandato il file.", "Gioia"],
    ["Rosa do financeiro", "Rosa do financeiro ligou hoje.", "Rosa"],
    ["Claire du service", "Claire du service juridique a répondu.", "Claire"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name), found(text).join(" | ")).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// left: not regressions of this change (the parent commit 1ef3451 missed these too).
// ---------------------------------------------------------------------------------------------------------

describe.skip("left: people the parent commit also missed", () => {
  it.each([
    ["Maria and colleagues", "Maria and colleagues arrived late this morning.", "Maria"],
    ["John and colleagues", "John and colleagues published the report yesterday.", "John"],
    ["Emma and brother", "Thanks for the update. Emma and brother will be there on Sunday.", "Emma"],
    ["Peter and others", "Meeting notes: Peter and others agreed to ship on Monday.", "Peter"],
    ["Maria e i", "Maria e i colleghi sono arrivati alle nove.", "Maria"],
    ["Ana y compañía", "Ana y compañía llegaron tarde.", "Ana"],
    ["Lars og kollegaene", "Lars og kollegaene kom i går.", "Lars"],
    ["Jan en collega's", "Jan en collega's komen morgen.", "Jan"],
    ["Pierre et collègues", "Pierre et collègues arrivent demain.", "Pierre"],
    ["Marie et compagnie", "Marie et compagnie sont arrivés.", "Marie"],
    ["Anna i koledzy", "Anna i koledzy przyjechali wczoraj.", "Anna"],
    ["Budi dan teman-teman", "Budi dan teman-teman datang kemarin.", "Budi"],
    ["Juma na wenzake", "Juma na wenzake walifika jana.", "Juma"],
    ["Carmen y hermano", "Carmen y hermano llegaron tarde.", "Carmen"],
    ["Carmen y compañeros", "Carmen y compañeros llegaron tarde.", "Carmen"],
    ["Lucía y novio", "Lucía y novio vienen a cenar.", "Lucía"],
    ["Lucía para variar", "Lucía para variar llegó tarde.", "Lucía"],
    ["Camille et copain", "Camille et copain arrivent demain.", "Camille"],
    ["Sophie et frère", "Sophie et frère arrivent demain.", "Sophie"],
    ["Hương và chồng", "Hương và chồng đến hôm qua.", "Hương"],
    ["Hương cho biết", "Hương cho biết sẽ đến muộn.", "Hương"],
    ["maria are coming", "rosa and maria are coming tonight.", "maria"],
    ["Mercedes de ventas", "Mercedes de ventas no contestó.", "Mercedes"],
    ["Pilar de compras", "Pilar de compras pidió el presupuesto.", "Pilar"],
    ["Luz de sistemas", "Luz de sistemas reinició el servidor.", "Luz"],
    ["Victoria de legal", "Victoria de legal revisó el contrato.", "Victoria"],
    ["Sol de finanzas", "Sol de finanzas aprobó el gasto.", "Sol"],
    ["Luz da contabilidade", "Luz da contabilidade mandou o relatório.", "Luz"],
    ["Graça dos recursos", "Graça dos recursos humanos ligou.", "Graça"],
    ["Rose du service", "Rose du service compta a appelé.", "Rose"],
    ["Roos van marketing", "Roos van marketing belde vanochtend.", "Roos"],
    ["Hope of accounting", "Hope of accounting approved it.", "Hope"],
    ["Grace and team", "Grace and team approved it.", "Grace"],
    ["Grace and colleagues", "Grace and colleagues approved it.", "Grace"],
    ["Joy and husband", "Joy and husband are coming.", "Joy"],
    ["Sarah and partner", "- Sarah and partner will join the offsite.", "Sarah"],
    ["Sarah and partner", '"Sarah and partner are late," he wrote.', "Sarah"],
    ["Tom for real", "Tom for real? That's great news.", "Tom"],
    ["Pedro para cuando", "Pedro para cuando tienes el informe?", "Pedro"],
    ["Mohammed and sons", "Mohammed and sons opened a shop.", "Mohammed"],
    ["Paolo e moglie", "Paolo e moglie sono in ferie.", "Paolo"],
    ["Antoine et femme", "Antoine et femme sont en congé.", "Antoine"],
    ["Nils och fru", "Nils och fru är på semester.", "Nils"],
    ["Knut og kona", "Knut og kona er på ferie.", "Knut"],
    ["Lars og familien", "Lars og familien er på ferie.", "Lars"],
    ["Anna na urlopie", "Anna na urlopie do piątku.", "Anna"],
    ["Ana e companhia", "Ana e companhia chegaram.", "Ana"],
    ["Ana para casa", "Ana para casa já.", "Ana"],
    ["Laura para mañana", "Laura para mañana tiene cita con el médico.", "Laura"],
    ["Mads for tiden", "Mads for tiden syg.", "Mads"],
    ["Ole for øvrig", "Ole for øvrig er syk i dag.", "Ole"],
    ["Emma för övrigt", "Emma för övrigt slutar i juni.", "Emma"],
    ["Hannah and sons", "Hannah and sons went out.", "Hannah"],
    ["Maria and husband", "Patient update: Maria and husband came to the clinic today. She reports chest pain.", "Maria"],
    ["Michael and associates", "Michael and associates filed the motion on Monday.", "Michael"],
  ])("%s: %s", (_attack, text, name) => {
    expect(masked(text, name), found(text).join(" | ")).toBe(true);
  });
});

describe.skip("left: clean text of the rule's own class still masked (the parent masked it too)", () => {
  it.each([
    ["article after the joiner (y el)", "Soledad y el silencio de la noche."],
    ["article after the joiner (e la)", "Speranza e la fede non bastano."],
    ["article after an of word (de la)", "Dolores de la espalda: consulte a su fisioterapeuta."],
    ["article after an of word (de los)", "Rosa de los vientos."],
    ["two nouns joined by y", "Paz y amor para todos."],
  ])("%s: %s", (_attack, text) => {
    expect(found(text)).toEqual([]);
  });
});
