// Fixed secrets for the test runtime only; never used outside tests.
export const testSecrets = {
  BOOTSTRAP_TOKEN: "test-bootstrap-token-0123456789abcdef",
  SESSION_SIGNING_KEY: "dGVzdC1zZXNzaW9uLXNpZ25pbmcta2V5LTAxMjM0NTY3ODlhYmNkZWY=",
  VAULT_KEYS: "v2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,v1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
  /** Ed25519 private JWK that signs audit checkpoints (tests only). */
  AUDIT_CHECKPOINT_KEY:
    '{"crv":"Ed25519","d":"eNeXHP5Uz66Dxg-uOwauvKawpUtOvsu6rDUithOxjlQ","x":"7RlzmGUhxIxdBU5TMvpeSQ_ilb8txtVKDcsFdAfH0ao","kty":"OKP"}',
} as const;

/** The provider key the local fake LLM expects; tests store it as a vault credential. */
export const FAKE_LLM_KEY = "sk-fake-provider-key-0123456789";

/** The OpenID client Palisade is registered as at the local providers (test/support/oidc-provider.ts, fake-idp.ts). */
export const OIDC_CLIENT = {
  clientId: "palisade-test",
  clientSecret: "oidc-client-secret-0123456789abcdef",
  redirectUri: "https://palisade.test/api/v1/sso/callback",
} as const;
