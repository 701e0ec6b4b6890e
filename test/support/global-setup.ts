// Starts the local servers the Workers tests talk to (loopback only) and hands their URLs to
// the test runtime through `provide`; vitest.config.ts turns them into bindings.
import type { TestProject } from "vitest/node";
import { startFakeIdp } from "./fake-idp.js";
import { startFakeLlm } from "./fake-llm.js";
import { startOidcProvider } from "./oidc-provider.js";
import { FAKE_LLM_KEY } from "./secrets.js";
import { startMcpUpstream } from "./mcp-upstream.js";
import { startTargetServer } from "./target-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    targetUrl: string;
    fakeLlmUrl: string;
    mcpUpstreamUrl: string;
    oidcProviderUrl: string;
    fakeIdpUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const target = await startTargetServer();
  project.provide("targetUrl", target.url);
  const fakeLlm = await startFakeLlm({ apiKey: FAKE_LLM_KEY });
  project.provide("fakeLlmUrl", fakeLlm.url);
  const upstream = await startMcpUpstream();
  project.provide("mcpUpstreamUrl", upstream.url);
  const oidc = await startOidcProvider();
  project.provide("oidcProviderUrl", oidc.url);
  const fakeIdp = await startFakeIdp();
  project.provide("fakeIdpUrl", fakeIdp.url);
  return async () => {
    await oidc.close();
    await fakeIdp.close();
    await target.close();
    await fakeLlm.close();
    await upstream.close();
  };
}
