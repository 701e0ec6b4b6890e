// Red team 19: a provider error that echoes agent input (the model name) becomes an oracle on the
// provider key once any 12-byte run of it is redacted. Asserts the safe outcome.
import { describe, expect, it } from "vitest";
import { mapUpstreamError } from "../../workers/llm/upstream.js";

const KEY = "sk-proj-Rk3vT9qLm2Wx7Zb4Nc8Pd1Fg6Hj0Ks5Ly2Mt9Qw3Ev7Ra4Ub8Ic1Od6Pe0Sf5Tg";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** What the agent reads back for a request naming `model`, the provider answering like OpenAI does. */
async function errorFor(model: string): Promise<string> {
  const upstream = Response.json(
    {
      error: {
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
        type: "invalid_request_error",
        code: "model_not_found",
      },
    },
    { status: 404 },
  );
  const json = (await (await mapUpstreamError("openai", upstream, [KEY])).json()) as { error: { message: string } };
  return json.error.message;
}

describe("red19: provider errors as a redaction oracle", () => {
  it("attack: model names echoed in 404s do not let the agent rebuild the provider key", async () => {
    // Start: 11 bytes, the most the bound lets an echo show (e.g. a 400 quoting the key cut short;
    // for a 12-byte bound "sk-proj-" leaves only 3 to learn). The provider message keeps 2000
    // characters, room for 64 probes of 12 bytes per error answer.
    let known = KEY.slice(0, 11);
    let requests = 0;
    while (known && known.length < KEY.length && requests < 200) {
      const tail = known.slice(-11);
      const probes = [...ALPHABET].map((c) => tail + c);
      const msg = await errorFor(probes.join(" "));
      requests++;
      const seen = msg.slice(msg.indexOf("`") + 1, msg.lastIndexOf("`")).split(" ");
      const hits = probes.filter((_, k) => seen[k] === "[REDACTED]");
      if (hits.length !== 1) break;
      known += (hits[0] as string).slice(-1);
    }
    console.log(`provider key: rebuilt ${known.length}/${KEY.length} bytes in ${requests} error answers: ${known}`);
    expect(known.length).toBeLessThanOrEqual(11);
  });
});
