// Attack class: blanks doubled between words. Two gaps of two blanks made any line a table of
// columns to the technical gate, which then wanted a full name: "Yesterday Ahmed  and  Fatima came
// to the office" sent both names (red team 27). And in a real table the tagger ran one person
// across the cells ("Ahmed Khan  Leeds  Ops"), which no full-name check passed. Each must answer
// 422 with the provider unreached under a policy that blocks people.
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { chatSeen } from "./support.js";

let agentToken: string;

beforeAll(async () => {
  const org = await fakeProviderOrg("blank-runs");
  const agent = await createAgent(org, { name: "blanks-bot" });
  await attachPolicy(org, { name: "block people", pii: { person: "block" } }, { scope: "agent", id: agent.id });
  agentToken = agent.token;
});

describe("attack: doubled blanks around names", () => {
  it.each([
    ["a sentence with doubled blanks", "Yesterday Ahmed  and  Fatima came to the office to sign the lease."],
    ["a sentence with tabs", "Yesterday Ahmed\tand\tFatima came to the office to sign the lease."],
    ["a table of aligned columns", "Name        City      Team\nAhmed Khan  Leeds     Ops\nPriya Raman  Bristol   Sales"],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it("control: tool output in columns is sent", async () => {
    const { res, seen } = await chatSeen(agentToken, "NAME          READY   STATUS    RESTARTS   AGE\napi-7d9f8c    1/1     Running   0          3d");
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe("attack: names in tab-separated rows and between doubled blanks after a label (red team 27b)", () => {
  it.each([
    ["a tab-separated table", "Name\tCity\tTeam\nAhmed Khan\tLeeds\tOps\nMaria Kowalska\tKrakow\tSales"],
    ["a label and a name with doubled blanks", "Owner:  Maria  Kowalska"],
    ["a Markdown table", "| Name | City |\n|---|---|\n| Maria Kowalska | Krakow |"],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it("control: a table's header alone is sent", async () => {
    const { res, seen } = await chatSeen(agentToken, "Name\tCity\tTeam\tStatus");
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe("attack: names in table cells without a sentence around them (red team 27c)", () => {
  it.each([
    ["a Markdown row of a given name alone", "| Maria | Leeds | Ops |"],
    ["a Markdown table of given names under a Name header", "| Name | City |\n|---|---|\n| Maria | Leeds |\n| Tomasz | Krakow |"],
    ["names written small in a Markdown row", "| maria kowalska | leeds |"],
    ["names written small under an Owner header", "| Owner | Task |\n|---|---|\n| ana lópez | fix login |"],
    ["a tab-separated table written small", "name\tcity\nmaria\tleeds\njohn smith\tyork"],
    ["a full name in a Markdown row", "| John Smith | London | 2024 |"],
    ["a name with a footnote mark (red team 28)", "| Name | City |\n|---|---|\n| Maria Kowalska\u00b9 | Leeds |"],
    ["a name in code marks or a mail link", "| Name | City |\n|---|---|\n| `maria kowalska` | x |\n| [maria kowalska](mailto:m@x) | y |"],
    ["a table whose rows open without a pipe", "Name | City\n--- | ---\nmaria kowalska | leeds"],
    ["a German header of people", "| Teilnehmer | Rolle |\n|---|---|\n| jonas | Dev |"],
    ["a Patient column beside an ID column (red team 28b)", "| ID | Patient |\n|---|---|\n| 17 | Kowalski |\n| 18 | Nowakowska |"],
    ["a name with a Markdown footnote", "| Name | Notes |\n|---|---|\n| Maria Kowalska[^1] | x |"],
  ])("%s is refused", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(422);
    expect(seen).toEqual([]);
  });

  it.each([
    ["a table of languages", "| Language | Version |\n|---|---|\n| Julia | 1.9 |\n| Ruby | 3.2 |"],
    ["a table of files", "| File name | Size |\n|---|---|\n| Report | 2 KB |\n| Summary | 1 KB |"],
    ["a people column of placeholders", "| Owner | Task |\n|---|---|\n| TBD | docs |\n| Unassigned | tests |"],
    ["a Name column of packages (red team 28)", "| Name | Version |\n|---|---|\n| lodash | 4.17 |\n| karma | 6.4 |\n| jasmine | 5.1 |"],
    ["codenames and versions", "| Codename | Version |\n|---|---|\n| Jessie | 8 |\n| Buster | 10 |"],
    ["a Name column of linked products", "| Name | Constant |\n|---|---|\n| [Buddy](https://buddy.works/) | ci.BUDDY |"],
    ["a weekly plan", "| Mon | Tue | Wed |\n|---|---|---|\n| Yoga | Run | Rest |"],
    [
      "tools named like people (red team 28b)",
      "| Name | Purpose |\n|---|---|\n| Jenkins | CI |\n| Travis | CI |\n| Hugo | static site |\n| Jekyll | static site |",
    ],
  ])("control: %s is sent", async (_title, content) => {
    const { res, seen } = await chatSeen(agentToken, content);
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect(seen).toHaveLength(1);
  });
});
