// Members of the org and their roles.
import { resourcePage } from "../resource.js";
import { badge, when } from "../ui.js";

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
  empty: "Add people by email; new users get the password you set.",
  create: {
    schema: "MemberAddSchema",
    minRole: "admin",
    fields: () => ({ password: { help: "Only for a new user; existing users keep their password." } }),
  },
  update: { schema: "MemberUpdateSchema", minRole: "admin" },
  remove: { minRole: "admin", label: "Remove", confirm: (m) => `Remove ${m.email} from this organization? Their API keys here stop working.` },
  card: true,
});
