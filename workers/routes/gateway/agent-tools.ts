// Agent gateway routes of the tools module: subagents, the agent's own memory and threads, and
// its guide (read only: every write path answers 403 to agents).
import type { Context } from "hono";
import { Hono } from "hono";
import type { z } from "zod";
import { ID_PREFIX, idOf, PageQuerySchema } from "../../../schema/api.js";
import { MemoryKeySchema, MemoryWriteSchema, MessageCreateSchema, SubagentCreateSchema, ThreadCreateSchema } from "../../../schema/tools.js";
import { createSubagent, endOwnSubagent } from "../../agents/lifecycle.js";
import { recordAudit } from "../../audit/audit.js";
import { makeDb } from "../../data/db.js";
import { OrgData } from "../../data/org-data.js";
import { decodeCursor, toPage } from "../../data/pagination.js";
import { ToolStore } from "../../data/tool-store.js";
import { AppError, notFound } from "../../errors.js";
import type { AppEnv } from "../../http/context.js";
import { readLimited } from "../../http/middleware.js";
import { rightsAfterBody } from "../../identity/authenticate.js";
import { guidePromptFor } from "../../tools/guide.js";
import { memoryView, messageView, threadView } from "../admin/agent-memory.js";

const BODY_LIMIT = 96 * 1024;

/** The request's body parsed by `schema`; the agent's rights read again when it came late (`always`: whenever it came). */
async function input<T extends z.ZodType>(c: Context<AppEnv>, schema: T, options: { always?: boolean } = {}): Promise<z.output<T>> {
  const text = await readLimited(c.req.raw, BODY_LIMIT);
  await rightsAfterBody(c, options);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    throw new AppError("validation_failed", `${issues[0]?.path || "body"}: ${issues[0]?.message ?? "invalid"}`, { details: { issues } });
  }
  return parsed.data;
}

function query<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.output<T> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw new AppError("validation_failed", "invalid query");
  return parsed.data;
}

function audit(
  c: Context<AppEnv>,
  action: string,
  resource: { type: string; id?: string | null },
  result: "success" | "denied",
  reason?: string,
  details?: Record<string, unknown>,
) {
  const { agent } = c.get("agent");
  return recordAudit(c.env, {
    orgId: agent.orgId,
    actor: { type: "agent", id: agent.id },
    action,
    resource,
    result,
    traceId: c.get("traceId"),
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
  });
}

const store = (c: Context<AppEnv>) => new ToolStore(makeDb(c.env.DB), c.get("agent").orgId);

