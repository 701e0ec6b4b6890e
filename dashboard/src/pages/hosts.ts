// Sandbox hosts: enroll one with a one-time token (shown once), see status and heartbeat, revoke.
import { resourcePage } from "../resource.js";
import { badge, code, parseOne, secretDialog, when } from "../ui.js";

resourcePage({
  id: "hosts",
  title: "Hosts",
  noun: "host",
  intro: "On-prem sandbox hosts run agents' tools; each connects out to the edge over its own tunnel.",
  collection: "/hosts",
  item: "HostSchema",
  columns: [
    { label: "Name", value: (x) => x.name },
    { label: "Pool", value: (x) => code(x.pool) },
    { label: "Status", value: (x) => badge(x.status, x.status === "active" ? "ok" : "bad") },
    { label: "Tunnel", value: (x) => (x.connected ? badge("connected", "ok") : badge("offline")) },
    { label: "Version", value: (x) => x.version ?? "—" },
    { label: "Last heartbeat", value: (x) => when(x.lastHeartbeatAt) },
  ],
  empty: "Enroll a host: create a one-time token here, then start the sandbox host with it.",
  create: {
    schema: "HostEnrollmentCreateSchema",
    minRole: "admin",
    label: "Enroll a host",
    fields: () => ({ pool: { help: "Hosts in a pool share work; it is created if new." }, ttlMinutes: { label: "Token valid for (minutes)" } }),
    done: async (_ctx, created) => {
      const enrollment = parseOne("HostEnrollmentSchema", created);
      await secretDialog(
        `Enrollment token for pool ${enrollment.pool}`,
        enrollment.enrollmentToken,
        `Shown only once, usable once, valid until ${new Date(enrollment.expiresAt).toLocaleString()}. Give it to the sandbox host at its first start.`,
      );
    },
  },
  remove: {
    minRole: "admin",
    label: "Revoke",
    visible: (x) => x.status === "active",
    confirm: (x) => `Revoke host ${x.name}? Its tunnel is refused from now on.`,
  },
  card: true,
});
