// Test-only bindings added by vitest.config.ts on top of the generated Env.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("@cloudflare/vitest-plugin").D1Migration[];
    /** Base URL of the local echo target (test/support/target-server.ts). */
    TEST_TARGET_URL: string;
    /** Base URL of the local fake OpenAI/Anthropic provider (test/support/fake-llm.ts). */
    TEST_FAKE_LLM_URL: string;
    /** URL of the upstream MCP server fixture (test/support/mcp-upstream.ts). */
    TEST_MCP_UPSTREAM_URL: string;
    /** Issuer URL of the real OpenID provider (oidc-provider) started for the SSO tests. */
    TEST_OIDC_PROVIDER_URL: string;
    /** Issuer URL of the misbehaving jose-signed provider (test/support/fake-idp.ts). */
    TEST_FAKE_IDP_URL: string;
  }
}
