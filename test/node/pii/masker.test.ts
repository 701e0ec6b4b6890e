// Masker actions, stable placeholders, JSON walking (keys, tool arguments, seams) and budgets.
import { describe, expect, it } from "vitest";
import { Masker, PiiBudgetError, PiiPolicySchema, createMasker, maskJsonStrings, restoreText, type JsonValue } from "../../../workers/pii/index.js";

const EMAIL = "jane.doe@example.com";
const CARD = "4111 1111 1111 1111";
const AWS = "AKIAIOSFODNN7EXAMPLE";

function serialized(v: JsonValue): string {
  return JSON.stringify(v);
}

describe("Masker", () => {
  it("gives the same value the same placeholder across texts and restores it", () => {
    const m = createMasker({});
    const [a, b] = m.maskTexts([`mail ${EMAIL} or bob@example.org`, `again ${EMAIL.toUpperCase()}`]);
    expect(a).toBe("mail <EMAIL_1> or <EMAIL_2>");
    expect(b).toBe("again <EMAIL_1>");
    const r = m.result();
    expect(r.counts).toEqual({ email: 3 });
    expect(r.mapping).toEqual({ "<EMAIL_1>": EMAIL, "<EMAIL_2>": "bob@example.org" });
    expect(restoreText(`${a} | ${b}`, r.mapping)).toBe(`mail ${EMAIL} or bob@example.org | again ${EMAIL}`);
  });

  it("uses the placeholder labels per category", () => {
    const m = new Masker({});
    const out = m.maskText(`${EMAIL} ${CARD} ${AWS} 536-22-1234 GB82WEST12345698765432 +1 415 555 2671`);
    expect(out).toBe("<EMAIL_1> <CARD_1> <SECRET_1> <TAX_ID_1> <IBAN_1> <PHONE_1>");
  });

  it("redacts, allows and blocks per category; block reports categories but no values", () => {
    const policy = PiiPolicySchema.parse({ email: "redact", credit_card: "block", secret: "allow" });
    const m = createMasker(policy);
    const out = m.maskText(`${EMAIL} ${CARD} ${AWS}`);
    expect(out).toBe(`[REDACTED:email] [REDACTED:credit_card] ${AWS}`);
    const r = m.result();
    expect(r.blockedCategories).toEqual(["credit_card"]);
    expect(r.counts).toEqual({ email: 1, credit_card: 1 });
    expect(JSON.stringify(r)).not.toContain("4111");
    expect(r.mapping).toEqual({});
  });

  it("keeps no mapping when the policy does not restore", () => {
    const m = createMasker({ restore: false });
    expect(m.maskText(EMAIL)).toBe("<EMAIL_1>");
    expect(m.result().mapping).toEqual({});
  });

  it("rejects unknown policy fields", () => {
    expect(PiiPolicySchema.safeParse({ emails: "mask" }).success).toBe(false);
    expect(PiiPolicySchema.safeParse({ email: "hide" }).success).toBe(false);
  });

  it("honours the allow list for technical tokens named like entities", () => {
    const text = "Nightjar runs on Graviton in Frankfurt.";
    const plain = createMasker({}).maskText(text);
    expect(plain).toContain("<LOCATION_1>");
    const listed = createMasker({}, { allow: ["Frankfurt"] }).maskText(text);
    expect(listed).toContain("in Frankfurt.");
    expect(listed).not.toContain("<LOCATION_");
  });
});

