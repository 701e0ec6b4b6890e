// Fixed secrets for the test runtime only; never used outside tests.
export const testSecrets = {
  BOOTSTRAP_TOKEN: "test-bootstrap-token-0123456789abcdef",
  SESSION_SIGNING_KEY: "dGVzdC1zZXNzaW9uLXNpZ25pbmcta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
  VAULT_KEYS: "v2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,v1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
} as const;

/** The provider key the local fake LLM expects; tests store it as a vault credential. */
export const FAKE_LLM_KEY = "sk-fake-provider-key-0123456789";
