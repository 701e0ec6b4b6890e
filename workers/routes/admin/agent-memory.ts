// Admin-side view of one agent's memory and conversation threads (read; members see only their own threads).
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { ID_PREFIX, PageQuerySchema, page } from "../../../schema/api.js";
import { MemoryEntrySchema, MessageSchema, ThreadSchema } from "../../../schema/tools.js";
import { assertFound, hasRole, orgAccess, pathId } from "../../authz/org-access.js";
import { iso, makeDb } from "../../data/db.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { type MemoryRow, type MessageRow, type ThreadRow, ToolStore } from "../../data/tool-store.js";
import { visibleAgent } from "../../agents/lifecycle.js";
import { adminRouter, errors, itemParams, json, security } from "./kit.js";

export const agentMemoryRoutes = adminRouter();

export const memoryView = (m: MemoryRow) => ({
  id: m.id,
  agentId: m.agentId,
  key: m.key,
  value: m.value,
  createdAt: iso(m.createdAt),
  updatedAt: iso(m.updatedAt),
});
export const threadView = (t: ThreadRow) => ({ id: t.id, agentId: t.agentId, userId: t.userId, title: t.title, createdAt: iso(t.createdAt) });
export const messageView = (m: MessageRow) => ({ id: m.id, threadId: m.threadId, role: m.role, content: m.content, createdAt: iso(m.createdAt) });

const agentParams = itemParams("agentId");

async function setup(c: Parameters<typeof orgAccess>[0], orgId: string, agentId: string) {
  const access = await orgAccess(c, orgId);
  const agent = await visibleAgent(access, agentId);
  return { access, agent, store: new ToolStore(makeDb(c.env.DB), access.orgId) };
}

agentMemoryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents/{agentId}/memory",
    summary: "The agent's memory entries",
    security,
    request: { params: agentParams, query: PageQuerySchema },
    responses: { 200: json(page(MemoryEntrySchema), "memory"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const { agent, store } = await setup(c, orgId, agentId);
    const q = c.req.valid("query");
    return c.json(toPage(await store.listMemory(agent.id, q, decodeCursor(q.cursor)), q.limit, memoryView), 200);
  },
);

agentMemoryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents/{agentId}/threads",
    summary: "The agent's threads (admins: all; others: their own)",
    security,
    request: { params: agentParams, query: PageQuerySchema },
    responses: { 200: json(page(ThreadSchema), "threads"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId } = c.req.valid("param");
    const { access, agent, store } = await setup(c, orgId, agentId);
    const q = c.req.valid("query");
    const onlyUser = hasRole(access, "admin") ? undefined : access.userId;
    return c.json(toPage(await store.listThreads(agent.id, q, decodeCursor(q.cursor), onlyUser), q.limit, threadView), 200);
  },
);

agentMemoryRoutes.openapi(
  createRoute({
    method: "get",
    path: "/orgs/{orgId}/agents/{agentId}/threads/{threadId}/messages",
    security,
    request: { params: agentParams.extend({ threadId: z.string() }), query: PageQuerySchema },
    responses: { 200: json(page(MessageSchema), "messages, oldest first"), ...errors },
  }),
  async (c) => {
    const { orgId, agentId, threadId } = c.req.valid("param");
    const { access, agent, store } = await setup(c, orgId, agentId);
    const thread = assertFound(await store.thread(agent.id, pathId(ID_PREFIX.thread, threadId, "thread")), "thread");
    if (!hasRole(access, "admin") && thread.userId !== access.userId) assertFound(null, "thread");
    const q = c.req.valid("query");
    return c.json(toPage(await store.messages(thread.id, q, decodeCursor(q.cursor)), q.limit, messageView), 200);
  },
);
