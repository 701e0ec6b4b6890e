// Members of the org and their roles; people join by accepting an invitation (pages/invitations.ts).
import { resourcePage } from "../resource.js";
import { badge, parseOne, secretDialog, when } from "../ui.js";

resourcePage({
  id: "members",
  title: "Members",
  noun: "member",
  intro: "People in this organization. Owners and admins manage everything; members see their teams' agents.",
  collection: "/members",
  item: "MemberSchema",
  nameOf: (m) => m.email,
  columns: [
    { label: "Email", value: (m) => m.email },
    { label: "Role", value: (m) => badge(m.role, m.role === "member" ? "" : "strong") },
    { label: "Since", value: (m) => when(m.createdAt) },
  ],
  empty: "Invite people by email; they join once they accept.",
  create: {
    schema: "MemberAddSchema",
    minRole: "admin",
    label: "Invite member",
    fields: () => ({
      password: {
        input: "password",
        help: "Optional: the first password of their account, used only if they have no account yet and accept without choosing one.",
      },
    }),
    done: async (ctx, created) => {
      const invitation = parseOne("InvitationCreatedSchema", created);
      await secretDialog(
        `Invitation for ${invitation.email}`,
        invitation.token,
        `Send this token to ${invitation.email}; it is shown only this once and expires ${when(invitation.expiresAt)}. They accept it on the sign-in page (or under Organizations when signed in). Nobody joins before accepting.`,
      );
      ctx.go("invitations");
    },
  },
  update: { schema: "MemberUpdateSchema", minRole: "admin" },
  remove: { minRole: "admin", label: "Remove", confirm: (m) => `Remove ${m.email} from this organization? Their API keys here stop working.` },
  card: true,
});
