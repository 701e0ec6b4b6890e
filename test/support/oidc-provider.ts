// A real OpenID provider for the SSO tests: the `oidc-provider` package (OpenID Certified) on
// 127.0.0.1, with its development login and consent pages. Any login name signs in; a login
// "<local>@<domain>" gets that e-mail (verified) and the groups named after "+" in the local
// part ("ana+admins+eng@acme.test" is in groups admins and eng).
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";
import { OIDC_CLIENT } from "./secrets.js";

export interface RunningProvider {
  url: string;
  close(): Promise<void>;
}

export function claimsOfLogin(login: string) {
  const [local = ""] = login.split("@");
  const [, ...groups] = local.split("+");
  return { sub: login, email: login, email_verified: true, name: local, groups };
}

export async function startOidcProvider(): Promise<RunningProvider> {
  const { createServer } = await import("node:http");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    clients: [
      {
        client_id: OIDC_CLIENT.clientId,
        client_secret: OIDC_CLIENT.clientSecret,
        redirect_uris: [OIDC_CLIENT.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    async findAccount(_ctx, sub) {
      return { accountId: sub, claims: async () => claimsOfLogin(sub) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    // Put the scope's claims in the ID token (the relying party reads groups and e-mail from it).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["oidc-provider-test-cookie-key-0123456789"] },
  });
  provider.on("server_error", (_ctx, error) => console.error("oidc-provider server_error", error));
  server.on("request", provider.callback());
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
