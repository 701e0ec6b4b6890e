// Attack class: text that makes the PII scan's cost grow with the square of its length. The new
// password-label rule looks for the end of the line after every label it finds; in a text without
// line breaks each look reads to the end of the text, so a message or upload full of labels ("密码",
// "pwd") and no line break costs seconds of CPU per request: the scan overruns its 2 s time budget
// several times over before failing closed, and in production, where the Workers clock does not
// advance during computation, only the Worker's CPU limit ends it. The same text with line breaks
// is checked in a fraction of the time and passes; these tests assert that outcome for both.
//
// Measured wall time of single requests under the test pool (throwaway script, not asserted here):
// - LLM proxy, secret: mask, 1.3M characters: "密码" repeated 10.5 s → 422 pii_check_failed;
//   "密码\n" repeated 1.2 s → 200. "pwd " repeated 2.2 s → 422; "pwd\n" 0.3 s → 200.
// - egress, application/octet-stream under block: "pwd pwd pwd\0\1" repeated, 2 MiB 6.9 s, 3 MiB
//   13.6 s, 4 MiB 25.5 s (→ 422 could not be checked); "pwd Ab12345\0\1" 10 MiB 54 s; with "\n"
//   in place of "\1", 2 MiB 1.75-2.5 s (200, or 422 for time on a loaded machine), 3 MiB 0.5 s →
//   422 too large to check.
// - Node, detectPii on "pwd " repeated: 0.8M chars 1.8 s, 1.6M 8.4 s, 3.2M 33 s (quadratic).
import { beforeAll, describe, expect, it } from "vitest";
import { attachPolicy, chat, createAgent, fakeProviderOrg } from "../workers/support/fixtures.js";
import { egressPiiAgent, expectDelivered } from "./support/egress-pii.js";

// The scan's 2 s budget is wall time under the test pool: when the whole suite loads the machine a
// delivery control can overrun it once; a retry keeps a scan that is slow every time failing.
const LOADED_MACHINE = { retry: 2 };

/** `unit` repeated to `length` characters. */
const repeated = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

/** `unit` (latin-1) repeated to `length` bytes. */
function repeatedBytes(unit: string, length: number): Uint8Array {
  const codes = [...unit].map((c) => c.charCodeAt(0));
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = codes[i % codes.length] as number;
  return bytes;
}

describe("a chat message full of password labels and no line break", () => {
  let token: string;
  beforeAll(async () => {
    const org = await fakeProviderOrg("red12-cost-llm");
    const agent = await createAgent(org, { name: "labels" });
    await attachPolicy(org, { name: "mask secrets", pii: { secret: "mask" } }, { scope: "agent", id: agent.id });
    token = agent.token;
  });

  // 800,000 characters: checked in about a second on a loaded machine when the cost is linear
  // (1.3M came close to the 2 s budget under a full suite); quadratic, it took about 4 s.
  it("control: 800,000 characters of 密码 with line breaks are checked and sent", LOADED_MACHINE, async () => {
    expect((await chat(token, "gpt-test", repeated("密码\n", 800_000))).status).toBe(200);
  });

  it("attack: 800,000 characters of 密码 without line breaks are checked and sent too", LOADED_MACHINE, async () => {
    const res = await chat(token, "gpt-test", repeated("密码", 800_000));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
  });
});

describe("a binary upload whose text runs are password labels joined across control bytes", () => {
  let agent: { token: string };
  beforeAll(async () => {
    agent = await egressPiiAgent("red12-cost-binary");
  });

  const octet = (rawBody: Uint8Array) => ({ headers: { "content-type": "application/octet-stream" }, rawBody });

  // 1 MiB: with line breaks 2 MiB already takes 1.8-2.5 s of the 2 s budget under this pool.
  it("control: 1 MiB of 'pwd pwd pwd' runs with a line break in each gap are delivered", LOADED_MACHINE, async () => {
    await expectDelivered(agent, "/upload", octet(repeatedBytes("pwd pwd pwd\x00\n", 1024 * 1024)));
  });

  it("attack: 2 MiB of 'pwd pwd pwd' runs joined across two control bytes are delivered too", LOADED_MACHINE, async () => {
    await expectDelivered(agent, "/upload", octet(repeatedBytes("pwd pwd pwd\x00\x01", 2 * 1024 * 1024)));
  });
});
