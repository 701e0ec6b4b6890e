// Daemon side of the edge<->host tunnel: keeps the WebSocket up, performs forwarded HTTP requests, runs commands.
import { EventEmitter } from "node:events";
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { HOP_BY_HOP_HEADERS } from "../hop-by-hop.js";
import {
  EdgeToHostFrame,
  type HostToEdgeFrame,
  HEARTBEAT_PING,
  INITIAL_WINDOW,
  MAX_CHUNK_BYTES,
  MAX_FRAME_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type SandboxStartCommand,
  type SandboxStatus,
  type TunnelCommand,
  type TunnelErrorCode,
  decodeBinaryFrame,
  encodeData,
  encodeResponse,
  encodeText,
  headersFitFrame,
  parseTextFrame,
  refusedCommand,
} from "../../../schema/tunnel.js";
import type { HostCapabilities, SandboxRuntime } from "../../../schema/sandbox.js";

/** What the sandbox manager implements; the tunnel only transports the commands. */
export interface CommandHandler {
  /** Starts the sandbox; resolves with what it runs on (for the ack), if the handler knows. */
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers that know nothing of runtimes return Promise<void>
  start(cmd: SandboxStartCommand): Promise<SandboxRuntime | void>;
  stop(sandboxId: string, graceMs?: number): Promise<void>;
  kill(sandboxId: string): Promise<void>;
}

export type TunnelLog = (event: string, fields?: Record<string, string | number | boolean | undefined>) => void;

export interface TunnelClientOptions {
  /** Edge base URL (http(s)://…); the client connects to <edge>/tunnel over ws(s). */
  edgeUrl: string;
  /** The host credential from enrollment, sent as a Bearer token; a function is re-read on every connect. */
  credential: string | (() => string | Promise<string>);
  handler: CommandHandler;
  /** Ping interval; the edge's hello.ack may only shorten it. */
  heartbeatMs?: number;
  /** The link is declared dead after this many ping intervals without a pong. */
  missedPongs?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  /** Time allowed for an internal target to answer with a response head. */
  targetTimeoutMs?: number;
  /** Refuses targets the host must not reach even if the edge asks (defaults to any http/https URL). */
  allowTarget?: (url: URL) => boolean;
  agent?: string;
  log?: TunnelLog;
  /** What this host can run, sent with hello on every connection (setCapabilities() updates it). */
  capabilities?: HostCapabilities;
}

/** Headers that describe one hop and must not cross the tunnel. */
const HOP_BY_HOP = new Set(HOP_BY_HOP_HEADERS);
const CREDIT_BATCH = INITIAL_WINDOW / 4;

interface HostStream {
  id: number;
  req: http.ClientRequest;
  res: http.IncomingMessage | null;
  /** Response bytes we may still send to the edge. */
  sendWindow: number;
  /** Request-body bytes the edge may still send us. */
  recvWindow: number;
  unreturnedCredit: number;
  pending: Buffer[];
  /** The response head, until it is sent (with the first flush: alone, or joined with the whole body). */
  head: Extract<HostToEdgeFrame, { t: "res" }> | null;
  resEnded: boolean;
  /** The head said no body follows (HEAD, 204, 304): it ends the stream by itself. */
  bodyless: boolean;
  done: boolean;
}

export class TunnelClient extends EventEmitter {
  #capabilities: HostCapabilities | undefined;
  readonly #opts: TunnelClientOptions;
  readonly #log: TunnelLog;
  readonly #streams = new Map<number, HostStream>();
  readonly #agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  #ws: WebSocket | null = null;
  #ready = false;
  #stopped = true;
  #attempt = 0;
  #heartbeatMs: number;
  #lastPongAt = 0;
  #pingTimer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #highestStreamId = 0;
  /** Streams with target events to send, flushed together once per turn of the event loop. */
  readonly #flushQueue = new Set<HostStream>();
  /** The current connection's TCP/TLS socket (from the upgrade response), corked around a batch of flushes. */
  #socket: Duplex | null = null;
  /** The version this connection's hello offered; the edge's ack settles it (joined frames from 2 on). */
  #version: number = PROTOCOL_VERSION;

