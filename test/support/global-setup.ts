// Starts the local servers the Workers tests talk to (loopback only) and hands their URLs to
// the test runtime through `provide`; vitest.config.ts turns them into bindings.
import type { TestProject } from "vitest/node";
import { startFakeLlm } from "./fake-llm.js";
import { FAKE_LLM_KEY } from "./secrets.js";
import { startTargetServer } from "./target-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    targetUrl: string;
    fakeLlmUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const target = await startTargetServer();
  project.provide("targetUrl", target.url);
  const fakeLlm = await startFakeLlm({ apiKey: FAKE_LLM_KEY });
  project.provide("fakeLlmUrl", fakeLlm.url);
  return async () => {
    await target.close();
    await fakeLlm.close();
  };
}