export function agentToolRoutes() {
  const r = new Hono<AppEnv>();

  // ── subagents ────────────────────────────────────────────────────────────
  r.post("/subagents", async (c) => {
    // A mint writes rows from the parent's team, autonomy and limits: decided on the parent as it is now.
    const body = await input(c, SubagentCreateSchema, { always: true });
    let created: Awaited<ReturnType<typeof createSubagent>>;
    try {
      created = await createSubagent(c.env, c.get("rights"), body, c.get("agent").tokenId);
    } catch (error) {
      if (error instanceof AppError)
        await audit(c, "subagent.create", { type: "agent", id: null }, "denied", String(error.details?.reason ?? error.code));
      throw error;
    }
    const { agent: sub, token } = created;
    await audit(c, "subagent.create", { type: "agent", id: sub.id }, "success", undefined, {
      autonomy: sub.autonomy,
      tools: body.tools?.length ?? null,
    });
    return c.json(
      {
        id: sub.id,
        name: sub.name,
        parentAgentId: sub.parentAgentId,
        autonomy: sub.autonomy,
        teamId: sub.teamId,
        projectId: sub.projectId,
        token: token.token,
      },
      201,
    );
  });

  r.get("/subagents", async (c) => {
    const { agent } = c.get("agent");
    const rows = await new OrgData(makeDb(c.env.DB), agent.orgId).subagents(agent.id);
    return c.json({ items: rows.map((a) => ({ id: a.id, name: a.name, autonomy: a.autonomy, status: a.status })), nextCursor: null });
  });

  /** The parent ends one of its subagents: its tokens stop working and its sandboxes are killed. */
  r.delete("/subagents/:subagentId", async (c) => {
    const raw = c.req.param("subagentId");
    if (!idOf(ID_PREFIX.agent).safeParse(raw).success) throw notFound("subagent");
    const sub = await endOwnSubagent(c.env, c.get("rights"), raw, (p) => c.executionCtx.waitUntil(p));
    await audit(c, "subagent.end", { type: "agent", id: sub.id }, "success");
    return c.body(null, 204);
  });

  // ── guide: read only ─────────────────────────────────────────────────────
  r.get("/guide", async (c) => c.json({ prompt: await guidePromptFor(c.env, c.get("rights")) }));
  r.on(["POST", "PUT", "PATCH", "DELETE"], ["/guide", "/guides", "/guides/*"], async (c) => {
    await audit(c, "guide.write", { type: "guide", id: null }, "denied", "agents_cannot_edit_guides");
    throw new AppError("forbidden", "agents cannot edit Agent Guides");
  });

  // ── memory: only the calling agent's ────────────────────────────────────
  r.get("/memory", async (c) => {
    const q = query(c, PageQuerySchema);
    return c.json(toPage(await store(c).listMemory(c.get("agent").agentId, q, decodeCursor(q.cursor)), q.limit, memoryView));
  });
  const memoryKey = (raw: string) => {
    if (!MemoryKeySchema.safeParse(raw).success) throw notFound("memory entry");
    return raw;
  };
  r.get("/memory/:key", async (c) => {
    const row = await store(c).memory(c.get("agent").agentId, memoryKey(c.req.param("key")));
    if (!row) throw notFound("memory entry");
    return c.json(memoryView(row));
  });
  r.put("/memory/:key", async (c) => {
    const key = memoryKey(c.req.param("key"));
    const body = await input(c, MemoryWriteSchema);
    const row = await store(c).putMemory(c.get("agent").agentId, key, body.value);
    if (!row) throw new AppError("internal", "memory write returned nothing");
    await audit(c, "memory.write", { type: "memory", id: row.id }, "success");
    return c.json(memoryView(row));
  });
  r.delete("/memory/:key", async (c) => {
    const row = await store(c).removeMemory(c.get("agent").agentId, memoryKey(c.req.param("key")));
    if (!row) throw notFound("memory entry");
    await audit(c, "memory.delete", { type: "memory", id: row.id }, "success");
    return c.body(null, 204);
  });

  // ── threads: the calling agent's, each with one user ────────────────────
  r.post("/threads", async (c) => {
    const body = await input(c, ThreadCreateSchema);
    const s = store(c);
    if (!(await s.isMember(body.userId))) throw notFound("user");
    const row = await s.createThread(c.get("agent").agentId, body.userId, body.title ?? null);
    await audit(c, "thread.create", { type: "thread", id: row.id }, "success");
    return c.json(threadView(row), 201);
  });
  r.get("/threads", async (c) => {
    const { userId, ...rest } = c.req.query();
    const q = PageQuerySchema.safeParse(rest);
    if (!q.success || (userId !== undefined && !idOf(ID_PREFIX.user).safeParse(userId).success))
      throw new AppError("validation_failed", "invalid query");
    return c.json(toPage(await store(c).listThreads(c.get("agent").agentId, q.data, decodeCursor(q.data.cursor), userId), q.data.limit, threadView));
  });
  const ownThread = async (c: Context<AppEnv>) => {
    const raw = c.req.param("threadId") ?? "";
    if (!idOf(ID_PREFIX.thread).safeParse(raw).success) throw notFound("thread");
    // Scoped by the calling agent: another agent's thread id is simply not found.
    const row = await store(c).thread(c.get("agent").agentId, raw);
    if (!row) throw notFound("thread");
    return row;
  };
  r.get("/threads/:threadId", async (c) => c.json(threadView(await ownThread(c))));
  r.get("/threads/:threadId/messages", async (c) => {
    const thread = await ownThread(c);
    const q = query(c, PageQuerySchema);
    return c.json(toPage(await store(c).messages(thread.id, q, decodeCursor(q.cursor)), q.limit, messageView));
  });
  r.post("/threads/:threadId/messages", async (c) => {
    const thread = await ownThread(c);
    const body = await input(c, MessageCreateSchema);
    return c.json(messageView(await store(c).addMessage(thread.id, body.role, body.content)), 201);
  });
  return r;
}
