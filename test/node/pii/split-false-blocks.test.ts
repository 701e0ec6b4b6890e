// Split-value checks on ordinary traffic: seeded generators of the requests that the old
// "any digits that join into a card" rule refused (order bodies, lists of integers, sales chats,
// tool calls with integers, code with decorators, chats with prices, quantities and dates), each
// at least 200 times under a policy that blocks every category a split check reads, must never be
// refused; and the split values those checks exist for still are.
import { describe, expect, it } from "vitest";
import type { PiiExits } from "../../../schema/pii.js";
import { type JsonValue, Masker, maskJsonStrings, scanOutbound } from "../../../workers/pii/index.js";

const SPLIT_BLOCK = { email: "block", phone: "block", credit_card: "block", iban: "block", tax_id: "block", secret: "block" } as const;
const EXITS: PiiExits = { egress: SPLIT_BLOCK, toolArguments: SPLIT_BLOCK };
const TRIALS = 200;

/** Park-Miller generator: the same numbers on every run, so a failure names its request. */
function seeded(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)] as T;
  return { int, pick };
}

function llmBlocked(body: JsonValue): string[] {
  const masker = new Masker({ ...SPLIT_BLOCK });
  maskJsonStrings(body, masker);
  return masker.result().blockedCategories;
}

function egressBlocked(body: string): string[] {
  return scanOutbound(EXITS, { exit: "egress", body, contentType: "application/json" }).blockedCategories;
}

function toolBlocked(json: unknown): string[] {
  return scanOutbound(EXITS, { exit: "toolArguments", json }).blockedCategories;
}

/** Runs `trial` TRIALS times and returns the refused requests (at most three, for the message). */
function refusals(seed: number, trial: (r: ReturnType<typeof seeded>) => { blocked: string[]; request: unknown }) {
  const r = seeded(seed);
  const refused: unknown[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const { blocked, request } = trial(r);
    if (blocked.length > 0 && refused.length < 3) refused.push({ blocked, request });
  }
  return refused;
}

describe("clean requests are not refused as split values", () => {
  it("order JSON bodies (order number, SKUs, quantities, prices) on egress", () => {
    const refused = refusals(1, ({ int }) => {
      const rows = Array.from({ length: int(1, 8) }, () => ({
        sku: `SKU-${int(100, 999)}`,
        qty: int(1, 40),
        price: `${int(1, 999)}.${int(10, 99)}`,
      }));
      const body = JSON.stringify({ order: int(10000, 99999), rows });
      return { blocked: egressBlocked(body), request: body };
    });
    expect(refused).toEqual([]);
  });

  it("bodies of integer lists (ten of 1-99999, five or six of 1-9999, 5-12 four-digit ids) on egress", () => {
    const refused = refusals(2, ({ int, pick }) => {
      const shape = pick(["ten", "short", "fourDigit"] as const);
      const values =
        shape === "ten"
          ? Array.from({ length: 10 }, () => int(1, 99999))
          : shape === "short"
            ? Array.from({ length: int(5, 6) }, () => int(1, 9999))
            : Array.from({ length: int(5, 12) }, () => int(1000, 9999));
      const body = JSON.stringify({ metric: "latency_ms", values });
      return { blocked: egressBlocked(body), request: body };
    });
    expect(refused).toEqual([]);
  });

  it("six-turn sales chats with unit counts on the LLM proxy", () => {
    const refused = refusals(3, ({ int, pick }) => {
      const messages = Array.from({ length: 6 }, (_, i) => ({
        role: i % 2 ? "assistant" : "user",
        content:
          i % 2
            ? pick([`Noted: ${int(100, 99999)} units.`, `Noted: ${int(1000, 9999)}`, `${int(1000, 9999)} units logged.`])
            : `Region ${int(1, 9)} sold ${int(100, 99999)} units in week ${int(1, 52)}.`,
      }));
      const body = { model: "gpt-test", messages };
      return { blocked: llmBlocked(body), request: body };
    });
    expect(refused).toEqual([]);
  });

  // A list of exactly four four-digit integers reads as a card split in four (about 1 in 22 is an
  // issued card): docs/pii.md lists that residual; longer and shorter lists are never read so.
  it("tool calls with five to ten integers (tool arguments and an Anthropic tool_use input)", () => {
    const refused = refusals(4, ({ int }) => {
      const args = { values: Array.from({ length: int(5, 10) }, () => int(1, 9999)) };
      const body = {
        model: "claude-test",
        max_tokens: 1024,
        messages: [
          { role: "user", content: "sum these" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "stats", input: args }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: String(int(1, 99999)) }] },
        ],
      };
      return { blocked: [...toolBlocked(args), ...llmBlocked(body)], request: args };
    });
    expect(refused).toEqual([]);
  });

  it("multi-turn chats with prices, quantities and dates", () => {
    const refused = refusals(5, ({ int, pick }) => {
      const date = () => `${int(2019, 2026)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}`;
      const turns = [
        () => `Order ${int(10000, 99999999)} shipped ${date()}, total ${int(1, 9999)}.${int(10, 99)} USD.`,
        () => `${int(2, 400)} items at ${int(1, 999)}.${int(10, 99)} each`,
        () => `Invoice ${int(1000, 9999)}`,
        () => `Delivered on ${date()} at ${int(1, 12)}:${String(int(0, 59)).padStart(2, "0")}`,
        () => `Stock: ${int(1000, 9999)}`,
        () => `${int(1000, 9999)} left in bin ${int(1, 99)}`,
        () => `${int(2019, 2026)}`,
      ];
      const messages = Array.from({ length: int(4, 10) }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: pick(turns)() }));
      const body = { model: "gpt-test", messages };
      return { blocked: llmBlocked(body), request: body };
    });
    expect(refused).toEqual([]);
  });

  it("code with decorators after a language name (tool_use input, chat turns, tool arguments)", () => {
    const decorators = [
      "@app.route('/health')",
      "@app.get('/items')",
      "@router.post('/items')",
      "@dataclasses.dataclass",
      "@torch.no_grad()",
      "@pytest.fixture",
      "@functools.lru_cache(maxsize=None)",
      "@celery.app.task",
      "@admin.site.register(Book)",
      "@staticmethod",
    ];
    const languages = ["python", "Python", "py", "code"];
    const refused = refusals(6, ({ pick }) => {
      const language = pick(languages);
      const code = `${pick(decorators)}\ndef handler():\n    return 'ok'\n`;
      const body = {
        model: "claude-test",
        max_tokens: 64,
        messages: [
          { role: "user", content: `Show me the decorator in ${language}` },
          { role: "assistant", content: `${pick(decorators)} is the decorator.` },
          { role: "user", content: "now write it" },
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "write_file", input: { language, code } }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A09q90qw90lq917835lq9", content: "written" }] },
        ],
      };
      return { blocked: [...llmBlocked(body), ...toolBlocked({ lang: language, code })], request: body };
    });
    expect(refused).toEqual([]);
  });
});

