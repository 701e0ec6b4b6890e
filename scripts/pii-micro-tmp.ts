import { createMasker, maskJsonStrings, createRestorer } from "../workers/pii/index.js";
import { restoreJsonText } from "../workers/llm/json.js";
const body = { model: "gpt-4o-mini", max_tokens: 64, messages: [{ role: "system", content: "You are a terse assistant." }, { role: "user", content: "Summarise the ticket from jane.doe@example.com (card 4111 1111 1111 1111, phone +1 415 555 0100) about the failed deploy of service api-gateway in us-east-1." }] };
const N = 5000;
let t = performance.now();
let mapping: any;
for (let i = 0; i < N; i++) { const m = createMasker({}, undefined, { entityCacheScope: "org_x" }); maskJsonStrings(body as any, m); mapping = m.result().mapping; }
console.log("mask µs/op", ((performance.now() - t) * 1000 / N).toFixed(1));
t = performance.now();
for (let i = 0; i < N; i++) { const m = createMasker({ person: "allow", organization: "allow", location: "allow" } as any, undefined, { entityCacheScope: "org_x" }); maskJsonStrings(body as any, m); }
console.log("mask patterns-only µs/op", ((performance.now() - t) * 1000 / N).toFixed(1));
const masked = JSON.stringify(maskJsonStrings(body as any, createMasker({}, undefined, { entityCacheScope: "org_x" })));
const reply = JSON.stringify({ id: "x", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: JSON.parse(masked).messages[1].content, refusal: null }, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 50, completion_tokens: 40, total_tokens: 90 } });
t = performance.now();
for (let i = 0; i < N; i++) restoreJsonText("chat", reply, () => createRestorer(mapping));
console.log("restore µs/op", ((performance.now() - t) * 1000 / N).toFixed(1));
