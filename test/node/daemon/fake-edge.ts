// A local stand-in for the edge (127.0.0.1): enrollment, /tunnel (the real EdgeMux), /egress, /agent/v1/me and a few admin routes.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { z } from "zod";
import type { SandboxStatus } from "../../../schema/tunnel.js";
import { EdgeMux } from "../../../workers/tunnel/edge-mux.js";

export const ENROLL_TOKEN = "pal_host_enrolltestenrolltestenroll";
export const HOST_CREDENTIAL = "pal_hostkey_credentialtestcredentialtest";
export const AGENT_TOKEN = "pal_agent_agenttokentestagenttokentest";
export const API_KEY = "pal_key_apikeytestapikeytestapikey";
export const AGENT_ID = "agt_01jtestagent000000000000";
export const ORG_ID = "org_01jtestorg0000000000000000";

export interface EgressHit {
  target: string;
  method: string;
  /** Whether the agent token came as the Bearer credential (the value itself is not kept). */
  agentAuth: boolean;
}

export interface FakeEdge {
  url: string;
  statuses: SandboxStatus[];
  egress: EgressHit[];
  /** Requests that reached the edge's own API directly (path, agentAuth). */
  direct: EgressHit[];
  enrollments: number;
  agentsCreated: number;
  /** The current tunnel connection's mux once the host said hello. */
  mux(): Promise<EdgeMux>;
  /** Waits until a status matching `pred` arrived (bounded by the test's timeout). */
  waitStatus(pred: (s: SandboxStatus) => boolean): Promise<SandboxStatus>;
  /** Drops the current tunnel connection (the host reconnects). */
  dropTunnel(): void;
  /** While false, tunnel upgrades are refused with 503 (an edge that is down). */
  tunnelOpen: boolean;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const denied = (res: http.ServerResponse, status: number, code: string) => json(res, status, { error: { code, message: code } });

export async function startEdge(): Promise<FakeEdge> {
  const statuses: SandboxStatus[] = [];
  const statusWaiters: { pred: (s: SandboxStatus) => boolean; resolve: (s: SandboxStatus) => void }[] = [];
  let enrollUsed = false;
  let current: { ws: import("ws").WebSocket; ready: Promise<EdgeMux> } | null = null;
  let readyWaiters: ((m: EdgeMux) => void)[] = [];
  const agents: unknown[] = [];
  const edge: FakeEdge = {
    url: "",
    statuses,
    egress: [],
    direct: [],
    enrollments: 0,
    agentsCreated: 0,
    tunnelOpen: true,
    mux: () => (current ? current.ready : new Promise((resolve) => readyWaiters.push(resolve))),
    waitStatus: (pred) => {
      const hit = statuses.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => statusWaiters.push({ pred, resolve }));
    },
    dropTunnel: () => {
      current?.ws.terminate();
      current = null;
    },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    const url = req.url ?? "/";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      if (req.method === "POST" && url === "/api/v1/hosts/enroll") {
        if (auth !== `Bearer ${ENROLL_TOKEN}` || enrollUsed) return denied(res, 401, "unauthorized");
        const input: unknown = JSON.parse(body);
        if (typeof input !== "object" || input === null || !("name" in input)) return denied(res, 400, "bad_request");
        enrollUsed = true;
        edge.enrollments++;
        return json(res, 201, { hostId: "host_01jtesthost00000000000000", orgId: ORG_ID, pool: "default", credential: HOST_CREDENTIAL });
      }
      if (url.startsWith("/egress/")) {
        const target = url.slice("/egress/".length);
        edge.egress.push({ target, method: req.method ?? "", agentAuth: auth === `Bearer ${AGENT_TOKEN}` });
        if (auth !== `Bearer ${AGENT_TOKEN}`) return denied(res, 401, "unauthorized");
        if (new URL(target).hostname.startsWith("denied.")) return denied(res, 403, "egress_denied");
        return json(res, 200, { reached: target });
      }
      if (url.startsWith("/agent/v1/") || url.startsWith("/llm/")) {
        edge.direct.push({ target: url, method: req.method ?? "", agentAuth: auth === `Bearer ${AGENT_TOKEN}` });
        if (auth !== `Bearer ${AGENT_TOKEN}`) return denied(res, 401, "unauthorized");
        if (url === "/agent/v1/me")
          return json(res, 200, { id: AGENT_ID, orgId: ORG_ID, name: "test agent", teamId: null, projectId: null, parentAgentId: null, autonomy: 3 });
        return json(res, 200, { object: "list", data: [] });
      }
      if (url.startsWith("/api/v1/")) {
        if (auth !== `Bearer ${API_KEY}`) return denied(res, 401, "unauthorized");
        const path = url.split("?")[0];
        const created = "2026-11-25T00:00:00.000Z";
        if (path === "/api/v1/me")
          return json(res, 200, {
            user: { id: "usr_1", email: "a@example.com" },
            orgs: [{ id: ORG_ID, name: "Acme", role: "owner", createdAt: created }],
          });
        if (path === `/api/v1/orgs/${ORG_ID}/agents` && req.method === "GET") return json(res, 200, { items: agents, nextCursor: null });
        if (path === `/api/v1/orgs/${ORG_ID}/agents` && req.method === "POST") {
          const input = z.object({ name: z.string(), teamId: z.string().optional() }).parse(JSON.parse(body));
          const agent = {
            id: `agt_01jcreated${String(agents.length).padStart(15, "0")}`,
            orgId: ORG_ID,
            name: input.name,
            teamId: input.teamId ?? null,
            projectId: null,
            parentAgentId: null,
            createdBy: "usr_1",
            autonomy: 3,
            status: "active",
            tokenPrefix: "pal_agent_new",
            createdAt: created,
          };
          agents.push(agent);
          edge.agentsCreated++;
          return json(res, 201, { ...agent, token: "pal_agent_newtokenshownonce" });
        }
        if (path === `/api/v1/orgs/${ORG_ID}/hosts`)
          return json(res, 200, {
            items: [
              {
                id: "host_1",
                orgId: ORG_ID,
                name: "box",
                pool: "default",
                status: "active",
                connected: true,
                drivers: [{ name: "bwrap", isolation: "container", images: false }],
                images: 0,
                version: "palisade-host/0.1.0",
                lastHeartbeatAt: created,
                createdAt: created,
              },
            ],
            nextCursor: null,
          });
        return denied(res, 404, "not_found");
      }
      denied(res, 404, "not_found");
    });
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on("upgrade", (req, socket, head) => {
    if (!edge.tunnelOpen) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    if (req.url !== "/tunnel" || req.headers.authorization !== `Bearer ${HOST_CREDENTIAL}`) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let onReady = () => {};
      const mux = new EdgeMux(
        { send: (d) => ws.send(d), close: (c, r) => ws.close(c, r) },
        {
          hostId: "host-test",
          heartbeatMs: 1000,
          log: () => {},
          onReady: () => onReady(),
          onStatus: (s) => {
            statuses.push(s);
            for (const w of statusWaiters.filter((x) => x.pred(s))) {
              statusWaiters.splice(statusWaiters.indexOf(w), 1);
              w.resolve(s);
            }
          },
        },
      );
      const ready = new Promise<EdgeMux>((resolve) => {
        onReady = () => resolve(mux);
      });
      current = { ws, ready };
      void ready.then((m) => {
        const waiters = readyWaiters;
        readyWaiters = [];
        for (const w of waiters) w(m);
      });
      ws.on("message", (data, isBinary) => {
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        mux.handleMessage(isBinary ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf.toString("utf8"));
      });
      ws.on("close", (code) => mux.handleClose(`code ${code}`));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  edge.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return edge;
}
