// Invitations of the org: who was invited, with which role, and whether they accepted; revoke a pending one.
import { resourcePage } from "../resource.js";
import { badge, when } from "../ui.js";

const TONE = { pending: "", accepted: "ok", revoked: "bad", expired: "bad" } as const;

resourcePage({
  id: "invitations",
  title: "Invitations",
  noun: "invitation",
  minRole: "admin",
  intro: "Invite people from Members. An invitation's token is shown once; it expires after 7 days.",
  collection: "/invitations",
  item: "InvitationSchema",
  nameOf: (i) => i.email,
  columns: [
    { label: "Email", value: (i) => i.email },
    { label: "Role", value: (i) => badge(i.role, i.role === "member" ? "" : "strong") },
    { label: "Status", value: (i) => badge(i.status, TONE[i.status]) },
    { label: "Expires", value: (i) => when(i.expiresAt) },
    { label: "Invited", value: (i) => when(i.createdAt) },
  ],
  empty: "No invitations yet.",
  remove: {
    minRole: "admin",
    label: "Revoke",
    visible: (i) => i.status === "pending",
    confirm: (i) => `Revoke the invitation for ${i.email}? Its token is refused from now on.`,
  },
});