  constructor(opts: TunnelClientOptions) {
    super();
    this.#opts = opts;
    this.#capabilities = opts.capabilities;
    this.#log = opts.log ?? ((event, fields) => console.warn(JSON.stringify({ event, ...fields })));
    this.#heartbeatMs = opts.heartbeatMs ?? 15_000;
  }

  /** True once the edge acknowledged hello on the current connection. */
  get connected(): boolean {
    return this.#ready;
  }

  get inflight(): number {
    return this.#streams.size;
  }

  /** Replaces what the host advertises; sent at once when the link is up, else with the next hello. */
  setCapabilities(capabilities: HostCapabilities): void {
    this.#capabilities = capabilities;
    if (this.#ready) this.#send(encodeText({ t: "capabilities", capabilities }));
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      ws.close(1000, "host stopping");
      await closed;
    }
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  /** Reports a sandbox state change; false when the link is down (the caller re-sends on reconnect). */
  sendStatus(status: SandboxStatus): boolean {
    if (!this.#ready) return false;
    return this.#send(encodeText({ t: "sandbox.status", ...status }));
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const cred = typeof this.#opts.credential === "string" ? this.#opts.credential : await this.#opts.credential();
    if (this.#stopped) return;
    const url = new URL("/tunnel", this.#opts.edgeUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${cred}` },
      // Frames above MAX_FRAME_BYTES are refused one by one (error frame); only far larger ones drop the link.
      maxPayload: 4 * MAX_FRAME_BYTES,
      perMessageDeflate: false,
      // A zero mask lets ws skip the XOR pass over every payload. Masking protects plaintext
      // intermediaries from browser-crafted bytes; this is a daemon, and production runs over wss.
      generateMask: (mask: Buffer) => void mask.fill(0),
    });
    this.#ws = ws;
    ws.on("upgrade", (res) => {
      this.#socket = res.socket;
    });
    ws.on("open", () => {
      this.#lastPongAt = Date.now();
      this.#sayHello(PROTOCOL_VERSION);
      this.#startHeartbeat();
      this.emit("open");
    });
    ws.on("unexpected-response", (_req, res) => {
      // 401/403 here means the credential was refused (e.g. revoked); retried with backoff.
      this.#log("tunnel.upgrade_refused", { status: res.statusCode });
      this.emit("refused", res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("error", (err) => this.#log("tunnel.socket_error", { error: err.name }));
    ws.on("close", (code) => this.#onClose(ws, code));
  }

  #sayHello(version: number): void {
    this.#version = version;
    const capabilities = this.#capabilities;
    this.#send(
      encodeText({
        t: "hello",
        v: version,
        ...(this.#opts.agent ? { agent: this.#opts.agent } : {}),
        ...(capabilities ? { capabilities } : {}),
      }),
    );
  }

  #onClose(ws: WebSocket, code: number): void {
    if (this.#ws !== ws) return;
    this.#ws = null;
    this.#socket = null;
    const wasReady = this.#ready;
    this.#ready = false;
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = null;
    // In-flight requests cannot complete without the link: abort them now rather than leak them.
    for (const s of [...this.#streams.values()]) this.#endStream(s, new Error("tunnel closed"));
    this.#highestStreamId = 0;
    if (wasReady) this.emit("disconnected", code);
    if (this.#stopped) return;
    const base = this.#opts.backoff?.baseMs ?? 500;
    const max = this.#opts.backoff?.maxMs ?? 30_000;
    // Full jitter: uniform in [0, min(max, base * 2^attempt)], so a fleet does not reconnect in lockstep.
    const ceiling = Math.min(max, base * 2 ** Math.min(this.#attempt, 30));
    const delay = Math.floor(Math.random() * ceiling);
    this.#attempt++;
    this.emit("reconnecting", delay);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#connect();
    }, delay);
  }

  #startHeartbeat(): void {
    if (this.#pingTimer) clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      const missed = this.#opts.missedPongs ?? 2;
      if (Date.now() - this.#lastPongAt > this.#heartbeatMs * missed) {
        this.#log("tunnel.heartbeat_timeout", {});
        this.emit("heartbeat-timeout");
        this.#ws?.terminate();
        return;
      }
      this.#send(HEARTBEAT_PING);
    }, this.#heartbeatMs);
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary) {
      const text = buf.toString("utf8");
      const parsed = parseTextFrame(EdgeToHostFrame, text);
      if (!parsed.ok) {
        // A command that fails validation is refused by itself, so the edge learns why at once.
        const refused = this.#ready && parsed.code === "bad_frame" ? refusedCommand(text) : undefined;
        if (!refused) return this.#refuse(parsed.code, parsed.message);
        this.#log("tunnel.command_refused", { code: "bad_command" });
        this.#send(encodeText({ t: "cmd.ack", id: refused.id, ok: false, error: { code: "bad_command", message: refused.message } }));
        return;
      }
      return this.#onFrame(parsed.frame);
    }
    const d = decodeBinaryFrame(buf);
    // The edge sends body bytes only (kinds 1 and 2); a whole response is the host's to send.
    if (d?.kind !== "data") return this.#refuse(buf.byteLength > MAX_FRAME_BYTES ? "frame_too_large" : "bad_frame", "bad binary frame");
    if (!this.#ready) return this.#refuse("not_ready", "data before hello.ack");
    const s = this.#streams.get(d.id);
    if (!s) return this.#unknownStream(d.id, "data");
    const n = d.payload.byteLength;
    if (n > s.recvWindow) return this.#resetStream(s, "flow_control", "window exceeded");
    s.recvWindow -= n;
    // Credit goes back once the bytes are handed to the kernel, so a slow target slows the edge.
    if (n > 0) s.req.write(Buffer.from(d.payload), () => this.#returnCredit(s, n));
    if (d.end) s.req.end();
  }

  #onFrame(f: EdgeToHostFrame): void {
    if (f.t === "hello.ack") {
      this.#ready = true;
      this.#version = Math.min(this.#version, f.v);
      this.#attempt = 0;
      this.#lastPongAt = Date.now();
      // The edge sets the longest interval it tolerates; a shorter local setting is kept.
      const interval = Math.min(f.heartbeatMs, this.#opts.heartbeatMs ?? f.heartbeatMs);
      if (interval !== this.#heartbeatMs) {
        this.#heartbeatMs = interval;
        this.#startHeartbeat();
      }
      this.emit("connected");
      return;
    }
    if (!this.#ready && f.t === "error") {
      // The edge refused the hello. An edge older than this host refuses version 2: say it again
      // in the oldest version. Otherwise start over later; an error is never answered with one
      // (two refusing peers would trade them without end).
      if (this.#version > MIN_PROTOCOL_VERSION) {
        this.#log("tunnel.hello_downgraded", { from: this.#version, to: MIN_PROTOCOL_VERSION });
        return this.#sayHello(MIN_PROTOCOL_VERSION);
      }
      this.#log("tunnel.hello_refused", { code: f.code });
      this.#ws?.terminate();
      return;
    }
    if (!this.#ready) return this.#refuse("not_ready", "frame before hello.ack");
    switch (f.t) {
      case "ping":
        this.#send(encodeText({ t: "pong" }));
        return;
      case "pong":
        this.#lastPongAt = Date.now();
        return;
      case "error":
        this.#log("tunnel.peer_error", { code: f.code, stream: f.id });
        return;
      case "cmd":
        void this.#runCommand(f.id, f.cmd);
        return;
      case "req":
        return this.#openStream(f);
      default:
        break;
    }
    const s = this.#streams.get(f.id);
    if (!s) return this.#unknownStream(f.id, f.t);
    switch (f.t) {
      case "end":
        s.req.end();
        return;
      case "credit":
        s.sendWindow += f.bytes;
        this.#flush(s);
        return;
      case "reset":
        this.#endStream(s, new Error(`edge reset the stream (${f.code})`));
        return;
    }
  }

  async #runCommand(id: string, cmd: TunnelCommand): Promise<void> {
    try {
      let runtime: SandboxRuntime | undefined;
      if (cmd.op === "sandbox.start") runtime = (await this.#opts.handler.start(cmd)) ?? undefined;
      else if (cmd.op === "sandbox.stop") await this.#opts.handler.stop(cmd.sandboxId, cmd.graceMs);
      else await this.#opts.handler.kill(cmd.sandboxId);
      this.#send(encodeText({ t: "cmd.ack", id, ok: true, ...(runtime ? { runtime } : {}) }));
    } catch (e) {
      const message = (e instanceof Error ? e.message : "command failed").slice(0, 512);
      const code = (e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : "command_failed").slice(0, 64);
      this.#log("tunnel.command_failed", { op: cmd.op, code });
      this.#send(encodeText({ t: "cmd.ack", id, ok: false, error: { code, message } }));
    }
  }

  #openStream(f: Extract<EdgeToHostFrame, { t: "req" }>): void {
    if (this.#streams.has(f.id)) return this.#refuse("stream_exists", "stream id in use", f.id);
    this.#highestStreamId = Math.max(this.#highestStreamId, f.id);
    const url = new URL(f.url);
    const allowed = (url.protocol === "http:" || url.protocol === "https:") && (this.#opts.allowTarget?.(url) ?? true);
    if (!allowed) {
      this.#send(encodeText({ t: "reset", id: f.id, code: "target_error", message: "target refused by this host" }));
      return;
    }
    // An object (not raw pairs) so Node still adds Host; repeated names keep every value.
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of f.headers) {
      const name = k.toLowerCase();
      if (HOP_BY_HOP.has(name)) continue;
      const prev = headers[name];
      headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, {
      method: f.method,
      headers,
      agent: url.protocol === "https:" ? this.#agents.https : this.#agents.http,
      timeout: this.#opts.targetTimeoutMs ?? 30_000,
    });
    const s: HostStream = {
      id: f.id,
      req,
      res: null,
      sendWindow: INITIAL_WINDOW,
      recvWindow: INITIAL_WINDOW,
      unreturnedCredit: 0,
      pending: [],
      head: null,
      resEnded: false,
      bodyless: false,
      done: false,
    };
    this.#streams.set(f.id, s);
    req.on("timeout", () => this.#resetStream(s, "timeout", "target did not answer in time"));
    req.on("error", (err) => {
      if (s.done) return;
      this.#log("tunnel.target_error", { stream: s.id, error: err.name });
      this.#resetStream(s, "target_error", "target unreachable");
    });
    req.on("response", (res) => {
      s.res = res;
      req.setTimeout(0);
      const headerPairs: [string, string][] = [];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
        const k = res.rawHeaders[i] ?? "";
        if (!HOP_BY_HOP.has(k.toLowerCase())) headerPairs.push([k, res.rawHeaders[i + 1] ?? ""]);
      }
      const status = res.statusCode ?? 502;
      const hasBody = f.method !== "HEAD" && status !== 204 && status !== 304;
      // Beyond what a head frame carries (over 256 headers, a name over 256 characters): the edge would refuse it.
      if (!headersFitFrame(headerPairs)) return this.#resetStream(s, "target_error", "the target's response head is beyond what the tunnel carries");
      s.head = { t: "res", id: s.id, status: status < 200 || status > 599 ? 502 : status, headers: headerPairs, body: hasBody };
      s.bodyless = !hasBody;
      if (!hasBody) {
        res.resume();
        s.resEnded = true;
        this.#flush(s);
        return;
      }
      res.on("data", (chunk: Buffer) => {
        s.pending.push(chunk);
        this.#queueFlush(s);
      });
      res.on("end", () => {
        s.resEnded = true;
        this.#queueFlush(s);
      });
      this.#queueFlush(s);
      res.on("error", () => this.#resetStream(s, "target_error", "target response failed"));
    });
    if (!f.body) req.end();
  }

  /**
   * Flushes once the target's events of this turn are in: a small answer's head, body and end
   * usually arrive together and then leave as one frame (version 2), not three. The streams ready
   * in one turn are flushed together with the socket corked, so their frames share one write.
   */
  #queueFlush(s: HostStream): void {
    if (this.#flushQueue.size === 0) setImmediate(() => this.#flushQueued());
    this.#flushQueue.add(s);
  }

  #flushQueued(): void {
    const socket = this.#socket;
    socket?.cork();
    for (const s of this.#flushQueue) this.#flush(s);
    this.#flushQueue.clear();
    socket?.uncork();
  }

  /** Sends the head and buffered response bytes within the window; pauses the target while the edge has no credit. */
  #flush(s: HostStream): void {
    if (s.done) return;
    const joined = this.#version >= 2;
    if (s.head) {
      const head = s.head;
      s.head = null;
      const whole = joined && s.resEnded ? wholeBody(s.pending, Math.min(s.sendWindow, MAX_CHUNK_BYTES)) : undefined;
      if (whole) {
        this.#send(encodeResponse(head, whole));
        s.sendWindow -= whole.byteLength;
        return this.#finished(s);
      }
      if (!this.#send(encodeText(head))) return;
    }
    while (s.pending.length > 0 && s.sendWindow > 0) {
      const first = s.pending[0]!;
      const n = Math.min(first.byteLength, s.sendWindow, MAX_CHUNK_BYTES);
      const last = joined && s.resEnded && s.pending.length === 1 && n === first.byteLength;
      if (!this.#send(encodeData(s.id, first.subarray(0, n), last))) return;
      s.sendWindow -= n;
      if (n === first.byteLength) s.pending.shift();
      else s.pending[0] = first.subarray(n);
      if (last) return this.#finished(s);
    }
    if (s.pending.length > 0) s.res?.pause();
    else if (s.resEnded) {
      // A bodiless head (HEAD, 204, 304) ended its stream already.
      if (!s.bodyless) this.#send(encodeText({ t: "end", id: s.id }));
      this.#finished(s);
    } else s.res?.resume();
  }

  /** The stream's response went out whole (its end included). */
  #finished(s: HostStream): void {
    s.done = true;
    this.#streams.delete(s.id);
    // A target that answered before reading the whole request: the rest of it is not sent.
    if (!s.req.writableEnded) s.req.destroy();
  }

  #returnCredit(s: HostStream, n: number): void {
    if (s.done) return;
    s.unreturnedCredit += n;
    if (s.unreturnedCredit >= CREDIT_BATCH) {
      s.recvWindow += s.unreturnedCredit;
      this.#send(encodeText({ t: "credit", id: s.id, bytes: s.unreturnedCredit }));
      s.unreturnedCredit = 0;
    }
  }

  #resetStream(s: HostStream, code: TunnelErrorCode, message: string): void {
    if (s.done) return;
    this.#log("tunnel.stream_reset", { stream: s.id, code });
    this.#send(encodeText({ t: "reset", id: s.id, code, message }));
    this.#endStream(s, new Error(message));
  }

  #endStream(s: HostStream, err: Error): void {
    if (s.done) return;
    s.done = true;
    this.#streams.delete(s.id);
    s.pending.length = 0;
    s.req.destroy(err);
    s.res?.destroy();
  }

  /** Frames for a stream that already ended are a normal race; ids never opened are refused. */
  #unknownStream(id: number, what: string): void {
    if (id <= this.#highestStreamId) return;
    this.#refuse("unknown_stream", `${what} for an unknown stream`, id);
  }

  #refuse(code: TunnelErrorCode, message: string, id?: number): void {
    this.#log("tunnel.frame_refused", { code, stream: id });
    this.#send(encodeText(id === undefined ? { t: "error", code, message } : { t: "error", id, code, message }));
  }

  #send(data: string | Uint8Array): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(data);
    return true;
  }
}

/** The buffered body as one payload when it fits `limit` bytes, else undefined. */
function wholeBody(chunks: Buffer[], limit: number): Buffer | undefined {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  if (total > limit) return undefined;
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}
