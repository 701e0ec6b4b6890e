// "Accept an invitation": on the sign-in page (creates the account when none exists), on the
// no-organization page and on Organizations (signed in as the invited account).
import { post } from "./api.js";
import { h } from "./dom.js";
import { schemaForm } from "./forms.js";
import { parseOne } from "./ui.js";

export function acceptInvitationForm(signedIn: boolean, onAccepted: () => Promise<void>): HTMLElement {
  const form = schemaForm("InvitationAcceptSchema", {
    submitLabel: "Accept invitation",
    fields: {
      token: { label: "Invitation token", help: "The pal_invite_… token an admin of the organization sent you." },
      password: signedIn
        ? { hidden: true }
        : {
            label: "New account password",
            input: "password",
            help: "Only if you have no account yet: the password of your new account (leave empty if your admin set one). With an account, sign in first.",
          },
    },
    onSubmit: async (value) => {
      parseOne("InvitationAcceptedSchema", await post("/invitations/accept", value));
      await onAccepted();
    },
  });
  return h("details", { class: "create" }, h("summary", {}, "Accept an invitation"), form);
}