describe("split values are still refused", () => {
  it.each([
    ["a card in printed groups across two JSON fields", '{"a":"4111 1111","b":"1111 1111"}'],
    ["a card as bare groups with one grouped piece", '{"parts":["4111","1111 1111","1111"]}'],
    ["a card as four bare four-digit strings", '{"parts":["4111","1111","1111","1111"]}'],
    ["a card as four four-digit numbers", '{"a":4111,"b":1111,"c":1111,"d":1111}'],
    ["an Amex in its 4-6-5 groups across three fields, the first labelled", '{"a":"amex 3782","b":"822463","c":"10005"}'],
    ["a card labelled piece by piece with text between", '["part one: 4111", "keep it safe", "part two: 1111 1111", "and last: 1111"]'],
  ])("egress: %s", (_name, body) => {
    expect(egressBlocked(body)).toContain("credit_card");
  });

  it("LLM: a card one group per message with filler between, and halves in far messages", () => {
    const filler = { role: "user", content: "Some unrelated words to push the parts apart from each other. ".repeat(4) };
    const groups = ["4111", "1111", "1111", "1111"].flatMap((g) => [{ role: "user", content: `part: ${g}` }, filler]);
    expect(llmBlocked({ model: "gpt-test", messages: groups })).toContain("credit_card");
    const halves = [{ role: "user", content: "first half: 5500 0055" }, filler, { role: "user", content: "5555 5559 is the second half" }];
    expect(llmBlocked({ model: "gpt-test", messages: halves })).toContain("credit_card");
  });

  it("LLM: split e-mails at the '@' with an address-like local part, inside the local part and inside the domain", () => {
    const parts = (texts: string[]) => ({ model: "gpt-test", messages: [{ role: "user", content: texts.map((text) => ({ type: "text", text })) }] });
    expect(llmBlocked(parts(["write to jane.roe", "@example.org today"]))).toContain("email");
    expect(llmBlocked(parts(["mail jane", ".doe@exa", "mple.c", "om now"]))).toContain("email");
    const tool = { type: "tool_use", id: "toolu_01AbCdEfGhIjKlMnOpQrStUv", name: "mail", input: { "jane.roe@": "example.org" } };
    expect(llmBlocked({ model: "claude-test", messages: [{ role: "assistant", content: [tool] }] })).toContain("email");
  });
});
