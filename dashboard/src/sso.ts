// Sign-in additions: "Sign in with <provider>" found from the e-mail's domain, and the second
// step of a password login (a TOTP code or a recovery code; enrolment when an org requires MFA).
import { get, post } from "./api.js";
import { h } from "./dom.js";
import { errorBox } from "./ui.js";

/** An e-mail field that looks up the org's identity provider and offers its button. */
export function ssoSignIn(): HTMLElement {
  const email = h("input", { type: "email", name: "sso-email", autocomplete: "username", placeholder: "you@company.com", required: true });
  const result = h("div", { class: "sso-result" });
  const form = h(
    "form",
    {
      class: "sso",
      onsubmit: async (event: Event) => {
        event.preventDefault();
        result.replaceChildren();
        try {
          const found = (await get(`/sso/discover?email=${encodeURIComponent(email.value)}`)) as {
            sso: { displayName: string; startUrl: string } | null;
          };
          if (found.sso) {
            result.append(h("a", { class: "button primary", href: found.sso.startUrl }, `Sign in with ${found.sso.displayName}`));
          } else result.append(h("p", { class: "muted" }, "No single sign-on is set up for this domain; sign in with your password."));
        } catch (error) {
          result.append(errorBox(error));
        }
      },
    },
    h("label", {}, "Work e-mail", email),
    h("button", { type: "submit" }, "Continue with single sign-on"),
  );
  return h("section", { class: "sso-signin" }, h("h2", {}, "Single sign-on"), form, result);
}

export interface MfaChallenge {
  mfaToken: string;
  enrol: boolean;
}

export const isMfaChallenge = (value: unknown): value is MfaChallenge =>
  typeof value === "object" && value !== null && (value as { mfaRequired?: unknown }).mfaRequired === true;

/** The second step: enrol first if needed, then a code (or a recovery code); `done` once a session is set. */
export function mfaStep(challenge: MfaChallenge, done: (recoveryCodes?: string[]) => Promise<void>): HTMLElement {
  const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", placeholder: "123456" });
  const recovery = h("input", { name: "recoveryCode", autocomplete: "off", placeholder: "or a recovery code" });
  const status = h("div", {});
  const enrolBox = h("div", {});
  if (challenge.enrol) {
    void post("/login/mfa/enroll", { mfaToken: challenge.mfaToken })
      .then((value) => {
        const { secret, otpauthUri } = value as { secret: string; otpauthUri: string };
        enrolBox.append(
          h("p", {}, "Your organization requires an authenticator. Add this account to your authenticator app, then enter its code."),
          h("p", {}, h("code", {}, otpauthUri)),
          h("p", {}, "Secret: ", h("code", {}, secret)),
        );
      })
      .catch((error: unknown) => enrolBox.append(errorBox(error)));
  }
  const form = h(
    "form",
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        status.replaceChildren();
        const body = recovery.value.trim()
          ? { mfaToken: challenge.mfaToken, recoveryCode: recovery.value.trim() }
          : { mfaToken: challenge.mfaToken, code: code.value.trim() };
        try {
          const answer = (await post("/login/mfa", body)) as { recoveryCodes?: string[] };
          await done(answer.recoveryCodes);
        } catch (error) {
          status.append(errorBox(error));
        }
      },
    },
    h("label", {}, "Authenticator code", code),
    challenge.enrol ? null : h("label", {}, "Recovery code", recovery),
    h("button", { type: "submit", class: "primary" }, "Verify"),
  );
  return h("section", { class: "mfa-step" }, h("h2", {}, "Two-step verification"), enrolBox, status, form);
}
