// Sandboxes: what runs on the sandbox hosts for agents, with status and stop / kill; start one
// for an agent on a host pool.
import { post } from "../api.js";
import { choices, resourcePage } from "../resource.js";
import { agentChoiceLabel, agentRef } from "../suspension.js";
import { badge, code, when } from "../ui.js";

const LIVE = ["pending", "starting", "running"];

resourcePage({
  id: "sandboxes",
  title: "Sandboxes",
  noun: "sandbox",
  intro: "Isolated processes on your sandbox hosts, one agent each. Stop sends SIGTERM then SIGKILL; kill ends it at once.",
  collection: "/sandboxes",
  item: "SandboxSchema",
  nameOf: (s) => s.id,
  columns: (ctx) => [
    { label: "Sandbox", value: (s) => code(s.id) },
    { label: "Agent", value: (s) => agentRef(ctx)(s.agentId) },
    { label: "Pool", value: (s) => code(s.pool) },
    { label: "Status", value: (s) => badge(s.state, s.state === "running" ? "ok" : s.state === "failed" ? "bad" : "") },
    { label: "Command", value: (s) => code(s.command.join(" ")) },
    { label: "Why", value: (s) => s.reason ?? (s.exitCode !== null ? `exit ${s.exitCode}` : "—") },
    { label: "Updated", value: (s) => when(s.updatedAt) },
  ],
  empty: "Start a sandbox for an agent on a pool of enrolled hosts.",
  create: {
    schema: "SandboxCreateSchema",
    minRole: "admin",
    label: "Start a sandbox",
    fields: (ctx) => ({
      agentId: { label: "Agent", options: choices(ctx, "/agents", "AgentSchema", agentChoiceLabel) },
      command: { help: 'JSON list, e.g. ["python3", "agent.py"]' },
      env: { help: 'JSON object of variables, e.g. {"MODE": "test"}' },
    }),
  },
  actions: [
    {
      label: () => "Stop",
      minRole: "admin",
      visible: (s) => LIVE.includes(s.state),
      confirm: (s) => `Stop sandbox ${s.id}?`,
      run: async (ctx, s) => void (await post(ctx.orgPath(`/sandboxes/${s.id}/stop`), {})),
      danger: true,
    },
    {
      label: () => "Kill",
      minRole: "admin",
      visible: (s) => LIVE.includes(s.state),
      confirm: (s) => `Kill sandbox ${s.id} now (no grace period)?`,
      run: async (ctx, s) => void (await post(ctx.orgPath(`/sandboxes/${s.id}/stop`), { force: true })),
      danger: true,
    },
  ],
  card: true,
});
