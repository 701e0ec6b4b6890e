// Starts the local servers the Workers tests talk to (loopback only) and hands their URLs to
// the test runtime through `provide`; vitest.config.ts turns them into bindings.
import type { TestProject } from "vitest/node";
import { startTargetServer } from "./target-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    targetUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const target = await startTargetServer();
  project.provide("targetUrl", target.url);
  return async () => {
    await target.close();
  };
}