describe("maskJsonStrings", () => {
  it("masks OpenAI chat content, keys and tool-call arguments, leaving structure intact", () => {
    const body: JsonValue = {
      model: "gpt-4o",
      stream: true,
      messages: [
        { role: "system", content: "You help." },
        { role: "user", content: [{ type: "text", text: `card ${CARD}` }] },
        {
          role: "assistant",
          tool_calls: [
            {
              id: "call_abc123",
              type: "function",
              function: { name: "send_email", arguments: JSON.stringify({ to: EMAIL, [`note for ${AWS}`]: 1 }) },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_abc123", content: JSON.stringify({ [EMAIL]: "delivered" }) },
      ],
      tools: [{ type: "function", function: { name: "send_email", parameters: { type: "object", properties: { to: { type: "string" } } } } }],
    };
    const m = createMasker({});
    const out = maskJsonStrings(body, m);
    const s = serialized(out);
    for (const v of [EMAIL, "4111", AWS]) expect(s).not.toContain(v);
    expect(s).toContain('"model":"gpt-4o"');
    expect(s).toContain('"name":"send_email"');
    expect(s).toContain('"tool_call_id":"call_abc123"');
    expect(s).toContain('"stream":true');
    expect(s).toContain('"properties":{"to":{"type":"string"}}');
    const r = m.result();
    expect(r.counts).toEqual({ credit_card: 1, email: 2, secret: 1 });
    // Arguments are still valid JSON with the placeholder inside, and restore to the original.
    const msgs = (out as { messages: Array<{ tool_calls?: Array<{ function: { arguments: string } }> }> }).messages;
    const args = msgs[2]?.tool_calls?.[0]?.function.arguments ?? "";
    expect(JSON.parse(args)).toEqual({ to: "<EMAIL_1>", "note for <SECRET_1>": 1 });
    expect(serialized(JSON.parse(restoreText(s, r.mapping, { jsonEscape: true })))).toBe(serialized(body));
  });

  it("masks Anthropic system, tool_use input keys and tool_result, skipping base64 images", () => {
    const image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const body: JsonValue = {
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      system: `Operator contact ${EMAIL}`,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: image } },
            { type: "text", text: "hi" },
          ],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "lookup", input: { [EMAIL]: { card: CARD } } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: `found ${AWS}` }] },
      ],
    };
    const out = serialized(maskJsonStrings(body, createMasker({})));
    for (const v of [EMAIL, "4111", AWS]) expect(out).not.toContain(v);
    expect(out).toContain(image);
    expect(out).toContain('"name":"lookup"');
    expect(out).toContain('"input":{"<EMAIL_1>":{"card":"<CARD_1>"}}');
  });

  it("masks an OpenAI Responses body: instructions, input items, function calls and outputs", () => {
    const body: JsonValue = {
      model: "gpt-4.1",
      instructions: `Escalate to ${EMAIL}`,
      input: [
        { type: "message", role: "user", content: [{ type: "input_text", text: `card ${CARD}` }] },
        { type: "function_call", call_id: "call_9", name: "charge", arguments: JSON.stringify({ card: CARD }) },
        { type: "function_call_output", call_id: "call_9", output: JSON.stringify({ ok: true, key: AWS }) },
      ],
      tools: [{ type: "function", name: "charge", description: "Charge a card", parameters: { type: "object" } }],
      store: false,
    };
    const m = createMasker({});
    const out = serialized(maskJsonStrings(body, m));
    for (const v of [EMAIL, "4111", AWS]) expect(out).not.toContain(v);
    expect(out).toContain('"name":"charge"');
    expect(out).toContain('"call_id":"call_9"');
    expect(out).toContain('"type":"input_text"');
    expect(out).toContain('"store":false');
    expect(out).toContain(String.raw`"arguments":"{\"card\":\"<CARD_1>\"}"`);
    expect(m.result().counts).toEqual({ email: 1, credit_card: 2, secret: 1 });
  });

  it("finds a card number split across two consecutive messages", () => {
    const body: JsonValue = {
      messages: [
        { role: "user", content: "my card is 5555 5555" },
        { role: "user", content: "5555 4444 thanks" },
      ],
    };
    const m = createMasker({});
    const out = serialized(maskJsonStrings(body, m));
    expect(out).not.toMatch(/5555/);
    expect(out).toContain("my card is <CARD_1>");
    expect(m.result().mapping["<CARD_1>"]).toBe("5555 5555 5555 4444");
  });

  it("finds an email split across messages without a separator", () => {
    const m = createMasker({});
    const [a, b] = m.maskTexts(["write to jane.doe@", "example.com please"]);
    expect(`${a}${b}`).toBe("write to <EMAIL_1> please");
  });

  it("does not merge two complete neighbours into one value", () => {
    const m = createMasker({});
    expect(m.maskTexts(["to", EMAIL])).toEqual(["to", "<EMAIL_1>"]);
  });
});

describe("budget", () => {
  it("raises PiiBudgetError when the size budget is exceeded", () => {
    const m = createMasker({}, undefined, { maxChars: 1000 });
    expect(() => m.maskTexts(["a".repeat(600), "b".repeat(600)])).toThrow(PiiBudgetError);
    expect(m.failMode).toBe("closed");
  });

  it("raises PiiBudgetError when the entity budget is exceeded, and not when entities are allowed", () => {
    const prose = "Alice Walker met Bob Stone in Denver. ".repeat(100);
    const strict = createMasker({}, undefined, { maxEntityChars: 500 });
    const err = (() => {
      try {
        strict.maskText(prose);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(PiiBudgetError);
    expect(err instanceof PiiBudgetError && err.reason).toBe("entity_size");
    expect(err instanceof Error && err.message).not.toContain("Alice");
    const open = createMasker({ person: "allow", organization: "allow", location: "allow", address: "allow", failMode: "open" }, undefined, {
      maxEntityChars: 500,
    });
    expect(open.maskText(prose)).toBe(prose);
    expect(open.failMode).toBe("open");
  });
});
