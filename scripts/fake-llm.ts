// Runs the fake model provider on its own: `tsx scripts/fake-llm.ts --port 8788 [--key K] [--chunk 3]`.
import { parseArgs } from "node:util";
import { startFakeLlm } from "../test/support/fake-llm.js";

const { values } = parseArgs({
  options: { port: { type: "string", default: "8788" }, key: { type: "string" }, chunk: { type: "string", default: "3" } },
});
const fake = await startFakeLlm({ port: Number(values.port), chunkSize: Number(values.chunk), ...(values.key ? { apiKey: values.key } : {}) });
console.log(`fake LLM provider on ${fake.url} (OpenAI: ${fake.url}/v1, Anthropic: ${fake.url})`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
